import type { X509Certificate } from 'node:crypto';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import { CERTIFICATE_ALERT_EXPLANATIONS, CertificateVerificationError, NOT_TLS, RECORD_OVERFLOW, TLSError, isTransportFailure, notTlsExplanation, reasonForOpenSSLVerifyCode, withVerificationAdvice, renegotiationRefused, transportFailure, type TLSVersion, type VerificationFailureReason } from '@unitls/tls-core';
import { verifyPeerName } from './hostname.js';
import { peerChain, validityVerdict } from './validity.js';

type NodeError = Error & { code?: string; reason?: string };

/** node:tls / OpenSSL error codes that mean something more specific than "handshake failed" (ssl-compat uses them too). */
export const explanations: Readonly<Record<string, string>> = {
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'no TLS version in common with the peer',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no TLS version in common with the peer',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'no TLS version in common with the peer (the peer sent protocol_version)',
  ERR_SSL_WRONG_VERSION_NUMBER: NOT_TLS.fromServer,
  ERR_SSL_NO_SHARED_CIPHER: 'no cipher suite in common with the peer',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the peer aborted the handshake (handshake_failure): often no cipher suite or certificate in common',
  ERR_SSL_NO_CIPHERS_AVAILABLE: 'no cipher suite available for the configured versions',
  ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL: 'the server supports none of the offered ALPN protocols (no_application_protocol)',
  ERR_SSL_NO_APPLICATION_PROTOCOL: 'the client offered none of the configured ALPN protocols (no_application_protocol sent)',
  ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR: 'the peer aborted the handshake (internal_error)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: CERTIFICATE_ALERT_EXPLANATIONS.unknown_ca,
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: CERTIFICATE_ALERT_EXPLANATIONS.bad_certificate,
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: CERTIFICATE_ALERT_EXPLANATIONS.unsupported_certificate,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: CERTIFICATE_ALERT_EXPLANATIONS.certificate_revoked,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: CERTIFICATE_ALERT_EXPLANATIONS.certificate_expired,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: CERTIFICATE_ALERT_EXPLANATIONS.certificate_unknown,
  ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR: 'the peer could not verify our signature (decrypt_error)',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'the client sent no certificate although one is required',
  ERR_SSL_UNEXPECTED_EOF_WHILE_READING: 'the peer closed the connection without close_notify',
  ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: 'a TLS record failed its integrity check',
  ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC: 'the peer found a TLS record that failed its integrity check',
  ECONNRESET: 'the peer closed the connection during the TLS handshake',
};

/** OpenSSL's codes for bytes that are not TLS (a plain-text peer; "http request" on a server). */
const notTls = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_HTTPS_PROXY_REQUEST', 'ERR_SSL_RECORD_LAYER_FAILURE']);
/** OpenSSL's codes for a record header announcing more than the protocol allows. */
const tooLong = new Set(['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_ENCRYPTED_LENGTH_TOO_LONG']);

/** The fatal alerts a TLS 1.2 peer answers a refused renegotiation with (see toTLSError). */
const renegotiationAnswers = new Set(['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', 'ERR_SSL_SSLV3_ALERT_UNEXPECTED_MESSAGE']);

const missingCertificate = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
]);

/**
 * Deno's node:tls (rustls inside) raises UNABLE_TO_VERIFY_LEAF_SIGNATURE for every chain failure
 * and drops rustls's reason and the peer's certificate: an expired certificate looked like an
 * untrusted issuer, with advice to add a CA the trust store already held (trial 10). Nothing left
 * tells which failure it was, so the reason is 'other' and the message says where to find out.
 */
const RUNTIME_SUMMARISES_VERIFICATION = 'Deno' in globalThis;
const DENO_VERIFICATION =
  "Deno's node:tls gives this one code for every certificate failure (expired, not yet valid, an untrusted issuer, a bad signature or key usage); connect with @unitls/tls-pure, which runs on Deno, to see which";

/**
 * The typed error for something node:tls raised. Already-typed errors, aborts and timeouts pass
 * through; certificate problems become CertificateVerificationError; the rest a TLSError saying
 * what happened, the original kept as `cause` (with its `code`). `role`: which side we are (the
 * advice for a peer that is not speaking TLS depends on it, see tls-core's NOT_TLS).
 */
export function toTLSError(error: unknown, during: 'handshake' | 'read' | 'write', version?: TLSVersion | null, role: 'client' | 'server' = 'client'): Error {
  if (error instanceof TLSError) return error;
  if (!(error instanceof Error)) return new TLSError(`TLS ${during} failed: ${String(error)}`, { cause: error });
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return error;
  // TCP failures (refused, unreachable, DNS) are not TLS errors: keep node's error, as Python
  // raises OSError for them.
  const syscall = (error as Error & { syscall?: string }).syscall;
  if (syscall === 'connect' || syscall === 'getaddrinfo') return error;
  // A reset or broken pipe once TCP was up: the one shape every implementation raises.
  if (isTransportFailure(error)) return transportFailure(error, during) as TLSError;
  const code = (error as NodeError).code ?? '';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' && RUNTIME_SUMMARISES_VERIFICATION) {
    return new CertificateVerificationError('other', `certificate verification failed: ${error.message} (${code}); ${DENO_VERIFICATION}`, { cause: error, verifyCode: code });
  }
  const reason = code === 'UNSPECIFIED' ? verificationReason(error) : reasonForOpenSSLVerifyCode(code);
  if (reason !== undefined) {
    return new CertificateVerificationError(reason, withVerificationAdvice(reason, `certificate verification failed: ${error.message} (${code})`), {
      cause: error,
      verifyCode: code,
    });
  }
  if (missingCertificate.has(code)) {
    return new CertificateVerificationError(
      'missing-certificate',
      'the server requires a client certificate and none was sent (configure certificateChain)',
      { cause: error, verifyCode: code },
    );
  }
  // node:tls says ECONNRESET (without a system call) for a bare FIN during the handshake as for a
  // peer gone after it. A FIN is no reset ("(ECONNRESET)" would read as a TransportError's): the
  // same text as BufferSocket's (tls-openssl, tls-pure).
  if (code === 'ECONNRESET' && during === 'handshake') {
    return new TLSError('the connection closed during the TLS handshake', { cause: error });
  }
  // After a TLS 1.2 handshake the only handshake that can fail is a renegotiation: node:tls refuses
  // the peer's (no_renegotiation) and the peer answers with a fatal alert (OpenSSL:
  // handshake_failure; GnuTLS: internal_error), or a server's node:tls ends the connection itself
  // after a client's repeated attempts (tls.CLIENT_RENEG_LIMIT: ERR_TLS_SESSION_ATTACK).
  if (during === 'read' && (code === 'ERR_TLS_SESSION_ATTACK' || (renegotiationAnswers.has(code) && version === 'TLSv1.2'))) return renegotiationRefused(error);
  const explanation =
    code === 'ECONNRESET' && during !== 'handshake'
      ? 'the peer reset the connection'
      : notTls.has(code) || (tooLong.has(code) && during === 'handshake')
        ? notTlsExplanation(role, during !== 'handshake')
        : tooLong.has(code)
          ? RECORD_OVERFLOW
          : explanations[code];
  const message = explanation ?? `${(error as NodeError).reason ?? error.message}`;
  return new TLSError(`TLS ${during} failed: ${message}${code ? ` (${code})` : ''}`, { cause: error });
}


const UNRECORDED_PEER = new Set([
  'ERR_SSL_WRONG_CERTIFICATE_TYPE',
  'ERR_SSL_UNKNOWN_CERTIFICATE_TYPE',
  'ERR_SSL_UNABLE_TO_FIND_PUBLIC_KEY_PARAMETERS',
]);

/** Verification failures node:tls reports as UNSPECIFIED (its code table lacks them), by OpenSSL's text. */
const reasonsByText: Record<string, VerificationFailureReason> = {
  'excluded subtree violation': 'name-constraints',
  'permitted subtree violation': 'name-constraints',
  'name constraints minimum and maximum not supported': 'name-constraints',
  'unsupported name constraint type': 'name-constraints',
  'unsupported or invalid name constraint syntax': 'name-constraints',
  'unsupported or invalid name syntax': 'name-constraints',
};

/** The neutral reason for a node:tls verification error. */
function verificationReason(error: NodeError): VerificationFailureReason {
  const code = error.code ?? '';
  return (code === 'UNSPECIFIED' ? reasonsByText[error.message] : undefined) ?? reasonForOpenSSLVerifyCode(code) ?? 'other';
}

/**
 * The verification result OpenSSL recorded for the peer's chain (node:tls keeps it on the handle).
 * Node returns an Error with the OpenSSL code, or null; Deno's node:tls returns the code as a
 * string ('' when the chain verified), so both shapes come out as the same NodeError or null.
 */
export function recordedVerifyError(socket: NodeTlsSocket): NodeError | null {
  const handle = (socket as unknown as { _handle?: { verifyError?(): NodeError | string | null } | null })._handle;
  const recorded = handle?.verifyError?.() ?? null;
  if (typeof recorded !== 'string') return recorded;
  return recorded === '' ? null : Object.assign(new Error(recorded.toLowerCase().replace(/_/g, ' ')), { code: recorded });
}

/**
 * When a handshake fails after the peer's certificate arrived, the certificate's own problem is
 * the reason to report: node:tls verifies during the handshake but only looks at the result once
 * the handshake succeeds. Returns the verification error (chain first, then the name, when
 * `serverHostname` is given), or null when the certificate was fine or never arrived.
 */
export function certificateVerdict(socket: NodeTlsSocket, serverHostname: string | null, cause: unknown): CertificateVerificationError | null {
  // OpenSSL raises these after receiving the chain but before recording the peer certificate;
  // node:tls's verifyError() then takes a path that crashes the process (Node 20.20, seen with a
  // DSA leaf), and there is no verdict to read anyway.
  if (UNRECORDED_PEER.has((cause as NodeError | undefined)?.code ?? '')) return null;
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return null;
  const verifyError = recordedVerifyError(socket);
  if (verifyError !== null) return chainVerdict({ verifyError, chain: peerChain(socket) }, cause);
  return serverHostname === null ? null : verifyPeerName(serverHostname, cert);
}

/** A chain OpenSSL refused, as node:tls showed it before destroying the socket: the recorded error and the chain (leaf first, the trust anchor last when known). */
export interface RefusedChain {
  readonly verifyError: NodeError;
  readonly chain: readonly X509Certificate[];
}

/**
 * The refused chain of a client socket whose handshake just finished, or null when OpenSSL
 * recorded no failure: called from a 'secure' listener that runs before node:tls's own, which
 * destroys a refused socket (rejectUnauthorized) before any 'error' listener can read the
 * certificates an expiry's message names.
 */
export function refusedChain(socket: NodeTlsSocket): RefusedChain | null {
  const verifyError = recordedVerifyError(socket);
  if (verifyError === null) return null;
  return { verifyError, chain: peerChain(socket) };
}

/** The typed error for a refused chain; an expired or not-yet-valid one names the certificate and its dates. */
export function chainVerdict({ verifyError, chain }: RefusedChain, cause: unknown): CertificateVerificationError {
  const code = verifyError.code ?? 'UNKNOWN';
  const reason = verificationReason(verifyError);
  // OpenSSL's "certificate has expired" names no certificate and no date: tls-core's message does.
  const validity = reason === 'expired' || reason === 'not-yet-valid' ? validityVerdict(chain, new Date(), code, cause) : null;
  return validity ?? new CertificateVerificationError(reason, withVerificationAdvice(reason, `certificate verification failed: ${verifyError.message} (${code})`), { cause, verifyCode: code });
}
