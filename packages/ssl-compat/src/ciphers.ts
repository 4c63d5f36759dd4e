import { ConfigurationError } from '@unitls/tls-core';
import { parseCipherString } from './cipher-string.js';

/** TLS 1.3 suites by the names node:tls and OpenSSL use for them. */
const TLS13: Record<string, number> = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_AES_128_CCM_8_SHA256: 0x1305,
};

/** OpenSSL's default TLS 1.3 suites, used when only a TLS 1.2 cipher string is given (as OpenSSL does). */
export const DEFAULT_TLS13 = [0x1302, 0x1303, 0x1301];

/**
 * node:tls's `ciphers` option (an OpenSSL string whose TLS_* names are TLS 1.3 suites) as IANA ids:
 * TLS 1.2 ciphers in OpenSSL's order, then TLS 1.3 suites (the named ones, or OpenSSL's defaults).
 */
export function cipherIdsFromNodeString(ciphers: string): number[] {
  const parts = ciphers.split(':');
  const tls13 = parts.filter((part) => Object.hasOwn(TLS13, part)).map((part) => TLS13[part]!);
  const rest = parts.filter((part) => !Object.hasOwn(TLS13, part)).join(':');
  let tls12: number[] = [];
  if (rest.trim() !== '') {
    try {
      tls12 = parseCipherString(rest).ids;
    } catch (error) {
      if (tls13.length === 0) throw error;
    }
  }
  if (tls12.length === 0 && tls13.length === 0) throw new ConfigurationError(`ciphers "${ciphers}" select no cipher suite`);
  return [...tls12, ...(tls13.length > 0 ? tls13 : DEFAULT_TLS13)];
}
