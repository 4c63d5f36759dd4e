/**
 * @unitls/tls-node: the default unitls implementation, over node:tls (the OpenSSL inside Node).
 * Zero native code.
 *
 * @example
 * ```ts
 * import { TLSClientConfiguration } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-node';
 *
 * const context = new implementation.clientContext(new TLSClientConfiguration());
 * await using socket = await context.connect({ host: 'example.org', port: 443 });
 * console.log(socket.negotiatedTlsVersion, socket.cipher(), socket.negotiatedProtocol());
 * ```
 *
 * @module
 */
import { TLSImplementation } from '@unitls/tls-core';
import { NodeClientContext } from './client.js';
import { NodeServerContext } from './server.js';
import { IMPLEMENTATION_NAME } from './socket.js';
import { validateConfig } from './validate.js';
import { INSECURE_HOOKS, insecureHooks } from './insecure.js';

/** The tls-node TLSImplementation. */
export const implementation: TLSImplementation = new TLSImplementation({
  name: IMPLEMENTATION_NAME,
  clientContext: NodeClientContext,
  serverContext: NodeServerContext,
  validateConfig,
  features: {
    buffer: false,
    // node:tls reports both ends alike; native-end.ts and transport.ts tell them apart.
    raggedEOF: true,
    sessionResumption: true,
    verificationTime: false,
  },
  hooks: { [INSECURE_HOOKS]: insecureHooks },
});

export { NodeClientContext } from './client.js';
export { NodeServerContext, NodeListener } from './server.js';
export { NodeTLSSocket } from './socket.js';
export { verifyPeerName } from './hostname.js';
export { cipherIdFromStandardName } from './ciphers.js';
export { CIPHER_TABLE } from './cipher-table.js';
