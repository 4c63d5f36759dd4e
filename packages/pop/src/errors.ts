/**
 * poplib's error (error_proto) on the clients' one error model (@unitls/client-kit): branded
 * `instanceof` across package copies, a literal `code`, a `role`, `cause` kept. poplib raises
 * error_proto for everything; here the base class is error_proto and each kind of failure has its
 * own subclass.
 *
 * @module
 */
import { ClientError, errorClass, errorKind, timeoutErrorClass, type ClientErrorOptions, type ErrorFamily } from '@unitls/client-kit';

/** Base of every POP3 error (poplib.error_proto). `response` keeps the server's line when one caused it. */
export class POP3Error extends ClientError {
  override readonly code: string = 'UNITLS_POP3';
  /** The server's line (e.g. "-ERR [AUTH] Authentication failed."), when the error came from one. */
  readonly response: string | null;
  constructor(message: string, response: string | null = null, options?: ClientErrorOptions) {
    super(message, options);
    this.response = response;
  }
  static override readonly [errorKind]: string = 'POP3Error';
}
/** poplib's name for it. */
export const error_proto = POP3Error;

/** The server answered -ERR (`response` is its line). The session goes on. */
export const POP3ReplyError = errorClass(POP3Error, 'POP3ReplyError', 'UNITLS_POP3_REPLY', 'reply');
export type POP3ReplyError = InstanceType<typeof POP3ReplyError>;

/**
 * PASS, APOP or AUTH was refused (-ERR): a POP3ReplyError whose message names the command or SASL
 * mechanism and says what to do (check the user name and password, or the access token; try later
 * for RFC 2449's [IN-USE] and RFC 3206's [SYS/TEMP]); `response` keeps the server's line.
 */
export const POP3AuthenticationError = errorClass(POP3ReplyError, 'POP3AuthenticationError', 'UNITLS_POP3_AUTH', 'reply');
export type POP3AuthenticationError = InstanceType<typeof POP3AuthenticationError>;

/** The caller asked for something unsafe or impossible; nothing was sent (CR/LF in an argument, AUTH in clear, ...). */
export const POP3UsageError = errorClass(POP3Error, 'POP3UsageError', 'UNITLS_POP3_USAGE', 'usage');
export type POP3UsageError = InstanceType<typeof POP3UsageError>;

/** The server broke the protocol (a malformed or unsolicited line, a limit passed); the connection is closed. */
export const POP3ProtocolError = errorClass(POP3Error, 'POP3ProtocolError', 'UNITLS_POP3_PROTOCOL', 'protocol');
export type POP3ProtocolError = InstanceType<typeof POP3ProtocolError>;

/**
 * The connection failed or the server went away (`cause` keeps the transport or TLS error, a
 * RaggedEOF say); the connection is closed.
 */
export const POP3ConnectionError = errorClass(POP3Error, 'POP3ConnectionError', 'UNITLS_POP3_CONNECTION', 'connection');
export type POP3ConnectionError = InstanceType<typeof POP3ConnectionError>;

/**
 * An operation outlived the `timeout` option; the connection is closed. `phase` (connect,
 * tls-handshake, greeting, read, write), `command` (the verb waited for) and `timeout` (ms) say
 * what timed out; `cause` is the timer's DOMException. Named 'TimeoutError', as a DOMException
 * from AbortSignal.timeout() and Python's socket.timeout are, and a POP3ConnectionError.
 */
export const POP3TimeoutError = timeoutErrorClass(POP3ConnectionError, 'POP3TimeoutError', 'UNITLS_POP3_TIMEOUT', (message, options) => [message, null, options]);
export type POP3TimeoutError = InstanceType<typeof POP3TimeoutError>;

/** How the kit's pieces raise POP3 errors. */
export const popErrors: ErrorFamily = {
  usage: (message) => new POP3UsageError(message),
  protocol: (message, options) => new POP3ProtocolError(message, null, options),
  connection: (message, options) => new POP3ConnectionError(message, null, options),
  timeout: (message, details) => new POP3TimeoutError(`POP3 ${message}`, details),
};
