/**
 * @unitls/tls-core: PEP 748 ("A Unified TLS API for Python") in TypeScript. Configurations,
 * descriptors, enums, errors and the interfaces every implementation honours, plus the
 * implementation-neutral machinery (TLSSocket over a TLSBuffer, startTls).
 *
 * @example
 * ```ts
 * import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-node';
 *
 * const context = new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.system() }));
 * await using socket = await context.connect({ host: 'example.org', port: 443 });
 * await socket.send(new TextEncoder().encode('HEAD / HTTP/1.0\r\nHost: example.org\r\n\r\n'));
 * ```
 *
 * @module
 */
export * from './enums.js';
export * from './errors.js';
export { adviceForOpenSSLVerifyCode, reasonForOpenSSLVerifyCode } from './openssl-verify-codes.js';
export { withVerificationAdvice, withoutVerificationAdvice } from './verification-advice.js';
export { validityFailure, validityFailureMessage, failsValidity, VALIDITY_ADVICE, type CertificateValidity, type ChainPosition } from './validity-failure.js';
export { closestName, nameDistance } from './closest-name.js';
export { hostnameMismatch, hostnameMismatchMessage, describeCertificateNames, certificateNameEntries, namesFromSubjectAltName, MISMATCH_NAMES_SHOWN, MISMATCH_NAME_CHARS, type CertificateNames } from './name-mismatch.js';
export * from './descriptors.js';
export * from './configuration.js';
export type * from './interfaces.js';
export {
  TLSImplementation,
  checkConfiguration,
  configurationDescriptors,
  type ClientContextConstructor,
  type ServerContextConstructor,
  type TLSImplementationOptions,
} from './implementation.js';
export { ChunkReader, type ReadFlow, type ReadOutcome } from './chunk-reader.js';
export { AcceptQueue } from './accept-queue.js';
export { localAddress, remoteAddress, checkAddress, checkConnectOptions } from './address.js';
export { TLSSession, sessionFingerprint, bindSessions, sealSession, openSession, type SessionContent } from './session.js';
export { parseServerName, MAX_SERVER_NAME_LENGTH, MAX_LABEL_LENGTH, type ServerName } from './server-name.js';
export { describeValue } from './describe-value.js';
export {
  ConnectTimeoutError,
  connectOperation,
  deadlineSignal,
  describeAbort,
  throwIfAborted,
  untilAborted,
  upgradeOperation,
  type AbortSite,
  type ConnectPhase,
  type ConnectTimeoutPhase,
} from './deadline.js';
export {
  BufferSocket,
  BufferListener,
  CLOSE_NOTIFY_TIMEOUT_MS,
  SEND_PIECE_SIZE,
  RECV_MAX,
  READ_EOF,
  READ_WANT_READ,
  READ_WANT_WRITE,
  STEP_DONE,
  endTransport,
  endWriting,
  type BufferSocketOptions,
  type TLSBufferFastPath,
} from './buffer-socket.js';
export { TLSListener, listenOn, SERVER_HANDSHAKE_TIMEOUT_MS, type ListenOptions } from './listener.js';
export { connectDirect, readDirectly, READ_AHEAD } from './intake.js';
export { startTls, StartTlsInjectionError, type StartTlsOptions } from './start-tls.js';
export { connectTcp } from './tcp.js';
export { TLSSocketStream } from './stream.js';
