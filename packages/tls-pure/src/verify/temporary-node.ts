/**
 * TEMPORARY certificate verification over node:crypto's X509Certificate, used only until the
 * engine's own validator (src/x509, webpki-style) lands. It refuses anything it cannot verify:
 * every signature on the path is checked, the path must end at a trust anchor, every certificate
 * must be within its validity at the verification time, issuers must be CAs, the leaf's extended
 * key usage must allow the purpose, and names are matched against SANs only (never the CN).
 * It does not check name constraints, key usage bits or path length: the x509 module will.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { CertificateVerificationError, type VerificationFailureReason } from '@unitls/tls-core';
import type { CertificatePurpose, PeerVerifier, VerifiedPeer } from './verifier.js';

const MAX_PATH = 10;
const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2', any: '2.5.29.37.0' } as const;

function refuse(reason: VerificationFailureReason, message: string, cause?: unknown): never {
  throw new CertificateVerificationError(reason, `certificate verification failed: ${message}`, cause === undefined ? { verifyCode: reason } : { cause, verifyCode: reason });
}

function parse(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (cause) {
    return refuse('invalid-certificate', `the ${what} is not a valid X.509 certificate`, cause);
  }
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** A verifier over a fixed set of trust anchors (DER). */
export class TemporaryNodeVerifier implements PeerVerifier {
  readonly #anchors: X509Certificate[];

  constructor(anchors: readonly Uint8Array[]) {
    this.#anchors = anchors.flatMap((der) => {
      try {
        return [new X509Certificate(der)];
      } catch {
        return []; // an unparsable anchor can anchor nothing
      }
    });
  }

  verify(chain: readonly Uint8Array[], serverName: string | null, purpose: CertificatePurpose, time: Date): VerifiedPeer {
    if (chain.length === 0) refuse('missing-certificate', 'the peer sent no certificate');
    const leaf = parse(chain[0]!, 'peer certificate');
    const intermediates = chain.slice(1).map((der, i) => parse(der, `certificate ${i + 1} of the chain`));
    const path = this.#buildPath(leaf, intermediates);
    const now = time.getTime();
    for (const cert of path) {
      if (now < Date.parse(cert.validFrom)) refuse('not-yet-valid', `"${cert.subject.replace(/\n/g, ', ')}" is not valid before ${cert.validFrom}`);
      if (now > Date.parse(cert.validTo)) refuse('expired', `"${cert.subject.replace(/\n/g, ', ')}" expired at ${cert.validTo}`);
    }
    for (const cert of path.slice(1)) if (!cert.ca) refuse('invalid-certificate', `"${cert.subject}" issued a certificate but is not a CA`);
    const usage = leaf.keyUsage; // node:crypto names the extended key usage OIDs keyUsage
    if (usage !== undefined && !usage.includes(EKU[purpose]) && !usage.includes(EKU.any)) {
      refuse('invalid-purpose', `the certificate is not for TLS ${purpose} authentication (extended key usage ${usage.join(', ')})`);
    }
    if (serverName !== null) {
      const bare = serverName.startsWith('[') ? serverName.slice(1, -1) : serverName;
      const match = isIP(bare) !== 0 ? leaf.checkIP(bare) : leaf.checkHost(bare, { subject: 'never' });
      if (match === undefined) refuse('hostname-mismatch', `the certificate is not valid for "${serverName}" (its names: ${leaf.subjectAltName ?? 'none'})`);
    }
    return { publicKeyInfo: leaf.publicKey.export({ format: 'der', type: 'spki' }) };
  }

  #buildPath(leaf: X509Certificate, intermediates: X509Certificate[]): X509Certificate[] {
    const path = [leaf];
    if (this.#anchors.some((anchor) => anchor.raw.equals(leaf.raw))) return path;
    let current = leaf;
    const used = new Set<X509Certificate>();
    for (let depth = 0; depth < MAX_PATH; depth++) {
      if (this.#anchors.some((anchor) => issued(anchor, current))) return path;
      const next = intermediates.find((candidate) => !used.has(candidate) && issued(candidate, current));
      if (next === undefined) break;
      used.add(next);
      path.push(next);
      current = next;
    }
    if (path.length >= MAX_PATH) refuse('chain-too-long', `no trust anchor within ${MAX_PATH} certificates`);
    if (path.length === 1 && issued(leaf, leaf)) refuse('self-signed', 'the certificate is self-signed and not in the trust store');
    return refuse('untrusted-issuer', `no trust anchor issued "${current.issuer.replace(/\n/g, ', ')}"`);
  }
}

/** TEMPORARY: the SubjectPublicKeyInfo (DER) of a certificate (to match a chain's private key). */
export function certificatePublicKeyInfo(der: Uint8Array): Uint8Array {
  return parse(der, 'certificate').publicKey.export({ format: 'der', type: 'spki' });
}

/** TEMPORARY: the DNS names of a certificate's SANs, lower case (to choose a chain by SNI). */
export function certificateDnsNames(der: Uint8Array): string[] {
  const san = parse(der, 'certificate').subjectAltName ?? '';
  return san
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}
