/**
 * TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 6655 §3, RFC 7905 §2):
 * the outer content type is kept, the additional data is seq || type || version || length, and the
 * nonce is salt || explicit nonce (GCM, CCM; the explicit part is the sequence number, sent before
 * the ciphertext) or IV XOR sequence number (ChaCha20-Poly1305).
 *
 * @module
 */
import { AlertDescription } from '../codec/constants.js';
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import type { Tls12Suite } from '../crypto/schemes.js';
import { fail } from '../errors.js';

const MAX_SEQUENCE = 2 ** 48;

function sequenceBytes(sequence: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, Math.floor(sequence / 2 ** 32));
  new DataView(out.buffer).setUint32(4, sequence >>> 0);
  return out;
}

export class RecordProtection12 {
  readonly tls13 = false;
  readonly #aead: Aead;
  readonly #iv: Uint8Array;
  readonly #explicit: number;
  #sequence = 0;

  constructor(provider: CryptoProvider, suite: Tls12Suite, key: Uint8Array, iv: Uint8Array) {
    this.#aead = provider.aead(suite.aead, key);
    this.#iv = iv;
    this.#explicit = suite.explicitNonceLength;
  }

  get tagLength(): number {
    return this.#aead.tagLength;
  }

  /** Bytes a record grows by (explicit nonce and tag). */
  get overhead(): number {
    return this.#explicit + this.#aead.tagLength;
  }

  #next(): { seq: Uint8Array; nonce: Uint8Array } {
    if (this.#sequence >= MAX_SEQUENCE) fail(AlertDescription.internal_error, 'the record sequence number is exhausted: reconnect');
    const seq = sequenceBytes(this.#sequence++);
    if (this.#explicit > 0) {
      const nonce = new Uint8Array(this.#iv.length + 8);
      nonce.set(this.#iv);
      nonce.set(seq, this.#iv.length);
      return { seq, nonce };
    }
    const nonce = new Uint8Array(this.#iv);
    for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i]! ^= seq[i]!;
    return { seq, nonce };
  }

  #additionalData(seq: Uint8Array, type: number, length: number): Uint8Array {
    const out = new Uint8Array(13);
    out.set(seq);
    out.set([type, 3, 3, length >> 8, length & 0xff], 8);
    return out;
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    const parts = this.sealParts(type, content);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** {@link seal}'s record as pieces in order (header and explicit nonce, ciphertext, tag). */
  sealParts(type: number, content: Uint8Array): Uint8Array[] {
    const { seq, nonce } = this.#next();
    const length = this.#explicit + content.length + this.#aead.tagLength;
    // The header, then the explicit nonce (the sequence number: a fine unique value) when the suite has one.
    const prefix = new Uint8Array(5 + this.#explicit);
    prefix.set([type, 3, 3, length >> 8, length & 0xff]);
    if (this.#explicit > 0) prefix.set(seq, 5);
    const additionalData = this.#additionalData(seq, type, content.length);
    if (this.#aead.sealParts === undefined) return [this.#aead.seal(nonce, additionalData, content, prefix)];
    return this.#aead.sealParts(nonce, additionalData, content, prefix);
  }

  open(header: Uint8Array, payload: Uint8Array): { type: number; content: Uint8Array } {
    const type = header[0]!;
    const { seq, nonce } = this.#next();
    if (payload.length < this.overhead) fail(AlertDescription.bad_record_mac, 'a record too short to be authentic (bad_record_mac)');
    if (this.#explicit > 0) nonce.set(payload.subarray(0, 8), this.#iv.length);
    const sealed = payload.subarray(this.#explicit);
    const content = this.#aead.open(nonce, this.#additionalData(seq, type, sealed.length - this.#aead.tagLength), sealed);
    if (content === null) fail(AlertDescription.bad_record_mac, 'a record failed authentication (bad_record_mac): corrupted or forged data');
    return { type, content };
  }
}
