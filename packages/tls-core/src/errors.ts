/**
 * The PEP 748 error hierarchy. Every error unitls raises for TLS reasons is a {@link TLSError};
 * each class carries a stable literal `code`, keeps the underlying error as `cause`, and
 * `instanceof` works across duplicated copies of this package (the check is by brand, as undici
 * does).
 *
 * @module
 */
import { describeValue } from './describe-value.js';

// Instances carry the kinds of every branded class in their chain under a global symbol, so a
// check made with one copy of this package recognises errors built by another copy.
const kinds = Symbol.for('@unitls/tls-core.error-kinds');
const kind = Symbol.for('@unitls/tls-core.error-kind');

type Branded = { [kinds]?: readonly string[] };
type BrandedClass = { [kind]?: string };

function kindsOf(constructor: Function): string[] {
  const found: string[] = [];
  for (let c: Function | null = constructor; c && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, kind)) found.push((c as BrandedClass)[kind]!);
  }
  return found;
}

/** Options every TLSError accepts. */
export interface TLSErrorOptions {
  /** The underlying error (a node:tls error, an OpenSSL reason, ...). */
  cause?: unknown;
}

/**
 * Base class of every TLS error (PEP 748 `TLSError`). Also what `SSLError` is in
 * `@unitls/ssl-compat`.
 */
export class TLSError extends Error {
  /** Stable machine-readable code; subclasses narrow it. */
  readonly code: string = 'UNITLS_TLS_ERROR';

  constructor(message: string, options?: TLSErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    Object.defineProperty(this, kinds, { value: kindsOf(new.target) });
  }

  static readonly [kind]: string = 'TLSError';

  static override [Symbol.hasInstance](this: Function, value: unknown): boolean {
    // Classes outside this file (implementation subclasses) keep the ordinary prototype check.
    if (!Object.hasOwn(this, kind)) return Function.prototype[Symbol.hasInstance].call(this, value);
    const wanted = (this as BrandedClass)[kind]!;
    return typeof value === 'object' && value !== null && ((value as Branded)[kinds]?.includes(wanted) ?? false);
  }
}

/**
 * A TLSBuffer operation needs more bytes from the peer: feed them with `processIncoming` and
 * call again (PEP 748 `WantReadError`).
 */
export class WantReadError extends TLSError {
  override readonly code = 'UNITLS_WANT_READ';
  constructor(message = 'more data from the peer is needed: call processIncoming() and retry', options?: TLSErrorOptions) {
    super(message, options);
  }
  static override readonly [kind]: string = 'WantReadError';
}

/**
 * A TLSBuffer operation cannot continue until buffered output is drained with
 * `processOutgoing` (PEP 748 `WantWriteError`).
 */
export class WantWriteError extends TLSError {
  override readonly code = 'UNITLS_WANT_WRITE';
  constructor(message = 'outgoing buffer is full: call processOutgoing() and retry', options?: TLSErrorOptions) {
    super(message, options);
  }
  static override readonly [kind]: string = 'WantWriteError';
}

/**
 * The peer closed the transport without a TLS close_notify: the data received so far may have
 * been truncated by an attacker (PEP 748 `RaggedEOF`).
 */
export class RaggedEOF extends TLSError {
  override readonly code = 'UNITLS_RAGGED_EOF';
  constructor(
    message = 'the peer closed the connection without a TLS close_notify; the data may be truncated',
    options?: TLSErrorOptions,
  ) {
    super(message, options);
  }
  static override readonly [kind]: string = 'RaggedEOF';
}

/**
 * A configuration is invalid, or valid but not supported by the chosen implementation
 * (PEP 748 `ConfigurationError`).
 */
export class ConfigurationError extends TLSError {
  override readonly code = 'UNITLS_CONFIGURATION';
  constructor(message: string, options?: TLSErrorOptions) {
    super(message, options);
  }
  static override readonly [kind]: string = 'ConfigurationError';
}

/** Why a certificate failed verification. */
export type VerificationFailureReason =
  | 'expired'
  | 'not-yet-valid'
  | 'self-signed'
  | 'untrusted-issuer'
  | 'hostname-mismatch'
  | 'missing-certificate'
  | 'bad-signature'
  | 'invalid-purpose'
  | 'invalid-certificate'
  | 'revoked'
  | 'chain-too-long'
  | 'name-constraints'
  | 'other';

/** Options of {@link CertificateVerificationError}. */
export interface CertificateVerificationErrorOptions extends TLSErrorOptions {
  /** The implementation's own verification code (e.g. OpenSSL's `CERT_HAS_EXPIRED`). */
  verifyCode?: string | undefined;
}

/**
 * The peer's certificate was rejected. `reason` says why in implementation-neutral terms;
 * `verifyCode` keeps the implementation's own code.
 */
export class CertificateVerificationError extends TLSError {
  override readonly code = 'UNITLS_CERTIFICATE_VERIFICATION';
  readonly reason: VerificationFailureReason;
  readonly verifyCode: string | undefined;

  constructor(reason: VerificationFailureReason, message: string, options?: CertificateVerificationErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.verifyCode = options?.verifyCode;
  }

  static override readonly [kind]: string = 'CertificateVerificationError';
}

/** Node's system-error fields, as a failed socket read or write carries them. */
interface SystemErrorFields {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
}

/** What a transport failure means, by its system code. */
const TRANSPORT_FAILURES: Readonly<Record<string, string>> = {
  ECONNRESET: 'the peer reset the connection',
  EPIPE: 'the connection was closed (by a reset from the peer) while writing',
  ECONNABORTED: 'the connection was aborted',
  ETIMEDOUT: 'the connection timed out (the peer stopped answering at the TCP level)',
  EHOSTUNREACH: 'the peer became unreachable',
  ENETUNREACH: 'the network became unreachable',
  ENETDOWN: 'the network went down',
};

/**
 * The transport under an established (or establishing) TLS connection failed: the peer reset it,
 * a write met a closed connection, the network went away. `cause` is the system error as Node
 * raised it; its `code` (ECONNRESET, EPIPE, ...) is kept as `systemCode`, with `errno` and
 * `syscall`. Every implementation raises this one shape for such failures (PEP 748: code written
 * against the API runs on any implementation); Python raises OSError subclasses
 * (ConnectionResetError, BrokenPipeError) for the same events.
 */
export class TransportError extends TLSError {
  override readonly code = 'UNITLS_TRANSPORT';
  /** The system error's code: 'ECONNRESET', 'EPIPE', ...; undefined when it had none. */
  readonly systemCode: string | undefined;
  /** The system error's errno (negative on Linux, as libuv gives it); undefined when it had none. */
  readonly errno: number | undefined;
  /** The system call that failed ('read', 'write', ...); undefined when unknown. */
  readonly syscall: string | undefined;

  constructor(message: string, options?: TLSErrorOptions) {
    super(message, options);
    const fields = (typeof options?.cause === 'object' && options.cause !== null ? options.cause : {}) as SystemErrorFields;
    this.systemCode = typeof fields.code === 'string' ? fields.code : undefined;
    this.errno = typeof fields.errno === 'number' ? fields.errno : undefined;
    this.syscall = typeof fields.syscall === 'string' ? fields.syscall : undefined;
  }

  static override readonly [kind]: string = 'TransportError';
}

/**
 * Whether `error` is a system error of a socket's read or write (ECONNRESET, EPIPE, ...: a code
 * and the failed system call, as libuv reports them), not a TLS one. Node's own "socket
 * disconnected" errors (code ECONNRESET for a FIN, no system call) are not.
 */
export function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof TLSError) return false;
  const { code, syscall } = error as SystemErrorFields;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

/**
 * `error` as the TLS layer reports it: a {@link TransportError} (message "TLS `during` failed: ...")
 * when it is a transport failure ({@link isTransportFailure}), `error` itself otherwise (TLS
 * errors, aborts, timeouts, the caller's mistakes). A read handed an earlier write's error says
 * "the connection was already broken by an earlier write (EPIPE)".
 */
export function transportFailure(error: unknown, during: 'handshake' | 'read' | 'write'): unknown {
  if (!isTransportFailure(error)) return error;
  const { code, syscall } = error as SystemErrorFields as { code: string; syscall: string };
  // A read that finds the connection already broken by a failed write gets that write's error:
  // say so, not "while writing" under "TLS read failed".
  const explanation =
    during === 'read' && syscall === 'write'
      ? 'the connection was already broken by an earlier write'
      : (TRANSPORT_FAILURES[code] ?? (error as Error).message);
  return new TransportError(`TLS ${during} failed: ${explanation} (${code})`, { cause: error });
}

/** The message of {@link recvEndedByClose}. */
export const RECV_ENDED_BY_CLOSE = 'recv: close() was called on this TLSSocket while the recv waited, so it ended without an answer from the peer';

/**
 * What a recv rejects with when `close()` on the same socket ended it while it waited (every
 * implementation). Not an empty array (that means the peer's close_notify) nor RaggedEOF (the
 * peer's FIN): neither is why it ended, and an empty array would let a reader take a body cut off
 * by its own close (or timeout) for a complete one.
 */
export function recvEndedByClose(cause?: unknown): TLSError {
  return new TLSError(RECV_ENDED_BY_CLOSE, cause === undefined ? undefined : { cause });
}

/** The message of {@link concurrentRecv}. */
export const CONCURRENT_RECV = 'recv: another recv on this TLSSocket is still waiting; await it before calling recv again (one recv at a time)';

/**
 * What a recv rejects with, at once, when another recv on the same socket is still waiting (every
 * implementation): one reader at a time, as asyncio's StreamReader.read raises RuntimeError for a
 * second concurrent reader. Queued reads would hand out the stream in an order the callers cannot
 * see. The waiting recv is not affected.
 */
export function concurrentRecv(): TLSError {
  return new TLSError(CONCURRENT_RECV);
}

/**
 * Why `recvInto(buffer)` refuses `buffer` at once, the same on every implementation (usage
 * errors, before any read): a TypeError for anything but a Uint8Array, a RangeError for an empty
 * one (a count of 0 is the peer's close_notify, so an empty buffer could not tell data from the
 * end). Null when `buffer` is fine.
 */
export function recvIntoMisuse(buffer: unknown): TypeError | RangeError | null {
  if (!(buffer instanceof Uint8Array)) {
    return new TypeError(`recvInto: buffer must be a Uint8Array (a Buffer is one), got ${describeValue(buffer)}`);
  }
  if (buffer.length === 0) return new RangeError('recvInto: buffer must hold at least one byte (a count of 0 means the peer closed)');
  return null;
}

/** The `code` of {@link recvIntoLostBuffer}'s RangeError. */
export const RECV_INTO_LOST_BUFFER = 'UNITLS_RECV_INTO_LOST_BUFFER';

/**
 * What a recvInto rejects with when its buffer can no longer take the bytes: the caller detached
 * its ArrayBuffer (transfer(), postMessage) or shrank a resizable one to nothing while the recv
 * waited. `closed`: the bytes were already taken from the stream (tls-node), so the connection
 * was closed rather than going on with them missing; otherwise they wait for the next recv.
 */
export function recvIntoLostBuffer(closed: boolean): RangeError & { code: typeof RECV_INTO_LOST_BUFFER } {
  const what = closed ? 'the bytes read for it could not be written there, so the connection was closed' : 'nothing was read (the bytes wait for the next recv)';
  return Object.assign(new RangeError(`recvInto: the buffer was detached or shrunk while the recv waited; ${what}. Keep a recvInto's memory as it is until it settles`), { code: RECV_INTO_LOST_BUFFER } as const);
}

/**
 * What a send rejects with once shutdown() (the write-side half-close) was called, on every
 * implementation: close_notify is out, so nothing more may be sent; recv still reads the peer.
 */
export function sendAfterShutdown(): TLSError {
  return new TLSError('send after shutdown(): this side of the connection is closed (close_notify sent); recv still reads the peer');
}

/**
 * What every implementation says (inside its own error message) when the peer's bytes are not TLS
 * at all, one phrase per situation: a client whose server answered in plain text (the port is not
 * a TLS port, or wants STARTTLS first); a server whose client spoke plain text (an HTTP request on
 * the TLS port: advice about "a TLS port" would be wrong there, the server is one); and either
 * side once the handshake is done (the port was TLS: the stream is corrupted).
 */
export const NOT_TLS = {
  fromServer: 'the server did not answer with TLS: is this a TLS port? (a plain-text service, or one that expects STARTTLS first)',
  fromClient: 'the client did not speak TLS: it sent plain text (an HTTP request, say) to this TLS port',
  afterHandshake: 'the peer sent bytes that are not a TLS record after the handshake: the connection is corrupted',
} as const;

/** What every implementation says when a record header announces more than RFC 8446 §5.2 allows, after the handshake. */
export const RECORD_OVERFLOW = 'the peer sent a TLS record longer than the protocol allows (record_overflow)';

/** The {@link NOT_TLS} phrase for a `role` ('client': we are the client) before or after the handshake. */
export function notTlsExplanation(role: 'client' | 'server', handshakeDone: boolean): string {
  if (handshakeDone) return NOT_TLS.afterHandshake;
  return role === 'client' ? NOT_TLS.fromServer : NOT_TLS.fromClient;
}

/**
 * A peer's first bytes as error messages show them (trial 12, finding 8: hex alone hid a plain-text
 * greeting): quoted text when they are printable ASCII (with CR, LF, tab), as
 * `"220 mail.example.org ESMTP\r\n"`, else hex; at most 64 bytes. A plain-text mail or FTP greeting
 * adds what to do: upgrade with STARTTLS, or use the implicit-TLS port.
 */
export function describeFirstBytes(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, 64);
  let text = true;
  for (const byte of shown) {
    if (!((byte >= 0x20 && byte < 0x7f) || byte === 0x0d || byte === 0x0a || byte === 0x09)) {
      text = false;
      break;
    }
  }
  const more = bytes.length > shown.length ? '...' : '';
  if (!text) return `first bytes ${Buffer.from(shown).toString('hex')}${more}`;
  const line = Buffer.from(shown).toString('latin1');
  const greeting = /^(220[ -]|\+OK|\* (OK|PREAUTH))/.test(line) ? ': a plain-text SMTP, FTP, POP3 or IMAP greeting: connect without TLS and upgrade (STARTTLS, STLS, AUTH TLS), or use the service\'s implicit-TLS port' : '';
  return `first bytes ${JSON.stringify(line)}${more}${greeting}`;
}

/** The message of {@link renegotiationRefused}. */
export const RENEGOTIATION_REFUSED =
  'TLS renegotiation refused: the peer asked to renegotiate this TLS 1.2 connection, which unitls never does (it answers no_renegotiation, RFC 5246 7.2.2), and the peer ended the connection';

/**
 * What every implementation raises when a TLS 1.2 peer's renegotiation request (a server's
 * HelloRequest, a client's new ClientHello) is refused and the peer then ends the connection
 * (usually with a handshake_failure alert): not "handshake_failure, no cipher suite in common".
 * `cause` is the peer's alert as the implementation reported it.
 */
export function renegotiationRefused(cause?: unknown): TLSError {
  return new TLSError(RENEGOTIATION_REFUSED, cause === undefined ? undefined : { cause });
}

/**
 * What the certificate alerts a peer refuses our certificate with mean (RFC 8446 section 6.2),
 * worded once so every implementation's message says the same (break13: a client refused as
 * expired read "sslv3 alert certificate expired" on tls-node and tls-openssl and "a fatal
 * certificate_expired alert" on tls-pure). OpenSSL sends certificate_expired for a certificate
 * not yet valid too.
 */
export const CERTIFICATE_ALERT_EXPLANATIONS = {
  bad_certificate: 'the peer rejected our certificate (bad_certificate)',
  unsupported_certificate: 'the peer cannot use our certificate, its type or key (unsupported_certificate)',
  certificate_revoked: 'the peer refused our certificate as revoked (certificate_revoked)',
  certificate_expired:
    "the peer refused our certificate as expired or not yet valid (certificate_expired): check its notBefore/notAfter and this computer's clock; an expired certificate must be renewed",
  certificate_unknown: 'the peer refused our certificate (certificate_unknown)',
  unknown_ca: 'the peer does not trust our certificate (unknown_ca)',
} as const;
