/**
 * Facts about signature schemes and cipher suites the engine and providers share.
 *
 * @module
 */
import { SignatureScheme } from '../codec/constants.js';
import type { AeadAlgorithm, HashAlgorithm } from './provider.js';

/** The digest a signature scheme signs with (null for Ed25519, which hashes internally). */
export function schemeHash(scheme: number): HashAlgorithm | null {
  if (scheme === SignatureScheme.ed25519) return null;
  switch (scheme >> 8) {
    case 0x04:
      return 'sha256';
    case 0x05:
      return 'sha384';
    case 0x06:
      return 'sha512';
  }
  switch (scheme) {
    case SignatureScheme.rsa_pss_rsae_sha256:
    case SignatureScheme.rsa_pss_pss_sha256:
      return 'sha256';
    case SignatureScheme.rsa_pss_rsae_sha384:
    case SignatureScheme.rsa_pss_pss_sha384:
      return 'sha384';
    default:
      return 'sha512';
  }
}

/** A TLS 1.3 cipher suite: its AEAD and hash (RFC 8446 §B.4). */
export interface Tls13Suite {
  readonly id: number;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
  readonly hash: HashAlgorithm;
}

export const TLS13_SUITES: readonly Tls13Suite[] = Object.freeze([
  { id: 0x1301, aead: 'aes-128-gcm', keyLength: 16, hash: 'sha256' },
  { id: 0x1302, aead: 'aes-256-gcm', keyLength: 32, hash: 'sha384' },
  { id: 0x1303, aead: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' },
  { id: 0x1304, aead: 'aes-128-ccm', keyLength: 16, hash: 'sha256' },
  { id: 0x1305, aead: 'aes-128-ccm-8', keyLength: 16, hash: 'sha256' },
]);

export function tls13Suite(id: number): Tls13Suite | undefined {
  return TLS13_SUITES.find((s) => s.id === id);
}
