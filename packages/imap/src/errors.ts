/**
 * imaplib's error family (IMAP4.error, IMAP4.abort, IMAP4.readonly) on the clients' one error
 * model (@unitls/client-kit): branded `instanceof` across package copies, a literal `code`, a
 * `role`, `cause` kept.
 *
 * @module
 */
import { ClientError, errorClass, errorKind, timeoutErrorClass, type ClientErrorOptions, type ErrorFamily } from '@unitls/client-kit';

/** Base of every IMAP error (imaplib's IMAP4.error). */
export class IMAP4Error extends ClientError {
  override readonly code: string = 'UNITLS_IMAP';
  /** The tagged response's status (NO, BAD) and text, when a server reply caused it. */
  readonly status: string | null;
  readonly responseText: string | null;
  constructor(message: string, status: string | null = null, responseText: string | null = null, options?: ClientErrorOptions) {
    super(message, options);
    this.status = status;
    this.responseText = responseText;
  }
  static override readonly [errorKind]: string = 'IMAP4Error';
}

/** A command failed: the server answered NO or BAD (`status`, `responseText`). */
export const IMAP4ReplyError = errorClass(IMAP4Error, 'IMAP4ReplyError', 'UNITLS_IMAP_REPLY', 'reply');
export type IMAP4ReplyError = InstanceType<typeof IMAP4ReplyError>;

/**
 * LOGIN or AUTHENTICATE was refused (NO): an IMAP4ReplyError whose message names the command or
 * SASL mechanism and says what to do (check the user name and password, or the access token;
 * try later for RFC 5530's [UNAVAILABLE]); `status` and `responseText` keep the server's answer.
 */
export const IMAP4AuthenticationError = errorClass(IMAP4ReplyError, 'IMAP4AuthenticationError', 'UNITLS_IMAP_AUTH', 'reply');
export type IMAP4AuthenticationError = InstanceType<typeof IMAP4AuthenticationError>;

/** The caller asked for something the protocol does not allow now; nothing was sent. */
export const IMAP4UsageError = errorClass(IMAP4Error, 'IMAP4UsageError', 'UNITLS_IMAP_USAGE', 'usage');
export type IMAP4UsageError = InstanceType<typeof IMAP4UsageError>;

/**
 * The connection is unusable and was closed (imaplib's IMAP4.abort): the server said BYE or went
 * away, or the transport or TLS failed (`cause` keeps why, a RaggedEOF say).
 */
export const IMAP4Abort = errorClass(IMAP4Error, 'IMAP4Abort', 'UNITLS_IMAP_ABORT', 'connection');
export type IMAP4Abort = InstanceType<typeof IMAP4Abort>;

/**
 * The server broke the grammar (RFC 9051 §9) or the protocol's rules (a reply for a command never
 * sent, a literal over its limit, ...). An IMAP4Abort: the connection is closed.
 */
export const IMAP4ProtocolError = errorClass(IMAP4Abort, 'IMAP4ProtocolError', 'UNITLS_IMAP_PROTOCOL', 'protocol');
export type IMAP4ProtocolError = InstanceType<typeof IMAP4ProtocolError>;

/** The selected mailbox is read-only and the call would change it (imaplib's IMAP4.readonly). */
export const IMAP4ReadOnly = errorClass(IMAP4Error, 'IMAP4ReadOnly', 'UNITLS_IMAP_READONLY', 'usage');
export type IMAP4ReadOnly = InstanceType<typeof IMAP4ReadOnly>;

/**
 * An operation outlived the `timeout` option; the connection is closed. `phase` (connect,
 * tls-handshake, greeting, read, write), `command` (the verb waited for) and `timeout` (ms) say
 * what timed out; `cause` is the timer's DOMException. Named 'TimeoutError', as a DOMException
 * from AbortSignal.timeout() and Python's socket.timeout are, and a IMAP4Abort.
 */
export const IMAP4TimeoutError = timeoutErrorClass(IMAP4Abort, 'IMAP4TimeoutError', 'UNITLS_IMAP_TIMEOUT', (message, options) => [message, null, null, options]);
export type IMAP4TimeoutError = InstanceType<typeof IMAP4TimeoutError>;

/** How the shared kit raises IMAP's errors. */
export const imapErrors: ErrorFamily = {
  usage: (message) => new IMAP4UsageError(message),
  protocol: (message, options) => new IMAP4ProtocolError(message, null, null, options),
  connection: (message, options) => new IMAP4Abort(message, null, null, options),
  timeout: (message, details) => new IMAP4TimeoutError(`IMAP4 ${message}`, details),
};
