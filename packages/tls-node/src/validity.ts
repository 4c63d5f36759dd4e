/**
 * An expired or not-yet-valid certificate, said with tls-core's one message (validity-failure.ts)
 * from what node:crypto reads of the certificates: OpenSSL's own error ("certificate has
 * expired") names neither the certificate nor its dates. Shared with tls-openssl, which drives
 * the same OpenSSL.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { failsValidity, validityFailure, type CertificateValidity, type CertificateVerificationError, type ChainPosition } from '@unitls/tls-core';

/** The most certificates walked up a peer's chain (OpenSSL's default depth is 100; real chains have 2-4). */
const MAX_CHAIN = 16;

/** The subject as "CN=a, O=b": node:crypto gives one attribute per line. */
export function subjectText(certificate: X509Certificate): string {
  return certificate.subject.split('\n').join(', ');
}

/** A certificate's subject and validity period, as node:crypto reads them. */
export function validityOf(certificate: X509Certificate): CertificateValidity {
  return { subject: subjectText(certificate), notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
}

/** Where `certificate` sits, `depth` places above the leaf (0: the leaf; a self-signed CA: the anchor). */
export function positionOf(certificate: X509Certificate, depth: number): ChainPosition {
  if (depth === 0) return 'leaf';
  return certificate.checkIssued(certificate) && certificate.ca ? 'anchor' : 'intermediate';
}

/** OpenSSL's verification codes for the two validity failures (X509_V_ERR_CERT_HAS_EXPIRED, _NOT_YET_VALID). */
const OPENSSL_VALIDITY_CODES = { expired: 'CERT_HAS_EXPIRED', 'not-yet-valid': 'CERT_NOT_YET_VALID' } as const;

/**
 * The error naming the certificate of `chain` (leaf first, the trust anchor last when known)
 * nearest the leaf that is outside its validity period at `time`, expired or not yet valid
 * (tls-core validity-failure.ts gives the rule and why); null when none is (the caller keeps
 * OpenSSL's words then). `code`: OpenSSL's verification code, kept as `verifyCode` when it is
 * about that certificate's reason; OpenSSL's code for the other reason when not (OpenSSL reports
 * the failure it met first, the one nearest the anchor, or with a callback that goes on, the last).
 */
export function validityVerdict(chain: readonly X509Certificate[], time: Date, code: string, cause: unknown): CertificateVerificationError | null {
  for (const [depth, certificate] of chain.entries()) {
    const validity = validityOf(certificate);
    for (const reason of ['expired', 'not-yet-valid'] as const) {
      if (!failsValidity(reason, validity, time)) continue;
      const verifyCode = Object.values(OPENSSL_VALIDITY_CODES).includes(code as never) ? OPENSSL_VALIDITY_CODES[reason] : code;
      return validityFailure(reason, validity, positionOf(certificate, depth), time, { verifyCode, cause });
    }
  }
  return null;
}

/**
 * The peer's chain as OpenSSL verified it, leaf first, with the trust anchor from the trust store
 * when the peer did not send it (node:tls's getPeerCertificate(true) looks the last issuer up in
 * the context's store; getPeerX509Certificate's issuerCertificate links only what the peer sent,
 * so an expired root was never named: break13). At most {@link MAX_CHAIN}; the peer's own
 * {@link issuerChain} when the detailed certificate is not there.
 */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  try {
    for (let at: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); at?.raw !== undefined && chain.length < MAX_CHAIN; at = at.issuerCertificate) {
      // A self-signed root links to itself.
      if (seen.has(at.fingerprint256)) break;
      seen.add(at.fingerprint256);
      chain.push(new X509Certificate(at.raw));
    }
  } catch {
    // A certificate node:crypto cannot read: the peer's own links below.
  }
  if (chain.length > 0) return chain;
  const leaf = socket.getPeerX509Certificate();
  return leaf === undefined ? [] : issuerChain(leaf);
}

/** `leaf` and its issuers as node:tls linked them (issuerCertificate), leaf first, at most {@link MAX_CHAIN}. */
export function issuerChain(leaf: X509Certificate): X509Certificate[] {
  const chain = [leaf];
  for (let at = leaf.issuerCertificate; at !== undefined && chain.length < MAX_CHAIN; at = at.issuerCertificate) {
    // A self-signed root links to itself.
    if (at.fingerprint256 === chain[chain.length - 1]!.fingerprint256) break;
    chain.push(at);
  }
  return chain;
}

/** DER certificates (leaf first) as X509Certificates; the ones node:crypto cannot read are left out. */
export function parsedChain(ders: readonly Uint8Array[]): X509Certificate[] {
  const chain: X509Certificate[] = [];
  for (const der of ders) {
    try {
      chain.push(new X509Certificate(der));
    } catch {
      // A certificate OpenSSL refused may be one node:crypto cannot parse either: the message then keeps OpenSSL's words.
    }
  }
  return chain;
}
