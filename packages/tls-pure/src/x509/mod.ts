/**
 * tls-pure's X.509 certificate path validator, in the style of webpki: what the TLS engine uses to
 * judge a peer's certificate chain. Crypto comes in through {@link SignatureVerifier}; parsing is
 * @peculiar/asn1-x509's; the rules and their sources are in the files named below.
 *
 * - verify.ts: {@link verifyCertificateChain}, the entry point; peer-validator.ts: the same as the
 *   handshake's PeerVerifier ({@link CertificateValidator}).
 * - signature-verifier.ts: the interface a crypto provider implements; node-signature-verifier.ts
 *   is one over node:crypto (import it from its file: this module imports no crypto library).
 * - trust-store.ts, system-store.ts, trust-anchors.ts: TrustStore descriptors to anchors.
 * - profile.ts, path-builder.ts, name-constraints.ts, subject-name.ts, validity.ts,
 *   public-key.ts, algorithms.ts: the rules. limits.ts: the bounds.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@unitls/tls-core';
 * import { trustAnchorsFor, verifyCertificateChain } from './x509/mod.js';
 * import { nodeSignatureVerifier } from './x509/node-signature-verifier.js';
 *
 * const anchors = trustAnchorsFor(TrustStore.system());
 * verifyCertificateChain(peerCertificates, anchors, nodeSignatureVerifier, { purpose: 'serverAuth', serverName: 'example.org' });
 * ```
 *
 * @module
 */
export { SIGNATURE_ALGORITHMS, type SignatureAlgorithm, type SignatureVerifier } from './signature-verifier.js';
export { parseSubjectPublicKey, type SubjectPublicKey, type NamedCurve } from './public-key.js';
export { verifyCertificateChain, type ChainVerificationOptions, type VerifiedPath } from './verify.js';
export { DEFAULT_LIMITS, type ValidationLimits } from './limits.js';
export { TrustAnchors } from './trust-anchors.js';
export { CertificateValidator, type ValidatedPeer } from './peer-validator.js';
export { trustAnchorsFor } from './trust-store.js';
export { systemTrustAnchors, systemStoreSources, SYSTEM_BUNDLE_FILES, SYSTEM_DIRECTORIES } from './system-store.js';
export { certificatesIn } from './pem.js';
export type { ParsedCertificate } from './certificate.js';
export type { Purpose } from './profile.js';
export type { VerifyCode } from './failure.js';
