/**
 * tls-pure over the @noble provider as contexts of their own, so that it can be a TLSImplementation
 * ("pure-noble") beside the default one: the same engine, every primitive from the @noble packages.
 *
 * @module
 */
import type { TLSClientConfiguration, TLSServerConfiguration } from '@unitls/tls-core';
import { nobleCryptoProvider } from '../crypto/noble.js';
import { PureClientContext, PureServerContext, type PureContextOptions } from './contexts.js';

/** A {@link PureClientContext} whose provider is always {@link nobleCryptoProvider}. */
export class NobleClientContext extends PureClientContext {
  constructor(configuration: TLSClientConfiguration, options: Omit<PureContextOptions, 'provider'> = {}) {
    super(configuration, { ...options, provider: nobleCryptoProvider });
  }
}

/** A {@link PureServerContext} whose provider is always {@link nobleCryptoProvider}. */
export class NobleServerContext extends PureServerContext {
  constructor(configuration: TLSServerConfiguration, options: Omit<PureContextOptions, 'provider'> = {}) {
    super(configuration, { ...options, provider: nobleCryptoProvider });
  }
}
