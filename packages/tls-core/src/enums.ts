/**
 * The enumerations of PEP 748, as `as const` objects with a type of the same name.
 *
 * Raw values are accepted where the PEP accepts them: any 16-bit number as a cipher suite, any
 * `Uint8Array` as an ALPN protocol. The enumeration objects are frozen: a member cannot be changed
 * or added at run time.
 *
 * @module
 */

/**
 * The TLS cipher suites PEP 748 names, by IANA 16-bit id.
 *
 * @example
 * ```ts
 * import { CipherSuite, TLSClientConfiguration } from '@unitls/tls-core';
 * const config = new TLSClientConfiguration({ ciphers: [CipherSuite.TLS_AES_256_GCM_SHA384] });
 * ```
 */
export const CipherSuite = Object.freeze({
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_AES_128_CCM_8_SHA256: 0x1305,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM: 0xc0ac,
  TLS_ECDHE_ECDSA_WITH_AES_256_CCM: 0xc0ad,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: 0xc0ae,
  TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8: 0xc0af,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
} as const);
/** A named cipher suite id. Cipher fields also accept any other 16-bit id (a raw `number`). */
export type CipherSuite = (typeof CipherSuite)[keyof typeof CipherSuite];

const cipherSuiteNames = new Map<number, string>(
  Object.entries(CipherSuite).map(([name, id]) => [id, name]),
);

/** True when `id` is one of the 15 suites PEP 748 names. */
export function isCipherSuite(id: number): id is CipherSuite {
  return cipherSuiteNames.has(id);
}

/** The IANA name of a PEP 748 cipher suite, or `0xC05D`-style hex for any other id. */
export function cipherSuiteName(id: number): string {
  return cipherSuiteNames.get(id) ?? `0x${id.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * PEP 748's default TLS 1.2 cipher list (ECDHE with AEAD only), in preference order.
 * TLS 1.3 suites are not listed: with no `ciphers` configured, implementations use the standard
 * TLS 1.3 suites alongside this list.
 */
export const DEFAULT_CIPHER_LIST: readonly CipherSuite[] = Object.freeze([
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
]);

/** ALPN protocol ids PEP 748 names. Any other protocol is given as its raw bytes. */
export const NextProtocol = Object.freeze({
  H2: 'h2',
  H2C: 'h2c',
  HTTP1: 'http/1.1',
  WEBRTC: 'webrtc',
  C_WEBRTC: 'c-webrtc',
  FTP: 'ftp',
  STUN: 'stun.nat-discovery',
  TURN: 'stun.turn',
} as const);
/** A named ALPN protocol id; protocol fields also accept raw bytes (`Uint8Array`). */
export type NextProtocol = (typeof NextProtocol)[keyof typeof NextProtocol];

const nextProtocolValues = new Set<string>(Object.values(NextProtocol));

/** True when `value` is one of the ALPN ids PEP 748 names. */
export function isNextProtocol(value: unknown): value is NextProtocol {
  return typeof value === 'string' && nextProtocolValues.has(value);
}

/** The wire bytes of an ALPN protocol. */
export function protocolBytes(protocol: NextProtocol | Uint8Array): Uint8Array {
  return typeof protocol === 'string' ? new TextEncoder().encode(protocol) : protocol;
}

/** The named NextProtocol for wire bytes when there is one, else a copy of the raw bytes. */
export function protocolFromBytes(bytes: Uint8Array): NextProtocol | Uint8Array {
  const text = String.fromCharCode(...bytes);
  return isNextProtocol(text) ? text : Uint8Array.from(bytes);
}

/** TLS versions; `MINIMUM_SUPPORTED` and `MAXIMUM_SUPPORTED` mean the implementation's bounds. */
export const TLSVersion = Object.freeze({
  MINIMUM_SUPPORTED: 'MINIMUM_SUPPORTED',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
  MAXIMUM_SUPPORTED: 'MAXIMUM_SUPPORTED',
} as const);
export type TLSVersion = (typeof TLSVersion)[keyof typeof TLSVersion];

const versionOrder: Record<TLSVersion, number> = {
  MINIMUM_SUPPORTED: 0,
  'TLSv1.2': 1,
  'TLSv1.3': 2,
  MAXIMUM_SUPPORTED: 3,
};

/** True when `value` is a TLSVersion. */
export function isTLSVersion(value: unknown): value is TLSVersion {
  return typeof value === 'string' && Object.hasOwn(versionOrder, value);
}

/** Orders versions: MINIMUM_SUPPORTED < TLSv1.2 < TLSv1.3 < MAXIMUM_SUPPORTED. */
export function compareTLSVersions(a: TLSVersion, b: TLSVersion): number {
  return versionOrder[a] - versionOrder[b];
}
