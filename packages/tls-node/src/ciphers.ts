import { ConfigurationError, DEFAULT_CIPHER_LIST, compareTLSVersions, type Cipher, type TLSVersion } from '@unitls/tls-core';
import { CIPHER_TABLE } from './cipher-table.js';

interface CipherEntry {
  readonly id: number;
  readonly iana: string;
  readonly openssl: string;
  readonly tls13: boolean;
}

const byId = new Map<number, CipherEntry>();
const byIanaName = new Map<string, CipherEntry>();
for (const [id, iana, openssl, tls13] of CIPHER_TABLE) {
  const entry = { id, iana, openssl, tls13 };
  byId.set(id, entry);
  byIanaName.set(iana, entry);
}

/** The standard TLS 1.3 suites OpenSSL (and so node:tls) enables by default, in its order. */
export const DEFAULT_TLS13: readonly number[] = Object.freeze([0x1302, 0x1303, 0x1301]);

/** The IANA id of a cipher as node:tls reports it (`getCipher().standardName`). */
export function cipherIdFromStandardName(standardName: string): number | null {
  return byIanaName.get(standardName)?.id ?? null;
}

export type ConcreteVersion = 'TLSv1.2' | 'TLSv1.3';

/** What the configuration asks of node:tls, after splitting and checking. */
export interface CipherPlan {
  /** The `ciphers` string for node:tls (TLS 1.2 names and TLS 1.3 suite names). */
  readonly ciphers: string;
  /** OpenSSL names of the TLS 1.2 ciphers (SSL_CTX_set_cipher_list), in order. */
  readonly tls12: readonly string[];
  /** Names of the TLS 1.3 suites (SSL_CTX_set_ciphersuites), in order. */
  readonly tls13: readonly string[];
  readonly minVersion: ConcreteVersion;
  readonly maxVersion: ConcreteVersion;
}

function concrete(version: TLSVersion | null, fallback: ConcreteVersion): ConcreteVersion {
  if (version === null) return fallback;
  if (version === 'MINIMUM_SUPPORTED') return 'TLSv1.2';
  if (version === 'MAXIMUM_SUPPORTED') return 'TLSv1.3';
  return version;
}

/**
 * Splits configured ciphers into TLS 1.2 names and TLS 1.3 suites and narrows the version range
 * to the versions that have ciphers left, so a TLS-1.2-only list can never fall back to the
 * default TLS 1.3 suites. Ids unknown to this OpenSSL are dropped (as the PEP's reference does);
 * nothing left, or no version left, is a ConfigurationError.
 */
export function planCiphers(
  ciphers: readonly Cipher[] | null,
  lowest: TLSVersion | null,
  highest: TLSVersion | null,
): CipherPlan {
  let minVersion = concrete(lowest, 'TLSv1.2');
  let maxVersion = concrete(highest, 'TLSv1.3');
  const ids = ciphers ?? [...DEFAULT_CIPHER_LIST, ...DEFAULT_TLS13];
  const known = ids.map((id) => byId.get(id)).filter((entry) => entry !== undefined);
  const tls13 = known.filter((entry) => entry.tls13);
  const tls12 = known.filter((entry) => !entry.tls13);
  if (known.length === 0) {
    throw new ConfigurationError(
      `none of the configured ciphers (${ids.map((id) => `0x${id.toString(16)}`).join(', ')}) is supported by node:tls (OpenSSL ${process.versions.openssl})`,
    );
  }
  if (tls13.length === 0) maxVersion = 'TLSv1.2';
  if (tls12.length === 0) minVersion = 'TLSv1.3';
  if (compareTLSVersions(minVersion, maxVersion) > 0) {
    throw new ConfigurationError(
      `the configured ciphers only work with ${tls13.length === 0 ? 'TLS 1.2' : 'TLS 1.3'}, which is outside the configured versions ` +
        `${concrete(lowest, 'TLSv1.2')}..${concrete(highest, 'TLSv1.3')}`,
    );
  }
  const tls12Names = tls12.map((entry) => entry.openssl);
  const tls13Names = tls13.map((entry) => entry.openssl);
  return { ciphers: [...tls12Names, ...tls13Names].join(':'), tls12: tls12Names, tls13: tls13Names, minVersion, maxVersion };
}
