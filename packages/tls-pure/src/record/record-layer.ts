/**
 * The record layer: splits the incoming byte stream into records (checking header and length
 * bounds before any buffering grows), decrypts them, and frames and encrypts outgoing content,
 * honouring the peer's record size limit (RFC 8449).
 *
 * @module
 */
import { RECORD_OVERFLOW, describeFirstBytes, notTlsExplanation } from '@unitls/tls-core';
import { AlertDescription, ContentType } from '../codec/constants.js';
import { fail } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import { IncomingBytes } from './incoming-bytes.js';
import type { RecordProtection } from './protection.js';
import type { RecordProtection12 } from './protection12.js';

/**
 * How many of a plain-text client's first bytes a server's error shows: enough to tell an HTTP
 * request or a mail command ("GET /", "EHLO "), too few to carry what follows (a request's
 * query string, a token, a password), since a server's errors end up in logs (break13 finding 4).
 */
const FIRST_BYTES_FROM_CLIENT = 5;

/** Either version's record protection. */
export type Protection = RecordProtection | RecordProtection12;

/** Largest plaintext fragment (RFC 8446 §5.1). */
export const MAX_FRAGMENT = 2 ** 14;
/** Largest TLSCiphertext.length (RFC 8446 §5.2). */
const MAX_CIPHERTEXT = MAX_FRAGMENT + 256;

/** A decoded record. */
export interface PlainRecord {
  readonly type: number;
  readonly content: Uint8Array;
  /** Whether it arrived encrypted. */
  readonly protected: boolean;
}

const KNOWN_TYPES = new Set<number>(Object.values(ContentType));

export class RecordLayer {
  readonly incoming = new IncomingBytes();
  readonly outgoing = new ByteQueue();
  #reader: Protection | null = null;
  #writer: Protection | null = null;
  /**
   * RFC 8449 limits on TLSInnerPlaintext (content + type byte + padding). 2^14 + 1 is TLS 1.3's own
   * bound. `advertisedLimit` is the one we send in our hello; `incomingLimit` is the one records
   * are judged by: it becomes ours only once the peer has answered with its own (RFC 8449 §4), so a
   * server without RFC 8449 may pack its first encrypted flight into one record of up to 2^14
   * before its EncryptedExtensions tells us so. `outgoingLimit` is the peer's.
   */
  advertisedLimit = MAX_FRAGMENT + 1;
  incomingLimit = MAX_FRAGMENT + 1;
  outgoingLimit = MAX_FRAGMENT + 1;
  /** Zero bytes added to each protected record (RFC 8446 §5.4), to hide lengths. */
  padding = 0;
  /** The legacy_record_version of plaintext records we write (0x0301 for the first ClientHello). */
  plaintextVersion = 0x0303;
  /** Our side and whether the handshake is done: what a peer sending no TLS is told (tls-core's NOT_TLS). */
  role: 'client' | 'server' = 'client';
  established = false;

  setReader(protection: Protection | null): void {
    this.#reader = protection;
  }

  setWriter(protection: Protection | null): void {
    this.#writer = protection;
  }

  get encryptingWrites(): boolean {
    return this.#writer !== null;
  }

  get decryptingReads(): boolean {
    return this.#reader !== null;
  }

  /** Before the handshake, the prefix tls-node's and tls-openssl's handshake failures have (the same words for a plain-text port). */
  #phase(): string {
    return this.established ? '' : 'TLS handshake failed: ';
  }

  /**
   * The next whole record, or null when fewer bytes than one record are buffered. With `into` (a
   * reader that copies application data into `into` from `at` at once: a recv_into read), an
   * application_data record whose content fits there may skip a copy:
   * - an AEAD whose `open` returns fresh memory of its own (node:crypto's: {@link Aead.freshOpen})
   *   has the content copied from that memory straight into `into` at `at`, the memory freed: the
   *   record's content is then that view of `into` (only the content is written there, never the
   *   inner type byte or padding: nothing past it changes);
   * - an AEAD that writes into given memory (its optional openInto: tls-openssl's) decrypts a TLS
   *   1.3 record sure to fit in place in the incoming memory, allocating nothing: the content is
   *   then a view of that memory, valid only until bytes are next taken in (on any connection),
   *   which the caller copies out at once.
   * Any other record's content is the engine's to keep (fresh memory, or a copy).
   */
  readRecord(into: Uint8Array | null = null, at = 0): PlainRecord | null {
    const incoming = this.incoming;
    if (incoming.length < 5) return null;
    const header = incoming.peek(5);
    const type = header[0]!;
    const length = (header[3]! << 8) | header[4]!;
    if (!KNOWN_TYPES.has(type) || header[1] !== 3) {
      if (isSsl2ClientHello(header) && this.role === 'server' && !this.established) {
        // Not plain text: an SSL 3.0-era client (RFC 8446 §D.5: such a hello is not to be accepted).
        fail(AlertDescription.protocol_version, `${this.#phase()}no TLS version in common with the peer (it sent an SSL 2.0-format ClientHello, first bytes ${hex(header)}; unitls speaks TLS 1.2 and 1.3)`);
      }
      // The same words as every implementation, and the bytes as text when they are text (a greeting).
      fail(AlertDescription.unexpected_message, `${this.#phase()}${notTlsExplanation(this.role, this.established)} (${describeFirstBytes(incoming.peek(Math.min(incoming.length, this.role === 'server' ? FIRST_BYTES_FROM_CLIENT : 65)))})`);
    }
    // TLS 1.3 hides the type inside application_data records; TLS 1.2 encrypts every record after
    // ChangeCipherSpec (which itself stays plaintext).
    const encrypted = this.#reader !== null && (this.#reader.tls13 ? type === ContentType.APPLICATION_DATA : type !== ContentType.CHANGE_CIPHER_SPEC);
    // TLS 1.2's additional data holds the record's version (RFC 5246 §6.2.3.3); protection12.ts
    // writes 3,3, the only one negotiated, so another version would pass unauthenticated: refused
    // (OpenSSL: "wrong version number", Go: "received record with version ...").
    if (encrypted && !this.#reader!.tls13 && header[2] !== 3) fail(AlertDescription.protocol_version, `a TLS 1.2 record with version ${hex(header.subarray(1, 3))}, not 0303`);
    if (length > (encrypted ? (this.#reader!.tls13 ? MAX_CIPHERTEXT : MAX_FRAGMENT + 2048) : MAX_FRAGMENT)) {
      // Before the handshake a header this long is no TLS (as OpenSSL's "packet length too long").
      const what = this.established ? RECORD_OVERFLOW : notTlsExplanation(this.role, false);
      fail(AlertDescription.record_overflow, `${this.#phase()}${what} (a record header announcing ${length} bytes)`);
    }
    if (length === 0 && type !== ContentType.APPLICATION_DATA) fail(AlertDescription.decode_error, 'an empty handshake, alert or change_cipher_spec record');
    if (incoming.length < 5 + length) return null;
    // A view of the incoming memory, used up before consume() (which may hand that memory on).
    const record = incoming.peek(5 + length);
    const payload = record.subarray(5);
    try {
      if (!encrypted) {
        if (this.#reader !== null && type !== ContentType.CHANGE_CIPHER_SPEC && type !== ContentType.ALERT) {
          fail(AlertDescription.unexpected_message, 'a plaintext record arrived where an encrypted one was expected');
        }
        return { type, content: payload.slice(), protected: false };
      }
      const reader = this.#reader!;
      // RFC 8449 §4: TLS 1.3's limit counts the inner plaintext (content, type, padding); TLS 1.2's
      // the content (the record adds the explicit nonce and the tag). Judged before decryption.
      if (length > this.incomingLimit + (reader.tls13 ? reader.tagLength : reader.overhead)) fail(AlertDescription.record_overflow, `a record of ${length} bytes exceeds our record size limit`);
      const room = into === null ? 0 : into.length - at;
      let inPlace: { type: number; content: Uint8Array } | null = null;
      let opened: { type: number; content: Uint8Array };
      if (room > 0 && reader.freshOpen) opened = reader.openCopying(record.subarray(0, 5), payload, into!, at, room);
      else {
        // The content (the inner plaintext less its type byte, at least) must fit what the caller copies out.
        inPlace = reader.tls13 && room > 0 && payload.length - reader.tagLength - 1 <= room ? reader.openInPlace(record.subarray(0, 5), payload) : null;
        // Otherwise the AEAD's output is fresh memory, never a view of its input.
        opened = inPlace ?? reader.open(record.subarray(0, 5), payload);
      }
      const { type: innerType, content } = opened;
      if (!KNOWN_TYPES.has(innerType) || innerType === ContentType.CHANGE_CIPHER_SPEC) fail(AlertDescription.unexpected_message, `an encrypted record of content type ${innerType}`);
      if (content.length > MAX_FRAGMENT) fail(AlertDescription.record_overflow, `a record's content of ${content.length} bytes exceeds 2^14`);
      // Handshake messages and alerts are the engine's to keep: not a view of memory about to be reused.
      return { type: innerType, content: inPlace !== null && innerType !== ContentType.APPLICATION_DATA ? content.slice() : content, protected: true };
    } finally {
      incoming.consume(5 + length);
    }
  }

  /** The most content one record carries: 2^14, or less under the peer's record size limit. */
  #room(): number {
    // RFC 8449 §4: in TLS 1.3 the limit also counts the content type byte.
    return this.#writer === null ? MAX_FRAGMENT : Math.min(MAX_FRAGMENT, this.outgoingLimit - (this.#writer.tls13 ? 1 : 0));
  }

  /** Zero bytes to pad a TLS 1.3 record of `length` bytes of content with (RFC 8446 §5.4), within `room`. */
  #paddingFor(length: number, room: number): number {
    return Math.max(0, Math.min(this.padding, room - length));
  }

  /** Frames (and encrypts, once keys are set) `content` as records of at most the peer's limit. */
  write(type: number, content: Uint8Array): void {
    const room = this.#room();
    let offset = 0;
    do {
      const piece = content.subarray(offset, offset + room);
      offset += piece.length;
      if (this.#writer === null) {
        const record = new Uint8Array(5 + piece.length);
        record.set([type, this.plaintextVersion >> 8, this.plaintextVersion & 0xff, piece.length >> 8, piece.length & 0xff]);
        record.set(piece, 5);
        this.outgoing.push(record);
      } else {
        const writer = this.#writer;
        const parts = writer.tls13 ? writer.sealParts(type, piece, this.#paddingFor(piece.length, room)) : writer.sealParts(type, piece);
        for (const part of parts) this.outgoing.push(part);
      }
    } while (offset < content.length);
  }

  /**
   * {@link write} of non-empty `content` with the records sealed straight into `target` (no queue
   * between the cipher and the caller's memory). The records that do not fit, and the end of one
   * cut by the end of `target`, are queued after them in order. Returns the bytes placed in
   * `target`, or -1, taking nothing, when it cannot: no keys yet, output already queued (it must
   * leave first), or more than `maxQueued` bytes would have to be queued.
   */
  writeInto(type: number, content: Uint8Array, target: Uint8Array, maxQueued: number): number {
    const writer = this.#writer;
    if (writer === null || this.outgoing.length > 0 || content.length === 0) return -1;
    const room = this.#room();
    let total = 0;
    for (let offset = 0; offset < content.length; offset += room) {
      const length = Math.min(room, content.length - offset);
      total += writer.tls13 ? writer.sealedLength(length, this.#paddingFor(length, room)) : writer.sealedLength(length);
    }
    if (total - target.length > maxQueued) return -1;
    let placed = 0;
    for (let offset = 0; offset < content.length; offset += room) {
      const piece = content.subarray(offset, offset + room);
      const padding = writer.tls13 ? this.#paddingFor(piece.length, room) : 0;
      const size = writer.tls13 ? writer.sealedLength(piece.length, padding) : writer.sealedLength(piece.length);
      if (placed + size <= target.length) {
        placed += writer.tls13 ? writer.sealInto(type, piece, padding, target, placed) : writer.sealInto(type, piece, target, placed);
        continue;
      }
      // Cut by the end of target (or past it): what fits goes there, the rest waits in the queue.
      for (const part of writer.tls13 ? writer.sealParts(type, piece, padding) : writer.sealParts(type, piece)) {
        const fits = Math.min(part.length, target.length - placed);
        if (fits > 0) {
          target.set(fits === part.length ? part : part.subarray(0, fits), placed);
          placed += fits;
        }
        if (fits < part.length) this.outgoing.push(part.subarray(fits));
      }
    }
    return placed;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Whether a record header's 5 bytes start an SSL 2.0-format CLIENT-HELLO (RFC 5246 §E.2): a
 * 2-byte length with the high bit set, msg_type 1, then version 3.x (or SSL 2.0's 0.2).
 */
function isSsl2ClientHello(header: Uint8Array): boolean {
  return (header[0]! & 0x80) !== 0 && header[2] === 1 && (header[3] === 3 || (header[3] === 0 && header[4] === 2));
}
