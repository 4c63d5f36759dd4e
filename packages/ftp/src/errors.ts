/** ftplib's error classes, with the server's reply code and text kept. */

/** Any FTP failure (ftplib.Error). `reply` is the server's full reply when there was one. */
export class FTPError extends Error {
  readonly code: string = 'UNITLS_FTP';
  /** The three-digit reply code, when the error came from a reply. */
  readonly replyCode: number | null;
  /** The reply's text (all lines joined with "\n"), when the error came from a reply. */
  readonly reply: string | null;
  constructor(message: string, reply: { code: number; text: string } | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.replyCode = reply?.code ?? null;
    this.reply = reply?.text ?? null;
  }
}

/** An unexpected reply (ftplib.error_reply): 1xx, 2xx or 3xx where another was needed. */
export class FTPReplyError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_REPLY';
}

/** A transient failure (ftplib.error_temp): a 4xx reply. */
export class FTPTempError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_TEMP';
}

/** A permanent failure (ftplib.error_perm): a 5xx reply. */
export class FTPPermError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_PERM';
}

/** A reply that breaks the protocol (ftplib.error_proto): malformed, oversized, unterminated. */
export class FTPProtoError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_PROTO';
}

/** The caller asked for something unsafe or impossible; nothing was sent. */
export class FTPUsageError extends FTPError {
  override readonly code: string = 'UNITLS_FTP_USAGE';
}

/** ftplib's names. */
export { FTPError as Error, FTPReplyError as error_reply, FTPTempError as error_temp, FTPPermError as error_perm, FTPProtoError as error_proto };
