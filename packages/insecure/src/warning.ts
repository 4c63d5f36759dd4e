/** Stable codes of the warnings this package emits, one per step. */
export const SecurityWarningCode = Object.freeze({
  CONFIGURATION: 'UNITLS_INSECURE_CONFIGURATION',
  CONTEXT: 'UNITLS_INSECURE_CONTEXT',
  CONNECT: 'UNITLS_INSECURE_CONNECT',
  BUFFER: 'UNITLS_INSECURE_BUFFER',
} as const);
export type SecurityWarningCode = (typeof SecurityWarningCode)[keyof typeof SecurityWarningCode];

/**
 * The warning PEP 748 asks for whenever insecure functionality is used. Emitted through
 * `process.emitWarning` with type `'SecurityWarning'` and a stable `code`, so it shows on stderr
 * by default and can be observed with `process.on('warning', ...)`.
 */
export class SecurityWarning extends Error {
  readonly code: SecurityWarningCode;
  constructor(code: SecurityWarningCode, message: string) {
    super(message);
    this.name = 'SecurityWarning';
    this.code = code;
  }
}

export function warn(code: SecurityWarningCode, message: string): void {
  process.emitWarning(new SecurityWarning(code, `${message} (@unitls/insecure: for tests only)`));
}
