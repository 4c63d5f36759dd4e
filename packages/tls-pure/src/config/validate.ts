/**
 * What tls-pure can honour, found before any context exists: no fromId material (no key store),
 * cipher suites and versions it implements.
 *
 * @module
 */
import { ConfigurationError, DEFAULT_CIPHER_LIST, checkConfiguration, compareTLSVersions, configurationDescriptors, type Cipher, type TLSClientConfiguration, type TLSServerConfiguration, type TLSVersion } from '@unitls/tls-core';
import { tls12Suite, tls13Suite, type Tls12Suite, type Tls13Suite } from '../crypto/schemes.js';

/** TLS 1.3 suites used when none are configured, in OpenSSL's default order (as the other implementations). */
export const DEFAULT_TLS13: readonly number[] = Object.freeze([0x1302, 0x1303, 0x1301]);

export type Concrete = 'TLSv1.2' | 'TLSv1.3';

/** The suites and versions a configuration allows. */
export interface SuitePlan {
  readonly tls13: readonly Tls13Suite[];
  readonly tls12: readonly Tls12Suite[];
  readonly minVersion: Concrete;
  readonly maxVersion: Concrete;
}

function concrete(version: TLSVersion | null, fallback: Concrete): Concrete {
  if (version === null) return fallback;
  if (version === 'MINIMUM_SUPPORTED') return 'TLSv1.2';
  if (version === 'MAXIMUM_SUPPORTED') return 'TLSv1.3';
  return version;
}

/**
 * The suites to offer or accept, per version, and the version range they leave. Unknown ids are
 * dropped (as the PEP's reference does); nothing left, or no version left, is a ConfigurationError.
 * A TLS-1.2-only cipher list never falls back to the default TLS 1.3 suites.
 */
export function planSuites(ciphers: readonly Cipher[] | null, lowest: TLSVersion | null, highest: TLSVersion | null): SuitePlan {
  const ids = ciphers ?? [...DEFAULT_CIPHER_LIST, ...DEFAULT_TLS13];
  const tls13 = ids.map((id) => tls13Suite(id)).filter((s) => s !== undefined);
  const tls12 = ids.map((id) => tls12Suite(id)).filter((s) => s !== undefined);
  if (tls13.length === 0 && tls12.length === 0) {
    throw new ConfigurationError(`none of the configured ciphers (${ids.map((id) => `0x${id.toString(16)}`).join(', ')}) is supported by tls-pure`);
  }
  let min = concrete(lowest, 'TLSv1.2');
  let max = concrete(highest, 'TLSv1.3');
  if (tls13.length === 0) max = 'TLSv1.2';
  if (tls12.length === 0) min = 'TLSv1.3';
  if (compareTLSVersions(min, max) > 0) {
    throw new ConfigurationError(
      `the configured ciphers only work with ${tls13.length === 0 ? 'TLS 1.2' : 'TLS 1.3'}, which is outside the configured versions ${concrete(lowest, 'TLSv1.2')}..${concrete(highest, 'TLSv1.3')}`,
    );
  }
  return { tls13: max === 'TLSv1.3' ? tls13 : [], tls12: min === 'TLSv1.2' ? tls12 : [], minVersion: min, maxVersion: max };
}

/**
 * What tls-pure cannot honour, found before any context exists: tls-core's shared checks (a
 * configuration, no empty descriptor material), fromId material (no key store), and cipher
 * suites and versions with nothing left in common.
 *
 * @throws ConfigurationError saying what cannot be honoured and what to do instead.
 */
export function validateConfig(configuration: TLSClientConfiguration | TLSServerConfiguration): void {
  checkConfiguration(configuration);
  for (const descriptor of configurationDescriptors(configuration)) {
    if (descriptor.source.kind === 'id') {
      throw new ConfigurationError(`${descriptor.constructor.name}.fromId() is not supported by @unitls/tls-pure: it has no key store; use fromBuffer or fromFile`);
    }
  }
  planSuites(configuration.ciphers, configuration.lowestSupportedVersion, configuration.highestSupportedVersion);
}
