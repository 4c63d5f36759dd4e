/**
 * tls-pure's errors: every one a tls-core TLSError with a literal `code`. Local protocol
 * failures carry the alert this side sent; the peer's alerts carry the alert it sent.
 *
 * @module
 */
import { CERTIFICATE_ALERT_EXPLANATIONS, TLSError, WantReadError, type TLSErrorOptions } from '@unitls/tls-core';
import { AlertDescription, alertName } from './codec/constants.js';

/** The peer broke the protocol (or sent something we cannot accept); we answered with `alert`. */
export class TLSProtocolError extends TLSError {
  override readonly code = 'UNITLS_PURE_PROTOCOL';
  /** The alert this side sent (RFC 8446 §6.2 description). */
  readonly alert: number;
  constructor(alert: number, message: string, options?: TLSErrorOptions) {
    super(`${message} (sent alert ${alertName(alert)})`, options);
    this.alert = alert;
  }
}

/** The peer ended the connection with a fatal alert. */
export class TLSPeerAlertError extends TLSError {
  override readonly code = 'UNITLS_PURE_PEER_ALERT';
  /** The alert the peer sent. */
  readonly alert: number;
  constructor(alert: number, message?: string, options?: TLSErrorOptions) {
    super(message ?? `the peer aborted the connection with a fatal ${alertName(alert)} alert`, options);
    this.alert = alert;
  }
}

/** Throws a TLSProtocolError: the engine catches it, sends the alert and stays failed. */
export function fail(alert: number, message: string, cause?: unknown): never {
  throw new TLSProtocolError(alert, message, cause === undefined ? undefined : { cause });
}

/** What a peer's alert means, for the error message. */
export function describePeerAlert(alert: number): string {
  switch (alert) {
    case AlertDescription.handshake_failure:
      return 'the peer aborted the handshake (handshake_failure): no cipher suite, group or signature scheme in common?';
    case AlertDescription.protocol_version:
      return 'the peer refused the TLS version (protocol_version): no TLS version in common';
    case AlertDescription.no_application_protocol:
      return 'no ALPN protocol in common (the peer sent no_application_protocol)';
    case AlertDescription.unrecognized_name:
      return 'the server has no certificate chain for the requested name (unrecognized_name)';
    case AlertDescription.unknown_ca:
      return CERTIFICATE_ALERT_EXPLANATIONS.unknown_ca;
    case AlertDescription.bad_certificate:
      return CERTIFICATE_ALERT_EXPLANATIONS.bad_certificate;
    case AlertDescription.unsupported_certificate:
      return CERTIFICATE_ALERT_EXPLANATIONS.unsupported_certificate;
    case AlertDescription.certificate_revoked:
      return CERTIFICATE_ALERT_EXPLANATIONS.certificate_revoked;
    case AlertDescription.certificate_expired:
      return CERTIFICATE_ALERT_EXPLANATIONS.certificate_expired;
    case AlertDescription.certificate_unknown:
      return CERTIFICATE_ALERT_EXPLANATIONS.certificate_unknown;
    case AlertDescription.decrypt_error:
      return 'the peer could not verify our signature or Finished (decrypt_error)';
    default:
      return `the peer aborted the connection with a fatal ${alertName(alert)} alert`;
  }
}

/**
 * A WantReadError without a stack trace. PEP 748's read raises one each time the buffered records
 * are used up, so every TLSBuffer reader meets it on its hot path; capturing the stack is most of
 * its cost and says nothing the caller does not know (where it called).
 */
export function wantRead(message?: string): WantReadError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new WantReadError(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
