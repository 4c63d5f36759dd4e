/**
 * @unitls/tls-pure: a unitls implementation whose TLS protocol is TypeScript, owing nothing to
 * OpenSSL's TLS: a sans-IO TLS 1.3 engine with a synchronous PEP 748 TLSBuffer, crypto primitives
 * through a provider (node:crypto by default). New code; see the README for what it is and is not.
 *
 * @example
 * ```ts
 * import { TLSClientConfiguration } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-pure';
 *
 * const context = new implementation.clientContext(new TLSClientConfiguration());
 * const buffer = context.createBuffer('example.org');
 * try {
 *   buffer.doHandshake();
 * } catch {
 *   // WantReadError: send buffer.processOutgoing(n) to the server, feed its answer to processIncoming
 * }
 * ```
 *
 * @module
 */
import { TLSImplementation, type TLSClientConfiguration, type TLSServerConfiguration } from '@unitls/tls-core';
import { PureClientContext, PureServerContext, implementationName, type PureContextOptions } from './config/contexts.js';
import { NobleClientContext, NobleServerContext } from './config/noble-contexts.js';
import { validateConfig } from './config/validate.js';
import { nobleCryptoProvider } from './crypto/noble.js';
import { nodeCryptoProvider } from './crypto/node.js';
import type { CryptoProvider } from './crypto/provider.js';
import { RELAX, type Relaxations } from './danger.js';

const INSECURE_HOOKS = Symbol.for('@unitls/insecure.hooks.v1');

function pureImplementation(provider: CryptoProvider, clientContext: typeof PureClientContext, serverContext: typeof PureServerContext): TLSImplementation {
  return new TLSImplementation({
    name: implementationName(provider),
    clientContext,
    serverContext,
    validateConfig: (configuration: TLSClientConfiguration | TLSServerConfiguration) => validateConfig(configuration),
    features: { buffer: true, raggedEOF: true, sessionResumption: true, verificationTime: true },
    // Used only by @unitls/insecure, which warns at every step.
    hooks: {
      [INSECURE_HOOKS]: Object.freeze({
        clientContext: (configuration: TLSClientConfiguration, relaxations: Relaxations) => new PureClientContext(configuration, { provider, [RELAX]: relaxations } as PureContextOptions),
        serverContext: (configuration: TLSServerConfiguration, relaxations: { verifyClientChain: boolean }) =>
          new PureServerContext(configuration, { provider, [RELAX]: relaxations } as PureContextOptions),
      }),
    },
  });
}

/** The tls-pure TLSImplementation ("pure"), with the node:crypto provider. */
export const implementation: TLSImplementation = pureImplementation(nodeCryptoProvider, PureClientContext, PureServerContext);

/**
 * tls-pure with every primitive from the @noble packages ("pure-noble"): for runtimes without
 * node:crypto, and run by the conformance suite as an implementation of its own. Its sessions are
 * bound to it (never resumed by "pure", nor the other way round).
 */
export const nobleImplementation: TLSImplementation = pureImplementation(nobleCryptoProvider, NobleClientContext, NobleServerContext);

/**
 * tls-pure over `provider` as a TLSImplementation of its own, named after it ("pure-" and the
 * provider's name in letters and digits, e.g. "pure-opensslaead" for tls-openssl's
 * `withOpenSSLAead(nodeCryptoProvider)`): its contexts always use `provider`, and its sessions are
 * never resumed by another provider's. For code (and suites) that take a TLSImplementation; a
 * context alone takes `{ provider }` as an option.
 *
 * @example
 * ```ts
 * import { implementationWith, nodeCryptoProvider } from '@unitls/tls-pure';
 * import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
 *
 * const pureWithOpenSSLAead = implementationWith(withOpenSSLAead(nodeCryptoProvider));
 * ```
 */
export function implementationWith(provider: CryptoProvider): TLSImplementation {
  class ClientContext extends PureClientContext {
    constructor(configuration: TLSClientConfiguration, options: Omit<PureContextOptions, 'provider'> = {}) {
      super(configuration, { ...options, provider });
    }
  }
  class ServerContext extends PureServerContext {
    constructor(configuration: TLSServerConfiguration, options: Omit<PureContextOptions, 'provider'> = {}) {
      super(configuration, { ...options, provider });
    }
  }
  return pureImplementation(provider, ClientContext, ServerContext);
}

export { PureClientContext, PureServerContext, type PureContextOptions } from './config/contexts.js';
export { NobleClientContext, NobleServerContext } from './config/noble-contexts.js';
export { PureBuffer } from './buffer.js';
export { DEFAULT_LIMITS, type Limits } from './config/limits.js';
export { nodeCryptoProvider } from './crypto/node.js';
export { nobleCryptoProvider } from './crypto/noble.js';
export { NamedGroup } from './codec/constants.js';
export type { Aead, AeadAlgorithm, CryptoProvider, HashAlgorithm, HashState, KeyExchange, SigningKey } from './crypto/provider.js';
export { TLSPeerAlertError, TLSProtocolError } from './errors.js';
