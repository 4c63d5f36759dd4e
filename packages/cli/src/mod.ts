/**
 * @unitls/cli: the `unitls` command (TLS diagnostics on any unitls implementation), and the
 * pieces it is made of, for programs that want the same report.
 *
 * @example
 * ```ts
 * import { connectAndReport } from '@unitls/cli';
 * import { implementation } from '@unitls/tls-node';
 * const report = await connectAndReport(implementation, { host: 'example.org', port: 443 });
 * console.log(report.lines.join('\n'));
 * ```
 *
 * @module
 */
export { connectAndReport, configurationFor, parseTarget, UsageError, type ConnectReport, type ConnectRequest } from './connect.js';
export { startDemoServer } from './demo.js';
export { implementations } from './implementations.js';
