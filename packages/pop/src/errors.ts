/** poplib's error_proto, and the local-misuse error. */

/** A POP3 failure (poplib.error_proto): a -ERR reply, or a reply that breaks the protocol. `response` keeps the server line. */
export class POP3Error extends Error {
  readonly code: string = 'UNITLS_POP3';
  /** The server's line (e.g. "-ERR [AUTH] Authentication failed."), when the error came from one. */
  readonly response: string | null;
  constructor(message: string, response: string | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.response = response;
  }
}
/** poplib's name for it. */
export const error_proto = POP3Error;

/** The caller asked for something unsafe before anything was sent (CR/LF in an argument, AUTH in clear, ...). */
export class POP3UsageError extends POP3Error {
  override readonly code: string = 'UNITLS_POP3_USAGE';
}
