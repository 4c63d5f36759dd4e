/**
 * @unitls/insecure: contexts and implementations that skip certificate or hostname checks, for
 * test servers only. Every step emits a SecurityWarning. The better answer is almost always to
 * trust the test server's certificate: `TrustStore.fromBuffer(pem)`.
 *
 * @example
 * ```ts
 * import { TLSClientConfiguration } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-node';
 * import { InsecureClientContext, InsecureConfiguration } from '@unitls/insecure';
 *
 * const insecure = new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: false });
 * const context = new InsecureClientContext(implementation, new TLSClientConfiguration(), insecure);
 * ```
 *
 * @module
 */
export { InsecureConfiguration, type InsecureConfigurationOptions } from './configuration.js';
export { InsecureClientContext, InsecureServerContext, InsecureTLSImplementation, INSECURE_HOOKS, type InsecureHooks } from './implementation.js';
export { SecurityWarning, SecurityWarningCode } from './warning.js';
