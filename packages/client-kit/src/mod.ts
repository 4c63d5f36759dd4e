/**
 * @unitls/client-kit: what the unitls protocol clients (SMTP, IMAP4, POP3, FTP) share — bounded
 * line framing, the CR/LF/NUL guard at the single write point, SASL (PLAIN, LOGIN, CRAM-MD5,
 * XOAUTH2, SCRAM-SHA-256), diagnostics channels, one error model and the connection adapter
 * with a deadline per operation.
 *
 * @example
 * ```ts
 * import { ClientConnection, LineReader, encodeCommand, clientErrors, diagnostics } from '@unitls/client-kit';
 * import { TLSClientConfiguration } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-node';
 *
 * const connection = new ClientConnection({
 *   client: {}, errors: clientErrors, channels: diagnostics.pop,
 *   context: () => new implementation.clientContext(new TLSClientConfiguration()),
 *   timeout: 10_000,
 * });
 * await connection.open('pop.example.org', 995, 'implicit');
 * const lines = new LineReader({ maxLineLength: 8192 });
 * const greeting = await connection.run(async () => {
 *   for (;;) {
 *     const line = lines.readLine();
 *     if (line !== null) return line.toString('latin1');
 *     const data = await connection.recv();
 *     if (data.length === 0) throw new Error('closed');
 *     lines.push(data);
 *   }
 * });
 * await connection.send(encodeCommand('QUIT'));
 * await connection.close();
 * ```
 *
 * @module
 */
export {
  ClientError,
  ClientUsageError,
  ClientProtocolError,
  ClientConnectionError,
  ClientTimeoutError,
  clientErrors,
  setTimeoutFields,
  timeoutErrorClass,
  connectionLost,
  errorClass,
  errorKind,
  type errorClassName,
  type ErrorClass,
  type ErrorInstance,
  type TimeoutErrorClass,
  type TimeoutErrorInstance,
  type ErrorFamily,
  type ErrorRole,
  type ClientErrorOptions,
  type TimeoutDetails,
  type TimeoutFields,
  type TimeoutPhase,
} from './errors.js';
export { LineReader, type LineReaderOptions, type BareLFPolicy } from './lines.js';
export { PrimedSource } from './source.js';
export {
  checkClientOptions,
  checkCallOptions,
  optionNames,
  optionKinds,
  unknownOptionMessage,
  closestName,
  SIGNAL_ONLY,
  SHARED_OPTION_NAMES,
  type CommonClientOptions,
  type ClientOptionNames,
  type CallOptionKinds,
  type OptionKind,
} from './options.js';
export { checkLine, encodeCommand } from './guard.js';
export {
  SASL_PREFERENCE,
  MAX_SASL_ROUNDS,
  mechanismFor,
  preferredMechanisms,
  encodeSasl,
  decodeSasl,
  plain,
  login,
  cramMd5,
  xoauth2,
  checkCredentials,
  credentialsAdvice,
  type Credentials,
  type SaslLimits,
  type SaslMechanism,
  type MechanismOptions,
} from './sasl.js';
export { scram, DEFAULT_MAX_SCRAM_ITERATIONS } from './scram.js';
export {
  diagnostics,
  redact,
  REDACTED,
  type ClientPackage,
  type ClientChannels,
  type ConnectMessage,
  type CommandMessage,
  type ReplyMessage,
  type TLSMessage,
  type CloseMessage,
} from './diagnostics.js';
export { OperationDeadline, type ExpireHandler } from './deadline.js';
export { CallGate } from './gate.js';
export { InFlight, trackCalls } from './in-flight.js';
export { pendingPromise, takeReject, takeResolve } from './resolvers.js';
export { tcpTransport, type TransportFactory } from './transport.js';
export { ClientConnection, DEFAULT_TIMEOUT_MS, SEND_PIECE, type ClientConnectionOptions, type SansIOCore, type Security } from './connection.js';
