/**
 * Sans-IO FTP replies (RFC 959 §4.2): "xyz text" on one line, or "xyz-" ... "xyz text" across
 * several. The lines in between may carry any text — start with digits, with another code, with
 * the same code and a hyphen ("211-MDTM", as ProFTPD's MultilineRFC2228 sends), or be blank; only
 * "xyz" followed by a space (or nothing) ends the reply. Lines and whole replies are bounded
 * (ftplib's _MAXLINE lesson), so a hostile server cannot make the client hoard memory, and framing
 * is the kit's LineReader: linear in the input whatever the split.
 *
 * @module
 */
import { LineReader } from '@unitls/client-kit';
import { FTPProtoError, ftpErrors } from '../errors.js';

/** One reply. */
export interface Reply {
  readonly code: number;
  /** Every line, without CRLF. */
  readonly lines: readonly string[];
  /** The lines joined with "\n" (ftplib's response string). */
  readonly text: string;
}

/** The bounds on replies (part of the client's `limits`). */
export interface ReplyLimits {
  /** Longest reply or listing line, in bytes (default 8192, ftplib's). */
  maxLineLength?: number;
  /**
   * Largest reply, all lines together (default 1 MiB). Each line counts {@link LINE_COST} bytes
   * more than its length, what holding it as a string costs, so a flood of tiny lines is bounded
   * in memory, not only in bytes.
   */
  maxReplySize?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 8192;
export const DEFAULT_MAX_REPLY_SIZE = 1 << 20;
/** What a held line costs beyond its bytes: a string header and an array slot (V8, 64-bit). */
export const LINE_COST = 32;

const CODE = /^[1-5]\d\d/;

/** Reads replies from control-connection bytes. */
export class ReplyReader {
  readonly lines: LineReader;
  readonly #maxReply: number;
  #code: string | null = null;
  #held: string[] = [];
  #size = 0;

  constructor(limits: ReplyLimits = {}) {
    this.lines = new LineReader({ maxLineLength: limits.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH, errors: ftpErrors });
    this.#maxReply = limits.maxReplySize ?? DEFAULT_MAX_REPLY_SIZE;
  }

  /** Bytes received and not yet part of a returned reply. */
  get buffered(): number {
    return this.lines.buffered + this.#size;
  }

  /** True while a multi-line reply has started and not ended. */
  get inReply(): boolean {
    return this.#code !== null;
  }

  /**
   * The next whole reply, or null when more bytes are needed.
   *
   * @throws FTPProtoError for a line that is not a reply, an overlong line or an oversized reply.
   */
  next(): Reply | null {
    for (let raw = this.lines.readLine(); raw !== null; raw = this.lines.readLine()) {
      const line = raw.toString('utf8');
      this.#size += raw.length + 2 + LINE_COST;
      if (this.#size > this.#maxReply) {
        throw new FTPProtoError(`the server sent a reply larger than ${this.#maxReply} bytes (limits.maxReplySize; each line counts ${LINE_COST} bytes more than its length)`);
      }
      this.#held.push(line);
      if (this.#code === null) {
        if (!CODE.test(line) || (line.length > 3 && line[3] !== ' ' && line[3] !== '-')) {
          throw new FTPProtoError(`malformed FTP reply: ${JSON.stringify(line.slice(0, 80))}`);
        }
        if (line[3] === '-') {
          this.#code = line.slice(0, 3);
          continue;
        }
        return this.#finish(line.slice(0, 3));
      }
      // RFC 959 §4.2: the reply ends at a line with the same code followed by a space (or nothing).
      if (line.startsWith(this.#code) && (line.length === 3 || line[3] === ' ')) return this.#finish(this.#code);
    }
    return null;
  }

  #finish(code: string): Reply {
    const lines = this.#held;
    this.#held = [];
    this.#code = null;
    this.#size = 0;
    return { code: Number(code), lines, text: lines.join('\n') };
  }
}

/**
 * Replies from bytes fed in any pieces (the public, ftplib-style face of {@link ReplyReader}).
 *
 * @example
 * ```ts
 * const parser = new ReplyParser();
 * parser.feed(Buffer.from('211-Features:\r\n211-MDTM\r\n211 End\r\n')); // [{ code: 211, ... }]
 * ```
 */
export class ReplyParser {
  readonly #reader: ReplyReader;

  constructor(limits: ReplyLimits = {}) {
    this.#reader = new ReplyReader(limits);
  }

  /** Bytes received and not yet part of a returned reply. */
  get buffered(): number {
    return this.#reader.buffered;
  }

  /** True while a multi-line reply has started and not ended. */
  get inReply(): boolean {
    return this.#reader.inReply;
  }

  /**
   * Feeds bytes; returns the replies they complete.
   *
   * @throws FTPProtoError as {@link ReplyReader.next}.
   */
  feed(data: Uint8Array): Reply[] {
    this.#reader.lines.push(data);
    const replies: Reply[] = [];
    for (let reply = this.#reader.next(); reply !== null; reply = this.#reader.next()) replies.push(reply);
    return replies;
  }
}
