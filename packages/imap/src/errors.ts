/**
 * imaplib's error family (IMAP4.error, IMAP4.abort, IMAP4.readonly) on the clients' one error
 * model (@unitls/client-kit): branded `instanceof` across package copies, a literal `code`, a
 * `role`, `cause` kept.
 *
 * @module
 */
import { ClientError, errorKind, type ClientErrorOptions, type ErrorFamily, type ErrorRole } from '@unitls/client-kit';

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
export class IMAP4ReplyError extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_REPLY';
  override readonly role: ErrorRole = 'reply';
  static override readonly [errorKind]: string = 'IMAP4ReplyError';
}

/** The caller asked for something the protocol does not allow now; nothing was sent. */
export class IMAP4UsageError extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_USAGE';
  override readonly role: ErrorRole = 'usage';
  static override readonly [errorKind]: string = 'IMAP4UsageError';
}

/**
 * The connection is unusable and was closed (imaplib's IMAP4.abort): the server said BYE or went
 * away, or the transport or TLS failed (`cause` keeps why, a RaggedEOF say).
 */
export class IMAP4Abort extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_ABORT';
  override readonly role: ErrorRole = 'connection';
  static override readonly [errorKind]: string = 'IMAP4Abort';
}

/**
 * The server broke the grammar (RFC 9051 §9) or the protocol's rules (a reply for a command never
 * sent, a literal over its limit, ...). An IMAP4Abort: the connection is closed.
 */
export class IMAP4ProtocolError extends IMAP4Abort {
  override readonly code: string = 'UNITLS_IMAP_PROTOCOL';
  override readonly role: ErrorRole = 'protocol';
  static override readonly [errorKind]: string = 'IMAP4ProtocolError';
}

/** The selected mailbox is read-only and the call would change it (imaplib's IMAP4.readonly). */
export class IMAP4ReadOnly extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_READONLY';
  override readonly role: ErrorRole = 'usage';
  static override readonly [errorKind]: string = 'IMAP4ReadOnly';
}

/** How the shared kit raises IMAP's errors. */
export const imapErrors: ErrorFamily = {
  usage: (message) => new IMAP4UsageError(message),
  protocol: (message, options) => new IMAP4ProtocolError(message, null, null, options),
  connection: (message, options) => new IMAP4Abort(message, null, null, options),
};
