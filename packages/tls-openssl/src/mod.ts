/**
 * @unitls/tls-openssl: a unitls implementation that drives the OpenSSL inside Node through a small
 * N-API addon with memory BIOs: a truly synchronous PEP 748 TLSBuffer, and certificate
 * verification done by OpenSSL with X509_V_FLAG_X509_STRICT.
 *
 * @example
 * ```ts
 * import { TLSClientConfiguration } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-openssl';
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
import { validateConfig } from '@unitls/tls-node/internal';
import { addon } from './addon.js';
import { IMPLEMENTATION_NAME } from './buffer.js';
import { OpenSSLClientContext, OpenSSLServerContext, RELAX, type OpenSSLContextOptions, type Relaxations } from './contexts.js';

const INSECURE_HOOKS = Symbol.for('@unitls/insecure.hooks.v1');

/** The tls-openssl TLSImplementation. */
export const implementation: TLSImplementation = new TLSImplementation({
  name: IMPLEMENTATION_NAME,
  clientContext: OpenSSLClientContext,
  serverContext: OpenSSLServerContext,
  validateConfig: (configuration: TLSClientConfiguration | TLSServerConfiguration) => validateConfig(configuration, '@unitls/tls-openssl'),
  features: { buffer: true, raggedEOF: true, sessionResumption: true, verificationTime: true },
  // Used only by @unitls/insecure, which warns at every step.
  hooks: {
    [INSECURE_HOOKS]: Object.freeze({
      clientContext(configuration: TLSClientConfiguration, relaxations: Relaxations) {
        return new OpenSSLClientContext(configuration, { [RELAX]: relaxations } as OpenSSLContextOptions);
      },
      serverContext(configuration: TLSServerConfiguration, relaxations: { verifyClientChain: boolean }) {
        return new OpenSSLServerContext(configuration, { acceptAnyClientCertificate: !relaxations.verifyClientChain });
      },
    }),
  },
});

export { OpenSSLClientContext, OpenSSLServerContext, type OpenSSLContextOptions } from './contexts.js';
export { OpenSSLBuffer, INCOMING_BUFFER_LIMIT, OUTGOING_BUFFER_LIMIT, MAX_CERTIFICATE_CHAINS, MAX_IDLE_HANDSHAKE_MESSAGES } from './buffer.js';
export const opensslVersion: string = addon.opensslVersion;
