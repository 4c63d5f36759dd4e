/**
 * Python's ssl exception names over the PEP 748 classes. The three the PEP names are the very same
 * class objects (`SSLError === TLSError`), so `instanceof` works both ways; the others keep the
 * meaning they have in Python.
 *
 * @module
 */
import {
  CertificateVerificationError,
  RaggedEOF,
  TLSError,
  WantReadError,
  WantWriteError,
  reasonForOpenSSLVerifyCode,
  type TLSErrorOptions,
  type VerificationFailureReason,
} from '@unitls/tls-core';
import { explanations } from '@unitls/tls-node/internal';
import { NODE_TLS_ADVICE, inTermsOf, withTrustAdvice } from './trust-advice.js';

export const SSLError = TLSError;
export type SSLError = TLSError;
export const SSLWantReadError = WantReadError;
export type SSLWantReadError = WantReadError;
export const SSLWantWriteError = WantWriteError;
export type SSLWantWriteError = WantWriteError;
/** Python's SSLEOFError ("EOF occurred in violation of protocol") is a ragged EOF. */
export const SSLEOFError = RaggedEOF;
export type SSLEOFError = RaggedEOF;
/** Python's SSLCertVerificationError, and its older name CertificateError. */
export const SSLCertVerificationError = CertificateVerificationError;
export type SSLCertVerificationError = CertificateVerificationError;
export const CertificateError = CertificateVerificationError;
export type CertificateError = CertificateVerificationError;

/** The TLS connection was closed cleanly (close_notify) where data was expected. */
export class SSLZeroReturnError extends TLSError {
  override readonly code: string = 'UNITLS_ZERO_RETURN';
}

/**
 * A system call under TLS failed (Python's SSLSyscallError): `errno` keeps the system code. Kept
 * for code that raises it; `fromNodeError` leaves network errors as node:tls gives them instead.
 */
export class SSLSyscallError extends TLSError {
  override readonly code: string = 'UNITLS_SYSCALL';
  readonly errno: string | undefined;
  constructor(message: string, options?: TLSErrorOptions & { errno?: string }) {
    super(message, options);
    this.errno = options?.errno;
  }
}

const inNodeTlsTerms = (reason: VerificationFailureReason, message: string) => inTermsOf(NODE_TLS_ADVICE, reason, message);

type NodeError = Error & { code?: unknown; syscall?: unknown; reason?: unknown };

/** A value for a message, whatever it is (String() throws on some values). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a value of type ${typeof value}`;
  }
}

/**
 * True for errors that are not TLS's: the network's (a refused, reset or timed-out connection, a
 * name that does not resolve) and the caller's aborts and timeouts. node:tls gives them as they
 * are, and code checking `err.code === 'ECONNREFUSED'` must keep working after migration.
 */
function isNetworkOrAbort(error: NodeError, code: string): boolean {
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (typeof error.syscall === 'string') return true;
  return /^E[A-Z0-9_]+$/.test(code) && !code.startsWith('ERR_');
}

/**
 * Maps an error node:tls (or OpenSSL through it) raised to the typed error Python code would
 * expect: verification failures to SSLCertVerificationError (with `reason` and `verifyCode`),
 * ERR_SSL_* to SSLError with an explanation, an unexpected EOF to SSLEOFError. The original stays
 * as `cause`. A certificate nobody said to trust (unknown issuer, self-signed) gets advice in
 * node:tls's terms (the `ca` option), also when an implementation's error said trustStore. Returned unchanged: already-typed errors, and errors that are not TLS's: network
 * errors (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, ECONNRESET, ... with their Node class and `code`,
 * as node:tls gives them) and AbortError / TimeoutError. Never throws, whatever it is given (a
 * non-Error, a numeric or missing `code`, a getter that throws...).
 */
export function fromNodeError(error: unknown): Error {
  try {
    return map(error);
  } catch (cause) {
    // An error object hostile enough to throw while being read: still a typed error, not a crash.
    return new TLSError('an error of unknown shape was raised', { cause });
  }
}

function map(error: unknown): Error {
  if (error instanceof CertificateVerificationError) return withTrustAdvice(NODE_TLS_ADVICE, error) as Error;
  if (error instanceof TLSError) return error;
  if (!(error instanceof Error)) return new TLSError(describe(error), { cause: error });
  const rawCode = (error as NodeError).code;
  const code = typeof rawCode === 'string' ? rawCode : '';
  if (isNetworkOrAbort(error as NodeError, code)) return error;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CertificateVerificationError('hostname-mismatch', `certificate verification failed: ${error.message}`, { cause: error, verifyCode: code });
  }
  const reason = reasonForOpenSSLVerifyCode(code);
  if (reason !== undefined) {
    return new CertificateVerificationError(reason, inNodeTlsTerms(reason, `certificate verification failed: ${error.message} (${code})`), { cause: error, verifyCode: code });
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') {
    return new CertificateVerificationError('missing-certificate', explanations[code]!, { cause: error, verifyCode: code });
  }
  if (code === 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING') return new RaggedEOF(explanations[code], { cause: error });
  const explanation = Object.hasOwn(explanations, code) ? explanations[code] : undefined;
  const reasonText = typeof (error as NodeError).reason === 'string' ? ((error as NodeError).reason as string) : error.message;
  return new TLSError(explanation === undefined ? `${reasonText}${code ? ` (${code})` : ''}` : `${explanation} (${code})`, {
    cause: error,
  });
}
