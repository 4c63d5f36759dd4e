/**
 * Arguments checked as they arrive, for callers in JavaScript (or with `any`): a value of the wrong
 * type is an HTTPException with code UNITLS_HTTP_INVALID_ARGUMENT that names the argument, what
 * it got and what it takes, before anything is sent, instead of a TypeError from deep inside.
 *
 * @module
 */
import { unknownOptionMessage } from '@unitls/client-kit';
import { HTTPException, invalidArgument } from './errors.js';

/**
 * Refuses a name `options` has that is not in `known` (`{ timout: 5 }` would otherwise mean the
 * default timeout): "HTTPSConnection: unknown option 'timout' (did you mean 'timeout'?)", as
 * Python raises TypeError for an unexpected keyword argument.
 *
 * @throws HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`)
 */
export function checkNames(owner: string, options: object, known: readonly string[]): void {
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) throw new HTTPException(`${owner}: ${unknownOptionMessage(key, known)}`, 'UNITLS_HTTP_INVALID_ARGUMENT');
  }
}

/**
 * Refuses arguments past the `takes` a method has (http.client raises TypeError for them): a
 * per-call `{ signal }` given to getresponse() would otherwise be ignored and the request sent.
 *
 * @param given the call's `arguments.length`.
 * @param usage the method's arguments as the message shows them ("(method, url)").
 * @throws HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`)
 */
export function checkArity(method: string, given: number, takes: number, usage: string, hint = ''): void {
  if (given > takes) {
    throw new HTTPException(`${method}${usage} takes ${takes === 0 ? 'no arguments' : `at most ${takes} argument${takes === 1 ? '' : 's'}`}, got ${given}${hint}; nothing was sent`, 'UNITLS_HTTP_INVALID_ARGUMENT');
  }
}

/** `value` when it is a string; else the argument error. */
export function checkString(what: string, value: unknown, example: string): string {
  if (typeof value !== 'string') throw invalidArgument(what, `a string (${example})`, value);
  return value;
}

/** An options argument: undefined or a plain object. */
export function checkOptions<T extends object>(what: string, value: T | undefined, example: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(what, `an object (${example})`, value);
  return value;
}

/** A count of milliseconds or bytes: a finite number >= 0, or absent. */
export function checkAmount(what: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) throw invalidArgument(what, 'a finite number >= 0', value);
}

/** An AbortSignal, or absent. */
export function checkSignal(what: string, value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) throw invalidArgument(what, 'an AbortSignal (AbortSignal.timeout(ms), or an AbortController\'s signal)', value);
}

/** The names of the TLS options HTTPSConnection and an HTTPS proxy take. */
export const TLS_OPTION_NAMES: readonly string[] = ['implementation', 'configuration', 'serverHostname'];

/** The TLS options HTTPSConnection, an HTTPS proxy and createDispatcher take. */
export function checkTlsOptions(owner: string, options: { implementation?: unknown; configuration?: unknown; serverHostname?: unknown }): void {
  const { implementation, configuration, serverHostname } = options;
  if (implementation !== undefined && typeof (implementation as { clientContext?: unknown } | null)?.clientContext !== 'function') {
    throw invalidArgument(`${owner}: implementation`, "a unitls TLSImplementation (import { implementation } from '@unitls/tls-openssl', say)", implementation);
  }
  if (configuration !== undefined) {
    const shape = configuration as { with?: unknown; innerProtocols?: unknown } | null;
    if (typeof shape?.with !== 'function' || !Array.isArray(shape.innerProtocols)) {
      throw invalidArgument(`${owner}: configuration`, "a TLSClientConfiguration (new TLSClientConfiguration({ ... }) from '@unitls/tls-core')", configuration);
    }
  }
  if (serverHostname !== undefined) checkString(`${owner}: serverHostname`, serverHostname, "the name the certificate must match, such as 'example.org'");
}

/** A body: a string or bytes. */
export function checkBody(what: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string' && !(value instanceof Uint8Array)) throw invalidArgument(what, 'a string or a Uint8Array (Buffer)', value);
}
