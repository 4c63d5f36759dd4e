/**
 * An expired or not-yet-valid certificate, said with tls-core's one message (validity-failure.ts)
 * from what node:crypto reads of the certificates: OpenSSL's own error ("certificate has
 * expired") names neither the certificate nor its dates. Shared with tls-openssl, which drives
 * the same OpenSSL.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
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

/**
 * The error for `reason` ('expired' or 'not-yet-valid') naming the first certificate of `chain`
 * (leaf first) outside its validity at `time`; null when none is (the caller keeps OpenSSL's
 * words then). `code`: OpenSSL's verification code, kept as `verifyCode`.
 */
export function validityVerdict(
  reason: 'expired' | 'not-yet-valid',
  chain: readonly X509Certificate[],
  time: Date,
  code: string,
  cause: unknown,
): CertificateVerificationError | null {
  for (const [depth, certificate] of chain.entries()) {
    const validity = validityOf(certificate);
    if (failsValidity(reason, validity, time)) return validityFailure(reason, validity, positionOf(certificate, depth), time, { verifyCode: code, cause });
  }
  return null;
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
