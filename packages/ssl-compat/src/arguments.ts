/**
 * Checks of what an ssl-style caller passes to SSLContext and createDefaultContext, raising what
 * Python's ssl raises (TypeError for a wrong type, ValueError's stand-in ConfigurationError for a
 * wrong value) before the value does harm: a number given as cafile was read by readFileSync as a
 * file descriptor (fd 1 or 2 on a terminal blocks for ever), a cadata object was dropped without a
 * word, the string 'h2' became the ALPN names 'h' and '2', and a server's verifyMode '2' (a string)
 * asked for no client certificate.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { ConfigurationError, describeValue } from '@unitls/tls-core';

/** What a value is, for an error message (tls-core's, shared by every package). */
export { describeValue };

/**
 * A file or folder path argument: a string or a file: URL; null, undefined and '' mean "not
 * given" (null).
 *
 * @throws TypeError for anything else, naming the method and argument (Python: "TypeError: cafile
 *   should be a valid filesystem path").
 */
export function pathArgument(method: string, name: string, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (value instanceof URL) return fileURLToPath(value);
  const why = typeof value === 'number' ? ' (a number would be read as a file descriptor)' : '';
  throw new TypeError(`${method}: ${name} should be a filesystem path (a string), got ${describeValue(value)}${why}`);
}

/**
 * loadVerifyLocations's cadata: PEM text or DER bytes; null and undefined mean "not given".
 *
 * @throws TypeError for anything else (Python: "cadata should be an ASCII string or a bytes-like object").
 */
export function cadataArgument(value: unknown): string | Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw new TypeError(`loadVerifyLocations: cadata should be PEM text (a string) or DER bytes (a Uint8Array), got ${describeValue(value)}`);
}

/**
 * setAlpnProtocols's list: an iterable of protocol names (strings), not one string.
 *
 * @throws TypeError for a string (it would be taken a character at a time), a non-iterable, or an
 *   item that is not a string.
 */
export function protocolNames(value: unknown): string[] {
  if (typeof value === 'string') {
    throw new TypeError(`setAlpnProtocols: protocols should be a list of names, got ${describeValue(value)} (did you mean [${JSON.stringify(value)}]?)`);
  }
  if (value === null || typeof value !== 'object' || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`setAlpnProtocols: protocols should be a list of names, got ${describeValue(value)}`);
  }
  const names = [...(value as Iterable<unknown>)];
  for (const name of names) {
    if (typeof name !== 'string') throw new TypeError(`setAlpnProtocols: each protocol should be a string, got ${describeValue(name)}`);
  }
  return names as string[];
}

/**
 * A setting that must be one of `allowed` (verifyMode, minimumVersion, maximumVersion).
 *
 * @throws ConfigurationError naming the setting, the allowed values and what it got.
 */
export function oneOf<T>(setting: string, value: unknown, allowed: readonly T[], names: string): T {
  if (allowed.includes(value as T)) return value as T;
  throw new ConfigurationError(`${setting}: expected ${names}, got ${describeValue(value)}`);
}
