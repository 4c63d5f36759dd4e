import type { VerificationFailureReason } from './errors.js';

/**
 * OpenSSL's X509_V_ERR_* names (as node:tls reports them in `err.code`, without the prefix)
 * mapped to the neutral reasons of CertificateVerificationError. Shared here because both
 * OpenSSL-based implementations (tls-node, tls-openssl) and ssl-compat need the same table.
 */
const reasons: Record<string, VerificationFailureReason> = {
  CERT_HAS_EXPIRED: 'expired',
  CRL_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  CRL_NOT_YET_VALID: 'not-yet-valid',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'invalid-certificate',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'invalid-certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted-issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted-issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted-issuer',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted-issuer',
  CERT_UNTRUSTED: 'untrusted-issuer',
  CERT_REJECTED: 'untrusted-issuer',
  CERT_SIGNATURE_FAILURE: 'bad-signature',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'bad-signature',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'bad-signature',
  INVALID_PURPOSE: 'invalid-purpose',
  INVALID_CA: 'invalid-certificate',
  INVALID_EXTENSION: 'invalid-certificate',
  INVALID_NON_CA: 'invalid-certificate',
  KEYUSAGE_NO_CERTSIGN: 'invalid-purpose',
  PATH_LENGTH_EXCEEDED: 'chain-too-long',
  CERT_CHAIN_TOO_LONG: 'chain-too-long',
  CERT_REVOKED: 'revoked',
  HOSTNAME_MISMATCH: 'hostname-mismatch',
  IP_ADDRESS_MISMATCH: 'hostname-mismatch',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname-mismatch',
  PERMITTED_VIOLATION: 'name-constraints',
  EXCLUDED_VIOLATION: 'name-constraints',
  SUBTREE_MINMAX: 'name-constraints',
  UNSUPPORTED_NAME_SYNTAX: 'name-constraints',
  UNSUPPORTED_CONSTRAINT_TYPE: 'name-constraints',
  UNSUPPORTED_CONSTRAINT_SYNTAX: 'name-constraints',
  // X509_V_FLAG_X509_STRICT's RFC 5280 checks (OpenSSL 3.0+, which tls-openssl and Python 3.13 set).
  // A CA without keyUsage is refused as KEYUSAGE_NO_CERTSIGN is: its key is not marked for signing certificates.
  CA_CERT_MISSING_KEY_USAGE: 'invalid-purpose',
  CA_BCONS_NOT_CRITICAL: 'invalid-certificate',
  MISSING_AUTHORITY_KEY_IDENTIFIER: 'invalid-certificate',
  MISSING_SUBJECT_KEY_IDENTIFIER: 'invalid-certificate',
  EMPTY_SUBJECT_ALT_NAME: 'invalid-certificate',
  EMPTY_SUBJECT_SAN_NOT_CRITICAL: 'invalid-certificate',
  AUTHORITY_KEY_IDENTIFIER_CRITICAL: 'invalid-certificate',
  SUBJECT_KEY_IDENTIFIER_CRITICAL: 'invalid-certificate',
  EXTENSIONS_REQUIRE_VERSION_3: 'invalid-certificate',
  EC_KEY_EXPLICIT_PARAMS: 'invalid-certificate',
};

/**
 * What to do about a failure the strict checks report for a certificate a user often makes
 * himself (trial 9: a CA from `openssl req -x509`, which sets no keyUsage, failed every connect
 * over tls-openssl with OpenSSL's bare "CA cert does not include key usage extension").
 */
const codeAdvice: Record<string, string> = {
  CA_CERT_MISSING_KEY_USAGE:
    'a CA certificate in the chain has no keyUsage extension, which RFC 5280 §4.2.1.3 requires of a CA and strict verification (X509_V_FLAG_X509_STRICT, as Python 3.13 sets) enforces: reissue it with keyUsage=critical,keyCertSign,cRLSign (openssl req -x509 ... -addext keyUsage=critical,keyCertSign,cRLSign)',
};

/** The advice for an OpenSSL verification code (with or without `X509_V_ERR_`), or undefined when there is none. */
export function adviceForOpenSSLVerifyCode(code: string): string | undefined {
  return codeAdvice[code.startsWith('X509_V_ERR_') ? code.slice('X509_V_ERR_'.length) : code];
}

/** The neutral reason for an OpenSSL verification code, or undefined when it is not one (or not a string). */
export function reasonForOpenSSLVerifyCode(code: unknown): VerificationFailureReason | undefined {
  // Error codes come in every shape (a DOMException's is a number): only strings can be OpenSSL's.
  if (typeof code !== 'string') return undefined;
  const bare = code.startsWith('X509_V_ERR_') ? code.slice('X509_V_ERR_'.length) : code;
  return reasons[bare] ?? (code.startsWith('X509_V_ERR_') ? 'other' : undefined);
}
