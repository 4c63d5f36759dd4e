/**
 * An HTTP/1.x response head (RFC 9112 §4-6): the status line, the header fields, and how the body
 * is delimited. The grammar accepted is RFC 9112's without its leniencies (no obs-fold, CRLF line
 * endings only, one Content-Length of digits, no Content-Length beside Transfer-Encoding): a head
 * outside it returns null and the caller asks llhttp why (diagnose.ts), so what is refused is
 * never more than llhttp refuses and the error is llhttp's own.
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

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
// field-name ":" OWS field-value OWS, field-value's characters being VCHAR, obs-text, SP and HTAB.
// The OWS is trimmed by withoutOws, not by the pattern: three overlapping runs of SP/HTAB in one
// pattern backtrack in cubic time (a line of 4,000 spaces then a control character took 130 s).
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):([\t\x20-\x7e\x80-\xff]*)$/;
const DIGITS = /^[0-9]{1,15}$/;

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

/** `value` without leading and trailing SP/HTAB (RFC 9110 §5.5 OWS); other whitespace is kept. */
function withoutOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
  return value.slice(start, end);
}

function addHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (name === 'set-cookie') (previous as string[]).push(value);
  else if (!FIRST_WINS.has(name)) headers[name] = `${previous as string}${name === 'cookie' ? '; ' : ', '}${value}`;
}

/** Whether a comma-separated header value lists `token` (case-insensitive). */
function lists(value: string | string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  return String(value)
    .split(',')
    .some((item) => item.trim().toLowerCase() === token);
}

/**
 * Parses `head` (latin1 text of the status line and header lines, without the final empty line)
 * for a request made with `method`; null when it is outside the accepted grammar.
 */
export function parseResponseHead(head: string, method: string): ResponseHead | null {
  const lines = head.split('\r\n');
  const status = STATUS_LINE.exec(lines[0]!);
  if (status === null) return null;
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  let contentLength: string | undefined;
  let counted = status[3]?.length ?? 0;
  for (let i = 1; i < lines.length; i++) {
    const field = FIELD.exec(lines[i]!);
    if (field === null) return null;
    const name = field[1]!.toLowerCase();
    const value = withoutOws(field[2]!);
    counted += name.length + value.length;
    if (name === 'content-length') {
      if (contentLength !== undefined || !DIGITS.test(value)) return null;
      contentLength = value;
    }
    addHeader(headers, name, value);
  }
  const code = Number(status[2]);
  const minor = status[1]!;
  const te = headers['transfer-encoding'] as string | undefined;
  if (te !== undefined && contentLength !== undefined) return null;
  let framing: Framing;
  if (method === 'HEAD' || (code >= 100 && code < 200) || code === 204 || code === 304) framing = { kind: 'none' };
  // A Transfer-Encoding that does not end in chunked is read until the close (RFC 9112 §6.3 rule 4).
  else if (te !== undefined) framing = /(?:^|,)[\t ]*chunked[\t ]*$/i.test(te) ? { kind: 'chunked' } : { kind: 'close' };
  else if (contentLength !== undefined) framing = { kind: 'length', length: Number(contentLength) };
  else framing = { kind: 'close' };
  const connection = headers.connection;
  const keepAlive = framing.kind !== 'close' && (minor === '1' ? !lists(connection, 'close') : lists(connection, 'keep-alive'));
  // Spread into a plain object: a header named __proto__ stays an own property.
  return { status: code, reason: status[3] ?? '', version: `1.${minor}`, headers: { ...headers }, framing, keepAlive, counted };
}
