/**
 * The interface between the handshake and certificate validation: the handshake hands over the
 * peer's chain and learns the leaf's public key, or gets a CertificateVerificationError. The
 * implementation behind it is swappable (today a temporary node:crypto X509Certificate path; the
 * webpki-style validator of src/x509 replaces it).
 *
 * @module
 */

/** What a chain must be good for: a TLS server or a TLS client (extended key usage). */
export type CertificatePurpose = 'server' | 'client';

export interface VerifiedPeer {
  /** The leaf's SubjectPublicKeyInfo (DER), to check the CertificateVerify signature with. */
  readonly publicKeyInfo: Uint8Array;
}

export interface PeerVerifier {
  /**
   * Verifies `chain` (leaf first, DER) for `purpose` at `time`, and, when `serverName` is not
   * null, that the leaf names it (DNS SAN or IP SAN; never the subject CN).
   * @throws CertificateVerificationError saying why it was refused.
   */
  verify(chain: readonly Uint8Array[], serverName: string | null, purpose: CertificatePurpose, time: Date): VerifiedPeer;
}
