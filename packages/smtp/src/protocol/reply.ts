/**
 * Sans-IO SMTP reply parsing (RFC 5321 §4.2): "250-first\r\n250 last\r\n" is one reply. Bounded:
 * a line longer than `maxLineLength` or a reply of more than `maxLines` lines is a protocol
 * error, so a hostile server cannot make the client hold bytes without end.
 *
 * @module
 */
import { LineReader } from '@unitls/client-kit';
import { SMTPProtocolError, smtpErrors } from '../errors.js';

/** One server reply. */
export interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The lines joined with \n. */
  readonly text: string;
  /** RFC 3463 enhanced status code from the first line, when present. */
  readonly enhancedStatus: string | null;
}

/** Bounds on server replies (part of the client's `limits`). */
export interface ReplyLimits {
  /** Longest reply line accepted, CRLF excluded (default 8192, smtplib's _MAXLINE). */
  maxLineLength?: number;
  /** Most lines in one reply (default 1000). */
  maxLines?: number;
}

const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})\s/;
const HYPHEN = 0x2d;

/** The code of a reply line ("250-...", "354 ...", "221"): 2yz to 5yz then space, hyphen or the end; -1 otherwise. */
function replyCode(line: Uint8Array): number {
  if (line.length < 3) return -1;
  const a = line[0]!;
  const b = line[1]!;
  const c = line[2]!;
  if (a < 0x32 || a > 0x35 || b < 0x30 || b > 0x39 || c < 0x30 || c > 0x39) return -1;
  if (line.length > 3 && line[3] !== 0x20 && line[3] !== HYPHEN) return -1;
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30);
}

/** Assembles replies from a LineReader's lines; `next()` is a reply or null (need more bytes). */
export class ReplyReader {
  readonly lines: LineReader;
  readonly #maxLines: number;
  #pending: string[] = [];
  #code = 0;

  constructor(limits: ReplyLimits = {}) {
    // smtplib accepts a lone LF, and so do we: replies are read, not relayed.
    this.lines = new LineReader({ maxLineLength: limits.maxLineLength ?? 8192, bareLF: 'accept', errors: smtpErrors });
    this.#maxLines = limits.maxLines ?? 1000;
  }

  /** Bytes received and not yet part of a returned reply. */
  get buffered(): number {
    return this.lines.buffered + this.#pending.reduce((n, line) => n + line.length + 4, 0);
  }

  /** True while a multi-line reply has begun and not ended. */
  get inReply(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * The next complete reply, or null.
   *
   * @throws SMTPProtocolError for a malformed line, a code change inside a reply, or a bound passed.
   */
  next(): Reply | null {
    for (let bytes = this.lines.readLine(); bytes !== null; bytes = this.lines.readLine()) {
      const line = bytes.toString('latin1');
      const code = replyCode(bytes);
      if (code < 0) throw new SMTPProtocolError(`malformed reply line from the server: ${JSON.stringify(line.slice(0, 80))}`);
      if (this.#pending.length > 0 && code !== this.#code) {
        throw new SMTPProtocolError(`reply code changed inside a multi-line reply (${this.#code} then ${code})`);
      }
      this.#code = code;
      this.#pending.push(line.slice(4));
      if (this.#pending.length > this.#maxLines) throw new SMTPProtocolError(`the server sent a reply of more than ${this.#maxLines} lines`);
      if (bytes[3] !== HYPHEN) {
        const lines = this.#pending;
        this.#pending = [];
        return { code, lines, text: lines.join('\n'), enhancedStatus: ENHANCED.exec(lines[0]!)?.[1] ?? null };
      }
    }
    return null;
  }
}

/** The reply reader as a push parser: `feed(bytes)` returns every reply completed by them. */
export class ReplyParser {
  readonly #reader: ReplyReader;

  constructor(limits: ReplyLimits = {}) {
    this.#reader = new ReplyReader(limits);
  }

  /** Bytes received but not part of a complete reply yet. */
  get buffered(): number {
    return this.#reader.buffered;
  }

  /** Feeds bytes; returns every reply completed by them. @throws SMTPProtocolError */
  feed(data: Uint8Array): Reply[] {
    this.#reader.lines.push(data);
    const replies: Reply[] = [];
    for (let reply = this.#reader.next(); reply !== null; reply = this.#reader.next()) replies.push(reply);
    return replies;
  }
}
