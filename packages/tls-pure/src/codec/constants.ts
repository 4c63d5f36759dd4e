/**
 * Registry values from RFC 8446 and the IANA TLS registries, by their RFC names.
 *
 * @module
 */

export const ContentType = { CHANGE_CIPHER_SPEC: 20, ALERT: 21, HANDSHAKE: 22, APPLICATION_DATA: 23 } as const;

export const HandshakeType = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  CERTIFICATE_REQUEST: 13,
  CERTIFICATE_VERIFY: 15,
  FINISHED: 20,
  KEY_UPDATE: 24,
  MESSAGE_HASH: 254,
} as const;

export const ExtensionType = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  EXTENDED_MASTER_SECRET: 23,
  RECORD_SIZE_LIMIT: 28,
  SESSION_TICKET: 35,
  PRE_SHARED_KEY: 41,
  EARLY_DATA: 42,
  SUPPORTED_VERSIONS: 43,
  COOKIE: 44,
  PSK_KEY_EXCHANGE_MODES: 45,
  CERTIFICATE_AUTHORITIES: 47,
  SIGNATURE_ALGORITHMS_CERT: 50,
  KEY_SHARE: 51,
  RENEGOTIATION_INFO: 0xff01,
} as const;

export const ProtocolVersion = { TLS12: 0x0303, TLS13: 0x0304 } as const;

/** Alert descriptions (RFC 8446 §6, RFC 8449). */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;
export type AlertDescription = (typeof AlertDescription)[keyof typeof AlertDescription];

const alertNames = new Map<number, string>(Object.entries(AlertDescription).map(([name, value]) => [value, name]));

/** The RFC name of an alert, or `alert N` for an unknown one. */
export function alertName(alert: number): string {
  return alertNames.get(alert) ?? `alert ${alert}`;
}

/** Key-exchange groups (RFC 8446 §4.2.7; X25519MLKEM768 from draft-ietf-tls-ecdhe-mlkem). */
export const NamedGroup = { secp256r1: 0x0017, secp384r1: 0x0018, x25519: 0x001d, X25519MLKEM768: 0x11ec } as const;
export type NamedGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

/** Signature schemes (RFC 8446 §4.2.3). */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
} as const;
export type SignatureScheme = (typeof SignatureScheme)[keyof typeof SignatureScheme];

/** Schemes TLS 1.3 allows in CertificateVerify (RSA PKCS#1 is for certificates only, §4.2.3). */
export function allowedInTls13Handshake(scheme: number): boolean {
  return scheme !== SignatureScheme.rsa_pkcs1_sha256 && scheme !== SignatureScheme.rsa_pkcs1_sha384 && scheme !== SignatureScheme.rsa_pkcs1_sha512;
}

/** ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256 of "HelloRetryRequest". */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);
