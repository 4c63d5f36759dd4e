/**
 * The checks @unitls/insecure may turn off, kept apart from everything else (rustls's `danger`).
 * Only reachable through the hooks object under @unitls/insecure's registry symbol; tls-pure's own
 * API never relaxes anything.
 *
 * @module
 */
import { DEFAULT_LIMITS } from './x509/limits.js';
import { parseCertificate } from './x509/certificate.js';
import type { CertificatePurpose, PeerVerifier, VerifiedPeer } from './verify/verifier.js';

/** Which checks stay on. */
export interface Relaxations {
  readonly verifyChain: boolean;
  readonly checkHostname: boolean;
}

/** Wraps a verifier so that only the checks `relax` keeps are made. The leaf must still parse (its key signs the handshake). */
export function relaxedVerifier(inner: PeerVerifier, relax: Relaxations): PeerVerifier {
  return {
    verify(chain: readonly Uint8Array[], serverName: string | null, purpose: CertificatePurpose, time: Date): VerifiedPeer {
      if (relax.verifyChain) return inner.verify(chain, relax.checkHostname ? serverName : null, purpose, time);
      // CertificateVerify is still checked against the leaf's key, so the peer still proves it holds it.
      return { publicKeyInfo: parseCertificate(chain[0]!, DEFAULT_LIMITS.maxCertificateSize).subjectPublicKeyInfo };
    },
  };
}

/** Symbol under which the contexts take relaxations (never exported from the package). */
export const RELAX = Symbol('tls-pure relaxations');
