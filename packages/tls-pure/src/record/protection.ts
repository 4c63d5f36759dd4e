/**
 * TLS 1.3 record protection (RFC 8446 §5.2-5.3): TLSInnerPlaintext framing with the content type
 * and optional zero padding, per-record nonces from the IV and the sequence number, the record
 * header as additional data.
 *
 * @module
 */
import { AlertDescription, ContentType } from '../codec/constants.js';
import type { Aead, AeadAlgorithm, CryptoProvider } from '../crypto/provider.js';
import { releaseMemory } from '../crypto/release.js';
import { fail } from '../errors.js';

/** RFC 8446 §5.5: well below the 2^64 wrap; a connection this long is refused rather than wrapped. */
const MAX_SEQUENCE = 2 ** 48;

/** TLSInnerPlaintext of a full record is assembled here; shared, as sealing is synchronous. */
const innerScratch = new Uint8Array(2 ** 14 + 1);
const NO_PREFIX = new Uint8Array(0);

/** One direction's AEAD state. */
export class RecordProtection {
  readonly tls13 = true;
  readonly #aead: Aead;
  /**
   * The per-record nonce, rewritten in place for every record (the AEAD reads it during the call
   * only). Its first bytes are the IV's for good; the IV's last 8 bytes, the ones the sequence
   * number changes, are kept as two 32-bit numbers: no second array per direction (~0.2 KB of heap
   * each, held for the connection's life).
   */
  readonly #nonceBuffer: Uint8Array;
  readonly #ivHigh: number;
  readonly #ivLow: number;
  #sequence = 0;

  constructor(provider: CryptoProvider, algorithm: AeadAlgorithm, key: Uint8Array, iv: Uint8Array) {
    this.#aead = provider.aead(algorithm, key);
    this.#nonceBuffer = Uint8Array.from(iv);
    const end = iv.length;
    this.#ivHigh = ((iv[end - 8]! << 24) | (iv[end - 7]! << 16) | (iv[end - 6]! << 8) | iv[end - 5]!) >>> 0;
    this.#ivLow = ((iv[end - 4]! << 24) | (iv[end - 3]! << 16) | (iv[end - 2]! << 8) | iv[end - 1]!) >>> 0;
  }

  get tagLength(): number {
    return this.#aead.tagLength;
  }

  /** §5.3: the IV XOR the 64-bit sequence number (left-padded), then the sequence number moves on. */
  #nonce(): Uint8Array {
    if (this.#sequence >= MAX_SEQUENCE) fail(AlertDescription.internal_error, 'the record sequence number is exhausted: reconnect');
    const sequence = this.#sequence++;
    const nonce = this.#nonceBuffer;
    const low = sequence >>> 0;
    const high = (sequence - low) / 2 ** 32; // below 2^16: MAX_SEQUENCE
    writeUint32(nonce, nonce.length - 8, this.#ivHigh ^ high);
    writeUint32(nonce, nonce.length - 4, this.#ivLow ^ low);
    return nonce;
  }

  /** A whole TLSCiphertext record (header included) for `content` of `type`, padded with `padding` zeros. */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    const parts = this.sealParts(type, content, padding);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** {@link seal}'s record as pieces in order (header, ciphertext, tag), for a queue that takes them as they are. */
  sealParts(type: number, content: Uint8Array, padding = 0): Uint8Array[] {
    const header = new Uint8Array(5);
    const parts = this.#sealAfter(header, type, content, padding);
    parts.unshift(header);
    return parts;
  }

  /** {@link seal}'s record written into `target` at `offset` (room for {@link sealedLength} bytes needed); returns its length. */
  sealInto(type: number, content: Uint8Array, padding: number, target: Uint8Array, offset: number): number {
    const header = target.subarray(offset, offset + 5);
    const aead = this.#aead;
    if (aead.sealInto === undefined) {
      let at = offset + 5;
      for (const part of this.#sealAfter(header, type, content, padding)) {
        target.set(part, at);
        at += part.length;
      }
      return at - offset;
    }
    // Sealed where it goes out: the header (the additional data) just before it, no pieces.
    const nonce = this.#writeHeader(header, content.length + 1 + padding);
    return 5 + aead.sealInto(nonce, header, innerPlaintext(type, content, padding), target, offset + 5);
  }

  /** The length of the record {@link seal} makes of `contentLength` bytes and `padding` zeros. */
  sealedLength(contentLength: number, padding: number): number {
    return 5 + contentLength + 1 + padding + this.#aead.tagLength;
  }

  /** Writes the record header into `header` (5 bytes) and returns what follows it: the ciphertext and the tag, in pieces. */
  #sealAfter(header: Uint8Array, type: number, content: Uint8Array, padding: number): Uint8Array[] {
    const nonce = this.#writeHeader(header, content.length + 1 + padding);
    if (this.#aead.sealParts === undefined) {
      // TLSInnerPlaintext = content || type || zeros, given to the AEAD in parts (no joining copy).
      const trailer = new Uint8Array(1 + padding);
      trailer[0] = type;
      return [this.#aead.seal(nonce, header, [content, trailer])];
    }
    return this.#aead.sealParts(nonce, header, innerPlaintext(type, content, padding), NO_PREFIX);
  }

  /** Writes the header of a record of `innerLength` bytes of TLSInnerPlaintext into `header` (5 bytes); returns its nonce. */
  #writeHeader(header: Uint8Array, innerLength: number): Uint8Array {
    const length = innerLength + this.#aead.tagLength;
    header[0] = ContentType.APPLICATION_DATA;
    header[1] = 3;
    header[2] = 3;
    header[3] = length >> 8;
    header[4] = length & 0xff;
    return this.#nonce();
  }

  /** The inner content type and content of a record, or a bad_record_mac failure. */
  open(header: Uint8Array, payload: Uint8Array): { type: number; content: Uint8Array } {
    const inner = this.#aead.open(this.#nonce(), header, payload);
    if (inner === null) fail(AlertDescription.bad_record_mac, BAD_RECORD_MAC);
    return unwrapInner(inner);
  }

  /** Whether {@link open}'s content is the AEAD's own fresh memory ({@link Aead.freshOpen}): {@link openCopying} then costs one copy. */
  get freshOpen(): boolean {
    return this.#aead.freshOpen === true;
  }

  /**
   * {@link open} for a reader that copies application data into `target` from `offset`, with
   * `room` bytes there: an application_data record whose content fits is copied there straight
   * from the AEAD's fresh memory, which is then freed at once (release.ts), and its content is that
   * view of `target`. Only the content is written: nothing of the inner type byte or padding, so
   * `target` past the content stays as it was (recv_into's contract). Any other record is
   * returned as {@link open} returns it. For AEADs with {@link freshOpen}.
   */
  openCopying(header: Uint8Array, payload: Uint8Array, target: Uint8Array, offset: number, room: number): { type: number; content: Uint8Array } {
    const inner = this.#aead.open(this.#nonce(), header, payload);
    if (inner === null) fail(AlertDescription.bad_record_mac, BAD_RECORD_MAC);
    const record = unwrapInner(inner);
    const length = record.content.length;
    if (record.type !== ContentType.APPLICATION_DATA || length === 0 || length > room) return record;
    target.set(record.content, offset);
    releaseMemory(inner); // copied out: freed now, never counted by a garbage collection
    return { type: record.type, content: target.subarray(offset, offset + length) };
  }

  /**
   * {@link open} with the TLSInnerPlaintext decrypted in place, over `payload` (the AEAD's
   * {@link Aead.openInto}), so it costs no fresh memory: the content is a view of `payload`.
   * Null, nothing done, when the AEAD has no openInto.
   */
  openInPlace(header: Uint8Array, payload: Uint8Array): { type: number; content: Uint8Array } | null {
    const aead = this.#aead;
    if (aead.openInto === undefined) return null;
    const length = aead.openInto(this.#nonce(), header, payload, payload, 0);
    if (length < 0) fail(AlertDescription.bad_record_mac, BAD_RECORD_MAC);
    return unwrapInner(payload.subarray(0, length));
  }
}

const BAD_RECORD_MAC = 'a record failed authentication (bad_record_mac): corrupted or forged data';

/** The content type and content of a TLSInnerPlaintext: the type is the last non-zero byte; zeros after it are padding (§5.4). */
function unwrapInner(inner: Uint8Array): { type: number; content: Uint8Array } {
  let end = inner.length - 1;
  while (end >= 0 && inner[end] === 0) end--;
  if (end < 0) fail(AlertDescription.unexpected_message, 'a record holds only padding, no content type');
  return { type: inner[end]!, content: inner.subarray(0, end) };
}

/**
 * TLSInnerPlaintext (content || type || `padding` zeros) in one contiguous piece of shared scratch
 * memory (a memcpy costs less than a second cipher update for the type byte), valid until the next
 * call: the AEAD reads it during its call only.
 */
function innerPlaintext(type: number, content: Uint8Array, padding: number): Uint8Array {
  const innerLength = content.length + 1 + padding;
  const inner = innerLength <= innerScratch.length ? innerScratch.subarray(0, innerLength) : new Uint8Array(innerLength);
  inner.set(content);
  inner[content.length] = type;
  if (padding > 0) inner.fill(0, content.length + 1);
  return inner;
}

/** Writes the low 32 bits of `value` big-endian at `offset`. */
function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

/**
 * Writes `iv` XOR the 64-bit big-endian `sequence` into `nonce` (same length as `iv`, at least 8
 * bytes). Sequence numbers stay below 2^48, so the high 32 bits come from a division, not bit
 * operators (which work on 32 bits).
 */
export function xorSequence(nonce: Uint8Array, iv: Uint8Array, sequence: number): void {
  const end = iv.length;
  const low = sequence >>> 0;
  const high = (sequence - low) / 2 ** 32;
  for (let i = 0; i < end - 8; i++) nonce[i] = iv[i]!;
  nonce[end - 1] = iv[end - 1]! ^ (low & 0xff);
  nonce[end - 2] = iv[end - 2]! ^ ((low >>> 8) & 0xff);
  nonce[end - 3] = iv[end - 3]! ^ ((low >>> 16) & 0xff);
  nonce[end - 4] = iv[end - 4]! ^ (low >>> 24);
  nonce[end - 5] = iv[end - 5]! ^ (high & 0xff);
  nonce[end - 6] = iv[end - 6]! ^ ((high >>> 8) & 0xff);
  nonce[end - 7] = iv[end - 7]! ^ ((high >>> 16) & 0xff);
  nonce[end - 8] = iv[end - 8]! ^ (high >>> 24);
}
