/**
 * A reader over one framed response: atoms, quoted strings, literals, NIL and parenthesised lists
 * (RFC 9051 §4). It never decides what a value means: a run of digits stays text, because only
 * the grammar position says whether it is a number (a mailbox called `012345` is not one).
 *
 * @module
 */
import { IMAP4ProtocolError } from '../errors.js';
import type { ResponseParts } from './framer.js';

/**
 * A raw value: an atom or quoted string (text, one char per byte), a literal (bytes), NIL (null)
 * or a list. The typed parsers turn positions into numbers, strings or flags as the grammar says;
 * where an astring is expected, NIL is the atom "NIL" (a mailbox may be called that).
 */
export type IMAPValue = string | Uint8Array | null | IMAPValue[];

const SP = 0x20;
const OPEN = 0x28;
const CLOSE = 0x29;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;

/** Characters that end an atom here: SP ( ) " { and the brackets of response codes, plus CTLs. */
function ends(c: number, inCode: boolean): boolean {
  return c <= SP || c === OPEN || c === CLOSE || c === DQUOTE || c === LBRACE || c === 0x7f || (inCode && c === RBRACKET);
}

export class Tokens {
  readonly #parts: ResponseParts;
  readonly #maxDepth: number;
  #index = 0;
  #text: string;
  #pos = 0;

  constructor(parts: ResponseParts, maxDepth: number) {
    this.#parts = parts;
    this.#maxDepth = maxDepth;
    this.#text = parts[0] as string;
  }

  /** The current char code, or -1 at the end of the current line segment. */
  peek(): number {
    return this.#pos < this.#text.length ? this.#text.charCodeAt(this.#pos) : -1;
  }

  atEnd(): boolean {
    return this.#pos >= this.#text.length && this.#index >= this.#parts.length - 1;
  }

  /** Skips spaces; servers send doubled and trailing ones (see the callers' notes). */
  skipSpace(): void {
    while (this.#text.charCodeAt(this.#pos) === SP) this.#pos++;
  }

  /** Exactly one space (strict positions). */
  space(what: string): void {
    if (this.#text.charCodeAt(this.#pos) !== SP) this.fail(`expected a space ${what}`);
    this.#pos++;
  }

  /** Position for a later {@link restore} (a response code that turns out to be plain text). */
  mark(): [number, number] {
    return [this.#index, this.#pos];
  }

  restore([index, pos]: [number, number]): void {
    this.#index = index;
    this.#text = this.#parts[index] as string;
    this.#pos = pos;
  }

  advance(count = 1): void {
    this.#pos += count;
  }

  /** The text up to the first `char` of the current segment (the reader stops on it), or null. */
  upTo(char: string): string | null {
    const at = this.#text.indexOf(char, this.#pos);
    if (at < 0) return null;
    const text = this.#text.slice(this.#pos, at);
    this.#pos = at;
    return text;
  }

  /** The rest of the current line segment (free text). */
  rest(): string {
    const text = this.#pos === 0 ? this.#text : this.#text.slice(this.#pos);
    this.#pos = this.#text.length;
    return text;
  }

  fail(what: string): never {
    const line = this.#parts.filter((p) => typeof p === 'string').join(' ');
    throw new IMAP4ProtocolError(`malformed server response (${what}): ${JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}...` : line)}`);
  }

  /** An atom; `BODY[HEADER.FIELDS (FROM)]<0>` is one (a section may hold spaces and parentheses). */
  atom(inCode = false): string {
    const text = this.#text;
    const start = this.#pos;
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === LBRACKET && !inCode && i > start) {
        const close = text.indexOf(']', i);
        if (close < 0) this.fail('unterminated section');
        i = close + 1;
        continue;
      }
      if (ends(c, inCode) || (c === LBRACKET && i === start)) break;
      i++;
    }
    if (i === start) this.fail('expected an atom');
    this.#pos = i;
    return start === 0 && i === text.length ? text : text.slice(start, i);
  }

  /** A quoted string's content, escapes resolved (pieces joined once, linear however many escapes). */
  quoted(): string {
    const text = this.#text;
    let i = this.#pos + 1;
    let pieces: string[] | null = null;
    let from = i;
    for (;;) {
      if (i >= text.length) this.fail('unterminated quoted string');
      const c = text.charCodeAt(i);
      if (c === DQUOTE) break;
      if (c === BACKSLASH) {
        if (i + 1 >= text.length) this.fail('unterminated quoted string');
        (pieces ??= []).push(text.slice(from, i));
        from = i + 1;
        i += 2;
        continue;
      }
      i++;
    }
    this.#pos = i + 1;
    if (pieces === null) return text.slice(from, i);
    pieces.push(text.slice(from, i));
    return pieces.join('');
  }

  /** The literal announced at the end of the current segment; the reader moves past it. */
  literal(): Uint8Array {
    const text = this.#text;
    const open = this.#pos;
    const close = text.indexOf('}', open);
    if (close !== text.length - 1) this.fail('a literal not at the end of a line');
    const data = this.#parts[this.#index + 1];
    if (!(data instanceof Uint8Array)) this.fail('literal bytes missing');
    this.#index += 2;
    this.#text = this.#parts[this.#index] as string;
    this.#pos = 0;
    // The grammar puts a space, ")" or the end of the line right after a literal; anything else
    // means the announced length did not match what was sent.
    const next = this.peek();
    if (next !== -1 && next !== SP && next !== CLOSE) this.fail('literal length does not match its data');
    return data;
  }

  /** Any value: an atom (NIL is null), a quoted string, a literal or a list. */
  value(depth = 0, inCode = false): IMAPValue {
    const c = this.peek();
    if (c === OPEN) return this.list(depth);
    if (c === DQUOTE) return this.quoted();
    if (c === LBRACE || (c === 0x7e /* ~ */ && this.#text.charCodeAt(this.#pos + 1) === LBRACE)) {
      if (c === 0x7e) this.#pos++;
      return this.literal();
    }
    if (c === -1) this.fail('unexpected end of response');
    const atom = this.atom(inCode);
    return atom === 'NIL' ? null : atom;
  }

  /** A parenthesised list. Spaces before ")" are tolerated (qq.com, Yahoo Japan: see fetch.ts). */
  list(depth = 0): IMAPValue[] {
    if (depth >= this.#maxDepth) this.fail(`lists nested deeper than ${this.#maxDepth} (limits.maxDepth)`);
    if (this.peek() !== OPEN) this.fail('expected "("');
    this.#pos++;
    const list: IMAPValue[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === CLOSE) {
        this.#pos++;
        return list;
      }
      if (c === -1) this.fail('unterminated list');
      // Inside a list an atom may hold "]", even in a response code: Gmail sends keywords with
      // it (CPython issue #21815, where imaplib stopped excluding "]" from PERMANENTFLAGS data).
      list.push(this.value(depth + 1));
    }
  }
}
