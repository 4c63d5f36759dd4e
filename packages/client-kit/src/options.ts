/**
 * Options checked where they arrive, for callers in JavaScript (or with `any`): a value of the
 * wrong type, or a name the client does not know (`{ timout: 5 }`, which would otherwise mean no
 * timeout at all), is the client's usage error naming the option, what it got and what it takes,
 * with the known name it resembles. Python raises TypeError for an unexpected keyword argument;
 * these are that error, thrown before anything is opened or sent, so the client stays usable.
 *
 * @module
 */
import { closestName, describeValue } from '@unitls/tls-core';
import type { ErrorFamily } from './errors.js';

// One measure of resemblance for every "did you mean" (tls-core's); re-exported for the clients.
export { closestName };

/** The options every protocol client (SMTP, IMAP4, POP3, FTP) shares. */
export interface CommonClientOptions {
  host?: unknown;
  port?: unknown;
  security?: unknown;
  implementation?: unknown;
  configuration?: unknown;
  serverHostname?: unknown;
  signal?: unknown;
  transport?: unknown;
}

/**
 * The names of every option of `T`, from an object with each of them set to true: a name left
 * out (or one `T` does not have) fails to type-check, so the list follows the options interface.
 *
 * @example
 * ```ts
 * const names = optionNames<{ host?: string; timeout?: number }>({ host: true, timeout: true }); // ['host', 'timeout']
 * ```
 */
export function optionNames<T extends object>(names: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(names));
}

/**
 * The option names every protocol client takes (the shape shared by SMTP, IMAP4, POP3 and FTP_TLS),
 * to spread into {@link optionNames}' argument beside a client's own.
 */
export const SHARED_OPTION_NAMES = {
  host: true,
  port: true,
  security: true,
  timeout: true,
  signal: true,
  implementation: true,
  configuration: true,
  serverHostname: true,
  transport: true,
  limits: true,
  allowPlaintextAuth: true,
} as const;

/** A value as a message shows it: tls-core's describeValue, the one way every package says "got …". */
export const shown = describeValue;

/**
 * Python's keyword for the TLS settings of SMTP_SSL, IMAP4_SSL (`ssl_context`), POP3_SSL, FTP_TLS and
 * HTTPSConnection: a migrating user's first guess, and too far from `configuration` for the spelling hint.
 */
const PYTHON_CONTEXT_KEYWORDS: readonly string[] = ['context', 'ssl_context', 'sslContext'];

/** "did you mean 'timeout'?", or the names it takes when none is close; `prefix` names a nested object ("limits."). */
function optionHint(name: string, known: readonly string[], prefix = ''): string {
  if (prefix === '' && PYTHON_CONTEXT_KEYWORDS.includes(name) && known.includes('configuration')) {
    return "Python's context= is 'configuration' here: pass an @unitls/ssl-compat SSLContext's clientConfiguration(), or a TLSClientConfiguration";
  }
  const close = closestName(name, known);
  if (close !== null) return `did you mean '${prefix}${close}'?`;
  return known.length === 0 ? 'it takes none' : `it takes ${known.map((k) => `'${prefix}${k}'`).join(', ')}`;
}

/** "unknown option 'timout' (did you mean 'timeout'?)"; `prefix` names a nested object ("limits."). */
export function unknownOptionMessage(name: string, known: readonly string[], prefix = ''): string {
  return `unknown option '${prefix}${name}' (${optionHint(name, known, prefix)})`;
}

/** The first own key of `options` that is not in `known`, or undefined. Symbol keys (internal marks) pass. */
export function unknownKey(options: object, known: readonly string[]): string | undefined {
  for (const key in options) if (Object.hasOwn(options, key) && !known.includes(key)) return key;
  return undefined;
}

/** The option names a client's constructor takes, and those of its `limits` object. */
export interface ClientOptionNames {
  options: readonly string[];
  limits?: readonly string[];
  /** The limits for which 0 means something (FTP's minTransferRate: any progress at all). */
  limitsFromZero?: readonly string[];
}

/**
 * `options` (undefined: `{}`) once each name is one the client takes and each shared option has
 * the type it needs.
 *
 * @param owner the class, for messages ("SMTP", "IMAP4_SSL", ...).
 * @param securities the `security` values the client takes.
 * @param names every option name the client takes (see {@link optionNames}), and `limits`' names.
 * @throws the family's usage error, nothing opened: for a name the client does not take
 *   ("SMTP: unknown option 'timout' (did you mean 'timeout'?)", in `limits` too), a shared
 *   option of the wrong type, or a limit that is not a positive integer (`limitsFromZero`: a
 *   number of at least 0).
 */
export function checkClientOptions<T extends object>(errors: ErrorFamily, owner: string, options: T | undefined, securities: readonly string[], names: ClientOptionNames): T {
  const fail = (what: string, takes: string, value: unknown): Error => errors.usage(`${owner}: ${what} must be ${takes}, got ${shown(value)}`);
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof AbortSignal) {
    throw fail('the options', `an object, such as new ${owner}({ host: 'mail.example.org' })`, options);
  }
  const unknown = unknownKey(options, names.options);
  if (unknown !== undefined) throw errors.usage(`${owner}: ${unknownOptionMessage(unknown, names.options)}`);
  const limits = (options as { limits?: unknown }).limits;
  if (limits !== undefined && names.limits !== undefined) {
    if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw fail('limits', 'an object, such as { maxLineLength: 8192 }', limits);
    const unknownLimit = unknownKey(limits, names.limits);
    if (unknownLimit !== undefined) throw errors.usage(`${owner}: ${unknownOptionMessage(unknownLimit, names.limits, 'limits.')}`);
    for (const name of names.limits) {
      const value = (limits as Record<string, unknown>)[name];
      if (value === undefined) continue;
      // A string '8192' would compare as text and a negative or NaN bound would refuse (or allow) everything.
      if (names.limitsFromZero?.includes(name)) {
        if (typeof value !== 'number' || !(value >= 0)) throw fail(`limits.${name}`, 'a number of at least 0', value);
      } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw fail(`limits.${name}`, 'a positive integer (a number, not a string)', value);
      }
    }
  }
  const { host, port, security, implementation, configuration, serverHostname, signal, transport } = options as CommonClientOptions;
  if (host !== undefined && (typeof host !== 'string' || host === '')) throw fail('host', "a non-empty string (a name or an address, such as 'mail.example.org')", host);
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) throw fail('port', 'an integer from 0 to 65535 (a number, not a string)', port);
  if (security !== undefined && !securities.includes(security as string)) throw fail('security', `one of ${securities.map((s) => `'${s}'`).join(', ')}`, security);
  if (implementation !== undefined && typeof (implementation as { clientContext?: unknown } | null)?.clientContext !== 'function') {
    throw fail('implementation', "a unitls TLSImplementation (import { implementation } from '@unitls/tls-openssl', say)", implementation);
  }
  if (configuration !== undefined) {
    const shape = configuration as { with?: unknown; innerProtocols?: unknown } | null;
    if (typeof shape?.with !== 'function' || !Array.isArray(shape.innerProtocols)) {
      throw fail('configuration', "a TLSClientConfiguration (new TLSClientConfiguration({ ... }) from '@unitls/tls-core')", configuration);
    }
  }
  if (serverHostname !== undefined && (typeof serverHostname !== 'string' || serverHostname === '')) {
    throw fail('serverHostname', "the name the certificate must match, a non-empty string (such as 'mail.example.org')", serverHostname);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw fail('signal', "an AbortSignal (an AbortController's signal)", signal);
  if (transport !== undefined && typeof transport !== 'function') throw fail('transport', 'a function (address, { signal }) => Promise<Duplex>', transport);
  return options;
}

/** What a per-call option takes: [what the message says, the test]; `null` for one the verb checks itself. */
export type OptionKind = readonly [takes: string, test: (value: unknown) => boolean] | null;

/** The kinds per-call options have. */
export const optionKinds = {
  signal: ["an AbortSignal (an AbortController's signal, AbortSignal.timeout(ms))", (value) => value instanceof AbortSignal],
  boolean: ['true or false', (value) => typeof value === 'boolean'],
  string: ['a string', (value) => typeof value === 'string'],
  strings: ['an array of strings', (value) => Array.isArray(value) && value.every((v) => typeof v === 'string')],
  count: ['an integer >= 0 (a number, not a string)', (value) => Number.isSafeInteger(value) && (value as number) >= 0],
  size: ['an integer >= 1 (a number, not a string)', (value) => Number.isSafeInteger(value) && (value as number) >= 1],
  function: ['a function', (value) => typeof value === 'function'],
  /** Known, and checked by the verb itself (with a message of its own). */
  own: null,
} as const satisfies Record<string, OptionKind>;

/** The options a call takes, each with its kind. */
export type CallOptionKinds = Readonly<Record<string, OptionKind>>;

/** The options of most calls: `{ signal }`. */
export const SIGNAL_ONLY: CallOptionKinds = Object.freeze({ signal: optionKinds.signal });

/**
 * Checks a call's options before the call does anything: undefined (none) or an object whose
 * names are all in `kinds`, each of its kind. Call it first thing in a verb, so that the
 * connection is left as it was (nothing sent, no state changed) and the next call works.
 *
 * @param call the verb, for messages ("noop", "retrbinary").
 * @param kinds the options it takes (default `{ signal }`).
 * @throws the family's usage error ("the signal option of noop() must be an AbortSignal ..., got
 *   "soon"; nothing was sent", "unknown option 'sginal' of noop() (did you mean 'signal'?);
 *   nothing was sent", "the options of noop() must be an object such as { signal }, ...").
 */
export function checkCallOptions(errors: ErrorFamily, call: string, options: unknown, kinds: CallOptionKinds = SIGNAL_ONLY): void {
  if (options === undefined) return;
  if (options instanceof AbortSignal) throw errors.usage(`the options of ${call}() must be an object such as { signal }, got an AbortSignal itself: pass { signal }; nothing was sent`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const example = Object.hasOwn(kinds, 'signal') ? '{ signal }' : `{ ${Object.keys(kinds)[0]} }`;
    throw errors.usage(`the options of ${call}() must be an object such as ${example}, got ${shown(options)}; nothing was sent`);
  }
  // Only the names given are visited (most calls give none or one): no allocation on the way.
  for (const name in options) {
    if (!Object.hasOwn(options, name)) continue;
    if (!Object.hasOwn(kinds, name)) throw errors.usage(`unknown option '${name}' of ${call}() (${optionHint(name, Object.keys(kinds))}); nothing was sent`);
    const kind = kinds[name];
    const value = (options as Record<string, unknown>)[name];
    if (kind !== null && kind !== undefined && value !== undefined && !kind[1](value)) {
      throw errors.usage(`the ${name} option of ${call}() must be ${kind[0]}, got ${shown(value)}; nothing was sent`);
    }
  }
}
