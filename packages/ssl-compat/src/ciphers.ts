import { ConfigurationError } from '@unitls/tls-core';
import { CIPHER_TABLE } from '@unitls/tls-node';
import { DEFAULT_TLS13 } from '@unitls/tls-node/internal';
import { parseCipherString } from './cipher-string.js';

/** TLS 1.3 suites by the names node:tls and OpenSSL use for them. */
const TLS13: Record<string, number> = Object.fromEntries(CIPHER_TABLE.filter(([, , , tls13]) => tls13).map(([id, , name]) => [name, id]));

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
  // A TLS-1.2-only string keeps OpenSSL's default TLS 1.3 suites, as in OpenSSL itself.
  return [...tls12, ...(tls13.length > 0 ? tls13 : DEFAULT_TLS13)];
}
