/**
 * Pieces other OpenSSL-based implementations reuse (tls-openssl drives the same OpenSSL): the
 * cipher table and planning, descriptor loading, the OS trust store, name rules. Not part of the
 * public API; may change with any release.
 *
 * @module
 */
export { DEFAULT_TLS13, planCiphers, type CipherPlan, type ConcreteVersion } from './ciphers.js';
export { certAndKey, chainMaterial, certificatesAsPem, trustAnchors, systemTrustAnchors } from './material.js';
export { sniName, verifyPeerName } from './hostname.js';
export { validateConfig } from './validate.js';
export { explanations } from './errors.js';
export { validityVerdict, peerChain, parsedChain, subjectText, validityOf, positionOf } from './validity.js';
