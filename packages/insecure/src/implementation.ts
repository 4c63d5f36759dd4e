import {
  ConfigurationError,
  parseServerName,
  type Address,
  type ClientConnectOptions,
  type ClientContext,
  type ServerContext,
  type TLSBuffer,
  type TLSClientConfiguration,
  TLSImplementation,
  type TLSServerConfiguration,
  type TLSSession,
  type TLSSocket,
  type Transport,
  type UpgradeOptions,
} from '@unitls/tls-core';
import { InsecureConfiguration } from './configuration.js';
import { SecurityWarningCode, warn } from './warning.js';

/**
 * The contract an implementation offers @unitls/insecure, under this registry symbol on its
 * `implementation` object (tls-node has it). Nothing else in unitls refers to it.
 */
export const INSECURE_HOOKS = Symbol.for('@unitls/insecure.hooks.v1');

export interface InsecureHooks {
  clientContext(configuration: TLSClientConfiguration, relax: { verifyChain: boolean; checkHostname: boolean }): ClientContext;
  serverContext(configuration: TLSServerConfiguration, relax: { verifyClientChain: boolean }): ServerContext;
}

function hooksOf(implementation: TLSImplementation): InsecureHooks {
  const hooks = (implementation as unknown as { [INSECURE_HOOKS]?: InsecureHooks })[INSECURE_HOOKS];
  if (hooks === undefined) {
    throw new ConfigurationError(`implementation "${implementation.name}" does not support insecure contexts`);
  }
  return hooks;
}

function describe(insecure: InsecureConfiguration): string {
  return insecure.disableVerification ? 'no certificate verification at all' : 'no hostname check';
}

/** A ClientContext of `implementation` with the checks `insecure` names turned off; warns on every use. */
export class InsecureClientContext implements ClientContext {
  readonly #inner: ClientContext;
  readonly insecureConfiguration: InsecureConfiguration;

  constructor(implementation: TLSImplementation, configuration: TLSClientConfiguration, insecureConfiguration: InsecureConfiguration) {
    if (!(insecureConfiguration instanceof InsecureConfiguration)) {
      throw new ConfigurationError('InsecureClientContext needs an InsecureConfiguration');
    }
    this.#inner = hooksOf(implementation).clientContext(configuration, {
      verifyChain: !insecureConfiguration.disableVerification,
      checkHostname: !insecureConfiguration.disableHostnameCheck,
    });
    this.insecureConfiguration = insecureConfiguration;
    Object.freeze(this);
    warn(SecurityWarningCode.CONTEXT, `insecure client context created (${implementation.name}): ${describe(insecureConfiguration)}`);
  }

  get configuration(): TLSClientConfiguration {
    return this.#inner.configuration;
  }

  connect(address: Address, options?: ClientConnectOptions): Promise<TLSSocket> {
    warn(SecurityWarningCode.CONNECT, `insecure connection to ${address.host}:${address.port}: ${describe(this.insecureConfiguration)}`);
    return this.#inner.connect(address, options);
  }

  createBuffer(serverHostname: string, options?: { session?: TLSSession | null }): TLSBuffer {
    // The name goes into a warning: refuse a bad one before it is printed anywhere.
    const { name } = parseServerName(serverHostname, 'ClientContext.createBuffer');
    warn(SecurityWarningCode.BUFFER, `insecure TLSBuffer for ${name}: ${describe(this.insecureConfiguration)}`);
    return this.#inner.createBuffer(serverHostname, options);
  }

  get upgrade(): ((socket: Transport, options: UpgradeOptions) => Promise<TLSSocket>) | undefined {
    const upgrade = this.#inner.upgrade?.bind(this.#inner);
    if (upgrade === undefined) return undefined;
    return (socket, options) => {
      // Not only STARTTLS: HTTPSConnection and CONNECT tunnels upgrade an open connection too (trial 9).
      warn(SecurityWarningCode.CONNECT, `insecure TLS over an open connection to ${options.serverHostname} (startTls: STARTTLS, HTTPS, a tunnel): ${describe(this.insecureConfiguration)}`);
      return upgrade(socket, options);
    };
  }
}

/** A ServerContext of `implementation` that accepts any client certificate; warns on every use. */
export class InsecureServerContext implements ServerContext {
  readonly #inner: ServerContext;
  readonly insecureConfiguration: InsecureConfiguration;

  constructor(implementation: TLSImplementation, configuration: TLSServerConfiguration, insecureConfiguration: InsecureConfiguration) {
    if (!(insecureConfiguration instanceof InsecureConfiguration)) {
      throw new ConfigurationError('InsecureServerContext needs an InsecureConfiguration');
    }
    this.#inner = hooksOf(implementation).serverContext(configuration, { verifyClientChain: !insecureConfiguration.disableVerification });
    this.insecureConfiguration = insecureConfiguration;
    Object.freeze(this);
    warn(SecurityWarningCode.CONTEXT, `insecure server context created (${implementation.name}): ${describe(insecureConfiguration)}`);
  }

  get configuration(): TLSServerConfiguration {
    return this.#inner.configuration;
  }

  connect(address: Address): Promise<TLSSocket> {
    warn(SecurityWarningCode.CONNECT, `insecure server listening on ${address.host}:${address.port}: ${describe(this.insecureConfiguration)}`);
    return this.#inner.connect(address);
  }

  createBuffer(): TLSBuffer {
    warn(SecurityWarningCode.BUFFER, `insecure server TLSBuffer: ${describe(this.insecureConfiguration)}`);
    return this.#inner.createBuffer();
  }
}

/**
 * A TLSImplementation whose contexts skip the checks `insecureConfiguration` names, wrapping any
 * implementation that offers the hooks. Protocol clients take it like any other implementation.
 *
 * @example
 * ```ts
 * import { implementation } from '@unitls/tls-node';
 * import { InsecureConfiguration, InsecureTLSImplementation } from '@unitls/insecure';
 * const insecure = new InsecureTLSImplementation(implementation, new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true }));
 * ```
 */
export class InsecureTLSImplementation extends TLSImplementation {
  declare readonly clientContext: new (configuration: TLSClientConfiguration) => InsecureClientContext;
  declare readonly serverContext: new (configuration: TLSServerConfiguration) => InsecureServerContext;
  readonly insecureConfiguration: InsecureConfiguration;

  constructor(base: TLSImplementation, insecureConfiguration: InsecureConfiguration) {
    hooksOf(base);
    if (!(insecureConfiguration instanceof InsecureConfiguration)) {
      throw new ConfigurationError('InsecureTLSImplementation needs an InsecureConfiguration');
    }
    super({
      name: `insecure(${base.name})`,
      clientContext: class extends InsecureClientContext {
        constructor(configuration: TLSClientConfiguration) {
          super(base, configuration, insecureConfiguration);
        }
      },
      serverContext: class extends InsecureServerContext {
        constructor(configuration: TLSServerConfiguration) {
          super(base, configuration, insecureConfiguration);
        }
      },
      validateConfig: (configuration) => base.validateConfig(configuration),
      features: base.features,
    });
    this.insecureConfiguration = insecureConfiguration;
    Object.freeze(this);
    warn(SecurityWarningCode.CONTEXT, `InsecureTLSImplementation over ${base.name}: ${describe(insecureConfiguration)}`);
  }
}
