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
} from '@unitls/tls-core';
import { explanations } from '@unitls/tls-node/internal';

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

/** A system call under TLS failed (Python's SSLSyscallError): `errno` keeps the system code. */
export class SSLSyscallError extends TLSError {
  override readonly code: string = 'UNITLS_SYSCALL';
  readonly errno: string | undefined;
  constructor(message: string, options?: TLSErrorOptions & { errno?: string }) {
    super(message, options);
    this.errno = options?.errno;
  }
}

const syscallCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

type NodeError = Error & { code?: string; syscall?: string; reason?: string };

/**
 * Maps an error node:tls (or OpenSSL through it) raised to the typed error Python code would
 * expect: verification failures to SSLCertVerificationError (with `reason` and `verifyCode`),
 * ERR_SSL_* to SSLError with an explanation, ECONNRESET and friends during TLS to SSLSyscallError,
 * an unexpected EOF to SSLEOFError. The original stays as `cause` and its code as `code` on it.
 * Already-typed errors pass through.
 */
export function fromNodeError(error: unknown): TLSError {
  if (error instanceof TLSError) return error;
  if (!(error instanceof Error)) return new TLSError(String(error), { cause: error });
  const code = (error as NodeError).code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CertificateVerificationError('hostname-mismatch', `certificate verification failed: ${error.message}`, { cause: error, verifyCode: code });
  }
  const reason = reasonForOpenSSLVerifyCode(code);
  if (reason !== undefined) {
    return new CertificateVerificationError(reason, `certificate verification failed: ${error.message} (${code})`, { cause: error, verifyCode: code });
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') {
    return new CertificateVerificationError('missing-certificate', explanations[code]!, { cause: error, verifyCode: code });
  }
  if (code === 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING') return new RaggedEOF(explanations[code], { cause: error });
  if (syscallCodes.has(code)) {
    return new SSLSyscallError(`${code === 'ECONNRESET' ? 'the peer reset the connection' : error.message} (${code})`, { cause: error, errno: code });
  }
  const explanation = explanations[code];
  return new TLSError(explanation === undefined ? `${(error as NodeError).reason ?? error.message}${code ? ` (${code})` : ''}` : `${explanation} (${code})`, {
    cause: error,
  });
}
