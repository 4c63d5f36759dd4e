/**
 * IMAP response framing (RFC 9051 §2.2.2, §4.3): bytes in, whole responses out, each as its line
 * text (latin1, one char per byte) interleaved with the literals it announced. Sans-IO, linear in
 * the input, and bounded: line length, literal size and the total size of one response each have
 * a limit, so a hostile server cannot make the client hold more than it allows.
 *
 * @module
 */
import { LineReader } from '@unitls/client-kit';
import { IMAP4ProtocolError, imapErrors } from '../errors.js';

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

const EMPTY = Buffer.alloc(0);

interface Literal {
  readonly size: number;
  readonly data: Buffer;
  filled: number;
}

/** Lines come from the shared kit's bounded LineReader (CRLF only, as imaplib requires); literals are counted bytes. */
export class ResponseFramer {
  readonly #limits: FramingLimits;
  readonly #lines: LineReader;
  #parts: ResponseParts = [];
  #partsBytes = 0;
  #responseBytes = 0;
  #lastSize = 0;
  #literal: Literal | null = null;
  #afterLiteral = false;
  #skippedBlank = false;
  #previousEndedWithLiteral = false;
  /** Lists left open by `#parts[0 .. #depthCounted)`: each part is counted once (linear time). */
  #depth = 0;
  #depthCounted = 0;
  /** The caller's memory for FETCH literals ({@link receiveFetchLiteralsInto}), and how much of it this response uses. */
  #memory: Uint8Array | null = null;
  #memoryUsed = 0;

  constructor(limits: FramingLimits) {
    this.#limits = limits;
    this.#lines = new LineReader({ maxLineLength: limits.maxLineLength, bareLF: 'reject', errors: imapErrors });
  }

  /** Bytes received and not yet returned as part of a whole response. */
  get buffered(): number {
    return this.#lines.buffered + this.#partsBytes + (this.#literal?.filled ?? 0);
  }

  /** The size of the response {@link next} returned last, as charged against maxResponseSize. */
  get lastSize(): number {
    return this.#lastSize;
  }

  /** True while a literal's bytes are being received (the "inside a literal" state). */
  get inLiteral(): boolean {
    return this.#literal !== null;
  }

  /**
   * Where the literals of FETCH responses are received from now on: `memory` (each literal of one
   * response at its own offset, so they never overlap; a literal that does not fit the rest gets
   * fresh memory), or fresh memory for each (null, the default). Literals of other responses
   * always get fresh memory.
   *
   * The memory is written again by the next FETCH response with a literal, that is, in a later
   * {@link next} call: whoever arms it must be done with a response's bytes (its FETCH body, say)
   * before asking for the next response. IMAP4's fetchEach() does exactly that.
   */
  receiveFetchLiteralsInto(memory: Uint8Array | null): void {
    this.#memory = memory;
  }

  /**
   * Where the pending literal's next bytes can be received directly, with no copy through the
   * framer (a TLSSocket's recvInto, Python's readinto): the part of the literal's memory not yet
   * filled, when it is at least `min` bytes and no received byte waits in the framer (those come
   * first); null otherwise. The memory was allocated at the announced size, already bounded by
   * maxLiteralSize and maxResponseSize. Whoever writes there reports it with
   * {@link literalReceived} before anything else is pushed.
   */
  literalSpace(min = 1): Uint8Array | null {
    const literal = this.#literal;
    if (literal === null || this.#lines.buffered > 0 || this.#lines.ended) return null;
    if (literal.size - literal.filled < Math.max(min, 1)) return null;
    // A plain view (Buffer's subarray builds a Buffer through its species constructor, slower once per read).
    const { data } = literal;
    return new Uint8Array(data.buffer, data.byteOffset + literal.filled, literal.size - literal.filled);
  }

  /** `count` bytes were written at the start of {@link literalSpace}; false (nothing changed) when they could not have been. */
  literalReceived(count: number): boolean {
    const literal = this.#literal;
    if (literal === null || this.#lines.buffered > 0 || this.#lines.ended || !Number.isInteger(count) || count < 1 || count > literal.size - literal.filled) return false;
    literal.filled += count;
    return true;
  }

  /** Adds bytes; an empty array means the server closed the stream. */
  push(data: Uint8Array): void {
    if (this.#lines.ended) throw new IMAP4ProtocolError('data received after the end of the stream');
    if (data.length === 0) this.#lines.end();
    else this.#lines.push(data);
  }

  /** The next whole response, null when more bytes are needed, or STREAM_END. */
  next(): ResponseParts | null | typeof STREAM_END {
    for (;;) {
      if (this.#literal !== null) {
        if (!this.#fillLiteral()) return this.#starved();
        continue;
      }
      const line = this.#lines.readLine();
      if (line === null) return this.#starved();
      const parts = this.#take(line.toString('latin1'));
      if (parts !== null) return parts;
    }
  }

  #starved(): null | typeof STREAM_END {
    if (!this.#lines.ended) return null;
    if (this.buffered > 0 || this.#literal !== null) {
      throw new IMAP4ProtocolError('the server closed the connection in the middle of a response');
    }
    return STREAM_END;
  }

  /** Adds a line to the response; returns the response when the line ends it. */
  #take(line: string): ResponseParts | null {
    this.#charge(line.length + 2);
    if (line === '' && this.#spuriousBlank()) return null;
    const literal = literalAnnounced(line);
    this.#parts.push(line);
    this.#partsBytes += line.length;
    if (literal === null) {
      const parts = this.#parts;
      this.#previousEndedWithLiteral = this.#afterLiteral && line === '';
      this.#parts = [];
      this.#partsBytes = 0;
      this.#depth = 0;
      this.#depthCounted = 0;
      this.#lastSize = this.#responseBytes;
      this.#responseBytes = 0;
      this.#afterLiteral = false;
      this.#memoryUsed = 0;
      return parts;
    }
    const size = literal.length > 15 ? Infinity : Number(literal);
    if (size > this.#limits.maxLiteralSize) {
      throw new IMAP4ProtocolError(`the server announced a ${literal}-byte literal, above the ${this.#limits.maxLiteralSize}-byte limit (limits.maxLiteralSize)`);
    }
    this.#charge(size + LITERAL_OVERHEAD);
    // Allocated at its announced size (bounded by maxLiteralSize): pages the server never fills
    // are never touched, so memory in use still follows the bytes received, and nothing is copied
    // twice as a growing buffer would.
    this.#literal = size === 0 ? { size, data: EMPTY, filled: 0 } : { size, data: this.#literalMemory(size), filled: 0 };
    return null;
  }

  /**
   * The caller's memory when armed, this is a FETCH response and the literal fits after the ones
   * before it in this response; fresh memory otherwise. Only FETCH: their results are handed to
   * the caller one response at a time, while other responses are kept until their command
   * completes and must not share memory that a later response overwrites.
   */
  #literalMemory(size: number): Buffer {
    const memory = this.#memory;
    if (memory === null || this.#memoryUsed + size > memory.length || !isFetch(this.#parts[0] as string)) return Buffer.allocUnsafe(size);
    const view = Buffer.from(memory.buffer, memory.byteOffset + this.#memoryUsed, size);
    this.#memoryUsed += size;
    return view;
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
   * BODY[] {21}<CRLF><21 bytes><CRLF>)`), and first thing after a response that ended with a
   * literal (a LIST whose mailbox name is a literal). One blank per literal; any other empty line
   * is a grammar error. Literal sizes stay exact: a blank is never taken as literal data.
   */
  #spuriousBlank(): boolean {
    // The depth is only computed here, when a blank follows a literal (rare), not for every line;
    // the parts counted before are not counted again (a blank after each of many literals).
    if (this.#afterLiteral && !this.#skippedBlank && this.#openDepth() > 0) {
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

  #openDepth(): number {
    const parts = this.#parts;
    for (; this.#depthCounted < parts.length; this.#depthCounted++) {
      const part = parts[this.#depthCounted]!;
      if (typeof part === 'string') this.#depth += openLists(part);
    }
    return this.#depth;
  }

  /** Copies bytes into the pending literal; false when the input ran out first. */
  #fillLiteral(): boolean {
    const literal = this.#literal!;
    while (literal.filled < literal.size) {
      const bytes = this.#lines.readBytes(literal.size - literal.filled);
      if (bytes === null) return false;
      bytes.copy(literal.data, literal.filled);
      literal.filled += bytes.length;
    }
    this.#parts.push(literal.data);
    this.#partsBytes += literal.size;
    this.#literal = null;
    this.#afterLiteral = true;
    this.#skippedBlank = false;
    return true;
  }
}

/** `* <number> FETCH ` (RFC 9051 message-data), as the response's first line starts. */
function isFetch(line: string): boolean {
  return /^\* \d+ FETCH /i.test(line);
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
