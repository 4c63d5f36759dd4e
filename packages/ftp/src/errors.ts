/**
 * ftplib's error classes on the kit's error model (@unitls/client-kit): every class has a literal
 * `code` and a `role` (usage, protocol, reply, connection), keeps `cause`, and `instanceof` works
 * across duplicated copies of this package. Errors that come from a reply keep its code and text.
 *
 * @module
 */
import { ClientError, errorClass, errorKind, timeoutErrorClass, type ClientErrorOptions, type ErrorFamily } from '@unitls/client-kit';

/** The server reply an error came from. */
export interface ReplyInfo {
  readonly code: number;
  readonly text: string;
}

/** Any FTP failure (ftplib.Error). `reply` is the server's full reply when there was one. */
export class FTPError extends ClientError {
  override readonly code: string = 'UNITLS_FTP';
  /** The three-digit reply code, when the error came from a reply. */
  readonly replyCode: number | null;
  /** The reply's text (all lines joined with "\n"), when the error came from a reply. */
  readonly reply: string | null;
  constructor(message: string, reply: ReplyInfo | null = null, options?: ClientErrorOptions) {
    super(message, options);
    this.replyCode = reply?.code ?? null;
    this.reply = reply?.text ?? null;
  }
  static override readonly [errorKind]: string = 'FTPError';
}

/** An unexpected reply (ftplib.error_reply): 1xx, 2xx or 3xx where another was needed. */
export const FTPReplyError = errorClass(FTPError, 'FTPReplyError', 'UNITLS_FTP_REPLY', 'reply');
export type FTPReplyError = InstanceType<typeof FTPReplyError>;

/** A transient failure (ftplib.error_temp): a 4xx reply. */
export const FTPTempError = errorClass(FTPError, 'FTPTempError', 'UNITLS_FTP_TEMP', 'reply');
export type FTPTempError = InstanceType<typeof FTPTempError>;

/** A permanent failure (ftplib.error_perm): a 5xx reply. */
export const FTPPermError = errorClass(FTPError, 'FTPPermError', 'UNITLS_FTP_PERM', 'reply');
export type FTPPermError = InstanceType<typeof FTPPermError>;

/** A reply or listing that breaks the protocol (ftplib.error_proto): malformed, oversized, unsolicited. */
export const FTPProtoError = errorClass(FTPError, 'FTPProtoError', 'UNITLS_FTP_PROTO', 'protocol');
export type FTPProtoError = InstanceType<typeof FTPProtoError>;

/** The caller asked for something unsafe or impossible; nothing was sent. */
export const FTPUsageError = errorClass(FTPError, 'FTPUsageError', 'UNITLS_FTP_USAGE', 'usage');
export type FTPUsageError = InstanceType<typeof FTPUsageError>;

/**
 * The control or data connection failed or ended early: `cause` is the transport or TLS error
 * (ECONNRESET, RaggedEOF, ...), the same on every TLS implementation. The connection is closed.
 */
export const FTPConnectionError = errorClass(FTPError, 'FTPConnectionError', 'UNITLS_FTP_CONNECTION', 'connection');
export type FTPConnectionError = InstanceType<typeof FTPConnectionError>;

/**
 * An operation outlived the `timeout` option; the connection is closed. `phase` (connect,
 * tls-handshake, greeting, read, write), `command` (the verb waited for) and `timeout` (ms) say
 * what timed out; `cause` is the timer's DOMException. Named 'TimeoutError', as a DOMException
 * from AbortSignal.timeout() and Python's socket.timeout are, and a FTPConnectionError.
 */
export const FTPTimeoutError = timeoutErrorClass(FTPConnectionError, 'FTPTimeoutError', 'UNITLS_FTP_TIMEOUT', (message, options) => [message, null, options]);
export type FTPTimeoutError = InstanceType<typeof FTPTimeoutError>;

/** How the kit's pieces raise FTP errors on the control connection. */
export const ftpErrors: ErrorFamily = {
  usage: (message) => new FTPUsageError(message),
  protocol: (message, options) => new FTPProtoError(message, null, options),
  connection: (message, options) => new FTPConnectionError(message, null, options),
  timeout: (message, details) => new FTPTimeoutError(`FTP ${message}`, details),
};

/** The same on a data connection: messages say which connection failed. */
export const dataErrors: ErrorFamily = {
  usage: (message) => new FTPUsageError(message),
  protocol: (message, options) => new FTPProtoError(`data connection: ${message}`, null, options),
  connection: (message, options) => new FTPConnectionError(`data connection: ${message}`, null, options),
  timeout: (message, details) => new FTPTimeoutError(`FTP data connection ${message}`, details),
};

/** A command as error messages name it. */
export interface NamedCommand {
  readonly verb: string;
  readonly argument?: string | undefined;
}

/** Verbs whose argument is a secret: messages name the verb only. */
const SECRET_ARGUMENTS = new Set(['PASS', 'ACCT', 'ADAT']);

/**
 * What a reply error's message says: "RETR 99: 550 Failed to open file." when the command is
 * known (trial 11: the reply alone did not say which command got it). `reply`/`replyCode` keep the
 * server's text and code as they were.
 */
export function replyMessage(reply: ReplyInfo, command?: NamedCommand): string {
  if (command === undefined) return reply.text;
  const verb = command.verb.toUpperCase();
  const name = command.argument === undefined || command.argument === '' || SECRET_ARGUMENTS.has(verb) ? verb : `${verb} ${command.argument}`;
  return `${name}: ${reply.text}`;
}

/** Raises the ftplib error for a 4xx/5xx reply (naming `command` when given); returns the reply otherwise. */
export function checkReply<R extends ReplyInfo>(reply: R, command?: NamedCommand): R {
  if (reply.code >= 500) throw new FTPPermError(replyMessage(reply, command), reply);
  if (reply.code >= 400) throw new FTPTempError(replyMessage(reply, command), reply);
  return reply;
}

/** Like ftplib's voidresp: anything but 2xx is an error. */
export function expectSuccess<R extends ReplyInfo>(reply: R, command?: NamedCommand): R {
  checkReply(reply, command);
  if (reply.code < 200 || reply.code > 299) throw new FTPReplyError(replyMessage(reply, command), reply);
  return reply;
}

/** ftplib's names. */
export { FTPError as Error, FTPReplyError as error_reply, FTPTempError as error_temp, FTPPermError as error_perm, FTPProtoError as error_proto };
