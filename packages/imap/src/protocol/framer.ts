/**
 * IMAP response framing (RFC 9051 §2.2.2, §4.3): bytes in, whole responses out, each as its line
 * text (latin1, one char per byte) interleaved with the literals it announced. Sans-IO, linear in
 * the input, and bounded: line length, literal size and the total size of one response each have
 * a limit, so a hostile server cannot make the client hold more than it allows.
 *
 * @module
 */
import { IMAP4ProtocolError } from '../errors.js';

/** One response: `[text, literal, text, literal, ..., text]` (a response without literals is `[text]`). */
export type ResponseParts = Array<string | Uint8Array>;

/** Returned by {@link ResponseFramer.next} when the server closed the stream between responses. */
export const STREAM_END: unique symbol = Symbol('IMAP stream end');

export interface FramingLimits {
  /** Longest line outside literals, in bytes. */
  readonly maxLineLength: number;
  /** Largest literal, in bytes. */
  readonly maxLiteralSize: number;
  /** Largest response (line text and literals together, each literal counted {@link LITERAL_OVERHEAD} bytes more). */
  readonly maxResponseSize: number;
}

/**
 * What each literal costs beyond its bytes (the part it adds to the response): a chain of empty
 * literals (`{0}` after `{0}`) is charged for it, so it cannot hold memory out of proportion to
 * what the limit allows.
 */
export const LITERAL_OVERHEAD = 64;

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** Literals up to this size are allocated at their announced size; larger ones grow as bytes arrive. */
const PREALLOCATE = 1024 * 1024;

interface Literal {
  readonly size: number;
  data: Buffer;
  filled: number;
}

export class ResponseFramer {
  readonly #limits: FramingLimits;
  #queue: Buffer[] = [];
  #chunk: Buffer = EMPTY;
  #pos = 0;
  /** The start of a line that has no CRLF yet, from earlier chunks. */
  #carry: Buffer[] = [];
  #carryLength = 0;
  #parts: ResponseParts = [];
  #responseBytes = 0;
  #literal: Literal | null = null;
  /** Lists left open by the segments before a literal (see #spuriousBlank). */
  #depth = 0;
  #afterLiteral = false;
  #skippedBlank = false;
  #previousEndedWithLiteral = false;
  #ended = false;

  constructor(limits: FramingLimits) {
    this.#limits = limits;
  }

  /** Bytes received and not yet returned as part of a whole response. */
  get buffered(): number {
    let total = this.#chunk.length - this.#pos + this.#carryLength + (this.#literal?.filled ?? 0);
    for (const chunk of this.#queue) total += chunk.length;
    for (const part of this.#parts) total += part.length;
    return total;
  }

  /** True while a literal's bytes are being received (the "inside a literal" state). */
  get inLiteral(): boolean {
    return this.#literal !== null;
  }

  /** Adds bytes; an empty array means the server closed the stream. */
  push(data: Uint8Array): void {
    if (this.#ended) throw new IMAP4ProtocolError('data received after the end of the stream');
    if (data.length === 0) this.#ended = true;
    else this.#queue.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /** The next whole response, null when more bytes are needed, or STREAM_END. */
  next(): ResponseParts | null | typeof STREAM_END {
    for (;;) {
      if (this.#literal !== null) {
        if (!this.#fillLiteral()) return this.#starved();
        continue;
      }
      const line = this.#readLine();
      if (line === null) return this.#starved();
      const parts = this.#take(line);
      if (parts !== null) return parts;
    }
  }

  #starved(): null | typeof STREAM_END {
    if (!this.#ended) return null;
    if (this.buffered > 0 || this.#literal !== null) {
      throw new IMAP4ProtocolError('the server closed the connection in the middle of a response');
    }
    return STREAM_END;
  }

  /** The current chunk, moving to the next queued one when it is used up; false when none is left. */
  #more(): boolean {
    while (this.#pos >= this.#chunk.length) {
      const next = this.#queue.shift();
      if (next === undefined) return false;
      this.#chunk = next;
      this.#pos = 0;
    }
    return true;
  }

  /** One line without its CRLF, or null when its end has not arrived. Each byte is looked at once. */
  #readLine(): string | null {
    for (;;) {
      if (!this.#more()) return null;
      const chunk = this.#chunk;
      const start = this.#pos;
      // A LF ends the line only after a CR (which may be the last byte carried from the chunk before).
      let lf = chunk.indexOf(LF, start);
      while (lf >= 0 && (lf > start ? chunk[lf - 1] : this.#carry.at(-1)?.at(-1)) !== CR) lf = chunk.indexOf(LF, lf + 1);
      const end = lf < 0 ? chunk.length : lf - 1;
      if (this.#carryLength + (end - start) > this.#limits.maxLineLength) {
        throw new IMAP4ProtocolError(`the server sent a line longer than ${this.#limits.maxLineLength} bytes (limits.maxLineLength)`);
      }
      if (lf < 0) {
        this.#carry.push(Buffer.from(chunk.subarray(start)));
        this.#carryLength += chunk.length - start;
        this.#pos = chunk.length;
        continue;
      }
      this.#pos = lf + 1;
      if (this.#carryLength === 0) return chunk.toString('latin1', start, end);
      const carried = Buffer.concat(end < start ? this.#carry : [...this.#carry, chunk.subarray(start, end)]);
      this.#dropCarry();
      // end < start: the CR was the last carried byte.
      return carried.toString('latin1', 0, end < start ? carried.length - 1 : carried.length);
    }
  }

  #dropCarry(): void {
    this.#carry = [];
    this.#carryLength = 0;
  }

  /** Adds a line to the response; returns the response when the line ends it. */
  #take(line: string): ResponseParts | null {
    this.#charge(line.length + 2);
    if (line === '' && this.#spuriousBlank()) return null;
    const literal = literalAnnounced(line);
    this.#parts.push(line);
    if (literal === null) {
      const parts = this.#parts;
      this.#previousEndedWithLiteral = this.#afterLiteral && line === '';
      this.#parts = [];
      this.#responseBytes = 0;
      this.#depth = 0;
      this.#afterLiteral = false;
      return parts;
    }
    const size = literal.length > 15 ? Infinity : Number(literal);
    if (size > this.#limits.maxLiteralSize) {
      throw new IMAP4ProtocolError(`the server announced a ${literal}-byte literal, above the ${this.#limits.maxLiteralSize}-byte limit (limits.maxLiteralSize)`);
    }
    this.#charge(size + LITERAL_OVERHEAD);
    this.#depth += openLists(line);
    this.#literal = size === 0 ? { size, data: EMPTY, filled: 0 } : { size, data: Buffer.allocUnsafe(Math.min(size, PREALLOCATE)), filled: 0 };
    return null;
  }

  #charge(bytes: number): void {
    this.#responseBytes += bytes;
    if (this.#responseBytes > this.#limits.maxResponseSize) {
      throw new IMAP4ProtocolError(`the server sent a response larger than ${this.#limits.maxResponseSize} bytes (limits.maxResponseSize)`);
    }
  }

  /**
   * Some servers send an extra CRLF after a literal's bytes (CPython gh-88574: imaplib aborted with
   * "unexpected response"; gh-152751 and gh-153317 made it skip the blank). Skipped in the two
   * places CPython skips it, and only there: inside a list the literal left open (`* 9 FETCH (UID 17
   * BODY[] {21}<CRLF><21 bytes><CRLF><CRLF>)`), and first thing after a response that ended with a
   * literal (a LIST whose mailbox name is a literal). One blank per literal; any other empty line
   * is a grammar error. Literal sizes stay exact: a blank is never taken as literal data.
   */
  #spuriousBlank(): boolean {
    if (this.#afterLiteral && this.#depth > 0 && !this.#skippedBlank) {
      this.#skippedBlank = true;
      return true;
    }
    if (this.#parts.length === 0 && this.#previousEndedWithLiteral) {
      this.#previousEndedWithLiteral = false;
      this.#responseBytes = 0;
      return true;
    }
    return false;
  }

  /** Copies bytes into the pending literal; false when the chunk ran out first. */
  #fillLiteral(): boolean {
    const literal = this.#literal!;
    while (literal.filled < literal.size) {
      if (!this.#more()) return false;
      const take = Math.min(this.#chunk.length - this.#pos, literal.size - literal.filled);
      if (literal.filled + take > literal.data.length) {
        // Grown geometrically (amortised linear), never beyond the announced size.
        const grown = Buffer.allocUnsafe(Math.min(literal.size, Math.max(literal.data.length * 2, literal.filled + take)));
        literal.data.copy(grown, 0, 0, literal.filled);
        literal.data = grown;
      }
      this.#chunk.copy(literal.data, literal.filled, this.#pos, this.#pos + take);
      literal.filled += take;
      this.#pos += take;
    }
    this.#parts.push(literal.data);
    this.#literal = null;
    this.#afterLiteral = true;
    this.#skippedBlank = false;
    return true;
  }
}

/** The digits of a `{n}` or `~{n}` (RFC 3516 literal8) that ends a line, or null. */
function literalAnnounced(line: string): string | null {
  if (line.charCodeAt(line.length - 1) !== 0x7d /* } */) return null;
  const open = line.lastIndexOf('{');
  if (open < 0 || open === line.length - 2) return null;
  for (let i = open + 1; i < line.length - 1; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return line.slice(open + 1, -1);
}

/** Parentheses a segment leaves open (negative when it closes more), quoted strings skipped. */
function openLists(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28) depth++;
    else if (c === 0x29) depth--;
    else if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const q = text.charCodeAt(i);
        if (q === 0x5c) i++;
        else if (q === 0x22) break;
      }
    }
  }
  return depth;
}
