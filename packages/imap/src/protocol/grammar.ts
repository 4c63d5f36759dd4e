/**
 * Values typed by their position in the grammar (RFC 9051 §9, RFC 3501 §9): a number only where
 * the grammar says `number` / `nz-number` and within its range, a 64-bit mod-sequence as a bigint,
 * and text everywhere else, however many digits it has.
 *
 * @module
 */
import { IMAP4ProtocolError } from '../errors.js';
import type { IMAPValue } from './tokens.js';

const MAX_NUMBER = 0xffffffff;
const MAX_NUMBER64 = (1n << 63n) - 1n;

function digits(value: IMAPValue | undefined, what: string, grammar: string): string {
  if (typeof value !== 'string' || value.length === 0 || !/^[0-9]+$/.test(value)) {
    throw new IMAP4ProtocolError(`the server sent ${describe(value)} where the grammar wants ${grammar} (${what})`);
  }
  return value;
}

function describe(value: IMAPValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'NIL';
  if (value instanceof Uint8Array) return `a ${value.length}-byte literal`;
  if (Array.isArray(value)) return 'a list';
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

/** `number`: 0 <= n < 2^32. */
export function number(value: IMAPValue | undefined, what: string): number {
  const text = digits(value, what, 'a number');
  const n = text.length > 10 ? Infinity : Number(text);
  if (n > MAX_NUMBER) throw new IMAP4ProtocolError(`the server sent ${text} for ${what}, above the 32-bit range of an IMAP number`);
  return n;
}

/** `nz-number`: 0 < n < 2^32 (message sequence numbers, UIDs, UIDVALIDITY). */
export function nzNumber(value: IMAPValue | undefined, what: string): number {
  const n = number(value, what);
  if (n === 0) throw new IMAP4ProtocolError(`the server sent 0 for ${what}, which must be non-zero`);
  return n;
}

/** `number64` (RFC 9051): 0 <= n < 2^63, as a bigint (sizes of mailboxes). */
export function number64(value: IMAPValue | undefined, what: string): bigint {
  const text = digits(value, what, 'a number');
  const n = text.length > 19 ? MAX_NUMBER64 + 1n : BigInt(text);
  if (n > MAX_NUMBER64) throw new IMAP4ProtocolError(`the server sent ${text} for ${what}, above the 63-bit range of number64`);
  return n;
}

/** `mod-sequence-value` (RFC 7162): 1 <= n < 2^63 as a bigint; `mod-sequence-valzer` allows 0. */
export function modSequence(value: IMAPValue | undefined, what: string, zero = false): bigint {
  const n = number64(value, what);
  if (n === 0n && !zero) throw new IMAP4ProtocolError(`the server sent 0 for ${what}, which must be non-zero`);
  return n;
}

/** A message size (`number` in RFC 3501, `number64` in RFC 9051) as a safe JS number. */
export function size(value: IMAPValue | undefined, what: string): number {
  const n = number64(value, what);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new IMAP4ProtocolError(`the server sent ${n} for ${what}, beyond any real message size`);
  return Number(n);
}

/** `astring` / `string` as text, one char per byte (NIL is the atom "NIL" here). */
export function astring(value: IMAPValue | undefined, what: string): string {
  if (value === null) return 'NIL';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  throw new IMAP4ProtocolError(`the server sent ${describe(value)} where the grammar wants a string (${what})`);
}

/** `nstring` as text, one char per byte, or null for NIL. */
export function nstring(value: IMAPValue | undefined, what: string): string | null {
  return value === null ? null : astring(value, what);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text as sent, decoded as UTF-8 when it is valid UTF-8 (8-bit text arrives from servers that send
 * raw UTF-8 headers, and with UTF8=ACCEPT), else kept byte for byte (latin1).
 */
export function utf8(binary: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(binary)) return binary;
  try {
    return strictUtf8.decode(Buffer.from(binary, 'latin1'));
  } catch {
    return binary;
  }
}

/** A parenthesised list, or an error naming what was expected. */
export function list(value: IMAPValue | undefined, what: string): IMAPValue[] {
  if (!Array.isArray(value)) throw new IMAP4ProtocolError(`the server sent ${describe(value)} where the grammar wants a list (${what})`);
  return value;
}

/** `flag-list` members: atoms such as \Seen, $Forwarded, or a keyword of digits, always text. */
export function flags(value: IMAPValue | undefined, what: string): string[] {
  return list(value, what).map((flag) => astring(flag, what));
}

/** `sequence-set` / `uid-set` as the server wrote it ("1:3,5"). */
export function sequenceSet(value: IMAPValue | undefined, what: string): string {
  if (typeof value !== 'string' || !/^[0-9:*,]+$/.test(value)) {
    throw new IMAP4ProtocolError(`the server sent ${describe(value)} where the grammar wants a sequence set (${what})`);
  }
  return value;
}

/** Pairs of a parenthesised `(NAME value NAME value ...)` list, names upper-cased. */
export function pairs(value: IMAPValue | undefined, what: string): Array<[string, IMAPValue]> {
  const items = list(value, what);
  if (items.length % 2 !== 0) throw new IMAP4ProtocolError(`the server sent an odd number of items in ${what}`);
  const out: Array<[string, IMAPValue]> = [];
  for (let i = 0; i < items.length; i += 2) out.push([astring(items[i], what).toUpperCase(), items[i + 1]!]);
  return out;
}
