/**
 * TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 6655 §3, RFC 7905 §2):
 * the outer content type is kept, the additional data is seq || type || version || length, and the
 * nonce is salt || explicit nonce (GCM, CCM; the explicit part is the sequence number, sent before
 * the ciphertext) or IV XOR sequence number (ChaCha20-Poly1305).
 *
 * @module
 */
import { AlertDescription, ContentType } from '../codec/constants.js';
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import type { Tls12Suite } from '../crypto/schemes.js';
import { releaseMemory } from '../crypto/release.js';
import { fail } from '../errors.js';
import { xorSequence } from './protection.js';

const MAX_SEQUENCE = 2 ** 48;
const NO_PREFIX = new Uint8Array(0);

/** Writes the 64-bit big-endian `sequence` (below 2^48) at `offset` of `out`. */
function writeSequence(out: Uint8Array, offset: number, sequence: number): void {
  const low = sequence >>> 0;
  const high = (sequence - low) / 2 ** 32;
  out[offset] = high >>> 24;
  out[offset + 1] = (high >>> 16) & 0xff;
  out[offset + 2] = (high >>> 8) & 0xff;
  out[offset + 3] = high & 0xff;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = (low >>> 16) & 0xff;
  out[offset + 6] = (low >>> 8) & 0xff;
  out[offset + 7] = low & 0xff;
}

export class RecordProtection12 {
  readonly tls13 = false;
  readonly #aead: Aead;
  readonly #iv: Uint8Array;
  readonly #explicit: number;
  /**
   * The nonce and the additional data, rewritten in place for every record (the AEAD reads them
   * during the call only): salt || explicit nonce, or IV XOR sequence number; seq_num || type ||
   * version || length.
   */
  readonly #nonce: Uint8Array;
  readonly #additionalData = new Uint8Array(13);
  #sequence = 0;

  constructor(provider: CryptoProvider, suite: Tls12Suite, key: Uint8Array, iv: Uint8Array) {
    this.#aead = provider.aead(suite.aead, key);
    this.#iv = Uint8Array.from(iv);
    this.#explicit = suite.explicitNonceLength;
    this.#nonce = new Uint8Array(this.#explicit > 0 ? iv.length + 8 : iv.length);
    this.#nonce.set(iv);
  }

  get tagLength(): number {
    return this.#aead.tagLength;
  }

  /** Bytes a record grows by (explicit nonce and tag). */
  get overhead(): number {
    return this.#explicit + this.#aead.tagLength;
  }

  /** Takes the next sequence number; the nonce holds it (explicit suites) or IV XOR it. */
  #next(): number {
    if (this.#sequence >= MAX_SEQUENCE) fail(AlertDescription.internal_error, 'the record sequence number is exhausted: reconnect');
    const sequence = this.#sequence++;
    if (this.#explicit > 0) writeSequence(this.#nonce, this.#iv.length, sequence);
    else xorSequence(this.#nonce, this.#iv, sequence);
    return sequence;
  }

  #additionalDataFor(sequence: number, type: number, length: number): Uint8Array {
    const out = this.#additionalData;
    writeSequence(out, 0, sequence);
    out[8] = type;
    out[9] = 3;
    out[10] = 3;
    out[11] = length >> 8;
    out[12] = length & 0xff;
    return out;
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    const parts = this.sealParts(type, content);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** {@link seal}'s record as pieces in order (header and explicit nonce, ciphertext, tag). */
  sealParts(type: number, content: Uint8Array): Uint8Array[] {
    const prefix = new Uint8Array(5 + this.#explicit);
    const parts = this.#sealAfter(prefix, type, content);
    parts.unshift(prefix);
    return parts;
  }

  /** {@link seal}'s record written into `target` at `offset` (room for {@link sealedLength} bytes needed); returns its length. */
  sealInto(type: number, content: Uint8Array, target: Uint8Array, offset: number): number {
    let at = offset + 5 + this.#explicit;
    const prefix = target.subarray(offset, at);
    const aead = this.#aead;
    // The content is the caller's (TLS 1.3 copies it into scratch first): memory shared with
    // target takes the pieces path, as sealInto refuses to seal over its plaintext.
    if (aead.sealInto !== undefined && content.buffer !== target.buffer) {
      const additionalData = this.#writePrefix(prefix, type, content.length);
      return at - offset + aead.sealInto(this.#nonce, additionalData, content, target, at);
    }
    for (const part of this.#sealAfter(prefix, type, content)) {
      target.set(part, at);
      at += part.length;
    }
    return at - offset;
  }

  /** The length of the record {@link seal} makes of `contentLength` bytes. */
  sealedLength(contentLength: number): number {
    return 5 + contentLength + this.overhead;
  }

  /** Writes the header and explicit nonce into `prefix` and returns what follows them: the ciphertext and the tag, in pieces. */
  #sealAfter(prefix: Uint8Array, type: number, content: Uint8Array): Uint8Array[] {
    const additionalData = this.#writePrefix(prefix, type, content.length);
    if (this.#aead.sealParts === undefined) return [this.#aead.seal(this.#nonce, additionalData, content)];
    return this.#aead.sealParts(this.#nonce, additionalData, content, NO_PREFIX);
  }

  /**
   * Takes the next sequence number (the nonce then holds it) and writes the header and explicit
   * nonce of a record of `contentLength` bytes into `prefix`; returns the record's additional data.
   */
  #writePrefix(prefix: Uint8Array, type: number, contentLength: number): Uint8Array {
    const sequence = this.#next();
    const length = this.#explicit + contentLength + this.#aead.tagLength;
    // The header, then the explicit nonce (the sequence number: a fine unique value) when the suite has one.
    prefix[0] = type;
    prefix[1] = 3;
    prefix[2] = 3;
    prefix[3] = length >> 8;
    prefix[4] = length & 0xff;
    if (this.#explicit > 0) writeSequence(prefix, 5, sequence);
    return this.#additionalDataFor(sequence, type, contentLength);
  }

  /** Whether {@link open}'s content is the AEAD's own fresh memory ({@link Aead.freshOpen}): {@link openCopying} then costs one copy. */
  get freshOpen(): boolean {
    return this.#aead.freshOpen === true;
  }

  /**
   * {@link open} for a reader that copies application data into `target` from `offset`, with
   * `room` bytes there: an application_data record whose content fits is copied there straight
   * from the AEAD's fresh memory, which is then freed at once (release.ts), and its content is that
   * view of `target`. Any other record is returned as {@link open} returns it. For AEADs with
   * {@link freshOpen}.
   */
  openCopying(header: Uint8Array, payload: Uint8Array, target: Uint8Array, offset: number, room: number): { type: number; content: Uint8Array } {
    const record = this.open(header, payload);
    const content = record.content;
    const length = content.length; // read before the release empties the view
    if (record.type !== ContentType.APPLICATION_DATA || length === 0 || length > room) return record;
    target.set(content, offset);
    releaseMemory(content); // copied out: freed now, never counted by a garbage collection
    return { type: record.type, content: target.subarray(offset, offset + length) };
  }

  open(header: Uint8Array, payload: Uint8Array): { type: number; content: Uint8Array } {
    const type = header[0]!;
    const sequence = this.#next();
    if (payload.length < this.overhead) fail(AlertDescription.bad_record_mac, 'a record too short to be authentic (bad_record_mac)');
    if (this.#explicit > 0) this.#nonce.set(payload.subarray(0, 8), this.#iv.length);
    const sealed = payload.subarray(this.#explicit);
    const content = this.#aead.open(this.#nonce, this.#additionalDataFor(sequence, type, sealed.length - this.#aead.tagLength), sealed);
    if (content === null) fail(AlertDescription.bad_record_mac, 'a record failed authentication (bad_record_mac): corrupted or forged data');
    return { type, content };
  }
}
