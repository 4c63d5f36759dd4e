/**
 * The one thing the path validator needs from a crypto provider: "does this signature verify
 * under this public key?". The TLS engine's crypto provider implements {@link SignatureVerifier}
 * (node:crypto, @noble/curves, ...); the validator never imports a crypto library itself.
 *
 * @module
 */

/**
 * A signature scheme, named by key type, curve (ECDSA) and hash, as the validator has resolved it
 * from the certificate's signatureAlgorithm (RFC 5280 4.1.1.2) and the issuer's
 * subjectPublicKeyInfo (RFC 5280 4.1.2.7). Only these are ever passed; anything else (SHA-1, DSA,
 * other curves, unusual RSA-PSS parameters) is refused before the provider is asked.
 *
 * - `ecdsa-<curve>-<hash>`: ECDSA (FIPS 186-4) on P-256/P-384/P-521 with SHA-256/384/512; the
 *   signature is the DER `Ecdsa-Sig-Value` SEQUENCE { r, s } of RFC 3279 2.2.3 (also what TLS
 *   sends in CertificateVerify).
 * - `rsa-pkcs1-<hash>`: RSASSA-PKCS1-v1_5 (RFC 8017 8.2) with SHA-256/384/512.
 * - `rsa-pss-<hash>`: RSASSA-PSS (RFC 8017 8.1) with that hash, MGF1 with the same hash, a salt as
 *   long as the hash output and trailer field 1: the only parameters the validator accepts
 *   (RFC 4055 3.1, and the RSA-PSS schemes of TLS 1.3, RFC 8446 4.2.3). The key is an
 *   rsaEncryption key.
 * - `ed25519`, `ed448`: PureEdDSA (RFC 8032), no pre-hash (RFC 8410 6).
 */
export type SignatureAlgorithm =
  | 'ecdsa-p256-sha256'
  | 'ecdsa-p256-sha384'
  | 'ecdsa-p256-sha512'
  | 'ecdsa-p384-sha256'
  | 'ecdsa-p384-sha384'
  | 'ecdsa-p384-sha512'
  | 'ecdsa-p521-sha256'
  | 'ecdsa-p521-sha384'
  | 'ecdsa-p521-sha512'
  | 'rsa-pkcs1-sha256'
  | 'rsa-pkcs1-sha384'
  | 'rsa-pkcs1-sha512'
  | 'rsa-pss-sha256'
  | 'rsa-pss-sha384'
  | 'rsa-pss-sha512'
  | 'ed25519'
  | 'ed448';

/** Every {@link SignatureAlgorithm}, for providers that want to test they cover them all. */
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  'ecdsa-p256-sha256',
  'ecdsa-p256-sha384',
  'ecdsa-p256-sha512',
  'ecdsa-p384-sha256',
  'ecdsa-p384-sha384',
  'ecdsa-p384-sha512',
  'ecdsa-p521-sha256',
  'ecdsa-p521-sha384',
  'ecdsa-p521-sha512',
  'rsa-pkcs1-sha256',
  'rsa-pkcs1-sha384',
  'rsa-pkcs1-sha512',
  'rsa-pss-sha256',
  'rsa-pss-sha384',
  'rsa-pss-sha512',
  'ed25519',
  'ed448',
] as const);

/**
 * Signature verification, implemented by the engine's crypto provider.
 *
 * The validator has already checked that `subjectPublicKeyInfo` is a well-formed key of the
 * family `algorithm` names (an rsaEncryption key of 2048 to 8192 bits for `rsa-*`, a named-curve
 * key on that curve for `ecdsa-*`, an Ed25519/Ed448 key) before it calls.
 */
export interface SignatureVerifier {
  /**
   * True when `signature` is a valid signature of `data` under the key.
   *
   * @param algorithm - the scheme, curve and hash (see {@link SignatureAlgorithm}).
   * @param subjectPublicKeyInfo - the signer's DER SubjectPublicKeyInfo (RFC 5280 4.1.2.7), as it
   *   appears in its certificate; {@link parseSubjectPublicKey} gives its raw parts to providers
   *   that need them (an EC point, RSA n and e, an Ed25519 key).
   * @param data - the signed bytes (for a certificate, the DER TBSCertificate as received).
   * @param signature - the signature bytes (the BIT STRING contents of signatureValue).
   * @returns false for a wrong signature. Must not throw for a wrong or malformed signature; a
   *   throw (e.g. an algorithm the provider lacks) is taken as "does not verify".
   */
  verifySignature(algorithm: SignatureAlgorithm, subjectPublicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}
