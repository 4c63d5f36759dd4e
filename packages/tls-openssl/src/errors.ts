import { X509Certificate } from 'node:crypto';
import { parsedChain, validityVerdict } from '@unitls/tls-node/internal';
import { CERTIFICATE_ALERT_EXPLANATIONS, CertificateVerificationError, adviceForOpenSSLVerifyCode, RECORD_OVERFLOW, TLSError, hostnameMismatch, namesFromSubjectAltName, notTlsExplanation, reasonForOpenSSLVerifyCode, withVerificationAdvice } from '@unitls/tls-core';

/** OpenSSL 3.0's X509_V_ERR_* numbers by name, for the ones verification commonly reports. */
const VERIFY_CODES: Record<number, string> = {
  2: 'UNABLE_TO_GET_ISSUER_CERT',
  4: 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  6: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  7: 'CERT_SIGNATURE_FAILURE',
  9: 'CERT_NOT_YET_VALID',
  10: 'CERT_HAS_EXPIRED',
  13: 'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  14: 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  18: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  19: 'SELF_SIGNED_CERT_IN_CHAIN',
  20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  22: 'CERT_CHAIN_TOO_LONG',
  23: 'CERT_REVOKED',
  24: 'INVALID_CA',
  25: 'PATH_LENGTH_EXCEEDED',
  26: 'INVALID_PURPOSE',
  27: 'CERT_UNTRUSTED',
  28: 'CERT_REJECTED',
  32: 'KEYUSAGE_NO_CERTSIGN',
  41: 'INVALID_NON_CA',
  47: 'PERMITTED_VIOLATION',
  48: 'EXCLUDED_VIOLATION',
  49: 'SUBTREE_MINMAX',
  51: 'UNSUPPORTED_CONSTRAINT_TYPE',
  52: 'UNSUPPORTED_CONSTRAINT_SYNTAX',
  53: 'UNSUPPORTED_NAME_SYNTAX',
  62: 'HOSTNAME_MISMATCH',
  64: 'IP_ADDRESS_MISMATCH',
  // X509_V_FLAG_X509_STRICT's RFC 5280 checks (OpenSSL 3.0), which this implementation sets.
  85: 'MISSING_AUTHORITY_KEY_IDENTIFIER',
  86: 'MISSING_SUBJECT_KEY_IDENTIFIER',
  87: 'EMPTY_SUBJECT_ALT_NAME',
  88: 'EMPTY_SUBJECT_SAN_NOT_CRITICAL',
  89: 'CA_BCONS_NOT_CRITICAL',
  90: 'AUTHORITY_KEY_IDENTIFIER_CRITICAL',
  91: 'SUBJECT_KEY_IDENTIFIER_CRITICAL',
  92: 'CA_CERT_MISSING_KEY_USAGE',
  93: 'EXTENSIONS_REQUIRE_VERSION_3',
  94: 'EC_KEY_EXPLICIT_PARAMS',
};

/** What OpenSSL's reason strings mean for a user, by the reason text. */
const EXPLANATIONS: Array<[RegExp, string]> = [
  [/unsupported protocol|no protocols available|protocol version/, 'no TLS version in common with the peer'],
  [/no shared cipher|no ciphers available/, 'no cipher suite in common with the peer'],
  [/alert handshake failure/, 'the peer aborted the handshake (handshake_failure)'],
  [/no application protocol/, 'no ALPN protocol in common (no_application_protocol)'],
  [/unrecognized name/, 'the server has no certificate chain for the requested name (unrecognized_name)'],
  [/alert unknown ca/, CERTIFICATE_ALERT_EXPLANATIONS.unknown_ca],
  [/alert bad certificate/, CERTIFICATE_ALERT_EXPLANATIONS.bad_certificate],
  [/alert unsupported certificate/, CERTIFICATE_ALERT_EXPLANATIONS.unsupported_certificate],
  [/alert certificate revoked/, CERTIFICATE_ALERT_EXPLANATIONS.certificate_revoked],
  [/alert certificate expired/, CERTIFICATE_ALERT_EXPLANATIONS.certificate_expired],
  [/alert certificate unknown/, CERTIFICATE_ALERT_EXPLANATIONS.certificate_unknown],
];

interface NativeError extends Error {
  reason?: string;
  reasonCode?: number;
  opensslError?: string;
  verifyResult?: number;
  verifyMessage?: string;
}

/**
 * tls-core's NOT_TLS phrase or RECORD_OVERFLOW for OpenSSL's reasons about bytes that are not TLS
 * or a record header over the limit (before the handshake, an oversized header is no TLS either).
 */
function recordExplanation(reason: string, during: string, role: 'client' | 'server'): string | undefined {
  const handshakeDone = during !== 'handshake';
  if (/wrong version number|http request|https proxy request|record layer failure/.test(reason) || (!handshakeDone && /length too long/.test(reason))) {
    return notTlsExplanation(role, handshakeDone);
  }
  return /length too long/.test(reason) ? RECORD_OVERFLOW : undefined;
}

/** OpenSSL's SSL_AD_REASON_OFFSET: a received fatal alert N is reason 1000 + N. */
const ALERT_REASON_OFFSET = 1000;

/**
 * The reason of an error OpenSSL has no text for. A fatal alert whose description OpenSSL does not
 * know (one newer than it, or a number no RFC assigns) has none: the message said only "TLS read
 * failed: " before.
 */
function unnamedReason(native: NativeError): string {
  const code = native.reasonCode ?? 0;
  if (code >= ALERT_REASON_OFFSET && code < ALERT_REASON_OFFSET + 256) return `the peer sent a fatal alert ${code - ALERT_REASON_OFFSET} (a description OpenSSL has no name for)`;
  return native.opensslError || 'unknown error';
}

/** The typed error for a failure the addon reported; `role`: which side we are (see recordExplanation). */
export function fromNativeError(error: unknown, during: string, role: 'client' | 'server' = 'client'): Error {
  // Typed errors, and the addon's argument checks (TypeError, RangeError: the caller's mistake), as they are.
  if (error instanceof TLSError || error instanceof TypeError || error instanceof RangeError || !(error instanceof Error)) return error as Error;
  const native = error as NativeError;
  const reason = native.reason || unnamedReason(native);
  if (native.verifyResult !== undefined && /certificate verify failed/.test(reason)) {
    const name = VERIFY_CODES[native.verifyResult] ?? `X509_V_ERR_${native.verifyResult}`;
    const neutral = reasonForOpenSSLVerifyCode(name) ?? 'other';
    const message = `certificate verification failed: ${native.verifyMessage ?? reason} (${name})`;
    const advice = adviceForOpenSSLVerifyCode(name);
    return new CertificateVerificationError(neutral, advice !== undefined ? `${message}; ${advice}` : withVerificationAdvice(neutral, message), {
      cause: error,
      verifyCode: name,
    });
  }
  if (/peer did not return a certificate|certificate required/.test(reason)) {
    return new CertificateVerificationError('missing-certificate', 'a client certificate is required and none was sent (configure certificateChain)', {
      cause: error,
      verifyCode: reason,
    });
  }
  const explanation = recordExplanation(reason, during, role) ?? EXPLANATIONS.find(([pattern]) => pattern.test(reason))?.[1];
  return new TLSError(`TLS ${during} failed: ${explanation ?? reason}${explanation ? ` (OpenSSL: ${reason})` : ''}`, { cause: error });
}

/**
 * A hostname-mismatch failure reworded to name what was asked for and what the certificate holds
 * (as tls-node's does): OpenSSL's own text says only "hostname mismatch". Same class, reason,
 * verifyCode and cause; `error` itself when the names are not known.
 */
export function namingMismatch(error: CertificateVerificationError, expected: string | null, peerCertificate: Uint8Array | undefined): CertificateVerificationError {
  if (expected === null || peerCertificate === undefined) return error;
  let names: string | undefined;
  try {
    names = new X509Certificate(peerCertificate).subjectAltName;
  } catch {
    return error;
  }
  return hostnameMismatch(expected, namesFromSubjectAltName(names), { cause: error.cause, verifyCode: error.verifyCode ?? 'HOSTNAME_MISMATCH' });
}

/**
 * An expired or not-yet-valid refusal reworded with tls-core's one message (the certificate, its
 * notAfter or notBefore, the verification time, what to do), as tls-node's and tls-pure's:
 * OpenSSL's own text says only "certificate has expired". The certificate named is the one
 * nearest the leaf outside its validity period, as on the other implementations (tls-core
 * validity-failure.ts): OpenSSL stops at the first refusal, the one nearest the anchor
 * (`info.refusedAt`, `refusedDepth` its place), so an expired leaf under an expired intermediate
 * was named by its intermediate here and by itself elsewhere (break13). The walk covers the chain
 * OpenSSL built (`info.refusedChain`, leaf first), or the leaf (`refusedCert`) then `refusedAt`
 * from an addon built before refusedChain existed. Same class, cause and verifyCode's naming;
 * `error` itself when no certificate is known to be outside its period.
 */
export function namingValidity(
  error: CertificateVerificationError,
  info: { refusedCert?: Uint8Array; refusedAt?: Uint8Array; refusedDepth?: number; refusedChain?: Uint8Array[] } | null | undefined,
  time: Date,
): CertificateVerificationError {
  if (info == null || (error.reason !== 'expired' && error.reason !== 'not-yet-valid')) return error;
  const ders = info.refusedChain ?? [info.refusedCert, info.refusedAt].filter((der): der is Uint8Array => der !== undefined);
  const chain = parsedChain(ders);
  // The fallback's two certificates: the anchor is at the top whatever its index (positionOf reads self-signed CAs as such).
  const unique = chain.filter((certificate, index) => chain.findIndex((other) => other.fingerprint256 === certificate.fingerprint256) === index);
  return validityVerdict(unique, time, error.verifyCode ?? 'UNKNOWN', error.cause) ?? error;
}
