/**
 * smtplib's exception family. Every error has a literal `code`; server replies keep the SMTP code,
 * the text and the enhanced status code (RFC 3463) when the server sent one.
 *
 * @module
 */

/** Base of every SMTP error (smtplib.SMTPException). */
export class SMTPException extends Error {
  readonly code: string = 'UNITLS_SMTP';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server closed the connection, or it was closed locally (smtplib.SMTPServerDisconnected). */
export class SMTPServerDisconnected extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_DISCONNECTED';
}

/** The server broke the protocol: a malformed or oversized reply. */
export class SMTPProtocolError extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_PROTOCOL';
}

/** The caller asked for something unsafe or impossible before anything was sent (CR/LF in an argument, ...). */
export class SMTPUsageError extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_USAGE';
}

/** A server reply that is an error (smtplib.SMTPResponseException). */
export class SMTPResponseException extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_RESPONSE';
  /** The three-digit reply code. */
  readonly smtpCode: number;
  /** The reply text, lines joined with \n. */
  readonly smtpError: string;
  /** The enhanced status code (e.g. "5.7.1") when the server sent one. */
  readonly enhancedStatus: string | null;
  constructor(smtpCode: number, smtpError: string, enhancedStatus: string | null = null, message?: string) {
    super(message ?? `${smtpCode} ${smtpError}`);
    this.smtpCode = smtpCode;
    this.smtpError = smtpError;
    this.enhancedStatus = enhancedStatus;
  }
}

/** MAIL FROM was refused (smtplib.SMTPSenderRefused). */
export class SMTPSenderRefused extends SMTPResponseException {
  override readonly code: string = 'UNITLS_SMTP_SENDER_REFUSED';
  readonly sender: string;
  constructor(smtpCode: number, smtpError: string, sender: string, enhancedStatus: string | null = null) {
    super(smtpCode, smtpError, enhancedStatus, `sender ${sender} refused: ${smtpCode} ${smtpError}`);
    this.sender = sender;
  }
}

/** Every recipient was refused (smtplib.SMTPRecipientsRefused); `recipients` maps each to its reply. */
export class SMTPRecipientsRefused extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_RECIPIENTS_REFUSED';
  readonly recipients: ReadonlyMap<string, { code: number; text: string }>;
  constructor(recipients: ReadonlyMap<string, { code: number; text: string }>) {
    super(`all recipients were refused: ${[...recipients].map(([r, reply]) => `${r} (${reply.code})`).join(', ')}`);
    this.recipients = recipients;
  }
}

/** The message data was refused (smtplib.SMTPDataError). */
export class SMTPDataError extends SMTPResponseException {
  override readonly code: string = 'UNITLS_SMTP_DATA';
}

/** The greeting was not 220 (smtplib.SMTPConnectError). */
export class SMTPConnectError extends SMTPResponseException {
  override readonly code: string = 'UNITLS_SMTP_CONNECT';
}

/** EHLO/HELO was refused (smtplib.SMTPHeloError). */
export class SMTPHeloError extends SMTPResponseException {
  override readonly code: string = 'UNITLS_SMTP_HELO';
}

/** Authentication failed (smtplib.SMTPAuthenticationError). */
export class SMTPAuthenticationError extends SMTPResponseException {
  override readonly code: string = 'UNITLS_SMTP_AUTH';
}

/** The server does not offer what was required (smtplib.SMTPNotSupportedError), e.g. STARTTLS. */
export class SMTPNotSupportedError extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_NOT_SUPPORTED';
}
