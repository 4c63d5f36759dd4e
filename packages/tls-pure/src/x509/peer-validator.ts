/**
 * The validator in the shape the handshake calls (src/verify/verifier.ts's PeerVerifier): a
 * fixed trust store and crypto provider, then one call per peer chain.
 *
 * @module
 */
import type { ParsedCertificate } from './certificate.js';
import type { ValidationLimits } from './limits.js';
import type { SignatureVerifier } from './signature-verifier.js';
import type { TrustAnchors } from './trust-anchors.js';
import { verifyCertificateChain } from './verify.js';

/** What a verified peer yields: the leaf's key for CertificateVerify, and the path. */
export interface ValidatedPeer {
  /** The leaf's DER SubjectPublicKeyInfo. */
  readonly publicKeyInfo: Uint8Array;
  /** Leaf first, trust anchor last. */
  readonly path: readonly ParsedCertificate[];
}

/**
 * Validates peers' chains against `anchors` with `verifier`'s signatures.
 *
 * @example
 * ```ts
 * const validator = new CertificateValidator(trustAnchorsFor(configuration.trustStore), nodeSignatureVerifier);
 * const { publicKeyInfo } = validator.verify(peerChain, 'example.org', 'server', new Date());
 * ```
 */
export class CertificateValidator {
  readonly #anchors: TrustAnchors;
  readonly #verifier: SignatureVerifier;
  readonly #limits: Partial<ValidationLimits>;

  constructor(anchors: TrustAnchors, verifier: SignatureVerifier, options: { limits?: Partial<ValidationLimits> } = {}) {
    this.#anchors = anchors;
    this.#verifier = verifier;
    this.#limits = { ...options.limits };
  }

  /**
   * Verifies `chain` (DER, leaf first) for a TLS `server` or `client` at `time`, and, when
   * `serverName` is not null, that the leaf's subjectAltName names it (never the subject CN).
   *
   * @throws CertificateVerificationError saying why it was refused (see verifyCertificateChain).
   */
  verify(chain: readonly Uint8Array[], serverName: string | null, purpose: 'server' | 'client', time: Date): ValidatedPeer {
    const { certificates } = verifyCertificateChain(chain, this.#anchors, this.#verifier, {
      purpose: purpose === 'server' ? 'serverAuth' : 'clientAuth',
      serverName,
      time,
      limits: this.#limits,
    });
    return { publicKeyInfo: certificates[0]!.subjectPublicKeyInfo, path: certificates };
  }
}
