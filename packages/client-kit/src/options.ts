/**
 * A client's options checked at construction, for callers in JavaScript (or with `any`): a value of
 * the wrong type is the client's usage error naming the option, what it got and what it takes,
 * not a TypeError from deep inside at connect() (or a connection that silently uses the default).
 *
 * @module
 */
import type { ErrorFamily } from './errors.js';

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

/** A value as a message shows it: JSON when it has one, else its type. */
function shown(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    // A circular object or a bigint: its type says enough.
  }
  return value === undefined ? 'undefined' : `a ${typeof value}`;
}

/**
 * `options` (undefined: `{}`) once each shared option has the type it needs.
 *
 * @param owner the class, for messages ("SMTP", "IMAP4_SSL", ...).
 * @param securities the `security` values the client takes.
 * @throws the family's usage error, nothing opened.
 */
export function checkClientOptions<T extends object>(errors: ErrorFamily, owner: string, options: T | undefined, securities: readonly string[]): T {
  const fail = (what: string, takes: string, value: unknown): Error => errors.usage(`${owner}: ${what} must be ${takes}, got ${shown(value)}`);
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw fail('the options', `an object, such as new ${owner}({ host: 'mail.example.org' })`, options);
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
