/**
 * @unitls/cli: the `unitls` command (TLS diagnostics like `openssl s_client`, on any unitls
 * implementation), and the pieces it is made of, for programs that want the same report.
 *
 * @example
 * ```ts
 * import { connectAndReport, loadImplementation } from '@unitls/cli';
 * const report = await connectAndReport(await loadImplementation('node'), { host: 'example.org', port: 443 });
 * console.log(report.exitCode, report.lines.join('\n'));
 * ```
 *
 * @module
 */
export { connectAndReport, configurationFor, parseTarget, UsageError, type ConnectReport, type ConnectRequest } from './connect.js';
export { describeCertificate, type CertificateInfo } from './certificate.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export { startDemoServer } from './demo.js';
export { IMPLEMENTATION_PACKAGES, ImplementationUnavailableError, loadImplementation } from './implementations.js';
export { STARTTLS_PROTOCOLS, openStartTls, type StartTlsOptions, type StartTlsProtocol, type StartTlsSession } from './starttls.js';
