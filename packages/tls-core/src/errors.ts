/**
 * The PEP 748 error hierarchy. Every error unitls raises for TLS reasons is a {@link TLSError};
 * each class carries a stable literal `code`, keeps the underlying error as `cause`, and
 * `instanceof` works across duplicated copies of this package (the check is by brand, as undici
 * does).
 *
 * @module
 */

// Instances carry the kinds of every branded class in their chain under a global symbol, so a
// check made with one copy of this package recognises errors built by another copy.
const kinds = Symbol.for('@unitls/tls-core.error-kinds');
const kind = Symbol.for('@unitls/tls-core.error-kind');

type Branded = { [kinds]?: readonly string[] };
type BrandedClass = { [kind]?: string };

function kindsOf(constructor: Function): string[] {
  const found: string[] = [];
  for (let c: Function | null = constructor; c && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, kind)) found.push((c as BrandedClass)[kind]!);
  }
  return found;
}

/** Options every TLSError accepts. */
export interface TLSErrorOptions {
  /** The underlying error (a node:tls error, an OpenSSL reason, ...). */
  cause?: unknown;
}

/**
 * Base class of every TLS error (PEP 748 `TLSError`). Also what `SSLError` is in
 * `@unitls/ssl-compat`.
 */
export class TLSError extends Error {
  /** Stable machine-readable code; subclasses narrow it. */
  readonly code: string = 'UNITLS_TLS_ERROR';

  constructor(message: string, options?: TLSErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    Object.defineProperty(this, kinds, { value: kindsOf(new.target) });
  }

  static readonly [kind]: string = 'TLSError';

  static override [Symbol.hasInstance](this: Function, value: unknown): boolean {
    // Classes outside this file (implementation subclasses) keep the ordinary prototype check.
    if (!Object.hasOwn(this, kind)) return Function.prototype[Symbol.hasInstance].call(this, value);
    const wanted = (this as BrandedClass)[kind]!;
    return typeof value === 'object' && value !== null && ((value as Branded)[kinds]?.includes(wanted) ?? false);
  }
}

/**
 * A TLSBuffer operation needs more bytes from the peer: feed them with `processIncoming` and
 * call again (PEP 748 `WantReadError`).
 */
export class WantReadError extends TLSError {
  override readonly code = 'UNITLS_WANT_READ';
  constructor(message = 'more data from the peer is needed: call processIncoming() and retry', options?: TLSErrorOptions) {
    super(message, options);
  }
  static override readonly [kind]: string = 'WantReadError';
}

/**
 * A TLSBuffer operation cannot continue until buffered output is drained with
 * `processOutgoing` (PEP 748 `WantWriteError`).
 */
export class WantWriteError extends TLSError {
  override readonly code = 'UNITLS_WANT_WRITE';
  constructor(message = 'outgoing buffer is full: call processOutgoing() and retry', options?: TLSErrorOptions) {
    super(message, options);
  }
  static override readonly [kind]: string = 'WantWriteError';
}

/**
 * The peer closed the transport without a TLS close_notify: the data received so far may have
 * been truncated by an attacker (PEP 748 `RaggedEOF`).
 */
export class RaggedEOF extends TLSError {
  override readonly code = 'UNITLS_RAGGED_EOF';
  constructor(
    message = 'the peer closed the connection without a TLS close_notify; the data may be truncated',
    options?: TLSErrorOptions,
  ) {
    super(message, options);
  }
  static override readonly [kind]: string = 'RaggedEOF';
}

/**
 * A configuration is invalid, or valid but not supported by the chosen implementation
 * (PEP 748 `ConfigurationError`).
 */
export class ConfigurationError extends TLSError {
  override readonly code = 'UNITLS_CONFIGURATION';
  constructor(message: string, options?: TLSErrorOptions) {
    super(message, options);
  }
  static override readonly [kind]: string = 'ConfigurationError';
}

/** Why a certificate failed verification. */
export type VerificationFailureReason =
  | 'expired'
  | 'not-yet-valid'
  | 'self-signed'
  | 'untrusted-issuer'
  | 'hostname-mismatch'
  | 'missing-certificate'
  | 'bad-signature'
  | 'invalid-purpose'
  | 'invalid-certificate'
  | 'revoked'
  | 'chain-too-long'
  | 'name-constraints'
  | 'other';

/** Options of {@link CertificateVerificationError}. */
export interface CertificateVerificationErrorOptions extends TLSErrorOptions {
  /** The implementation's own verification code (e.g. OpenSSL's `CERT_HAS_EXPIRED`). */
  verifyCode?: string | undefined;
}

/**
 * The peer's certificate was rejected. `reason` says why in implementation-neutral terms;
 * `verifyCode` keeps the implementation's own code.
 */
export class CertificateVerificationError extends TLSError {
  override readonly code = 'UNITLS_CERTIFICATE_VERIFICATION';
  readonly reason: VerificationFailureReason;
  readonly verifyCode: string | undefined;

  constructor(reason: VerificationFailureReason, message: string, options?: CertificateVerificationErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.verifyCode = options?.verifyCode;
  }

  static override readonly [kind]: string = 'CertificateVerificationError';
}
