/**
 * ftplib's error classes on the kit's error model (@unitls/client-kit): every class has a literal
 * `code` and a `role` (usage, protocol, reply, connection), keeps `cause`, and `instanceof` works
 * across duplicated copies of this package. Errors that come from a reply keep its code and text.
 *
 * @module
 */
import { ClientError, errorKind, type ClientErrorOptions, type ErrorFamily, type ErrorRole } from '@unitls/client-kit';

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
export class FTPReplyError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_REPLY';
  override readonly role: ErrorRole = 'reply';
  static override readonly [errorKind]: string = 'FTPReplyError';
}

/** A transient failure (ftplib.error_temp): a 4xx reply. */
export class FTPTempError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_TEMP';
  override readonly role: ErrorRole = 'reply';
  static override readonly [errorKind]: string = 'FTPTempError';
}

/** A permanent failure (ftplib.error_perm): a 5xx reply. */
export class FTPPermError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_PERM';
  override readonly role: ErrorRole = 'reply';
  static override readonly [errorKind]: string = 'FTPPermError';
}

/** A reply or listing that breaks the protocol (ftplib.error_proto): malformed, oversized, unsolicited. */
export class FTPProtoError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_PROTO';
  override readonly role: ErrorRole = 'protocol';
  static override readonly [errorKind]: string = 'FTPProtoError';
}

/** The caller asked for something unsafe or impossible; nothing was sent. */
export class FTPUsageError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_USAGE';
  override readonly role: ErrorRole = 'usage';
  static override readonly [errorKind]: string = 'FTPUsageError';
}

/**
 * The control or data connection failed or ended early: `cause` is the transport or TLS error
 * (ECONNRESET, RaggedEOF, ...), the same on every TLS implementation. The connection is closed.
 */
export class FTPConnectionError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_CONNECTION';
  override readonly role: ErrorRole = 'connection';
  static override readonly [errorKind]: string = 'FTPConnectionError';
}

/** How the kit's pieces raise FTP errors on the control connection. */
export const ftpErrors: ErrorFamily = {
  usage: (message) => new FTPUsageError(message),
  protocol: (message, options) => new FTPProtoError(message, null, options),
  connection: (message, options) => new FTPConnectionError(message, null, options),
};

/** The same on a data connection: messages say which connection failed. */
export const dataErrors: ErrorFamily = {
  usage: (message) => new FTPUsageError(message),
  protocol: (message, options) => new FTPProtoError(`data connection: ${message}`, null, options),
  connection: (message, options) => new FTPConnectionError(`data connection: ${message}`, null, options),
};

/** Raises the ftplib error for a 4xx/5xx reply; returns the reply otherwise. */
export function checkReply<R extends ReplyInfo>(reply: R): R {
  if (reply.code >= 500) throw new FTPPermError(reply.text, reply);
  if (reply.code >= 400) throw new FTPTempError(reply.text, reply);
  return reply;
}

/** Like ftplib's voidresp: anything but 2xx is an error. */
export function expectSuccess<R extends ReplyInfo>(reply: R): R {
  checkReply(reply);
  if (reply.code < 200 || reply.code > 299) throw new FTPReplyError(reply.text, reply);
  return reply;
}

/** ftplib's names. */
export { FTPError as Error, FTPReplyError as error_reply, FTPTempError as error_temp, FTPPermError as error_perm, FTPProtoError as error_proto };
