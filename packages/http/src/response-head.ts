/**
 * An HTTP/1.x response head (RFC 9112 §4-6): the status line, the header fields, and how the body
 * is delimited. The grammar accepted is RFC 9112's without its leniencies (no obs-fold, CRLF line
 * endings only, one Content-Length of digits, no Content-Length beside Transfer-Encoding): a head
 * outside it returns null and the caller asks llhttp why (diagnose.ts), so what is refused is
 * never more than llhttp refuses and the error is llhttp's own.
 *
 * Parsed at the byte level into one headers object: the head is decoded to text once and names and
 * values are slices of it, common field names are matched in the bytes (no string per name), and
 * nothing is allocated per line beside the value (issue #16: the line split, one regular-expression
 * match per line and a copy of the headers were ~4 KiB of JavaScript per keep-alive GET).
 *
 * @module
 */

/** How an HTTP/1.x response delimits its body (RFC 9112 §6.3). */
export type Framing = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

export interface ResponseHead {
  status: number;
  reason: string;
  /** "1.1" or "1.0". */
  version: string;
  /** Names lower-cased; repeats combined as node:http combines them. */
  headers: Record<string, string | string[]>;
  framing: Framing;
  /** Whether the connection may carry another request after this response (RFC 9112 §9.3). */
  keepAlive: boolean;
  /** What llhttp counts against maxHeaderSize: the reason phrase, header names and values. */
  counted: number;
}

const NONE: Framing = Object.freeze({ kind: 'none' });
const CHUNKED: Framing = Object.freeze({ kind: 'chunked' });
const CLOSE: Framing = Object.freeze({ kind: 'close' });

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
/** "HTTP/1." */
const HTTP_1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e];

/** tchar (RFC 9110 §5.6.2): 1, else 0. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = TCHAR[c + 0x20] = 1;

/** A byte allowed in a reason phrase or a field value: HTAB, SP, VCHAR, obs-text. */
const isText = (c: number) => c === HTAB || (c >= SP && c !== 0x7f);

/** ASCII letters lower-cased, other bytes as they are. */
const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

/**
 * Field names common in responses, by length: a name matching one (ASCII case-insensitively) is
 * that constant string, with no string made for it.
 */
const KNOWN: Array<string[] | undefined> = [];
for (const name of [
  'age',
  'date',
  'etag',
  'vary',
  'link',
  'server',
  'expires',
  'location',
  'connection',
  'keep-alive',
  'set-cookie',
  'content-type',
  'last-modified',
  'accept-ranges',
  'cache-control',
  'content-length',
  'content-encoding',
  'content-language',
  'transfer-encoding',
  'x-frame-options',
  'x-content-type-options',
  'strict-transport-security',
  'access-control-allow-origin',
]) {
  (KNOWN[name.length] ??= []).push(name);
}

/** node:http keeps the first of these when repeated (its matchKnownFields). */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** The field name at bytes[start, end) (token characters), lower-cased. */
function fieldName(bytes: Uint8Array, text: string, start: number, end: number): string {
  const known = KNOWN[end - start];
  if (known !== undefined) {
    search: for (const name of known) {
      for (let i = start; i < end; i++) if (LOWER[bytes[i]!] !== name.charCodeAt(i - start)) continue search;
      return name;
    }
  }
  return text.slice(start, end).toLowerCase();
}

function addHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  // The only lower-case names a plain object inherits: a header so named is an own property too.
  if (name === '__proto__' || name === 'constructor') return addOwnHeader(headers, name, value);
  const previous = headers[name];
  if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (name === 'set-cookie') (previous as string[]).push(value);
  else if (!FIRST_WINS.has(name)) headers[name] = `${previous as string}${name === 'cookie' ? '; ' : ', '}${value}`;
}

function addOwnHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const combined = Object.hasOwn(headers, name) ? `${headers[name] as string}, ${value}` : value;
  Object.defineProperty(headers, name, { value: combined, writable: true, enumerable: true, configurable: true });
}

/** Whether byte `c` is whitespace to String.prototype.trim among the bytes of a field value (HTAB, SP, NBSP). */
const isTrimmed = (c: number) => c === SP || c === HTAB || c === 0xa0;

/** Whether a comma-separated header value lists `token` (lower-case ASCII; case-insensitive, items trimmed). */
function lists(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (let start = 0; start <= value.length; ) {
    let end = value.indexOf(',', start);
    if (end < 0) end = value.length;
    let a = start;
    let b = end;
    while (a < b && isTrimmed(value.charCodeAt(a))) a++;
    while (b > a && isTrimmed(value.charCodeAt(b - 1))) b--;
    if (b - a === token.length) {
      let i = 0;
      // Field values are latin1 text: no character beyond LOWER's 256.
      while (i < token.length && LOWER[value.charCodeAt(a + i)] === token.charCodeAt(i)) i++;
      if (i === token.length) return true;
    }
    start = end + 1;
  }
  return false;
}

/**
 * Parses the response head in `bytes[0, end)` (the status line and header lines, without the final
 * empty line) for a request made with `method`; null when it is outside the accepted grammar.
 */
export function parseResponseHead(bytes: Uint8Array, method: string, end: number = bytes.length): ResponseHead | null {
  // Status line: HTTP/1.x SP 3DIGIT [SP reason-phrase] (the first digit 1-9: RFC 9110 §15).
  if (end < 12) return null;
  for (let i = 0; i < 7; i++) if (bytes[i] !== HTTP_1[i]) return null;
  const minor = bytes[7]! - 0x30;
  const d1 = bytes[9]! - 0x30;
  const d2 = bytes[10]! - 0x30;
  const d3 = bytes[11]! - 0x30;
  if ((minor !== 0 && minor !== 1) || bytes[8] !== SP || d1 < 1 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9) return null;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
  let at = 12;
  let reason = '';
  if (!(at + 1 < end && bytes[at] === CR && bytes[at + 1] === LF) && at < end) {
    if (bytes[at] !== SP) return null;
    const start = ++at;
    while (at < end && !(bytes[at] === CR && at + 1 < end && bytes[at + 1] === LF)) {
      if (!isText(bytes[at]!)) return null;
      at++;
    }
    reason = text.slice(start, at);
  }
  let counted = reason.length;
  // Every header line: field-name ":" OWS field-value OWS (RFC 9112 §5), OWS being SP and HTAB only.
  const headers: Record<string, string | string[]> = {};
  let contentLength = -1;
  while (at < end) {
    at += 2;
    const nameStart = at;
    while (at < end && TCHAR[bytes[at]!] === 1) at++;
    if (at === nameStart || at === end || bytes[at] !== COLON) return null;
    const name = fieldName(bytes, text, nameStart, at);
    at++;
    let valueStart = -1;
    let valueEnd = at;
    while (at < end) {
      const c = bytes[at]!;
      if (c === CR && at + 1 < end && bytes[at + 1] === LF) break;
      if (c === SP || c === HTAB) {
        at++;
        continue;
      }
      if (!isText(c)) return null;
      if (valueStart < 0) valueStart = at;
      valueEnd = ++at;
    }
    const value = valueStart < 0 ? '' : text.slice(valueStart, valueEnd);
    counted += name.length + value.length;
    if (name === 'content-length') {
      // One Content-Length of 1 to 15 digits.
      if (contentLength >= 0 || valueStart < 0 || valueEnd - valueStart > 15) return null;
      for (let i = valueStart; i < valueEnd; i++) if (bytes[i]! < 0x30 || bytes[i]! > 0x39) return null;
      contentLength = Number(value);
    }
    addHeader(headers, name, value);
  }
  const code = d1 * 100 + d2 * 10 + d3;
  const te = headers['transfer-encoding'] as string | undefined;
  if (te !== undefined && contentLength >= 0) return null;
  let framing: Framing;
  if (method === 'HEAD' || (code >= 100 && code < 200) || code === 204 || code === 304) framing = NONE;
  // A Transfer-Encoding that does not end in chunked is read until the close (RFC 9112 §6.3 rule 4).
  else if (te !== undefined) framing = /(?:^|,)[\t ]*chunked[\t ]*$/i.test(te) ? CHUNKED : CLOSE;
  else if (contentLength >= 0) framing = { kind: 'length', length: contentLength };
  else framing = CLOSE;
  const connection = headers.connection as string | undefined;
  const keepAlive = framing.kind !== 'close' && (minor === 1 ? !lists(connection, 'close') : lists(connection, 'keep-alive'));
  return { status: code, reason, version: minor === 1 ? '1.1' : '1.0', headers, framing, keepAlive, counted };
}
