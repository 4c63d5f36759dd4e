/**
 * smtplib's exception family on the kit's error model (@unitls/client-kit): every class has a
 * literal `code`, a `role` (usage, protocol, reply, connection), keeps `cause`, and `instanceof`
 * works across duplicated copies of this package. Server replies keep the SMTP code, the text and
 * the enhanced status code (RFC 3463) when the server sent one.
 *
 * @module
 */
import { ClientError, errorClass, errorKind, timeoutErrorClass, type ClientErrorOptions, type ErrorFamily, type ErrorRole } from '@unitls/client-kit';

/** Base of every SMTP error (smtplib.SMTPException). */
export const SMTPException = errorClass(ClientError, 'SMTPException', 'UNITLS_SMTP');
export type SMTPException = InstanceType<typeof SMTPException>;

/**
 * The connection failed or was closed (smtplib.SMTPServerDisconnected): the server went away, or
 * the transport or TLS failed mid-session (`cause` says how), or nothing is connected.
 */
export const SMTPServerDisconnected = errorClass(SMTPException, 'SMTPServerDisconnected', 'UNITLS_SMTP_DISCONNECTED', 'connection');
export type SMTPServerDisconnected = InstanceType<typeof SMTPServerDisconnected>;

/** The server broke the protocol: a malformed, oversized or unsolicited reply. */
export const SMTPProtocolError = errorClass(SMTPException, 'SMTPProtocolError', 'UNITLS_SMTP_PROTOCOL', 'protocol');
export type SMTPProtocolError = InstanceType<typeof SMTPProtocolError>;

/** The caller asked for something unsafe or impossible; nothing was sent (CR/LF in an argument, ...). */
export const SMTPUsageError = errorClass(SMTPException, 'SMTPUsageError', 'UNITLS_SMTP_USAGE', 'usage');
export type SMTPUsageError = InstanceType<typeof SMTPUsageError>;

/** A server reply that is an error (smtplib.SMTPResponseException). */
export class SMTPResponseException extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_RESPONSE';
  override readonly role: ErrorRole = 'reply';
  /** The three-digit reply code. */
  readonly smtpCode: number;
  /** The reply text, lines joined with \n. */
  readonly smtpError: string;
  /** The enhanced status code (e.g. "5.7.1") when the server sent one. */
  readonly enhancedStatus: string | null;
  constructor(smtpCode: number, smtpError: string, enhancedStatus: string | null = null, message?: string, options?: ClientErrorOptions) {
    super(message ?? `${smtpCode} ${smtpError}`, options);
    this.smtpCode = smtpCode;
    this.smtpError = smtpError;
    this.enhancedStatus = enhancedStatus;
  }
  static override readonly [errorKind]: string = 'SMTPResponseException';
}

/** MAIL FROM was refused (smtplib.SMTPSenderRefused). */
export class SMTPSenderRefused extends SMTPResponseException {
  override readonly code: string = 'UNITLS_SMTP_SENDER_REFUSED';
  readonly sender: string;
  constructor(smtpCode: number, smtpError: string, sender: string, enhancedStatus: string | null = null) {
    super(smtpCode, smtpError, enhancedStatus, `sender ${sender} refused: ${smtpCode} ${smtpError}`);
    this.sender = sender;
  }
  static override readonly [errorKind]: string = 'SMTPSenderRefused';
}

/**
 * Every recipient was refused (smtplib.SMTPRecipientsRefused); `recipients` maps each to its reply.
 * The message names each recipient with its reply's code and text (the text is what says why:
 * "Recipient address rejected: Access denied"), as SMTPSenderRefused's does.
 */
export class SMTPRecipientsRefused extends SMTPException {
  override readonly code: string = 'UNITLS_SMTP_RECIPIENTS_REFUSED';
  override readonly role: ErrorRole = 'reply';
  readonly recipients: ReadonlyMap<string, { code: number; text: string }>;
  constructor(recipients: ReadonlyMap<string, { code: number; text: string }>) {
    super(`all recipients were refused: ${[...recipients].map(([r, reply]) => `${r} (${reply.code} ${reply.text})`).join(', ')}`);
    this.recipients = recipients;
  }
  static override readonly [errorKind]: string = 'SMTPRecipientsRefused';
}

/** The message data was refused (smtplib.SMTPDataError). */
export const SMTPDataError = errorClass(SMTPResponseException, 'SMTPDataError', 'UNITLS_SMTP_DATA');
export type SMTPDataError = InstanceType<typeof SMTPDataError>;

/** The greeting was not 220 (smtplib.SMTPConnectError). */
export const SMTPConnectError = errorClass(SMTPResponseException, 'SMTPConnectError', 'UNITLS_SMTP_CONNECT');
export type SMTPConnectError = InstanceType<typeof SMTPConnectError>;

/** EHLO/HELO was refused (smtplib.SMTPHeloError). */
export const SMTPHeloError = errorClass(SMTPResponseException, 'SMTPHeloError', 'UNITLS_SMTP_HELO');
export type SMTPHeloError = InstanceType<typeof SMTPHeloError>;

/** Authentication failed (smtplib.SMTPAuthenticationError). */
export const SMTPAuthenticationError = errorClass(SMTPResponseException, 'SMTPAuthenticationError', 'UNITLS_SMTP_AUTH');
export type SMTPAuthenticationError = InstanceType<typeof SMTPAuthenticationError>;

/** The server does not offer what was required (smtplib.SMTPNotSupportedError), e.g. STARTTLS. */
export const SMTPNotSupportedError = errorClass(SMTPException, 'SMTPNotSupportedError', 'UNITLS_SMTP_NOT_SUPPORTED');
export type SMTPNotSupportedError = InstanceType<typeof SMTPNotSupportedError>;

/**
 * An operation outlived the `timeout` option; the connection is closed. `phase` (connect,
 * tls-handshake, greeting, read, write), `command` (the verb waited for) and `timeout` (ms) say
 * what timed out; `cause` is the timer's DOMException. Named 'TimeoutError', as a DOMException
 * from AbortSignal.timeout() and Python's socket.timeout are, and a SMTPServerDisconnected.
 */
export const SMTPTimeoutError = timeoutErrorClass(SMTPServerDisconnected, 'SMTPTimeoutError', 'UNITLS_SMTP_TIMEOUT', (message, options) => [message, options]);
export type SMTPTimeoutError = InstanceType<typeof SMTPTimeoutError>;

/** How the kit's pieces raise SMTP errors. */
export const smtpErrors: ErrorFamily = {
  usage: (message) => new SMTPUsageError(message),
  protocol: (message, options) => new SMTPProtocolError(message, options),
  connection: (message, options) => new SMTPServerDisconnected(message, options),
  timeout: (message, details) => new SMTPTimeoutError(`SMTP ${message}`, details),
};
