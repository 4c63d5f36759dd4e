/**
 * node:tls options to unitls configurations. Every security-relevant option is mapped exactly or
 * refused with a reason and what to do instead; options this module does not know are refused
 * too, so nothing is dropped silently.
 *
 * @module
 */
import {
  ConfigurationError,
  closestName,
  PrivateKey,
  type SigningChain,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TrustStore,
  isNextProtocol,
  type Protocol,
  type TLSVersion,
} from '@unitls/tls-core';
import { describeValue } from './arguments.js';
import { cipherIdsFromNodeString } from './ciphers.js';
import { chainFromPem } from './pem.js';

/** Raised for a node:tls option unitls will not honour; `option` names it. */
export class UnsupportedOptionError extends ConfigurationError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`node:tls option "${option}": ${message}`);
    this.option = option;
  }
}

type Material = string | Buffer | Uint8Array | ReadonlyArray<string | Buffer | Uint8Array | { pem?: unknown; passphrase?: unknown }>;

function pemText(option: string, value: Material): string {
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) => {
      if (typeof item === 'string') {
        // node:tls takes the certificate or key itself; a file name is a common slip (trial 8).
        if (!item.includes('-----BEGIN') && !/[\r\n]/.test(item) && /^(\/|\.{1,2}\/|[A-Za-z]:\\)|\.(pem|crt|cer|key)$/i.test(item)) {
          throw new UnsupportedOptionError(option, `takes the PEM text (a string or Buffer), not a file name: pass readFileSync(${JSON.stringify(item)})`);
        }
        return item;
      }
      if (item instanceof Uint8Array) return Buffer.from(item).toString('latin1');
      throw new UnsupportedOptionError(option, 'objects with pem/passphrase are not supported: pass unencrypted PEM strings or buffers');
    })
    .join('\n');
}

const versions: Record<string, TLSVersion> = { 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' };

function version(option: string, value: unknown): TLSVersion {
  const mapped = typeof value === 'string' ? versions[value] : undefined;
  if (mapped === undefined) {
    throw new UnsupportedOptionError(option, `${String(value)} is not supported: unitls speaks TLS 1.2 and 1.3 only (use 'TLSv1.2' or 'TLSv1.3')`);
  }
  return mapped;
}

const secureProtocols: Record<string, [TLSVersion | null, TLSVersion | null]> = {
  TLS_method: [null, null],
  TLS_client_method: [null, null],
  TLS_server_method: [null, null],
  SSLv23_method: [null, null],
  SSLv23_client_method: [null, null],
  SSLv23_server_method: [null, null],
  TLSv1_2_method: ['TLSv1.2', 'TLSv1.2'],
  TLSv1_2_client_method: ['TLSv1.2', 'TLSv1.2'],
  TLSv1_2_server_method: ['TLSv1.2', 'TLSv1.2'],
};

function alpn(value: unknown): Protocol[] {
  const toProtocol = (id: string | Uint8Array): Protocol => {
    if (typeof id === 'string') return isNextProtocol(id) ? id : new TextEncoder().encode(id);
    const text = Buffer.from(id).toString('latin1');
    return isNextProtocol(text) ? text : Uint8Array.from(id);
  };
  if (Array.isArray(value)) return value.map((id) => toProtocol(id as string | Uint8Array));
  if (value instanceof Uint8Array) {
    // The wire form: length-prefixed ids.
    const out: Protocol[] = [];
    for (let i = 0; i < value.length; ) {
      const length = value[i]!;
      if (length === 0 || i + 1 + length > value.length) throw new UnsupportedOptionError('ALPNProtocols', 'malformed wire-format protocol list');
      out.push(toProtocol(value.subarray(i + 1, i + 1 + length)));
      i += 1 + length;
    }
    return out;
  }
  throw new UnsupportedOptionError('ALPNProtocols', 'expected an array of strings/buffers or a wire-format buffer');
}

/** Options that only steer the connection, not its security; handled by `connect`. */
const CONNECTION_OPTIONS = new Set(['host', 'port', 'timeout', 'servername', 'signal']);
/** Options accepted only with their secure value, mapped to nothing. */
const SECURE_VALUES: Record<string, (value: unknown) => boolean> = {
  rejectUnauthorized: (value) => value !== false,
  honorCipherOrder: (value) => value !== true,
  secureOptions: (value) => value === undefined || value === 0,
};
const REASONS: Record<string, string> = {
  rejectUnauthorized: 'rejectUnauthorized: false turns verification off; for test servers trust their certificate (ca) or use @unitls/insecure',
  honorCipherOrder: 'server cipher preference is not a PEP 748 setting; order the ciphers list instead and leave honorCipherOrder unset',
  secureOptions: 'raw OpenSSL SSL_OP_* flags are not supported; unitls already disables compression and renegotiation',
  checkServerIdentity: 'unitls always checks the name against the certificate SANs itself (never the CN); custom checks are not supported',
  pfx: 'PKCS#12 is not supported: convert with `openssl pkcs12 -in file.p12 -nodes` and pass cert and key',
  passphrase: 'encrypted private keys are not supported yet: decrypt the key (`openssl pkey -in key.pem`)',
  secureContext: 'a prebuilt tls.SecureContext cannot be carried over: pass its options (ca, cert, key, ciphers, ...) instead',
  session:
    "node:tls session buffers are not unitls sessions, and this connect resumes none: resume with an implementation's clientContext.connect(address, { session }), given the TLSSession an earlier TLSSocket's session() returned",
  ciphersuites: 'node:tls has no ciphersuites option; name TLS 1.3 suites in ciphers',
  sigalgs: 'signature algorithms are not configurable in PEP 748',
  ecdhCurve: 'key-exchange groups are not configurable in PEP 748',
  dhparam: 'finite-field DH parameters are not configurable in PEP 748',
  minDHSize: 'finite-field DH parameters are not configurable in PEP 748',
  crl: 'revocation lists are not supported by PEP 748 configurations',
  privateKeyEngine: 'OpenSSL engines are not supported',
  privateKeyIdentifier: 'OpenSSL engines are not supported; some implementations accept PrivateKey.fromId',
  clientCertEngine: 'OpenSSL engines are not supported',
  pskCallback: 'PSK is not supported by PEP 748',
  pskIdentityHint: 'PSK is not supported by PEP 748',
  SNICallback: 'pass several certificate chains instead: unitls servers choose the chain by SNI name',
  ALPNCallback: 'ALPN selection follows the configured innerProtocols',
  enableTrace: 'tracing is not available',
  socket: 'use startTls(context, socket, ...) from @unitls/tls-core to upgrade an existing socket',
  requestOCSP: 'OCSP stapling is not supported',
  sessionIdContext: 'session ids are managed by the implementation',
  ticketKeys: 'session ticket keys are managed by the implementation',
  sessionTimeout: 'session lifetimes are managed by the implementation',
  isServer: 'use TLSServerConfiguration / fromNodeServerOptions for servers',
};

/** Why `key`, named nowhere here, is refused: a misspelling of an option taken ("rejectUnauthorised"), or not supported. */
function unsupported(key: string, handled: ReadonlySet<string>): string {
  const close = closestName(key, [...handled, ...CONNECTION_OPTIONS, ...Object.keys(SECURE_VALUES)]);
  if (close !== null) return `unknown option (did you mean "${close}"?)`;
  return 'not supported by @unitls/ssl-compat; remove it or configure the equivalent TLSClientConfiguration field';
}

function refuseUnknown(options: Record<string, unknown>, handled: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || handled.has(key) || CONNECTION_OPTIONS.has(key)) continue;
    const secure = SECURE_VALUES[key];
    if (secure !== undefined && secure(value)) continue;
    throw new UnsupportedOptionError(key, REASONS[key] ?? unsupported(key, handled));
  }
}

function shared(options: Record<string, unknown>) {
  const result: {
    ciphers?: number[];
    innerProtocols?: Protocol[];
    lowestSupportedVersion?: TLSVersion | null;
    highestSupportedVersion?: TLSVersion | null;
    trustStore?: TrustStore;
  } = {};
  if (typeof options.ciphers === 'string') result.ciphers = cipherIdsFromNodeString(options.ciphers);
  else if (options.ciphers !== undefined) throw new UnsupportedOptionError('ciphers', 'expected an OpenSSL cipher string');
  if (options.ALPNProtocols !== undefined) result.innerProtocols = alpn(options.ALPNProtocols);
  if (options.secureProtocol !== undefined) {
    const range = secureProtocols[String(options.secureProtocol)];
    if (range === undefined) {
      throw new UnsupportedOptionError('secureProtocol', `${String(options.secureProtocol)} is not supported: unitls speaks TLS 1.2 and 1.3 only; use minVersion/maxVersion`);
    }
    [result.lowestSupportedVersion, result.highestSupportedVersion] = range;
  }
  if (options.minVersion !== undefined) result.lowestSupportedVersion = version('minVersion', options.minVersion);
  if (options.maxVersion !== undefined) result.highestSupportedVersion = version('maxVersion', options.maxVersion);
  if (options.ca !== undefined) result.trustStore = TrustStore.fromBuffer(pemText('ca', options.ca as Material));
  return result;
}

function signingChain(options: Record<string, unknown>): SigningChain | null {
  if (options.cert === undefined && options.key === undefined) return null;
  if (options.cert === undefined || options.key === undefined) {
    throw new UnsupportedOptionError(options.cert === undefined ? 'cert' : 'key', 'cert and key must be given together');
  }
  // Like node:tls: the first certificate is the leaf, the rest the chain sent with it.
  return chainFromPem('node:tls option "cert"', pemText('cert', options.cert as Material), PrivateKey.fromBuffer(pemText('key', options.key as Material)));
}

const CLIENT_HANDLED = new Set(['ca', 'cert', 'key', 'ciphers', 'minVersion', 'maxVersion', 'secureProtocol', 'ALPNProtocols']);

/** What {@link fromNodeConnectOptions} returns: the configuration plus where and whom to connect. */
export interface MappedConnectOptions {
  readonly configuration: TLSClientConfiguration;
  readonly host: string;
  readonly port: number | undefined;
  /** The name to send as SNI and verify (servername, else host). */
  readonly serverHostname: string;
  /**
   * Milliseconds for TCP connect plus handshake, then node:net's idle timeout (a 'timeout' event);
   * undefined for none (node's 0).
   */
  readonly timeout: number | undefined;
}

/**
 * node:tls `ConnectionOptions` (and SecureContextOptions) to a TLSClientConfiguration.
 *
 * @example
 * ```ts
 * import { fromNodeConnectOptions } from '@unitls/ssl-compat';
 * const { configuration, serverHostname } = fromNodeConnectOptions({ host: 'example.org', port: 443, minVersion: 'TLSv1.3' });
 * ```
 */
export function fromNodeConnectOptions(options: Record<string, unknown>): MappedConnectOptions {
  refuseUnknown(options, CLIENT_HANDLED);
  const host = stringOption('host', options.host) ?? 'localhost';
  return {
    configuration: new TLSClientConfiguration({ ...shared(options), certificateChain: signingChain(options) }),
    host,
    port: portOption(options.port),
    serverHostname: stringOption('servername', options.servername) || host,
    timeout: timeoutOption(options.timeout),
  };
}

/**
 * `host` or `servername`: a string, or absent (undefined or null). Anything else is refused, as
 * node:tls refuses it (ERR_INVALID_ARG_TYPE); it used to mean "absent": `host: 5` connected to
 * localhost and `servername: 5` verified the host instead.
 */
function stringOption(name: 'host' | 'servername', value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new UnsupportedOptionError(name, `expected a string, got ${describeValue(value)}`);
  return value;
}

/** node:net's `port`: a number or a string of digits (node:net takes '443'), 0-65535; absent: undefined. */
function portOption(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const port = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UnsupportedOptionError('port', `expected a port number from 0 to 65535, got ${describeValue(value)}`);
  }
  return port;
}

/** node:net's `timeout` (milliseconds; 0 or absent: none). */
function timeoutOption(value: unknown): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UnsupportedOptionError('timeout', 'expected a non-negative number of milliseconds');
  }
  return value;
}

const SERVER_HANDLED = new Set([...CLIENT_HANDLED, 'requestCert']);

/**
 * node:tls server options (`tls.createServer` / `createSecureContext`) to a TLSServerConfiguration.
 * `requestCert: true` needs `ca` (the anchors to verify clients with) and means clients must
 * present a certificate.
 */
export function fromNodeServerOptions(options: Record<string, unknown>): TLSServerConfiguration {
  refuseUnknown(options, SERVER_HANDLED);
  const { trustStore, ...rest } = shared(options);
  if (options.requestCert === true && trustStore === undefined) {
    throw new UnsupportedOptionError('requestCert', 'requesting client certificates needs ca (the anchors to verify them against)');
  }
  if (options.requestCert === true && options.rejectUnauthorized === false) {
    throw new UnsupportedOptionError('rejectUnauthorized', REASONS.rejectUnauthorized!);
  }
  const chain = signingChain(options);
  if (chain === null) throw new UnsupportedOptionError('cert', 'a server needs cert and key');
  return new TLSServerConfiguration({ ...rest, ...(options.requestCert === true ? { trustStore } : {}), certificateChain: [chain] });
}
