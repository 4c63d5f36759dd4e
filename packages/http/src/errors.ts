import { CertificateVerificationError, ConnectTimeoutError, type ConnectTimeoutPhase } from '@unitls/tls-core';
import { describeValue } from '@unitls/tls-core';

/** Raised for bad input (CR/LF in a request line or header) and HTTP failures, with the cause kept. */
export class HTTPException extends Error {
  readonly code: string;
  constructor(message: string, code = 'UNITLS_HTTP', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** Wraps a failure from node:http, node:http2 or the TLS layer, keeping it as the cause. */
  static from(what: string, error: unknown): HTTPException {
    if (error instanceof HTTPException) return error;
    if (isParseError(error)) return parseError(error);
    // node:http's shape for a request ended by its signal hides a timeout two causes down.
    if (signalTimedOut(error)) return new HTTPException(`${what}: timed out (${SIGNAL_TIMED_OUT})`, 'ETIMEDOUT', { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    return new HTTPException(`${what}: ${message}`, codeOf(error), { cause: error });
  }
}

/**
 * What was in progress when the connection's `timeout` passed while connecting: tls-core's
 * phases (`connect`: the TCP connect, `tls-handshake`: the TLS handshake, with the origin or an
 * HTTPS proxy) or `tunnel`: the proxy had not answered CONNECT.
 */
export type HTTPTimeoutPhase = ConnectTimeoutPhase | 'tunnel';

/**
 * The connection's `timeout` option passed while connecting: during the TCP connect (phase
 * 'connect'), the TLS handshake (phase 'tls-handshake') or a proxy's answer to CONNECT (phase
 * 'tunnel'). Named 'TimeoutError' with `timeout`
 * (ms) and `phase`, as the mail clients' timeout errors (SMTPTimeoutError, ...) and tls-core's
 * ConnectTimeoutError (the `cause`) are; an HTTPException with code 'ETIMEDOUT' as before.
 * Nothing was sent: the request can be retried, with a longer `timeout` if the server is slow.
 */
export class HTTPTimeoutError extends HTTPException {
  declare readonly name: 'TimeoutError';
  /** The milliseconds the connect was allowed (the connection's `timeout` option). */
  readonly timeout: number;
  /** What was in progress: the TCP connect, the TLS handshake or the proxy's CONNECT. */
  readonly phase: HTTPTimeoutPhase;

  constructor(message: string, details: { timeout: number; phase: HTTPTimeoutPhase; cause?: unknown }) {
    super(message, 'ETIMEDOUT', details.cause === undefined ? undefined : { cause: details.cause });
    // As DOMException's and Python's socket.timeout: code that checks error.name keeps working.
    Object.defineProperty(this, 'name', { value: 'TimeoutError', writable: true, configurable: true, enumerable: false });
    this.timeout = details.timeout;
    this.phase = details.phase;
  }
}

/** What a request ended by its signal's timeout says after "timed out". */
const SIGNAL_TIMED_OUT = "the connection's signal fired with a TimeoutError, as AbortSignal.timeout(ms) does";

/**
 * Whether `error` is a request ended by its AbortSignal with a TimeoutError as the reason
 * (AbortSignal.timeout(ms)): the AbortError node:http, node:http2 and the HTTP/1.1 client raise
 * for an aborted request ("The operation was aborted", the signal's reason as `cause`). The
 * caller sees that it timed out, with code ETIMEDOUT as for the connection's own `timeout`, and as
 * every other unitls client (a TimeoutError) and fetch (the TimeoutError itself) report it.
 */
export function signalTimedOut(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown; cause?: unknown } | null;
  if (e === null || typeof e !== 'object' || (e.name !== 'AbortError' && e.code !== 'ABORT_ERR')) return false;
  return (e.cause as { name?: unknown } | null | undefined)?.name === 'TimeoutError';
}

/**
 * What a failed connection to `where` (host:port) raises: a CertificateVerificationError as the
 * TLS implementation raised it (what every unitls client and Python's http.client raise for a
 * refused certificate: catch that class, read `reason`; its message says what failed), anything
 * else as an HTTPException with the failure as `cause`.
 */
export function connectFailure(where: string, error: unknown): Error {
  if (error instanceof CertificateVerificationError) return error;
  if (error instanceof ConnectTimeoutError) {
    return new HTTPTimeoutError(`connecting to ${where} failed: ${error.message}`, { timeout: error.timeout, phase: error.phase, cause: error });
  }
  // A tunnel's timeout (tunnelFailure) says what it waited for; this adds where the request went.
  if (error instanceof HTTPTimeoutError) return new HTTPTimeoutError(`connecting to ${where} failed: ${error.message}`, { timeout: error.timeout, phase: error.phase, cause: error.cause });
  return HTTPException.from(`connecting to ${where} failed`, error);
}

/**
 * The string code an error carries; a DOMException's numeric code (23 for a TimeoutError, 20 for
 * an AbortError, from AbortSignal.timeout() or a caller's signal) becomes the code node:http uses
 * for the same failure, so a timeout is ETIMEDOUT whether it struck while connecting or reading.
 */
function codeOf(error: unknown): string {
  // A TLS connection's reset (tls-core's TransportError) has the code a plain one has: ECONNRESET.
  const systemCode = (error as { systemCode?: unknown } | null)?.systemCode;
  if (typeof systemCode === 'string') return systemCode;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return 'ETIMEDOUT';
  if (name === 'AbortError') return 'ABORT_ERR';
  return 'UNITLS_HTTP';
}

/**
 * http.client's IncompleteRead: the response body ended before it was complete — the connection
 * closed inside a Content-Length or chunked body, an HTTP/2 stream was reset, or a body delimited
 * by the connection's close ended without TLS close_notify (RFC 9112 §9.8), so it may have been
 * cut by whoever closed the connection. The bytes already read are not the whole body.
 */
export class IncompleteRead extends HTTPException {
  /** Body bytes that arrived before the end. */
  readonly received: number;
  /** The body length the response announced (Content-Length), or null when it announced none. */
  readonly expected: number | null;

  constructor(message: string, fields: { received: number; expected: number | null; cause?: unknown }) {
    super(message, 'UNITLS_HTTP_INCOMPLETE_READ', fields.cause === undefined ? undefined : { cause: fields.cause });
    this.received = fields.received;
    this.expected = fields.expected;
  }
}

/** llhttp's error (node:http adds the position and the bytes it was parsing). */
interface ParseErrorShape extends Error {
  code: string;
  reason?: string;
  bytesParsed?: number;
  rawPacket?: Uint8Array;
}

function isParseError(error: unknown): error is ParseErrorShape {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('HPE_');
}

/** Which part of a response each llhttp error code is about (llhttp's own reasons say how). */
const PART: Readonly<Record<string, string>> = {
  HPE_INVALID_CHUNK_SIZE: 'a chunk-size line of the chunked body',
  HPE_STRICT: 'the chunked body framing',
  HPE_INVALID_STATUS: 'the status line',
  HPE_INVALID_VERSION: 'the status line',
  HPE_INVALID_CONSTANT: 'the status line',
  HPE_INVALID_HEADER_TOKEN: 'a header line',
  HPE_UNEXPECTED_SPACE: 'a header line',
  HPE_LF_EXPECTED: 'a line ending',
  HPE_CR_EXPECTED: 'a line ending',
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'the Content-Length header',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header',
  HPE_HEADER_OVERFLOW: 'the header section (larger than maxHeaderSize; raise it only for a server you trust)',
};

/** The line of `raw` around byte `at`, at most 64 bytes, as a JSON string. */
function lineAround(raw: Uint8Array, at: number): string {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const position = Math.min(Math.max(at, 0), bytes.length);
  let start = bytes.lastIndexOf(0x0a, Math.max(position - 1, 0)) + 1;
  if (position - start > 48) start = position - 48;
  const newline = bytes.indexOf(0x0a, position);
  const end = Math.min(newline < 0 ? bytes.length : newline + 1, start + 64);
  return JSON.stringify(bytes.subarray(start, end).toString('latin1'));
}

/**
 * The response was malformed (llhttp refused it): says which part and how, with the offending line;
 * llhttp's error is the cause and its code (`HPE_...`) the code. Strictness is llhttp's.
 */
export function parseError(error: ParseErrorShape): HTTPException {
  const reason = (error.reason ?? error.message.replace(/^Parse Error: /, '')).replace(/^./, (c) => c.toLowerCase());
  const part = PART[error.code] ?? 'the response';
  const where = error.rawPacket !== undefined && error.bytesParsed !== undefined ? ` at ${lineAround(error.rawPacket, error.bytesParsed)}` : '';
  return new HTTPException(`the server sent a malformed response: ${part}: ${reason} (llhttp ${error.code})${where}; the connection was closed`, error.code, { cause: error });
}

const FORBIDDEN = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A value as a message shows it (the one helper every package uses). */
const shown = describeValue;

/** A caller's argument of the wrong type or range (code UNITLS_HTTP_INVALID_ARGUMENT), before anything is sent. */
export function invalidArgument(what: string, takes: string, value: unknown): HTTPException {
  return new HTTPException(`${what} must be ${takes}, got ${shown(value)}`, 'UNITLS_HTTP_INVALID_ARGUMENT');
}

/** Refuses CR, LF and NUL, which would let a caller's value inject HTTP (CVE-2019-9740), and a value that is not a string. */
export function checkField(what: string, value: string): string {
  if (typeof value !== 'string') throw invalidArgument(what, 'a string', value);
  if (FORBIDDEN.test(value)) throw new HTTPException(`${what} contains CR, LF or NUL, which could inject HTTP; refused`, 'UNITLS_HTTP_INJECTION');
  return value;
}

/** A header name must be an RFC 9110 token. */
export function checkHeaderName(name: string): string {
  checkField('a header name', name);
  if (!TOKEN.test(name)) throw new HTTPException(`invalid header name ${JSON.stringify(name)}`, 'UNITLS_HTTP_INVALID_HEADER');
  return name;
}
