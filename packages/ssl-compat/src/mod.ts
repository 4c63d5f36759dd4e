/**
 * @unitls/ssl-compat: move ssl-style code (node:tls, Python's ssl) to unitls one call at a time.
 *
 * @module
 */
export * from './errors.js';
export { parseCipherString, type CipherStringResult } from './cipher-string.js';
export { cipherIdsFromNodeString } from './ciphers.js';
export { fromNodeConnectOptions, fromNodeServerOptions, UnsupportedOptionError, type MappedConnectOptions } from './node-options.js';
export * from './ssl-context.js';
export { connect, createConnect, CompatTLSSocket, type PeerCertificate } from './connect.js';
