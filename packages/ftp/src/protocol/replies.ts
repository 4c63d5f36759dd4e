/**
 * Sans-IO FTP replies (RFC 959 §4.2): "xyz text" on one line, or "xyz-" ... "xyz text" across
 * several (lines in between may be anything, even start with digits). Lines and whole replies are
 * bounded (ftplib's _MAXLINE lesson), so a hostile server cannot make the client hoard memory.
 */
import { FTPPermError, FTPProtoError, FTPReplyError, FTPTempError } from '../errors.js';

export interface Reply {
  readonly code: number;
  /** Every line, without CRLF. */
  readonly lines: readonly string[];
  /** The lines joined with "\n" (ftplib's response string). */
  readonly text: string;
}

export interface ReplyLimits {
  /** Longest line (default 8192 bytes, ftplib's). */
  maxLineLength?: number;
  /** Largest reply, all lines together (default 1 MiB). */
  maxReplySize?: number;
}

const CODE_LINE = /^([1-5]\d\d)([ -])/;

export class ReplyParser {
  #pending: Buffer = Buffer.alloc(0);
  #lines: string[] = [];
  #code: string | null = null;
  #size = 0;
  readonly #maxLine: number;
  readonly #maxReply: number;

  constructor(limits: ReplyLimits = {}) {
    this.#maxLine = limits.maxLineLength ?? 8192;
    this.#maxReply = limits.maxReplySize ?? 1 << 20;
  }

  /** Bytes received and not yet part of a returned reply. */
  get buffered(): number {
    return this.#pending.length + this.#size;
  }

  /** True while a multi-line reply has started and not ended. */
  get inReply(): boolean {
    return this.#code !== null;
  }

  /** Feeds bytes from the control connection; returns the replies they complete. */
  feed(data: Uint8Array): Reply[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(data) : Buffer.concat([this.#pending, data]);
    const replies: Reply[] = [];
    for (;;) {
      const end = this.#pending.indexOf(0x0a);
      if (end < 0) break;
      let raw = this.#pending.subarray(0, end);
      this.#pending = this.#pending.subarray(end + 1);
      if (raw.length > 0 && raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, -1);
      if (raw.length > this.#maxLine) throw new FTPProtoError(`the server sent a line longer than ${this.#maxLine} bytes`);
      const reply = this.#line(raw.toString('utf8'));
      if (reply !== null) replies.push(reply);
    }
    if (this.#pending.length > this.#maxLine + 1) throw new FTPProtoError(`the server sent a line longer than ${this.#maxLine} bytes`);
    return replies;
  }

  #line(line: string): Reply | null {
    this.#size += line.length + 2;
    if (this.#size > this.#maxReply) throw new FTPProtoError(`the server sent a reply larger than ${this.#maxReply} bytes`);
    if (this.#code === null) {
      const match = CODE_LINE.exec(line) ?? (/^[1-5]\d\d$/.test(line) ? [line, line, ' '] : null);
      if (match === null) throw new FTPProtoError(`malformed FTP reply: ${JSON.stringify(line.slice(0, 80))}`);
      this.#lines.push(line);
      if (match[2] === '-') {
        this.#code = match[1]!;
        return null;
      }
      return this.#finish(Number(match[1]));
    }
    this.#lines.push(line);
    // The reply ends at a line with the same code followed by a space (or nothing).
    if (line.startsWith(this.#code) && (line.length === 3 || line[3] === ' ')) return this.#finish(Number(this.#code));
    return null;
  }

  #finish(code: number): Reply {
    const lines = this.#lines;
    this.#lines = [];
    this.#code = null;
    this.#size = 0;
    return { code, lines, text: lines.join('\n') };
  }
}

/** Raises the ftplib error for a 4xx/5xx reply; returns the reply otherwise. */
export function checkReply(reply: Reply): Reply {
  if (reply.code >= 500) throw new FTPPermError(reply.text, reply);
  if (reply.code >= 400) throw new FTPTempError(reply.text, reply);
  return reply;
}

/** Like ftplib's voidresp: anything but 2xx is an error. */
export function expectSuccess(reply: Reply): Reply {
  checkReply(reply);
  if (reply.code < 200 || reply.code > 299) throw new FTPReplyError(reply.text, reply);
  return reply;
}
