/**
 * Sans-IO IMAP response parsing (RFC 9051 / 3501 §7): bytes in, responses out. Handles atoms,
 * quoted strings with escapes, literals {n} and {n+} (kept as bytes, never copied twice), nested
 * lists, NIL and response codes. Bounded: literal size, line length and nesting depth have limits
 * with clear errors, so a hostile server cannot make the client allocate without end.
 */
import { IMAP4Abort } from '../errors.js';

/** A parsed value: an atom or string (string), a number, a literal (bytes), NIL (null) or a list. */
export type IMAPValue = string | number | Uint8Array | null | IMAPValue[];

export interface UntaggedResponse {
  readonly kind: 'untagged';
  /** "OK", "NO", "BAD", "BYE", "PREAUTH", "CAPABILITY", "FLAGS", "LIST", "SEARCH", "STATUS", ... or for "* 3 EXISTS" the word after the number. */
  readonly type: string;
  /** For "* 3 EXISTS" / "* 5 FETCH (...)": the number. */
  readonly number: number | null;
  /** The [CODE args] of a status response. */
  readonly code: { name: string; args: IMAPValue[] } | null;
  /** Free text of a status response. */
  readonly text: string;
  /** The values after the type. */
  readonly data: IMAPValue[];
}

export interface TaggedResponse {
  readonly kind: 'tagged';
  readonly tag: string;
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly code: { name: string; args: IMAPValue[] } | null;
  readonly text: string;
}

export interface ContinuationResponse {
  readonly kind: 'continuation';
  readonly text: string;
}

export type Response = UntaggedResponse | TaggedResponse | ContinuationResponse;

export interface ParserLimits {
  /** Largest literal accepted (default 64 MiB). */
  maxLiteralSize?: number;
  /** Longest line outside literals (default 1 MiB). */
  maxLineLength?: number;
  /** Deepest list nesting (default 64). */
  maxDepth?: number;
}

const STATUS = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

/** Splits the byte stream into response units: line text with the literals it announced. */
export class ResponseParser {
  #buffer: Buffer = Buffer.alloc(0);
  #parts: Array<string | Buffer> = [];
  /** The literal being received: allocated once at its announced size and filled as bytes arrive. */
  #literal: { data: Buffer; filled: number } | null = null;
  readonly #maxLiteralSize: number;
  readonly #maxLineLength: number;
  readonly #maxDepth: number;

  constructor(limits: ParserLimits = {}) {
    this.#maxLiteralSize = limits.maxLiteralSize ?? 64 * 1024 * 1024;
    this.#maxLineLength = limits.maxLineLength ?? 1024 * 1024;
    this.#maxDepth = limits.maxDepth ?? 64;
  }

  get buffered(): number {
    return this.#buffer.length + this.#parts.length + (this.#literal?.filled ?? 0);
  }

  /** Copies bytes into the pending literal; returns what follows it. */
  #fillLiteral(input: Buffer): Buffer {
    const literal = this.#literal!;
    const take = Math.min(input.length, literal.data.length - literal.filled);
    input.copy(literal.data, literal.filled, 0, take);
    literal.filled += take;
    if (literal.filled === literal.data.length) {
      this.#parts.push(literal.data);
      this.#literal = null;
    }
    return input.subarray(take);
  }

  feed(data: Uint8Array): Response[] {
    let input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const out: Response[] = [];
    // Literal bytes go straight into their buffer: a large message is copied once, not re-joined per chunk.
    if (this.#literal !== null) input = this.#fillLiteral(input);
    if (this.#literal !== null) return out;
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(input) : Buffer.concat([this.#buffer, input]);
    for (;;) {
      if (this.#literal !== null) {
        const rest = this.#fillLiteral(this.#buffer);
        this.#buffer = Buffer.from(rest);
        if (this.#literal !== null) return out;
        continue;
      }
      const end = this.#buffer.indexOf('\r\n');
      if (end < 0) {
        if (this.#buffer.length > this.#maxLineLength) throw new IMAP4Abort(`the server sent a line longer than ${this.#maxLineLength} bytes`);
        return out;
      }
      if (end > this.#maxLineLength) throw new IMAP4Abort(`the server sent a line longer than ${this.#maxLineLength} bytes`);
      const line = this.#buffer.subarray(0, end).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + 2);
      const literal = /\{(\d+)\+?\}$/.exec(line);
      this.#parts.push(line);
      if (literal !== null) {
        const size = Number(literal[1]);
        if (!Number.isSafeInteger(size) || size > this.#maxLiteralSize) {
          throw new IMAP4Abort(`the server announced a ${literal[1]}-byte literal, above the ${this.#maxLiteralSize}-byte limit`);
        }
        this.#literal = { data: Buffer.allocUnsafe(size), filled: 0 };
        continue;
      }
      const parts = this.#parts;
      this.#parts = [];
      out.push(parseResponse(parts, this.#maxDepth));
    }
  }
}

/** Reads tokens from line text interleaved with literal bytes. */
class Tokens {
  #parts: Array<string | Buffer>;
  #index = 0;
  #pos = 0;
  readonly #maxDepth: number;

  constructor(parts: Array<string | Buffer>, maxDepth: number) {
    this.#parts = parts;
    this.#maxDepth = maxDepth;
  }

  get #text(): string {
    const part = this.#parts[this.#index];
    return typeof part === 'string' ? part : '';
  }

  peek(): string {
    return this.#text[this.#pos] ?? '';
  }

  atEnd(): boolean {
    return this.#pos >= this.#text.length && this.#index >= this.#parts.length - 1;
  }

  skipSpace(): void {
    while (this.peek() === ' ') this.#pos++;
  }

  /** The rest of the current line (for free text). */
  rest(): string {
    const text = this.#text.slice(this.#pos);
    this.#pos = this.#text.length;
    return text;
  }

  fail(what: string): never {
    throw new IMAP4Abort(`malformed server response (${what}): ${JSON.stringify(this.#parts.filter((p) => typeof p === 'string').join(' ').slice(0, 120))}`);
  }

  atom(stops = ' ()[]{"'): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length && !stops.includes(this.#text[this.#pos]!)) this.#pos++;
    // A "[" inside an atom belongs to it (BODY[HEADER]), with its closing "]".
    if (this.#text[this.#pos] === '[' && stops.includes('[') && this.#pos > start) {
      const close = this.#text.indexOf(']', this.#pos);
      if (close < 0) this.fail('unterminated section');
      this.#pos = close + 1;
      while (this.#pos < this.#text.length && !' ()'.includes(this.#text[this.#pos]!)) this.#pos++;
    }
    if (this.#pos === start) this.fail('expected an atom');
    return this.#text.slice(start, this.#pos);
  }

  value(depth = 0): IMAPValue {
    if (depth > this.#maxDepth) throw new IMAP4Abort(`the server nested lists deeper than ${this.#maxDepth}`);
    const c = this.peek();
    if (c === '(') {
      this.#pos++;
      const list: IMAPValue[] = [];
      for (;;) {
        this.skipSpace();
        if (this.peek() === ')') {
          this.#pos++;
          return list;
        }
        if (this.peek() === '' && this.#index >= this.#parts.length - 1) this.fail('unterminated list');
        list.push(this.value(depth + 1));
      }
    }
    if (c === '"') {
      this.#pos++;
      let out = '';
      for (;;) {
        const ch = this.#text[this.#pos++];
        if (ch === undefined) this.fail('unterminated quoted string');
        if (ch === '"') return out;
        if (ch === '\\') {
          const escaped = this.#text[this.#pos++];
          if (escaped === undefined) this.fail('unterminated quoted string');
          out += escaped;
        } else out += ch;
      }
    }
    if (c === '{') {
      const close = this.#text.indexOf('}', this.#pos);
      if (close !== this.#text.length - 1) this.fail('literal not at the end of a line');
      const literal = this.#parts[this.#index + 1];
      if (!(literal instanceof Buffer)) this.fail('literal bytes missing');
      this.#index += 2;
      this.#pos = 0;
      // The grammar puts a space, ")" or the end of the line right after a literal; anything else
      // means the announced length did not match what was sent.
      if (this.#text !== '' && !' )'.includes(this.#text[0]!)) this.fail('literal length does not match its data');
      return new Uint8Array(literal.buffer, literal.byteOffset, literal.byteLength);
    }
    if (c === '' ) this.fail('unexpected end of response');
    const atom = this.atom();
    if (atom === 'NIL') return null;
    return /^\d+$/.test(atom) && atom.length < 16 ? Number(atom) : atom;
  }
}

/** "[CODE args] text" -> the code and the text after it. */
function parseCode(text: string): { code: { name: string; args: IMAPValue[] } | null; text: string } {
  if (!text.startsWith('[')) return { code: null, text };
  const close = findCodeEnd(text);
  if (close < 0) return { code: null, text };
  const inner = text.slice(1, close);
  const space = inner.indexOf(' ');
  const name = (space < 0 ? inner : inner.slice(0, space)).toUpperCase();
  let args: IMAPValue[] = [];
  if (space >= 0) {
    const argTokens = new Tokens([inner.slice(space + 1)], 64);
    try {
      while (!argTokens.atEnd()) {
        argTokens.skipSpace();
        if (argTokens.atEnd()) break;
        args.push(argTokens.value());
      }
    } catch {
      args = [inner.slice(space + 1)];
    }
  }
  return { code: { name, args }, text: text.slice(close + 1).trim() };
}

function findCodeEnd(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']' && --depth === 0) return i;
  }
  return -1;
}

function parseResponse(parts: Array<string | Buffer>, maxDepth: number): Response {
  const tokens = new Tokens(parts, maxDepth);
  if (tokens.peek() === '+') {
    tokens.atom(' ');
    tokens.skipSpace();
    return { kind: 'continuation', text: tokens.rest() };
  }
  const tag = tokens.atom(' ');
  tokens.skipSpace();
  if (tag === '*') {
    let first = tokens.atom(' ');
    let number: number | null = null;
    if (/^\d+$/.test(first)) {
      number = Number(first);
      tokens.skipSpace();
      first = tokens.atom(' (');
    }
    const type = first.toUpperCase();
    tokens.skipSpace();
    if (STATUS.has(type) && number === null) {
      const { code, text } = parseCode(tokens.rest());
      return { kind: 'untagged', type, number, code, text, data: [] };
    }
    const data: IMAPValue[] = [];
    for (;;) {
      tokens.skipSpace();
      if (tokens.atEnd() || tokens.peek() === '') break;
      data.push(tokens.value());
    }
    return { kind: 'untagged', type, number, code: null, text: '', data };
  }
  const status = tokens.atom(' ').toUpperCase() as 'OK' | 'NO' | 'BAD';
  if (status !== 'OK' && status !== 'NO' && status !== 'BAD') tokens.fail(`unknown status ${status}`);
  tokens.skipSpace();
  const { code, text } = parseCode(tokens.rest());
  return { kind: 'tagged', tag, status, code, text };
}
