/**
 * The handshake transcript hash (RFC 8446 §4.4.1), including the HelloRetryRequest rule that
 * replaces ClientHello1 by a synthetic message_hash message.
 *
 * @module
 */
import { HandshakeType } from '../codec/constants.js';
import type { CryptoProvider, HashAlgorithm, HashState } from '../crypto/provider.js';

/**
 * Until the cipher suite (and so the hash) is known, messages are kept as bytes; then they are
 * hashed incrementally.
 */
export class Transcript {
  #pending: Uint8Array[] = [];
  #state: HashState | null = null;
  #provider: CryptoProvider | null = null;
  #hash: HashAlgorithm | null = null;

  add(message: Uint8Array): void {
    if (this.#state === null) this.#pending.push(message);
    else this.#state.update(message);
  }

  /** Fixes the hash and folds in what was buffered. */
  start(provider: CryptoProvider, hash: HashAlgorithm): void {
    if (this.#state !== null) return;
    this.#provider = provider;
    this.#hash = hash;
    this.#state = provider.createHash(hash);
    for (const message of this.#pending) this.#state.update(message);
    this.#pending = [];
  }

  get started(): boolean {
    return this.#state !== null;
  }

  current(): Uint8Array {
    if (this.#state === null) throw new Error('transcript hash read before the cipher suite was chosen');
    return this.#state.digest();
  }

  /** The hash over what is held plus `extra` (for PSK binders over a truncated ClientHello). */
  currentWith(extra: Uint8Array): Uint8Array {
    const state = this.#state!.clone();
    state.update(extra);
    return state.digest();
  }

  /** HelloRetryRequest: Transcript-Hash(CH1) becomes message_hash(Hash(CH1)) (RFC 8446 §4.4.1). */
  replaceWithMessageHash(): void {
    const digest = this.current();
    this.#state = this.#provider!.createHash(this.#hash!);
    this.#state.update(Uint8Array.of(HandshakeType.MESSAGE_HASH, 0, 0, digest.length));
    this.#state.update(digest);
  }
}
