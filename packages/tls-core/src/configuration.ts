/**
 * TLSClientConfiguration and TLSServerConfiguration (PEP 748): immutable values, validated at
 * construction. `null` in a field means "the implementation's default".
 *
 * @module
 */
import { SigningChain, TrustStore } from './descriptors.js';
import {
  CipherSuite as CipherSuites,
  TLSVersion as TLSVersions,
  compareTLSVersions,
  isNextProtocol,
  isTLSVersion,
  type CipherSuite,
  type NextProtocol,
  type TLSVersion,
} from './enums.js';
import { ConfigurationError } from './errors.js';
import { closestName } from './closest-name.js';
import { describeValue } from './describe-value.js';

/** A cipher: a named suite, or any other 16-bit IANA id. */
export type Cipher = CipherSuite | number;
/** An ALPN protocol: a named one, or raw bytes (1 to 255 of them). */
export type Protocol = NextProtocol | Uint8Array;

/** Fields shared by both configurations. */
export interface TLSConfigurationOptions {
  /** Cipher suites in preference order; `null` for the implementation's secure default. */
  ciphers?: Iterable<Cipher> | null;
  /**
   * ALPN protocols in preference order. `null` (the PEP's None) becomes `[]`; `[]` means no ALPN
   * (the extension is not sent).
   */
  innerProtocols?: Iterable<Protocol> | null;
  /** Lowest TLS version to accept; `null` for the implementation's default (TLS 1.2). */
  lowestSupportedVersion?: TLSVersion | null;
  /** Highest TLS version to accept; `null` for the implementation's default. */
  highestSupportedVersion?: TLSVersion | null;
  /**
   * Client: the anchors to verify the server (`null` = the system store).
   * Server: the anchors to verify client certificates; `null` = do not ask for one.
   */
  trustStore?: TrustStore | null;
}

/** Options of {@link TLSClientConfiguration}. */
export interface TLSClientConfigurationOptions extends TLSConfigurationOptions {
  /** The client certificate chain to offer when the server asks for one. */
  certificateChain?: SigningChain | null;
}

/** Options of {@link TLSServerConfiguration}. */
export interface TLSServerConfigurationOptions extends TLSConfigurationOptions {
  /** One or more chains; with several, the one matching the client's SNI name is served. */
  certificateChain?: Iterable<SigningChain> | null;
}

/** A value for a message, whatever it is (String() and JSON.stringify throw on some values). */
function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return `a value of type ${typeof value}`;
}

/** The items of a list-valued option; anything but an iterable (or a string) is refused. */
function listOf<T>(where: string, field: string, value: Iterable<T>): T[] {
  if (typeof value === 'string' || typeof (value as Partial<Iterable<T>> | null)?.[Symbol.iterator] !== 'function') {
    throw new ConfigurationError(`${where}: ${field} must be a list (an array or another iterable), got ${describeValue(value)}`);
  }
  return [...value];
}

// Trial 10 (finding 5): the configuration errors named the problem, not the fix a new user needs.

/** What to pass instead of a cipher that is not an id: the CipherSuite enum, by name when it names one. */
function cipherAdvice(id: unknown): string {
  const named = typeof id === 'string' ? (Object.hasOwn(CipherSuites, id) ? id : closestName(id, Object.keys(CipherSuites))) : null;
  const [name, value] = named !== null ? [named, CipherSuites[named as keyof typeof CipherSuites]] : ['TLS_AES_128_GCM_SHA256', CipherSuites.TLS_AES_128_GCM_SHA256];
  return `use the CipherSuite enum (CipherSuite.${name} = 0x${value.toString(16).padStart(4, '0')}) or another IANA id as a number`;
}

/** The TLSVersion a wrong version value most likely meant ('1.2', 'TLSv1_2', 1.3), as advice. */
function versionAdvice(version: unknown): string {
  // Only strings and numbers are read: String() throws on some objects ({ toString: 0 }).
  const text = typeof version === 'string' || typeof version === 'number' ? String(version).trim() : '';
  const digits = /^(?:tls|tlsv)?\s*1[._]?([0-3])$/i.exec(text)?.[1];
  const meant = digits === '2' ? 'TLSv1_2' : digits === '3' ? 'TLSv1_3' : typeof version === 'string' && Object.hasOwn(TLSVersions, version) ? version : null;
  if (meant !== null) return `did you mean TLSVersion.${meant} ('${TLSVersions[meant as keyof typeof TLSVersions]}')?`;
  const older = digits === '0' || digits === '1' || /^ssl/i.test(text) ? 'versions below TLS 1.2 are not supported; ' : '';
  return `${older}use TLSVersion.TLSv1_2, TLSVersion.TLSv1_3, TLSVersion.MINIMUM_SUPPORTED or TLSVersion.MAXIMUM_SUPPORTED`;
}

/** How to make a TrustStore from what was given: a path, PEM text or bytes. */
function trustStoreAdvice(value: unknown): string {
  if (value === 'system') return ", got the string 'system': use TrustStore.system()";
  if (typeof value === 'string') {
    return value.includes('-----BEGIN')
      ? ', got PEM text: use TrustStore.fromBuffer(pem)'
      : `, got a string: use TrustStore.fromFile(${show(value)}) for a PEM file (TrustStore.fromBuffer(pem) for its contents, TrustStore.system() for the system's anchors)`;
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return ', got bytes: use TrustStore.fromBuffer(pem)';
  return `, got ${show(value)}: use TrustStore.fromFile(path), TrustStore.fromBuffer(pem) or TrustStore.system()`;
}

function validateCiphers(where: string, ciphers: Iterable<Cipher> | null | undefined): readonly Cipher[] | null {
  if (ciphers === null || ciphers === undefined) return null;
  const list = listOf(where, 'ciphers', ciphers);
  if (list.length === 0) {
    throw new ConfigurationError(`${where}: ciphers is empty; pass null for the default list or name at least one suite`);
  }
  for (const id of list) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) {
      throw new ConfigurationError(`${where}: cipher ${show(id)} is not a 16-bit IANA cipher suite id; ${cipherAdvice(id)}`);
    }
  }
  return Object.freeze(list);
}

const NO_PROTOCOLS: readonly Protocol[] = Object.freeze([]);

function validateProtocols(where: string, protocols: Iterable<Protocol> | null | undefined): readonly Protocol[] {
  // PEP 748: "inner_protocols ... None becomes []".
  if (protocols === null || protocols === undefined) return NO_PROTOCOLS;
  const list = listOf(where, 'innerProtocols', protocols).map((protocol) => {
    if (typeof protocol === 'string') {
      if (!isNextProtocol(protocol)) {
        throw new ConfigurationError(
          `${where}: "${protocol}" is not a NextProtocol; pass other ALPN ids as bytes (new TextEncoder().encode(...))`,
        );
      }
      return protocol;
    }
    if (!(protocol instanceof Uint8Array)) {
      throw new ConfigurationError(`${where}: an inner protocol must be a NextProtocol or a Uint8Array`);
    }
    if (protocol.length === 0 || protocol.length > 255) {
      throw new ConfigurationError(`${where}: an ALPN protocol id must be 1 to 255 bytes, got ${protocol.length}`);
    }
    return Uint8Array.from(protocol);
  });
  return Object.freeze(list);
}

function validateVersion(where: string, field: string, version: TLSVersion | null | undefined): TLSVersion | null {
  if (version === null || version === undefined) return null;
  if (!isTLSVersion(version)) {
    throw new ConfigurationError(`${where}: ${field} ${show(version)} is not a TLSVersion; ${versionAdvice(version)}`);
  }
  return version;
}

function validateTrustStore(where: string, trustStore: TrustStore | null | undefined): TrustStore | null {
  if (trustStore === null || trustStore === undefined) return null;
  if (!(trustStore instanceof TrustStore)) throw new ConfigurationError(`${where}: trustStore must be a TrustStore${trustStoreAdvice(trustStore)}`);
  return trustStore;
}

function protocolsEqual(a: readonly Protocol[], b: readonly Protocol[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => {
      const q = b[i]!;
      if (typeof p === 'string' || typeof q === 'string') return p === q;
      return p.length === q.length && p.every((byte, j) => byte === q[j]);
    })
  );
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['certificateChain', 'ciphers', 'innerProtocols', 'lowestSupportedVersion', 'highestSupportedVersion', 'trustStore']);

/**
 * node:tls option names a migrating user passes here, with what says the same in PEP 748 terms
 * (trial14, finding 4: `{ rejectUnauthorized: false }` got only the list of option names).
 */
const NODE_TLS_OPTIONS: Readonly<Record<string, string>> = {
  ca: 'here the trust store is trustStore: TrustStore.fromFile(path) or TrustStore.fromBuffer(pem)',
  rejectUnauthorized: 'unitls always verifies; trust a private or test certificate with trustStore: TrustStore.fromFile(path), or in tests only use @unitls/insecure',
  checkServerIdentity: 'unitls checks the subjectAltName itself; name the host the certificate is for with connect(address, { serverHostname })',
  servername: "here it is connect()'s option: connect(address, { serverHostname })",
  cert: 'here the certificate and key are certificateChain: new SigningChain([certificate, privateKey], chain)',
  key: 'here the certificate and key are certificateChain: new SigningChain([certificate, privateKey], chain)',
  minVersion: "here it is lowestSupportedVersion: TLSVersion.TLSv1_2 ('TLSv1.2')",
  maxVersion: "here it is highestSupportedVersion: TLSVersion.TLSv1_3 ('TLSv1.3')",
  ALPNProtocols: 'here it is innerProtocols: [NextProtocol.H2, NextProtocol.HTTP1]',
};

/**
 * Refuses option names the PEP does not define (Python refuses an unknown keyword argument): a
 * misspelt `trustStor` would otherwise fall back to the default trust store without a word.
 *
 * @throws ConfigurationError naming the unknown option and the one it resembles, or the ones that exist.
 */
function checkOptionNames(where: string, options: object): void {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) {
      const close = closestName(name, OPTION_NAMES);
      const nodeTls = Object.hasOwn(NODE_TLS_OPTIONS, name) ? NODE_TLS_OPTIONS[name] : undefined;
      const hint =
        nodeTls !== undefined
          ? `that is a node:tls option: ${nodeTls} (@unitls/ssl-compat's fromNodeConnectOptions() maps a whole node:tls options object)`
          : close === null
            ? `the options are ${[...OPTION_NAMES].join(', ')}`
            : `did you mean ${JSON.stringify(close)}?`;
      throw new ConfigurationError(`${where}: unknown option ${JSON.stringify(name)}; ${hint}`);
    }
  }
}

abstract class TLSConfiguration {
  readonly ciphers: readonly Cipher[] | null;
  // Typed arrays cannot be frozen, so raw protocols are kept private and handed out as copies.
  readonly #innerProtocols: readonly Protocol[];
  readonly lowestSupportedVersion: TLSVersion | null;
  readonly highestSupportedVersion: TLSVersion | null;
  readonly trustStore: TrustStore | null;

  protected constructor(where: string, options: TLSConfigurationOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigurationError(`${where}: expected an options object`);
    checkOptionNames(where, options);
    this.ciphers = validateCiphers(where, options.ciphers);
    this.#innerProtocols = validateProtocols(where, options.innerProtocols);
    this.lowestSupportedVersion = validateVersion(where, 'lowestSupportedVersion', options.lowestSupportedVersion);
    this.highestSupportedVersion = validateVersion(where, 'highestSupportedVersion', options.highestSupportedVersion);
    if (
      this.lowestSupportedVersion !== null &&
      this.highestSupportedVersion !== null &&
      compareTLSVersions(this.lowestSupportedVersion, this.highestSupportedVersion) > 0
    ) {
      throw new ConfigurationError(
        `${where}: lowestSupportedVersion ${this.lowestSupportedVersion} is above highestSupportedVersion ${this.highestSupportedVersion}`,
      );
    }
    this.trustStore = validateTrustStore(where, options.trustStore);
  }

  /** ALPN protocols in preference order, `[]` for no ALPN; raw ids are returned as fresh copies. */
  get innerProtocols(): readonly Protocol[] {
    return Object.freeze(this.#innerProtocols.map((p) => (typeof p === 'string' ? p : Uint8Array.from(p))));
  }

  protected sharedFieldsEqual(other: TLSConfiguration): boolean {
    return (
      (this.ciphers === null
        ? other.ciphers === null
        : other.ciphers !== null && this.ciphers.length === other.ciphers.length && this.ciphers.every((c, i) => c === other.ciphers![i])) &&
      protocolsEqual(this.#innerProtocols, other.#innerProtocols) &&
      this.lowestSupportedVersion === other.lowestSupportedVersion &&
      this.highestSupportedVersion === other.highestSupportedVersion &&
      (this.trustStore === null ? other.trustStore === null : this.trustStore.equals(other.trustStore))
    );
  }

  protected sharedOptions(): TLSConfigurationOptions {
    return {
      ciphers: this.ciphers,
      innerProtocols: this.innerProtocols,
      lowestSupportedVersion: this.lowestSupportedVersion,
      highestSupportedVersion: this.highestSupportedVersion,
      trustStore: this.trustStore,
    };
  }
}

/**
 * How a client connects (PEP 748 `TLSClientConfiguration`).
 *
 * @example
 * ```ts
 * import { NextProtocol, TLSClientConfiguration, TLSVersion } from '@unitls/tls-core';
 * const config = new TLSClientConfiguration({
 *   innerProtocols: [NextProtocol.H2, NextProtocol.HTTP1],
 *   lowestSupportedVersion: TLSVersion.TLSv1_3,
 * });
 * const strict = config.with({ ciphers: [0x1302] });
 * ```
 */
export class TLSClientConfiguration extends TLSConfiguration {
  readonly certificateChain: SigningChain | null;

  /**
   * @throws ConfigurationError for an option the PEP does not define (a misspelt name), a value
   *   of the wrong type, or lowestSupportedVersion above highestSupportedVersion.
   */
  constructor(options: TLSClientConfigurationOptions = {}) {
    super('TLSClientConfiguration', options);
    const chain = options.certificateChain ?? null;
    if (chain !== null && !(chain instanceof SigningChain)) {
      throw new ConfigurationError('TLSClientConfiguration: certificateChain must be one SigningChain');
    }
    this.certificateChain = chain;
    Object.freeze(this);
  }

  /** A copy with some fields replaced. */
  with(changes: TLSClientConfigurationOptions): TLSClientConfiguration {
    return new TLSClientConfiguration({ ...this.sharedOptions(), certificateChain: this.certificateChain, ...changes });
  }

  /** Value equality: every field equal. */
  equals(other: unknown): boolean {
    return (
      other instanceof TLSClientConfiguration &&
      this.sharedFieldsEqual(other) &&
      (this.certificateChain === null ? other.certificateChain === null : this.certificateChain.equals(other.certificateChain))
    );
  }
}

/**
 * How a server accepts connections (PEP 748 `TLSServerConfiguration`). A `trustStore` turns on
 * client-certificate authentication.
 */
export class TLSServerConfiguration extends TLSConfiguration {
  readonly certificateChain: readonly SigningChain[] | null;

  /**
   * @throws ConfigurationError for an option the PEP does not define (a misspelt name), a value
   *   of the wrong type, or lowestSupportedVersion above highestSupportedVersion.
   */
  constructor(options: TLSServerConfigurationOptions = {}) {
    super('TLSServerConfiguration', options);
    if (options.certificateChain === null || options.certificateChain === undefined) {
      this.certificateChain = null;
    } else {
      if (options.certificateChain instanceof SigningChain) {
        throw new ConfigurationError('TLSServerConfiguration: certificateChain is a list: wrap the chain in [ ]');
      }
      const chains = listOf('TLSServerConfiguration', 'certificateChain', options.certificateChain);
      if (chains.length === 0) throw new ConfigurationError('TLSServerConfiguration: certificateChain is empty');
      for (const chain of chains) {
        if (!(chain instanceof SigningChain)) {
          throw new ConfigurationError('TLSServerConfiguration: certificateChain must hold SigningChains');
        }
      }
      this.certificateChain = Object.freeze(chains);
    }
    Object.freeze(this);
  }

  /** A copy with some fields replaced. */
  with(changes: TLSServerConfigurationOptions): TLSServerConfiguration {
    return new TLSServerConfiguration({ ...this.sharedOptions(), certificateChain: this.certificateChain, ...changes });
  }

  /** Value equality: every field equal. */
  equals(other: unknown): boolean {
    if (!(other instanceof TLSServerConfiguration) || !this.sharedFieldsEqual(other)) return false;
    const mine = this.certificateChain;
    const theirs = other.certificateChain;
    if (mine === null || theirs === null) return mine === theirs;
    return mine.length === theirs.length && mine.every((chain, i) => chain.equals(theirs[i]));
  }
}
