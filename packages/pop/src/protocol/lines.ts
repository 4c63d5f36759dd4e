/**
 * Sans-IO POP3 line handling (RFC 1939): single status lines and dot-terminated multi-line
 * responses, un-stuffed ("..x" -> ".x"). Lines are bounded (poplib's _MAXLINE lesson).
 */
import { POP3Error, POP3UsageError } from '../errors.js';

export class LineSplitter {
  #pending: Buffer = Buffer.alloc(0);
  readonly #maxLineLength: number;

  constructor(maxLineLength = 8192) {
    this.#maxLineLength = maxLineLength;
  }

  get buffered(): number {
    return this.#pending.length;
  }

  /** Feeds bytes; returns the complete lines (without CRLF, as bytes). */
  feed(data: Uint8Array): Buffer[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(data) : Buffer.concat([this.#pending, data]);
    const lines: Buffer[] = [];
    for (;;) {
      const end = this.#pending.indexOf(0x0a);
      if (end < 0) break;
      let line = this.#pending.subarray(0, end);
      this.#pending = this.#pending.subarray(end + 1);
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
      if (line.length > this.#maxLineLength) throw new POP3Error(`the server sent a line longer than ${this.#maxLineLength} bytes`);
      lines.push(line);
    }
    if (this.#pending.length > this.#maxLineLength + 1) throw new POP3Error(`the server sent a line longer than ${this.#maxLineLength} bytes`);
    return lines;
  }
}

/** "+OK text" -> text; "-ERR text" -> POP3Error; anything else -> POP3Error (malformed). */
export function parseStatus(line: Buffer): string {
  const text = line.toString('utf8');
  if (text === '+OK' || text.startsWith('+OK ')) return text.slice(4);
  if (text === '-ERR' || text.startsWith('-ERR ')) throw new POP3Error(text, text);
  throw new POP3Error(`malformed POP3 response: ${JSON.stringify(text.slice(0, 80))}`, text);
}

/** One line of a multi-line body: null for the terminating ".", else the un-stuffed line. */
export function bodyLine(line: Buffer): Buffer | null {
  if (line.length === 1 && line[0] === 0x2e) return null;
  return line[0] === 0x2e ? line.subarray(1) : line;
}

/** Refuses CR, LF and NUL in command arguments. */
export function checkArgument(what: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new POP3UsageError(`${what} contains CR, LF or NUL, which could inject POP3 commands; refused`);
  return value;
}

