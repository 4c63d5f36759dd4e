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
/** The schemes an RSA (rsaEncryption) key makes in TLS, best first: PSS (RFC 8446 §4.2.3), then PKCS#1 v1.5 for TLS 1.2. */
export const RSAE_SCHEMES: readonly number[] = Object.freeze([
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
]);

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

/** A TLS 1.2 ECDHE AEAD suite (RFC 5289, RFC 7251, RFC 7905). */
export interface Tls12Suite {
  readonly id: number;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
  /** The implicit part of the nonce from the key block: 4 bytes (GCM, CCM) or 12 (ChaCha20-Poly1305). */
  readonly fixedIvLength: number;
  /** Bytes of explicit nonce sent before each record's ciphertext: 8, or 0 for ChaCha20-Poly1305. */
  readonly explicitNonceLength: number;
  /** The PRF hash. */
  readonly hash: HashAlgorithm;
  /** Which certificate key the suite needs. */
  readonly auth: 'ecdsa' | 'rsa';
}

const gcm = (id: number, keyLength: number, hash: HashAlgorithm, auth: 'ecdsa' | 'rsa'): Tls12Suite => ({
  id,
  aead: keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm',
  keyLength,
  fixedIvLength: 4,
  explicitNonceLength: 8,
  hash,
  auth,
});

export const TLS12_SUITES: readonly Tls12Suite[] = Object.freeze([
  gcm(0xc02b, 16, 'sha256', 'ecdsa'),
  gcm(0xc02c, 32, 'sha384', 'ecdsa'),
  gcm(0xc02f, 16, 'sha256', 'rsa'),
  gcm(0xc030, 32, 'sha384', 'rsa'),
  { id: 0xc0ac, aead: 'aes-128-ccm', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8, hash: 'sha256', auth: 'ecdsa' },
  { id: 0xc0ad, aead: 'aes-256-ccm', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8, hash: 'sha256', auth: 'ecdsa' },
  { id: 0xc0ae, aead: 'aes-128-ccm-8', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8, hash: 'sha256', auth: 'ecdsa' },
  { id: 0xc0af, aead: 'aes-256-ccm-8', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8, hash: 'sha256', auth: 'ecdsa' },
  { id: 0xcca8, aead: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0, hash: 'sha256', auth: 'rsa' },
  { id: 0xcca9, aead: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0, hash: 'sha256', auth: 'ecdsa' },
]);

export function tls12Suite(id: number): Tls12Suite | undefined {
  return TLS12_SUITES.find((s) => s.id === id);
}

/** Whether a key that signs with `schemes` can authenticate a suite needing `auth`. */
export function keyFitsAuth(schemes: readonly number[], auth: 'ecdsa' | 'rsa'): boolean {
  return auth === 'rsa' ? schemes.some((s) => (s & 0xff) === 0x01 || (s >= 0x0804 && s <= 0x0806)) : schemes.some((s) => (s & 0xff) === 0x03 || s === 0x0807);
}
