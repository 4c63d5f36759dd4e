/** imaplib's error family: IMAP4.error, IMAP4.abort, IMAP4.readonly, with the tagged response kept. */

/** A command failed (NO/BAD) or the client was misused (imaplib's IMAP4.error). */
export class IMAP4Error extends Error {
  readonly code: string = 'UNITLS_IMAP';
  /** The tagged response status and text, when a server response caused it. */
  readonly status: string | null;
  readonly responseText: string | null;
  constructor(message: string, status: string | null = null, responseText: string | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.responseText = responseText;
  }
}

/** The connection is unusable: the server broke the protocol, said BYE, or went away (imaplib's IMAP4.abort). */
export class IMAP4Abort extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_ABORT';
}

/** The mailbox became read-only (imaplib's IMAP4.readonly). */
export class IMAP4ReadOnly extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_READONLY';
}

/**
 * The server broke the grammar (RFC 9051 §9) or the protocol's rules (a reply for a command never
 * sent, a literal larger than its limit, ...). The connection is in its ERROR state afterwards.
 */
export class IMAP4ProtocolError extends IMAP4Abort {
  override readonly code: string = 'UNITLS_IMAP_PROTOCOL';
}

/** The caller asked for something the protocol does not allow now (a command in the wrong state, CR/LF in an argument). */
export class IMAP4UsageError extends IMAP4Error {
  override readonly code: string = 'UNITLS_IMAP_USAGE';
}
