/**
 * The record layer: splits the incoming byte stream into records (checking header and length
 * bounds before any buffering grows), decrypts them, and frames and encrypts outgoing content,
 * honouring the peer's record size limit (RFC 8449).
 *
 * @module
 */
import { AlertDescription, ContentType } from '../codec/constants.js';
import { fail } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import type { RecordProtection } from './protection.js';
import type { RecordProtection12 } from './protection12.js';

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
  readonly incoming = new ByteQueue();
  readonly outgoing = new ByteQueue();
  #reader: Protection | null = null;
  #writer: Protection | null = null;
  /**
   * RFC 8449 limits on TLSInnerPlaintext (content + type byte + padding): ours (what we
   * advertised) and the peer's. 2^14 + 1 is TLS 1.3's own bound.
   */
  incomingLimit = MAX_FRAGMENT + 1;
  outgoingLimit = MAX_FRAGMENT + 1;
  /** Zero bytes added to each protected record (RFC 8446 §5.4), to hide lengths. */
  padding = 0;
  /** The legacy_record_version of plaintext records we write (0x0301 for the first ClientHello). */
  plaintextVersion = 0x0303;

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

  /** The next whole record, or null when fewer bytes than one record are buffered. */
  readRecord(): PlainRecord | null {
    if (this.incoming.length < 5) return null;
    const header = this.incoming.peek(5);
    const type = header[0]!;
    const length = (header[3]! << 8) | header[4]!;
    if (!KNOWN_TYPES.has(type) || header[1] !== 3) {
      fail(AlertDescription.unexpected_message, `the peer sent bytes that are not a TLS record (first bytes ${hex(header)}): is this a TLS port?`);
    }
    // TLS 1.3 hides the type inside application_data records; TLS 1.2 encrypts every record after
    // ChangeCipherSpec (which itself stays plaintext).
    const encrypted = this.#reader !== null && (this.#reader.tls13 ? type === ContentType.APPLICATION_DATA : type !== ContentType.CHANGE_CIPHER_SPEC);
    if (length > (encrypted ? (this.#reader!.tls13 ? MAX_CIPHERTEXT : MAX_FRAGMENT + 2048) : MAX_FRAGMENT)) fail(AlertDescription.record_overflow, `a record of ${length} bytes exceeds the TLS limit`);
    if (length === 0 && type !== ContentType.APPLICATION_DATA) fail(AlertDescription.decode_error, 'an empty handshake, alert or change_cipher_spec record');
    if (this.incoming.length < 5 + length) return null;
    const record = this.incoming.peek(5 + length);
    const headerCopy = record.subarray(0, 5);
    const payload = record.subarray(5);
    this.incoming.consume(5 + length);
    if (!encrypted) {
      if (this.#reader !== null && type !== ContentType.CHANGE_CIPHER_SPEC && type !== ContentType.ALERT) {
        fail(AlertDescription.unexpected_message, 'a plaintext record arrived where an encrypted one was expected');
      }
      return { type, content: new Uint8Array(payload), protected: false };
    }
    const reader = this.#reader!;
    if (reader.tls13 && length > this.incomingLimit + reader.tagLength) fail(AlertDescription.record_overflow, `a record of ${length} bytes exceeds our record size limit`);
    const { type: innerType, content } = reader.open(headerCopy, payload);
    if (!KNOWN_TYPES.has(innerType) || innerType === ContentType.CHANGE_CIPHER_SPEC) fail(AlertDescription.unexpected_message, `an encrypted record of content type ${innerType}`);
    if (content.length > MAX_FRAGMENT) fail(AlertDescription.record_overflow, `a record's content of ${content.length} bytes exceeds 2^14`);
    return { type: innerType, content, protected: true };
  }

  /** Frames (and encrypts, once keys are set) `content` as records of at most the peer's limit. */
  write(type: number, content: Uint8Array): void {
    // With record_size_limit, the limit counts the content type byte and padding of TLS 1.3 (RFC 8449 §4).
    // RFC 8449 §4: in TLS 1.3 the limit also counts the content type byte.
    const room = this.#writer === null ? MAX_FRAGMENT : Math.min(MAX_FRAGMENT, this.outgoingLimit - (this.#writer.tls13 ? 1 : 0));
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
        const parts = writer.tls13 ? writer.sealParts(type, piece, Math.max(0, Math.min(this.padding, room - piece.length))) : writer.sealParts(type, piece);
        for (const part of parts) this.outgoing.push(part);
      }
    } while (offset < content.length);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
