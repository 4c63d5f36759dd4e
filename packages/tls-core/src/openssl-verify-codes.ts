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
};

/** The neutral reason for an OpenSSL verification code, or undefined when it is not one (or not a string). */
export function reasonForOpenSSLVerifyCode(code: unknown): VerificationFailureReason | undefined {
  // Error codes come in every shape (a DOMException's is a number): only strings can be OpenSSL's.
  if (typeof code !== 'string') return undefined;
  const bare = code.startsWith('X509_V_ERR_') ? code.slice('X509_V_ERR_'.length) : code;
  return reasons[bare] ?? (code.startsWith('X509_V_ERR_') ? 'other' : undefined);
}
