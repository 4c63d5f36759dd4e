/**
 * `@unitls/tls-openssl/aead`: an AEAD for tls-pure's record layer over this package's addon (issue
 * #17), opt-in. Each key gets one OpenSSL `EVP_CIPHER_CTX`, keyed once; every record
 * takes a new nonce on it and is sealed straight into the caller's memory, so a sent record costs
 * no JavaScript memory (node:crypto's `Cipheriv` takes one IV for life and returns a fresh
 * ArrayBuffer from every `update`: that memory is what sets off V8's garbage collections in
 * tls-pure's bulk transfers). An opened record's plaintext is one uninitialised buffer (the
 * caller keeps it), as node:tls's own received records are.
 *
 * Only the primitive comes from OpenSSL: tls-pure's protocol, record layer and certificate
 * validation stay tls-pure's. AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305; every other
 * algorithm (AES-CCM) and every other primitive stays with the provider it is combined with.
 *
 * @example
 * ```ts
 * import { TLSClientConfiguration } from '@unitls/tls-core';
 * import { PureClientContext, nodeCryptoProvider } from '@unitls/tls-pure';
 * import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
 *
 * const context = new PureClientContext(new TLSClientConfiguration(), { provider: withOpenSSLAead(nodeCryptoProvider) });
 * ```
 *
 * @module
 */
import { addon } from './addon.js';

/** The AEAD algorithms the addon does (tls-pure's names). */
export type OpenSSLAeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** {@link OpenSSLAeadAlgorithm} as a list. */
export const OPENSSL_AEADS: readonly OpenSSLAeadAlgorithm[] = Object.freeze(['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305']);

const TAG_LENGTH = 16;

/**
 * One key's AEAD, with the shape of tls-pure's `Aead` (`seal`, `sealInto`, `open`, `openInto`): 12-byte
 * nonces, 16-byte tags. Nonces and additional data are read during each call only.
 */
export interface OpenSSLAead {
  /** Tag length in bytes: 16. */
  readonly tagLength: number;
  /**
   * `prefix` || ciphertext || tag, in one new buffer.
   *
   * @throws RangeError for a nonce that is not 12 bytes.
   */
  seal(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array | readonly Uint8Array[], prefix?: Uint8Array): Uint8Array;
  /**
   * Ciphertext || tag (`plaintext.length + 16` bytes) written into `target` from `offset`, with no
   * JavaScript memory allocated. `nonce` and `additionalData` may lie in `target` outside that range.
   *
   * @returns the count of bytes written.
   * @throws RangeError when they do not fit in `target` from `offset` or overlap `plaintext`
   *   (nothing written), or for a nonce that is not 12 bytes.
   */
  sealInto(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, target: Uint8Array, offset: number): number;
  /**
   * The plaintext (a new buffer the caller keeps), or null when authentication fails (never a partial plaintext).
   *
   * @throws RangeError for a nonce that is not 12 bytes.
   */
  open(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  /**
   * The plaintext (`ciphertext.length - 16` bytes) written into `target` from `offset`, with no
   * JavaScript memory allocated: tls-pure decrypts a record read by `recv_into` straight into the
   * caller's buffer with it. `target` may be `ciphertext` itself at the same offset (in place).
   *
   * @returns the count of bytes written, or -1 when authentication fails (that range of `target`
   *   is wiped: no unauthenticated plaintext is left there).
   * @throws RangeError when the plaintext does not fit in `target` from `offset`, or overlaps
   *   `ciphertext` other than in place (nothing written), or for a nonce that is not 12 bytes.
   */
  openInto(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array, target: Uint8Array, offset: number): number;
}

class NativeAead implements OpenSSLAead {
  readonly tagLength = TAG_LENGTH;
  // One OpenSSL context, keyed now (the key is not kept in JavaScript memory); each call sets its
  // direction and nonce. About 1.5 KB of C memory per key.
  readonly #native: object;

  constructor(algorithm: OpenSSLAeadAlgorithm, key: Uint8Array) {
    this.#native = addon.aeadCreate(algorithm, key);
  }

  seal(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array | readonly Uint8Array[], prefix?: Uint8Array): Uint8Array {
    const contiguous = plaintext instanceof Uint8Array ? plaintext : plaintext.length === 1 ? plaintext[0]! : Buffer.concat(plaintext);
    const start = prefix?.length ?? 0;
    const out = Buffer.allocUnsafeSlow(start + contiguous.length + TAG_LENGTH);
    if (prefix !== undefined) out.set(prefix);
    addon.aeadSeal.call(this.#native, nonce, additionalData, contiguous, out, start);
    return out;
  }

  sealInto(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, target: Uint8Array, offset: number): number {
    // The addon would read a fraction as its integer part.
    if (!Number.isInteger(offset)) throw new RangeError(`sealInto: offset must be an integer, got ${offset}`);
    return addon.aeadSeal.call(this.#native, nonce, additionalData, plaintext, target, offset);
  }

  open(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (ciphertext.length < TAG_LENGTH) return null;
    // Not from Buffer's shared pool: each record's plaintext is memory of its own, as node:crypto's.
    const out = Buffer.allocUnsafeSlow(ciphertext.length - TAG_LENGTH);
    return addon.aeadOpen.call(this.#native, nonce, additionalData, ciphertext, out, 0) < 0 ? null : out;
  }

  openInto(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array, target: Uint8Array, offset: number): number {
    if (!Number.isInteger(offset)) throw new RangeError(`openInto: offset must be an integer, got ${offset}`);
    return addon.aeadOpen.call(this.#native, nonce, additionalData, ciphertext, target, offset);
  }
}

/**
 * A new AEAD keyed with `key` (16 bytes for AES-128-GCM, 32 for the others; copied into OpenSSL).
 *
 * @throws RangeError for another algorithm or a key of the wrong length; TypeError for a key that is
 *   not a Uint8Array.
 */
export function openSslAead(algorithm: OpenSSLAeadAlgorithm, key: Uint8Array): OpenSSLAead {
  if (!OPENSSL_AEADS.includes(algorithm)) throw new RangeError(`openSslAead: ${String(algorithm)} is not one of ${OPENSSL_AEADS.join(', ')}`);
  return new NativeAead(algorithm, key);
}

/** What {@link withOpenSSLAead} needs of a provider (tls-pure's `CryptoProvider` has it). */
export interface AeadProvider {
  readonly name: string;
  aead(algorithm: never, key: Uint8Array): unknown;
}

/**
 * `provider` (a tls-pure `CryptoProvider`, such as `nodeCryptoProvider`) with its AES-GCM and
 * ChaCha20-Poly1305 from this addon ({@link openSslAead}); every other primitive, and AES-CCM, stay
 * `provider`'s. Its name is `openssl-aead` (tls-pure names the implementation after it, "pure-opensslaead",
 * and never resumes its sessions over another provider). Importing this module loads the addon:
 * where it cannot load (another runtime, no build) the import throws tls-openssl's ConfigurationError.
 */
export function withOpenSSLAead<P extends AeadProvider>(provider: P): P {
  const fallback = provider.aead.bind(provider) as (algorithm: string, key: Uint8Array) => unknown;
  const wrapped: Record<PropertyKey, unknown> = {
    name: 'openssl-aead',
    aead: (algorithm: string, key: Uint8Array) => (OPENSSL_AEADS.includes(algorithm as OpenSSLAeadAlgorithm) ? new NativeAead(algorithm as OpenSSLAeadAlgorithm, key) : fallback(algorithm, key)),
  };
  // Every other member is read from `provider` itself, its methods called on it: a class-based
  // provider (methods and getters on its prototype, private fields) works as a plain object does,
  // which a copy of its own properties ({ ...provider }) would not.
  const bound = new Map<PropertyKey, unknown>();
  const read = (key: PropertyKey): unknown => {
    const value: unknown = Reflect.get(provider, key, provider);
    if (typeof value !== 'function') return value;
    if (!bound.has(key)) bound.set(key, (value as (...args: unknown[]) => unknown).bind(provider));
    return bound.get(key);
  };
  for (let layer: object | null = provider; layer !== null && layer !== Object.prototype; layer = Object.getPrototypeOf(layer) as object | null) {
    for (const key of Reflect.ownKeys(layer)) {
      if (key === 'constructor' || Object.prototype.hasOwnProperty.call(wrapped, key)) continue;
      Object.defineProperty(wrapped, key, { enumerable: true, get: () => read(key) });
    }
  }
  return Object.freeze(wrapped) as P;
}
