/**
 * Bounded CRLF line framing for the protocol cores: bytes go in as they arrive, lines (and raw
 * byte runs, for IMAP literals) come out. Linear in the input whatever the split: each byte is
 * searched once (a partial line is never rescanned, only its last byte is looked at) and copied
 * at most into one growing buffer for a line that spans chunks.
 *
 * @module
 */
import { clientErrors, type ErrorFamily } from './errors.js';

/** What a lone LF (not after CR) means. */
export type BareLFPolicy = 'accept' | 'reject';

/** Options of {@link LineReader}. */
export interface LineReaderOptions {
  /**
   * The longest line accepted, in bytes, terminator excluded. A longer line is a protocol error
   * raised as soon as that many bytes arrived without a terminator, so nothing beyond it is held.
   */
  maxLineLength: number;
  /**
   * `'accept'` (default): LF alone ends a line, as smtplib, poplib and imaplib accept it;
   * `'reject'`: a lone LF is a protocol error. A CR not followed by LF is kept inside the line.
   */
  bareLF?: BareLFPolicy;
  /** The client's errors (default: the kit's own classes). */
  errors?: ErrorFamily;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** The most chunk slots an emptied reader keeps for reuse (a burst's larger array is let go). */
const KEPT_SLOTS = 64;

/**
 * A byte queue read as lines. `push` keeps each chunk without copying; `readLine` returns a line
 * without its terminator, or null when more bytes are needed.
 *
 * Lines inside one chunk are views of that chunk (no copy): decode or copy what you keep, or the
 * whole chunk stays alive with it.
 *
 * @example
 * ```ts
 * const reader = new LineReader({ maxLineLength: 8192 });
 * reader.push(Buffer.from('250-first\r\n250 la'));
 * reader.readLine(); // Buffer "250-first"
 * reader.readLine(); // null: more bytes needed
 * ```
 */
export class LineReader {
  readonly #max: number;
  readonly #rejectBareLF: boolean;
  readonly #errors: ErrorFamily;
  /**
   * The chunks held are [head, tail); slots from tail on are EMPTY, kept so that the array's
   * storage is reused: emptying it by `length = 0` freed it, and the next push allocated a new
   * one (~150 B per reply of every client: issue #16).
   */
  #chunks: Buffer[] = [];
  #tail = 0;
  #head = 0;
  /** Where unread bytes start in chunks[head]. */
  #offset = 0;
  /** A line begun in earlier chunks: bytes [0, partialLength) of #partial. */
  #partial: Buffer = EMPTY;
  #partialLength = 0;
  #buffered = 0;
  #ended = false;

  constructor(options: LineReaderOptions) {
    if (!Number.isInteger(options.maxLineLength) || options.maxLineLength < 1) {
      throw new RangeError(`maxLineLength must be a positive integer, got ${options.maxLineLength}`);
    }
    this.#max = options.maxLineLength;
    this.#rejectBareLF = options.bareLF === 'reject';
    this.#errors = options.errors ?? clientErrors;
  }

  /** Bytes received and not yet returned. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Adds received bytes (kept as they are, not copied). */
  push(chunk: Uint8Array): void {
    if (this.#ended) throw new RangeError('push after end: the stream already ended');
    if (chunk.length === 0) return;
    const held = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.#tail < this.#chunks.length) this.#chunks[this.#tail] = held;
    else this.#chunks.push(held);
    this.#tail++;
    this.#buffered += chunk.length;
  }

  /** Marks the end of the stream; bytes still held stay readable. */
  end(): void {
    this.#ended = true;
  }

  /**
   * The next line without its CRLF (or LF), or null when no whole line is held yet.
   *
   * @param maxLineLength - this line's bound instead of the reader's (POP3 message content gets a
   *   far larger one than status lines); `limitName` names it in the error ("limits.maxLineLength").
   * @throws the family's protocol error when the line passes its bound, or (policy `'reject'`)
   *   ends with a lone LF.
   */
  readLine(maxLineLength: number = this.#max, limitName?: string): Buffer | null {
    while (this.#head < this.#tail) {
      const chunk = this.#chunks[this.#head]!;
      const start = this.#offset;
      const at = chunk.indexOf(LF, start);
      if (at < 0) {
        this.#keepPartial(chunk, start, maxLineLength, limitName);
        continue;
      }
      this.#offset = at + 1;
      this.#buffered -= at + 1 - start;
      if (this.#offset === chunk.length) this.#dropHead();
      let line: Buffer;
      let endsWithCR: boolean;
      if (this.#partialLength === 0) {
        endsWithCR = at > start && chunk[at - 1] === CR;
        line = chunk.subarray(start, endsWithCR ? at - 1 : at);
      } else {
        endsWithCR = at > start ? chunk[at - 1] === CR : this.#partial[this.#partialLength - 1] === CR;
        const total = this.#partialLength + (at - start) - (endsWithCR ? 1 : 0);
        line = Buffer.allocUnsafe(total);
        const fromPartial = Math.min(this.#partialLength, total);
        this.#partial.copy(line, 0, 0, fromPartial);
        if (total > fromPartial) chunk.copy(line, fromPartial, start, start + total - fromPartial);
        this.#buffered -= this.#partialLength;
        this.#partialLength = 0;
        // A long line's buffer is not kept for the life of the session.
        if (this.#partial.length > 64 * 1024) this.#partial = EMPTY;
      }
      if (line.length > maxLineLength) throw this.#tooLong(maxLineLength, limitName);
      if (!endsWithCR && this.#rejectBareLF) throw this.#errors.protocol('the server ended a line with LF alone, where the protocol requires CRLF');
      return line;
    }
    return null;
  }

  /**
   * Up to `max` raw bytes (an IMAP literal, a transfer), or null when none are held. Bytes of a
   * line begun but not finished come first.
   */
  readBytes(max: number): Buffer | null {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`readBytes needs a positive integer, got ${max}`);
    if (this.#partialLength > 0) {
      const n = Math.min(max, this.#partialLength);
      const out = Buffer.from(this.#partial.subarray(0, n));
      this.#partial = this.#partial.subarray(n);
      this.#partialLength -= n;
      this.#buffered -= n;
      return out;
    }
    if (this.#head >= this.#tail) return null;
    const chunk = this.#chunks[this.#head]!;
    const n = Math.min(max, chunk.length - this.#offset);
    const out = chunk.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    this.#buffered -= n;
    if (this.#offset === chunk.length) this.#dropHead();
    return out;
  }

  /**
   * The unread bytes of the first chunk held, as a view, when they start a line (no line begun
   * in earlier chunks is pending); null otherwise. With {@link consume}, lets a core scan many
   * whole lines of one chunk at once (a POP3 message body) instead of taking a view per line.
   */
  peekChunk(): Buffer | null {
    if (this.#partialLength > 0 || this.#head >= this.#tail) return null;
    const chunk = this.#chunks[this.#head]!;
    return this.#offset === 0 ? chunk : chunk.subarray(this.#offset);
  }

  /**
   * Marks the first `count` bytes of {@link peekChunk}'s view as read.
   *
   * @throws RangeError when `count` is not an integer from 0 to that view's length.
   */
  consume(count: number): void {
    const chunk = this.#partialLength > 0 ? undefined : this.#chunks[this.#head];
    const held = chunk === undefined ? 0 : chunk.length - this.#offset;
    if (!Number.isInteger(count) || count < 0 || count > held) throw new RangeError(`consume(${count}): only ${held} bytes of the first chunk can be consumed`);
    if (count === 0) return;
    this.#offset += count;
    this.#buffered -= count;
    if (this.#offset === chunk!.length) this.#dropHead();
  }

  /** The protocol error for a line over `max` bytes (what {@link readLine} raises), for cores that scan lines themselves. */
  tooLong(max: number, limitName?: string): Error {
    return this.#tooLong(max, limitName);
  }

  #tooLong(max: number, limitName: string | undefined): Error {
    return this.#errors.protocol(`the server sent a line longer than ${max} bytes${limitName === undefined ? '' : ` (${limitName})`}`);
  }

  /** Moves the rest of `chunk` (no LF in it) into the partial line, refusing it past the limit. */
  #keepPartial(chunk: Buffer, start: number, max: number, limitName: string | undefined): void {
    const length = chunk.length - start;
    // One byte of slack: a CR that the next chunk's LF will end.
    if (this.#partialLength + length > max + 1) throw this.#tooLong(max, limitName);
    const needed = this.#partialLength + length;
    if (needed > this.#partial.length) {
      const grown = Buffer.allocUnsafe(Math.min(max + 1, Math.max(needed, this.#partial.length * 2, 256)));
      this.#partial.copy(grown, 0, 0, this.#partialLength);
      this.#partial = grown;
    }
    chunk.copy(this.#partial, this.#partialLength, start);
    this.#partialLength = needed;
    this.#dropHead();
  }

  #dropHead(): void {
    this.#chunks[this.#head] = EMPTY;
    this.#head++;
    this.#offset = 0;
    if (this.#head === this.#tail) {
      // Every slot is EMPTY again: reused from the start, unless a burst grew the array large.
      if (this.#chunks.length > KEPT_SLOTS) this.#chunks = [];
      this.#head = this.#tail = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#tail) {
      this.#chunks = this.#chunks.slice(this.#head, this.#tail);
      this.#tail -= this.#head;
      this.#head = 0;
    }
  }
}
