/**
 * The crypto provider: every primitive the engine uses, and nothing else (in the spirit of
 * rustls's CryptoProvider). The engine never implements a primitive itself; a provider wraps an
 * audited library (node:crypto, or the @noble packages). Synchronous throughout, because the
 * PEP 748 TLSBuffer is.
 *
 * @module
 */

import type { SignatureVerifier } from '../x509/signature-verifier.js';

/** Hash functions by their RFC names. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** AEAD algorithms of the PEP's suites. CCM_8 is AES-128-CCM with an 8-byte tag. */
export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-ccm' | 'aes-256-ccm' | 'aes-128-ccm-8' | 'aes-256-ccm-8';

/** An incremental hash whose current value can be read without ending it (a TLS transcript). */
export interface HashState {
  update(data: Uint8Array): void;
  /** The digest of everything so far; the state stays usable. */
  digest(): Uint8Array;
  clone(): HashState;
}

/**
 * An AEAD keyed once; nonces and additional data per call. Both are read during the call only
 * (the record layer rewrites one nonce and one additional-data buffer in place for every record).
 */
export interface Aead {
  /** Tag length in bytes. */
  readonly tagLength: number;
  /**
   * `prefix` || ciphertext || tag, the plaintext given in parts (so a record's header, content and
   * inner type need no joining copy first).
   */
  seal(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array | readonly Uint8Array[], prefix?: Uint8Array): Uint8Array;
  /**
   * Optional, for the record layer's speed: what {@link Aead.seal} returns, as pieces in order
   * (`prefix`, the ciphertext, the tag: never joined, so nothing is copied twice). `plaintext` is
   * only read during the call (the caller reuses its memory); the pieces are the caller's to keep.
   */
  sealParts?(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, prefix: Uint8Array): Uint8Array[];
  /**
   * Optional, for the record layer's speed: what {@link Aead.seal} returns (ciphertext || tag,
   * `plaintext.length + tagLength` bytes) written into `target` from `offset` instead: a record is
   * sealed where it goes out, with no pieces to join. A provider whose library takes an output
   * buffer encrypts straight there; node:crypto returns fresh memory, copied in once.
   *
   * Memory rules: `plaintext` must not overlap the bytes written (no in-place sealing); `nonce`
   * and `additionalData` may lie in `target` outside them (the record header is the additional
   * data, just before the ciphertext). All three are read during the call only.
   *
   * @returns the count of bytes written (`plaintext.length + tagLength`).
   * @throws RangeError when those bytes do not fit in `target` from `offset`, or overlap
   *   `plaintext`; nothing is written then.
   */
  sealInto?(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, target: Uint8Array, offset: number): number;
  /** The plaintext, or null when authentication fails (never a partial plaintext). */
  open(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  /**
   * Optional, for the record layer's speed: what {@link Aead.open} returns
   * (`ciphertext.length - tagLength` bytes) written into `target` from `offset` instead of fresh
   * memory, so a record read into the caller's buffer (`recv_into`) costs no ArrayBuffer. A
   * provider whose library takes an output buffer decrypts straight there; node:crypto, whose
   * `update` returns fresh memory, copies that in and frees it at once (no garbage left).
   *
   * Memory rules: the plaintext range must not overlap `ciphertext` (except exactly in place, when
   * the library allows it); `nonce`, `additionalData` and `ciphertext` are read during the call only.
   *
   * @returns the count of plaintext bytes written, or -1 when authentication fails: nothing of the
   *   plaintext is left in `target` then (the range is wiped).
   * @throws RangeError when the plaintext does not fit in `target` from `offset` (nothing written).
   */
  openInto?(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array, target: Uint8Array, offset: number): number;
  /**
   * Optional, for the record layer's speed: true when {@link Aead.open}'s plaintext is fresh memory
   * of its own (a whole ArrayBuffer nothing else holds) and {@link Aead.openInto}, if any, only
   * copies it (node:crypto, whose `update` has no output argument). A record read into the
   * caller's memory (`recv_into`) is then opened with `open`, its content copied straight from
   * that memory into the caller's and the memory freed at once (release.ts): one copy per record,
   * where opening in place in the incoming memory and copying out makes two. Unset (an AEAD that
   * writes into given memory, tls-openssl's): records are opened in place with `openInto`.
   */
  readonly freshOpen?: boolean;
}

/** One side of an ephemeral key exchange. */
export interface KeyExchange {
  readonly group: number;
  /** The key_exchange bytes to send (RFC 8446 §4.2.8.2 encodings). */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's key_exchange bytes. Throws on an invalid peer key (off the
   * curve, wrong length, an all-zero X25519 result).
   */
  agree(peerPublicKey: Uint8Array): Uint8Array;
  /**
   * A hybrid's classical part as a key exchange of its own (X25519MLKEM768's X25519 key pair). A
   * client offering the hybrid and that classical group sends this one key pair in both shares
   * (draft-ietf-tls-hybrid-design-09 §3.2 allows it; Go's crypto/tls does the same): the server picks
   * one share, so the key is still used once, and the ClientHello costs one key pair less.
   */
  readonly classical?: KeyExchange;
}

/** A private key that signs handshakes. */
export interface SigningKey {
  /** The TLS SignatureSchemes this key can make, best first. */
  readonly schemes: readonly number[];
  sign(scheme: number, message: Uint8Array): Uint8Array;
  /** The SubjectPublicKeyInfo (DER) of the matching public key, to check it fits the certificate. */
  readonly publicKeyInfo: Uint8Array;
}

/**
 * Everything the engine asks of cryptography, including the certificate signature checks of the
 * X.509 validator ({@link SignatureVerifier.verifySignature}). All byte arrays are fresh copies the caller may
 * keep. Implementations must compare secrets in constant time ({@link CryptoProvider.equal}).
 */
export interface CryptoProvider extends SignatureVerifier {
  readonly name: string;
  random(length: number): Uint8Array;
  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  createHash(algorithm: HashAlgorithm): HashState;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract (RFC 5869 §2.2). */
  hkdfExtract(algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand (RFC 5869 §2.3). */
  hkdfExpand(algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aead(algorithm: AeadAlgorithm, key: Uint8Array): Aead;
  /** The AEADs this provider has, when not all of them (suites needing others are left out). */
  readonly aeads?: readonly AeadAlgorithm[];
  /** The groups this provider can do, in the order it prefers them. */
  readonly groups: readonly number[];
  /** The client side of `group`: a fresh key pair or KEM key (`privateKey` only for published test vectors). */
  keyExchange(group: number, privateKey?: Uint8Array): KeyExchange;
  /**
   * The server side of `group`: answers the client's key_exchange bytes with ours and the shared
   * secret (a fresh ECDH key pair, or a KEM encapsulation). Throws on an invalid client share.
   */
  acceptKeyShare(group: number, clientShare: Uint8Array): { publicKey: Uint8Array; sharedSecret: Uint8Array };
  /** A signing key from DER (PKCS#8, SEC1 or PKCS#1) or PEM; throws on anything else. */
  signingKey(key: Uint8Array): SigningKey;
  /**
   * Checks `signature` over `message` by the key in `publicKeyInfo` (SubjectPublicKeyInfo DER)
   * under TLS SignatureScheme `scheme`. False for a bad signature, and for a key that does not fit
   * the scheme (an ECDSA P-384 key under ecdsa_secp256r1_sha256, an RSA key under Ed25519).
   */
  verify(scheme: number, publicKeyInfo: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Constant-time equality for secrets (MACs, binders, Finished). */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

/**
 * {@link Aead.sealInto}'s argument check: the `length` bytes from `offset` fit in `target` and do
 * not overlap `input`.
 *
 * @throws RangeError naming the rule broken.
 */
export function checkSealTarget(input: Uint8Array, target: Uint8Array, offset: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
    throw new RangeError(`sealInto: ${length} bytes from offset ${offset} do not fit in a target of ${target.length} bytes`);
  }
  if (input.buffer === target.buffer) {
    const start = target.byteOffset + offset;
    if (start < input.byteOffset + input.length && input.byteOffset < start + length) {
      throw new RangeError('sealInto: the target range overlaps the plaintext (sealing in place is not supported)');
    }
  }
}

/** Output length in bytes of each hash. */
export const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };
