/** `unitls` exit codes (documented in the package README and `unitls --help`). */
export const EXIT = {
  /** The handshake succeeded, the certificate verified, the server did not refuse afterwards. */
  OK: 0,
  /** The server's certificate failed verification (the reason is printed). */
  VERIFICATION_FAILED: 1,
  /** The command line is wrong. */
  USAGE: 2,
  /** The TLS handshake failed for another reason, or the server refused right after it (e.g. a client certificate it requires). */
  TLS_FAILED: 3,
  /** No connection: refused, unreachable, name not found, timed out, or the STARTTLS dialogue failed before TLS. */
  CONNECT_FAILED: 4,
  /** The implementation asked for cannot load on this runtime or is not installed. */
  IMPLEMENTATION_UNAVAILABLE: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
