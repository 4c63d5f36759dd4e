/**
 * Sans-IO SMTP reply parsing (RFC 5321 §4.2): "250-first\r\n250 last\r\n" -> one reply. Bounded:
 * a line longer than `maxLineLength` or a reply with more than `maxLines` lines is a protocol error,
 * so a hostile server cannot make the client buffer without end.
 */
import { SMTPProtocolError } from '../errors.js';

export interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The lines joined with \n. */
  readonly text: string;
  /** RFC 3463 enhanced status code from the first line, when present. */
  readonly enhancedStatus: string | null;
}

export interface ReplyLimits {
  /** Longest reply line accepted, CRLF excluded (default 8192, smtplib's _MAXLINE). */
  maxLineLength?: number;
  /** Most lines in one reply (default 1000). */
  maxLines?: number;
}

const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})\s/;

export class ReplyParser {
  #pending: Buffer = Buffer.alloc(0);
  #lines: string[] = [];
  #code: number | null = null;
  readonly #maxLineLength: number;
  readonly #maxLines: number;

  constructor(limits: ReplyLimits = {}) {
    this.#maxLineLength = limits.maxLineLength ?? 8192;
    this.#maxLines = limits.maxLines ?? 1000;
  }

  /** Bytes received but not part of a complete reply yet. */
  get buffered(): number {
    return this.#pending.length + this.#lines.reduce((n, line) => n + line.length, 0);
  }

  /** Feeds bytes; returns every reply completed by them. */
  feed(data: Uint8Array): Reply[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(data) : Buffer.concat([this.#pending, data]);
    const replies: Reply[] = [];
    for (;;) {
      const end = this.#pending.indexOf('\n');
      if (end < 0) {
        if (this.#pending.length > this.#maxLineLength + 1) {
          throw new SMTPProtocolError(`the server sent a line longer than ${this.#maxLineLength} bytes`);
        }
        return replies;
      }
      let line = this.#pending.subarray(0, end).toString('latin1');
      this.#pending = this.#pending.subarray(end + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > this.#maxLineLength) throw new SMTPProtocolError(`the server sent a line longer than ${this.#maxLineLength} bytes`);
      const match = /^([2-5]\d\d)([ -]|$)(.*)$/s.exec(line);
      if (match === null) throw new SMTPProtocolError(`malformed reply line from the server: ${JSON.stringify(line.slice(0, 80))}`);
      const code = Number(match[1]);
      if (this.#code !== null && code !== this.#code) {
        throw new SMTPProtocolError(`reply code changed inside a multi-line reply (${this.#code} then ${code})`);
      }
      this.#code = code;
      this.#lines.push(match[3]!);
      if (this.#lines.length > this.#maxLines) throw new SMTPProtocolError(`the server sent a reply of more than ${this.#maxLines} lines`);
      if (match[2] !== '-') {
        const lines = this.#lines;
        const enhanced = ENHANCED.exec(lines[0] ?? '');
        replies.push({ code, lines, text: lines.join('\n'), enhancedStatus: enhanced?.[1] ?? null });
        this.#lines = [];
        this.#code = null;
      }
    }
  }
}
