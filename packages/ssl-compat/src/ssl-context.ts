/**
 * A Python-ssl-style SSLContext that produces PEP 748 configurations and hands out contexts of any
 * implementation. Names follow unitls's camelCase rule (`load_cert_chain` -> `loadCertChain`);
 * constants keep Python's names.
 *
 * @module
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigurationError,
  PrivateKey,
  type SigningChain,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TrustStore,
  closestName,
  isNextProtocol,
  type ClientContext,
  type Protocol,
  type ServerContext,
  type TLSImplementation,
  type TLSVersion as PEPVersion,
} from '@unitls/tls-core';
import { unknownOptionMessage } from '@unitls/client-kit';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { DEFAULT_TLS13 } from '@unitls/tls-node/internal';
import { AdvisedClientContext } from './advised-context.js';
import { cadataArgument, describeValue, oneOf, pathArgument, protocolNames } from './arguments.js';
import { parseCipherString } from './cipher-string.js';
import { chainFromPem } from './pem.js';
import { SSL_CONTEXT_ADVICE } from './trust-advice.js';

export const PROTOCOL_TLS_CLIENT = 16;
export const PROTOCOL_TLS_SERVER = 17;
export const CERT_NONE = 0;
export const CERT_OPTIONAL = 1;
export const CERT_REQUIRED = 2;
export const OP_NO_COMPRESSION = 0x20000;
export const OP_NO_TICKET = 0x4000;
export const OP_NO_RENEGOTIATION = 0x40000000;
export const OP_NO_SSLv2 = 0;
export const OP_NO_SSLv3 = 0x2000000;
export const OP_NO_TLSv1 = 0x4000000;
export const OP_NO_TLSv1_1 = 0x10000000;
export const OP_NO_TLSv1_2 = 0x8000000;
export const OP_NO_TLSv1_3 = 0x20000000;
export const OP_CIPHER_SERVER_PREFERENCE = 0x400000;
export const OP_ALL = 0x80000850;

/** Python's ssl.TLSVersion. */
export const TLSVersion = Object.freeze({
  MINIMUM_SUPPORTED: 'MINIMUM_SUPPORTED',
  SSLv3: 'SSLv3',
  TLSv1: 'TLSv1',
  TLSv1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
  MAXIMUM_SUPPORTED: 'MAXIMUM_SUPPORTED',
} as const);
export type TLSVersion = (typeof TLSVersion)[keyof typeof TLSVersion];

const VERSIONS = Object.values(TLSVersion);

/**
 * A file or folder a call needs, read now; a failure names the call, the argument and the path.
 *
 * @throws ConfigurationError naming the file and the argument, with the fs error as `cause`
 */
function readArgument<T>(call: string, argument: string, path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    throw new ConfigurationError(`${call}: cannot read the ${argument} ${JSON.stringify(path)}${code === undefined ? '' : ` (${code})`}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}

/** A PEM file loadCertChain or loadVerifyLocations needs, read now (see {@link readArgument}). */
function readPem(call: string, argument: string, path: string): string {
  return readArgument(call, argument, path, (file) => readFileSync(file, 'latin1'));
}

/**
 * Python's KEY_VALUES_MISMATCH, at load time and naming the files (node:tls said only "key values
 * mismatch" once a server was started). Where the runtime cannot parse either (another key type,
 * an X509Certificate it lacks), the check is left to the TLS implementation.
 *
 * @throws ConfigurationError when the key's public half is not the certificate's
 */
function checkKeyMatches(certPem: string, keyPem: string, certPath: string, keyPath: string | null): void {
  let certificateKey: Buffer;
  let ownKey: Buffer;
  try {
    certificateKey = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    ownKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  } catch {
    return;
  }
  if (!certificateKey.equals(ownKey)) {
    const key = keyPath === null ? `the key in ${JSON.stringify(certPath)}` : `the keyfile ${JSON.stringify(keyPath)}`;
    throw new ConfigurationError(`loadCertChain: ${key} does not belong to the certificate in the certfile ${JSON.stringify(certPath)} (the key values mismatch): pass the key the certificate was issued for`);
  }
}

/** Python's ssl.Purpose. */
export const Purpose = Object.freeze({ SERVER_AUTH: 'SERVER_AUTH', CLIENT_AUTH: 'CLIENT_AUTH' } as const);
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

const INSECURE_HINT = 'for test servers trust their certificate (loadVerifyLocations) or use @unitls/insecure';

/** Options bits unitls always has on, or can express. Others are refused when converting. */
const ACCEPTED_OPTIONS = OP_ALL | OP_NO_COMPRESSION | OP_NO_RENEGOTIATION | OP_NO_SSLv3 | OP_NO_TLSv1 | OP_NO_TLSv1_1 | OP_NO_TLSv1_2 | OP_NO_TLSv1_3 | OP_NO_TICKET;

function pemCertificatesIn(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'latin1'))
    .filter((text) => text.includes('-----BEGIN CERTIFICATE-----'))
    .join('\n');
}

/**
 * Python's `ssl.SSLContext`, as a builder of PEP 748 configurations.
 *
 * @example
 * ```ts
 * import { SSLContext, PROTOCOL_TLS_CLIENT, TLSVersion } from '@unitls/ssl-compat';
 * const ssl = new SSLContext(PROTOCOL_TLS_CLIENT);
 * ssl.minimumVersion = TLSVersion.TLSv1_3;
 * ssl.setAlpnProtocols(['h2', 'http/1.1']);
 * const context = ssl.clientContext(); // a tls-node ClientContext; pass another implementation to switch
 * ```
 */
export class SSLContext {
  readonly protocol: number;
  #verifyMode: number;
  #checkHostname: boolean;
  options: number = OP_ALL | OP_NO_SSLv3 | OP_NO_COMPRESSION;
  minimumVersion: TLSVersion = TLSVersion.MINIMUM_SUPPORTED;
  maximumVersion: TLSVersion = TLSVersion.MAXIMUM_SUPPORTED;
  #trust: string[] = [];
  #defaultCerts = false;
  #chain: SigningChain | null = null;
  #ciphers: number[] | null = null;
  #alpn: Protocol[] | null = null;

  constructor(protocol: number = PROTOCOL_TLS_CLIENT) {
    if (protocol !== PROTOCOL_TLS_CLIENT && protocol !== PROTOCOL_TLS_SERVER) {
      throw new ConfigurationError('SSLContext: only PROTOCOL_TLS_CLIENT and PROTOCOL_TLS_SERVER are supported (the version-specific protocols are deprecated)');
    }
    this.protocol = protocol;
    this.#verifyMode = protocol === PROTOCOL_TLS_CLIENT ? CERT_REQUIRED : CERT_NONE;
    this.#checkHostname = protocol === PROTOCOL_TLS_CLIENT;
  }

  /** CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED; checked where it is used (a server's '2' is refused there). */
  get verifyMode(): number {
    return this.#verifyMode;
  }

  /**
   * Python's verify_mode: CERT_NONE while checkHostname is on is refused here, where it is set
   * (Python's ValueError), not later at clientContext() (trial 10, finding 10).
   *
   * @throws ConfigurationError for CERT_NONE while checkHostname is true.
   */
  set verifyMode(value: number) {
    if (value === CERT_NONE && this.#checkHostname) {
      throw new ConfigurationError(`Cannot set verify_mode to CERT_NONE when check_hostname is enabled. (As Python's ssl; a client without verification is refused in any case: ${INSECURE_HINT})`);
    }
    this.#verifyMode = value;
  }

  /** Whether the server's name is checked (a client's is always). */
  get checkHostname(): boolean {
    return this.#checkHostname;
  }

  /**
   * Python's check_hostname: turning it on makes a CERT_NONE context CERT_REQUIRED (as Python);
   * turning it off on a client is refused here, where it is set.
   *
   * @throws ConfigurationError for false on a PROTOCOL_TLS_CLIENT context.
   */
  set checkHostname(value: boolean) {
    if (value !== true && this.protocol === PROTOCOL_TLS_CLIENT) throw new ConfigurationError(`checkHostname = false disables the name check; ${INSECURE_HINT}`);
    if (value === true && this.#verifyMode === CERT_NONE) this.#verifyMode = CERT_REQUIRED;
    this.#checkHostname = value === true;
  }

  /**
   * cafile: a PEM bundle; capath: a folder of PEM certificates; cadata: PEM text or DER bytes.
   *
   * @throws TypeError when none is given, or one has the wrong type (a number is not taken as a file
   *   descriptor, an object as cadata is not ignored); ConfigurationError for an empty cadata.
   */
  loadVerifyLocations(locations: DefaultContextOptions): void;
  loadVerifyLocations(cafile?: string | URL | null, capath?: string | URL | null, cadata?: string | Uint8Array | null): void;
  loadVerifyLocations(cafile?: string | URL | DefaultContextOptions | null, capath?: string | URL | null, cadata?: string | Uint8Array | null): void {
    // Python's keyword arguments, load_verify_locations(cafile=...), as one options object (trial 10, finding 4).
    if (typeof cafile === 'object' && cafile !== null && !(cafile instanceof URL)) {
      if (capath !== undefined || cadata !== undefined) throw new TypeError('loadVerifyLocations: pass ({ cafile, capath, cadata }) or (cafile, capath, cadata), not both');
      const locations = checkLocations('loadVerifyLocations', cafile);
      this.loadVerifyLocations(locations.cafile ?? null, locations.capath ?? null, locations.cadata ?? null);
      return;
    }
    const file = pathArgument('loadVerifyLocations', 'cafile', cafile);
    const folder = pathArgument('loadVerifyLocations', 'capath', capath);
    const data = cadataArgument(cadata);
    if (file === null && folder === null && data === null) throw new TypeError('cafile, capath or cadata must be given');
    // Python: ValueError "Empty certificate data" (an empty store would refuse every peer, silently).
    if (data !== null && data.length === 0) throw new ConfigurationError('loadVerifyLocations: cadata is empty (give PEM text or DER bytes of at least one certificate)');
    // Trial 12, finding 7: a missing cafile was a bare ENOENT. Everything is read (and cadata
    // parsed) before any of it is trusted: a failure adds nothing.
    const found: string[] = [];
    if (file !== null) found.push(readPem('loadVerifyLocations', 'cafile', file));
    if (folder !== null) found.push(readArgument('loadVerifyLocations', 'capath', folder, pemCertificatesIn));
    if (typeof data === 'string') found.push(data);
    else if (data !== null) {
      try {
        found.push(new X509Certificate(data).toString());
      } catch (error) {
        throw new ConfigurationError(`loadVerifyLocations: cadata is not a DER certificate (${data.length} bytes): give DER bytes of one certificate, or PEM text as a string`, { cause: error });
      }
    }
    this.#trust.push(...found);
  }

  /** Trust the operating system's store (what TrustStore.system() means). */
  loadDefaultCerts(purpose: Purpose = Purpose.SERVER_AUTH): void {
    void purpose;
    this.#defaultCerts = true;
  }

  /**
   * The certificate (with its chain) and key; a missing keyfile means the key is in certfile. Both
   * files are read here (as Python's load_cert_chain does), so a missing file or a key that does not
   * belong to the certificate is reported by this call, naming the files.
   *
   * @throws TypeError when certfile is missing or either is not a path (a number is not taken as a
   *   file descriptor); ConfigurationError for a password, a file that cannot be read (`cause`: the
   *   fs error), or a key that does not match the certificate.
   */
  loadCertChain(certfile: string | URL, keyfile?: string | URL | null, password?: unknown): void {
    const certPath = pathArgument('loadCertChain', 'certfile', certfile);
    const keyPath = pathArgument('loadCertChain', 'keyfile', keyfile);
    if (certPath === null) throw new TypeError('loadCertChain: certfile must be given');
    if (password !== undefined && password !== null) {
      throw new ConfigurationError('loadCertChain: encrypted private keys are not supported yet; decrypt the key first');
    }
    const text = readPem('loadCertChain', 'certfile', certPath);
    const keyText = keyPath !== null ? readPem('loadCertChain', 'keyfile', keyPath) : text;
    checkKeyMatches(text, keyText, certPath, keyPath);
    this.#chain = chainFromPem(`loadCertChain(${certPath})`, text, keyPath !== null ? PrivateKey.fromFile(keyPath) : PrivateKey.fromBuffer(text));
  }

  /** An OpenSSL cipher string for TLS 1.2 (TLS 1.3 suites stay OpenSSL's defaults, as in Python). */
  setCiphers(cipherString: string): void {
    this.#ciphers = [...parseCipherString(cipherString).ids, ...DEFAULT_TLS13];
  }

  /**
   * The ALPN names to offer, in preference order.
   *
   * @throws TypeError for one string rather than a list (Python would take 'h2' as 'h' and '2'), or
   *   an item that is not a string.
   */
  setAlpnProtocols(protocols: Iterable<string>): void {
    this.#alpn = protocolNames(protocols).map((p) => (isNextProtocol(p) ? p : new TextEncoder().encode(p)));
  }

  #versions(): { lowestSupportedVersion: PEPVersion | null; highestSupportedVersion: PEPVersion | null } {
    const order: TLSVersion[] = ['TLSv1.2', 'TLSv1.3'];
    let allowed = order.filter((v) => !((v === 'TLSv1.2' && this.options & OP_NO_TLSv1_2) || (v === 'TLSv1.3' && this.options & OP_NO_TLSv1_3)));
    oneOf('SSLContext.minimumVersion', this.minimumVersion, VERSIONS, 'a TLSVersion (TLSVersion.TLSv1_2, ...)');
    oneOf('SSLContext.maximumVersion', this.maximumVersion, VERSIONS, 'a TLSVersion (TLSVersion.TLSv1_3, ...)');
    const rank = (v: TLSVersion) => ({ MINIMUM_SUPPORTED: 0, SSLv3: 0, TLSv1: 0, 'TLSv1.1': 0, 'TLSv1.2': 1, 'TLSv1.3': 2, MAXIMUM_SUPPORTED: 3 })[v];
    allowed = allowed.filter((v) => rank(v) >= rank(this.minimumVersion) && rank(v) <= rank(this.maximumVersion));
    if (allowed.length === 0) throw new ConfigurationError('SSLContext: the version settings leave no TLS version (unitls supports TLS 1.2 and 1.3)');
    const lowest = allowed[0]! as PEPVersion;
    const highest = allowed.at(-1)! as PEPVersion;
    return { lowestSupportedVersion: lowest === 'TLSv1.2' ? null : lowest, highestSupportedVersion: highest === 'TLSv1.3' ? null : highest };
  }

  #checkOptions(): void {
    // Settings are plain fields (as Python's attributes): checked here, where they are used. A
    // server's verifyMode '2' (a string) would otherwise ask for no client certificate.
    oneOf('SSLContext.verifyMode', this.verifyMode, [CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED], 'CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED (0, 1, 2)');
    if (!Number.isInteger(this.options)) throw new ConfigurationError(`SSLContext.options: expected an integer of OP_* flags, got ${describeValue(this.options)}`);
    const unsupported = this.options & ~ACCEPTED_OPTIONS;
    if (unsupported !== 0) {
      throw new ConfigurationError(
        `SSLContext.options: flags 0x${(unsupported >>> 0).toString(16)} are not supported${unsupported & OP_CIPHER_SERVER_PREFERENCE ? ' (OP_CIPHER_SERVER_PREFERENCE: order setCiphers instead)' : ''}`,
      );
    }
  }

  #trustStore(): TrustStore | null {
    if (this.#trust.length === 0) return this.#defaultCerts ? TrustStore.system() : null;
    if (this.#defaultCerts) {
      throw new ConfigurationError('SSLContext: the system store plus extra CA files cannot be combined in one PEP 748 trust store; pick one');
    }
    return TrustStore.fromBuffer(this.#trust.join('\n'));
  }

  /** The TLSClientConfiguration this context describes (PROTOCOL_TLS_CLIENT). */
  clientConfiguration(): TLSClientConfiguration {
    if (this.protocol !== PROTOCOL_TLS_CLIENT) {
      throw new ConfigurationError(
        'clientConfiguration: this SSLContext is PROTOCOL_TLS_SERVER (a server\'s); for a client use createDefaultContext() (Purpose.SERVER_AUTH, the default) or new SSLContext(PROTOCOL_TLS_CLIENT)',
      );
    }
    this.#checkOptions();
    if (this.verifyMode === CERT_NONE) throw new ConfigurationError(`verifyMode CERT_NONE disables certificate verification; ${INSECURE_HINT}`);
    if (!this.checkHostname) throw new ConfigurationError(`checkHostname = false disables the name check; ${INSECURE_HINT}`);
    const trustStore = this.#trustStore();
    if (trustStore === null) {
      throw new ConfigurationError('SSLContext: no trust anchors: call loadDefaultCerts() or loadVerifyLocations() (or use createDefaultContext())');
    }
    return new TLSClientConfiguration({ ...this.#versions(), trustStore, ciphers: this.#ciphers, innerProtocols: this.#alpn, certificateChain: this.#chain });
  }

  /** The TLSServerConfiguration this context describes (PROTOCOL_TLS_SERVER). */
  serverConfiguration(): TLSServerConfiguration {
    if (this.protocol !== PROTOCOL_TLS_SERVER) {
      throw new ConfigurationError(
        'serverConfiguration: this SSLContext is PROTOCOL_TLS_CLIENT (a client\'s); for a server use createDefaultContext(Purpose.CLIENT_AUTH) or new SSLContext(PROTOCOL_TLS_SERVER)',
      );
    }
    this.#checkOptions();
    if (this.#chain === null) throw new ConfigurationError('SSLContext: a server needs loadCertChain()');
    if (this.verifyMode === CERT_OPTIONAL) {
      throw new ConfigurationError('verifyMode CERT_OPTIONAL: PEP 748 servers either require a client certificate (CERT_REQUIRED) or do not ask (CERT_NONE)');
    }
    const trustStore = this.verifyMode === CERT_REQUIRED ? this.#trustStore() : null;
    if (this.verifyMode === CERT_REQUIRED && trustStore === null) {
      throw new ConfigurationError('verifyMode CERT_REQUIRED on a server needs loadVerifyLocations() for the client CA');
    }
    return new TLSServerConfiguration({ ...this.#versions(), trustStore, ciphers: this.#ciphers, innerProtocols: this.#alpn, certificateChain: [this.#chain] });
  }

  /**
   * A ClientContext of `implementation` (default tls-node). A certificate nobody said to trust
   * (unknown issuer, self-signed) fails with advice in this API's terms (`cafile`,
   * `loadVerifyLocations`), not the implementation's PEP 748 trustStore.
   */
  clientContext(implementation: TLSImplementation = nodeImplementation): ClientContext {
    return new AdvisedClientContext(new implementation.clientContext(this.clientConfiguration()), SSL_CONTEXT_ADVICE);
  }

  /** A ServerContext of `implementation` (default tls-node). */
  serverContext(implementation: TLSImplementation = nodeImplementation): ServerContext {
    return new implementation.serverContext(this.serverConfiguration());
  }
}

/**
 * Python's snake_case names on an SSLContext, and what this API calls them. Assigning one was
 * silently ignored (`ctx.check_hostname = false` made a new property and changed nothing; trial
 * 10, finding 4): each is an accessor on the prototype that throws, read or written, naming ours.
 */
const PYTHON_NAMES: Readonly<Record<string, string>> = {
  check_hostname: 'checkHostname',
  verify_mode: 'verifyMode',
  minimum_version: 'minimumVersion',
  maximum_version: 'maximumVersion',
  load_verify_locations: 'loadVerifyLocations',
  load_cert_chain: 'loadCertChain',
  load_default_certs: 'loadDefaultCerts',
  set_ciphers: 'setCiphers',
  set_alpn_protocols: 'setAlpnProtocols',
};

for (const [python, ours] of Object.entries(PYTHON_NAMES)) {
  const refuse = (): never => {
    throw new TypeError(`SSLContext.${python}: @unitls/ssl-compat uses camelCase names: ${ours}`);
  };
  Object.defineProperty(SSLContext.prototype, python, { get: refuse, set: refuse, configurable: true, enumerable: false });
}
Object.defineProperty(SSLContext.prototype, 'wrap_socket', {
  get: (): never => {
    throw new TypeError("SSLContext.wrap_socket: use await context.clientContext().connect({ host, port }, { serverHostname }) (a TLSSocket), or ssl-compat's connect() for a node:tls-style socket");
  },
  configurable: true,
  enumerable: false,
});

const DEFAULT_CONTEXT_OPTIONS = ['cafile', 'capath', 'cadata'];

/**
 * The options object of createDefaultContext and loadVerifyLocations, its names checked.
 *
 * @throws ConfigurationError for a name it does not take ("unknown option 'cafle' (did you mean 'cafile'?)").
 */
function checkLocations(what: string, options: object): DefaultContextOptions {
  for (const name of Object.keys(options)) {
    if (!DEFAULT_CONTEXT_OPTIONS.includes(name)) throw new ConfigurationError(`${what}: ${unknownOptionMessage(name, DEFAULT_CONTEXT_OPTIONS)}`);
  }
  return options as DefaultContextOptions;
}
const PURPOSES: readonly string[] = Object.values(Purpose);

/** The options createDefaultContext takes: where its CAs come from (none: the system store). */
export interface DefaultContextOptions {
  /** A PEM file of CA certificates. */
  cafile?: string;
  /** A directory of PEM CA certificates. */
  capath?: string;
  /** PEM text, or DER bytes, of CA certificates. */
  cadata?: string | Uint8Array;
}

/**
 * Python's `ssl.create_default_context`: the system store (or the given CAs), verification on.
 * Python's keyword arguments are an options object: `createDefaultContext({ cafile: 'ca.pem' })`
 * is a client (Purpose.SERVER_AUTH) context trusting ca.pem, as is
 * `createDefaultContext(Purpose.SERVER_AUTH, { cafile: 'ca.pem' })`.
 *
 * @throws ConfigurationError for an option name it does not take, as Python's TypeError (a
 *   misspelt `cafle` would otherwise mean the system store): "createDefaultContext: unknown option
 *   'cafle' (did you mean 'cafile'?)"; and for a purpose that is not a Purpose (a string such as
 *   'serverAuth' would otherwise have made a server context): "createDefaultContext: purpose
 *   'serverAuth' is not a Purpose (did you mean Purpose.SERVER_AUTH?)".
 */
export function createDefaultContext(options?: DefaultContextOptions): SSLContext;
export function createDefaultContext(purpose?: Purpose, options?: DefaultContextOptions): SSLContext;
export function createDefaultContext(
  purposeOrOptions: Purpose | DefaultContextOptions = Purpose.SERVER_AUTH,
  maybeOptions?: DefaultContextOptions,
): SSLContext {
  let purpose: Purpose;
  let options: DefaultContextOptions;
  if (typeof purposeOrOptions === 'object' && purposeOrOptions !== null) {
    if (maybeOptions !== undefined) throw new ConfigurationError('createDefaultContext: options given twice: pass (options) or (purpose, options)');
    [purpose, options] = [Purpose.SERVER_AUTH, purposeOrOptions];
  } else if (PURPOSES.includes(purposeOrOptions as string)) {
    [purpose, options] = [purposeOrOptions as Purpose, maybeOptions ?? {}];
  } else {
    const close = typeof purposeOrOptions === 'string' ? closestName(purposeOrOptions, PURPOSES) : null;
    const shown = typeof purposeOrOptions === 'string' ? `'${purposeOrOptions}'` : String(purposeOrOptions);
    const hint = close !== null ? `did you mean Purpose.${close}?` : `it takes ${PURPOSES.map((name) => `Purpose.${name}`).join(' or ')}, or an options object`;
    throw new ConfigurationError(`createDefaultContext: purpose ${shown} is not a Purpose (${hint})`);
  }
  checkLocations('createDefaultContext', options ?? {});
  const context = new SSLContext(purpose === Purpose.SERVER_AUTH ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER);
  // Python's `if cafile or capath or cadata`: the types are checked first, then an empty value counts as not given.
  const given = pathArgument('createDefaultContext', 'cafile', options.cafile) !== null || pathArgument('createDefaultContext', 'capath', options.capath) !== null || (cadataArgument(options.cadata)?.length ?? 0) > 0;
  if (given) context.loadVerifyLocations(options.cafile, options.capath, options.cadata);
  else if (purpose === Purpose.SERVER_AUTH) context.loadDefaultCerts(purpose);
  return context;
}
