/**
 * PEP 748's `TLSImplementation` as a run-time class: the one object an implementation package
 * exports (as `implementation`), with read-only `clientContext`, `serverContext` and
 * `validateConfig`. Its `validateConfig` runs the checks every implementation shares (the
 * configuration's type, empty descriptor material) before the implementation's own.
 *
 * @module
 */
import { TLSClientConfiguration, TLSServerConfiguration } from './configuration.js';
import { emptyMaterial, type Certificate, type PrivateKey, type TrustStore } from './descriptors.js';
import { ConfigurationError } from './errors.js';
import type { ClientContext, ImplementationFeatures, ServerContext } from './interfaces.js';

/** A ClientContext class of an implementation. */
export type ClientContextConstructor = new (configuration: TLSClientConfiguration) => ClientContext;
/** A ServerContext class of an implementation. */
export type ServerContextConstructor = new (configuration: TLSServerConfiguration) => ServerContext;

/** What {@link TLSImplementation}'s constructor takes. */
export interface TLSImplementationOptions {
  /** A short name, e.g. "node". */
  readonly name: string;
  readonly clientContext: ClientContextConstructor;
  readonly serverContext: ServerContextConstructor;
  /**
   * The implementation's own checks; throws ConfigurationError for what it cannot honour. The
   * shared checks ({@link checkConfiguration}) run before it.
   */
  readonly validateConfig: (configuration: TLSClientConfiguration | TLSServerConfiguration) => void;
  /** What the implementation can do beyond the PEP's minimum. */
  readonly features: ImplementationFeatures;
  /**
   * Extension hooks under registry symbols (e.g. `Symbol.for('@unitls/insecure.hooks.v1')`),
   * defined as non-enumerable read-only properties.
   */
  readonly hooks?: Readonly<Record<symbol, unknown>>;
}

/** Every descriptor a configuration names: each chain's leaf, key and intermediates, then the trust store. */
export function configurationDescriptors(configuration: TLSClientConfiguration | TLSServerConfiguration): Array<Certificate | PrivateKey | TrustStore> {
  const chain = configuration.certificateChain;
  const chains = chain === null ? [] : Array.isArray(chain) ? chain : [chain as Exclude<typeof chain, readonly unknown[]>];
  return [
    ...chains.flatMap((c) => [c.leaf[0], ...(c.leaf[1] === null ? [] : [c.leaf[1]]), ...c.chain]),
    ...(configuration.trustStore === null ? [] : [configuration.trustStore]),
  ];
}

/**
 * The checks every implementation makes before its own: `configuration` is a
 * TLSClientConfiguration or TLSServerConfiguration, and no descriptor it names holds empty
 * material (an empty buffer, path or id; PEP 748 descriptors accept them, contexts refuse them).
 *
 * @throws ConfigurationError saying which descriptor is empty, or what was passed instead of a configuration.
 */
export function checkConfiguration(configuration: unknown): asserts configuration is TLSClientConfiguration | TLSServerConfiguration {
  if (!(configuration instanceof TLSClientConfiguration) && !(configuration instanceof TLSServerConfiguration)) {
    throw new ConfigurationError('validateConfig: expected a TLSClientConfiguration or TLSServerConfiguration');
  }
  for (const descriptor of configurationDescriptors(configuration)) {
    const empty = emptyMaterial(descriptor.constructor.name, descriptor.source);
    if (empty !== null) throw new ConfigurationError(empty);
  }
}

/**
 * A TLS implementation (PEP 748 `TLSImplementation`). Every property is read-only at run time;
 * an instance of this class itself is frozen (a subclass freezes itself when its constructor is
 * done).
 *
 * @example
 * ```ts
 * import { TLSImplementation } from '@unitls/tls-core';
 * export const implementation = new TLSImplementation({
 *   name: 'mine',
 *   clientContext: MyClientContext,
 *   serverContext: MyServerContext,
 *   validateConfig: (configuration) => { },
 *   features: { buffer: true, raggedEOF: true, sessionResumption: false, verificationTime: false },
 * });
 * ```
 */
export class TLSImplementation {
  /** A short name, e.g. "node". */
  declare readonly name: string;
  /** The ClientContext class. */
  declare readonly clientContext: ClientContextConstructor;
  /** The ServerContext class. */
  declare readonly serverContext: ServerContextConstructor;
  /**
   * Throws ConfigurationError when this implementation cannot honour `configuration`: first the
   * shared checks ({@link checkConfiguration}), then the implementation's own.
   */
  declare readonly validateConfig: (configuration: TLSClientConfiguration | TLSServerConfiguration) => void;
  /** Extension: what the implementation can do beyond the PEP's minimum (frozen). */
  declare readonly features: ImplementationFeatures;

  /** @throws TypeError when an option is missing or of the wrong type (a bug in the implementation package). */
  constructor(options: TLSImplementationOptions) {
    const { name, clientContext, serverContext, validateConfig, features, hooks } = options ?? ({} as TLSImplementationOptions);
    if (typeof name !== 'string' || name === '') throw new TypeError('TLSImplementation: name must be a non-empty string');
    for (const [field, value] of [['clientContext', clientContext], ['serverContext', serverContext], ['validateConfig', validateConfig]] as const) {
      if (typeof value !== 'function') throw new TypeError(`TLSImplementation: ${field} must be a function`);
    }
    if (typeof features !== 'object' || features === null) throw new TypeError('TLSImplementation: features must be an object');
    const validate = (configuration: TLSClientConfiguration | TLSServerConfiguration): void => {
      checkConfiguration(configuration);
      validateConfig(configuration);
    };
    const fixed = (value: unknown, enumerable = true) => ({ value, enumerable, writable: false, configurable: false });
    Object.defineProperties(this, {
      name: fixed(name),
      clientContext: fixed(clientContext),
      serverContext: fixed(serverContext),
      validateConfig: fixed(validate),
      features: fixed(Object.freeze({ ...features })),
    });
    for (const key of Object.getOwnPropertySymbols(hooks ?? {})) Object.defineProperty(this, key, fixed(hooks![key], false));
    if (new.target === TLSImplementation) Object.freeze(this);
  }
}
