/**
 * `startTls`: upgrade an already-open plain connection (SMTP STARTTLS, IMAP STARTTLS, POP3 STLS,
 * FTP AUTH TLS) with any implementation.
 *
 * @module
 */
import { BufferSocket } from './buffer-socket.js';
import { upgradeOperation } from './deadline.js';
import { ConfigurationError, TLSError } from './errors.js';
import type { ClientContext, TLSSocket, Transport } from './interfaces.js';
import type { TLSSession } from './session.js';
import { parseServerName } from './server-name.js';

/** Options of {@link startTls}. */
export interface StartTlsOptions {
  /** The name to verify the server's certificate against (and send as SNI). Required. */
  serverHostname: string;
  signal?: AbortSignal;
  /** Milliseconds allowed for the handshake. */
  timeout?: number;
  /** A session to resume (extension; FTPS data connections). */
  session?: TLSSession | null;
  /** What timeout and abort messages call this handshake (default: "TLS upgrade (STARTTLS) of the connection to NAME"). */
  operation?: string;
}

/** Raised when bytes arrived on the plain connection before TLS started (possible injection). */
export class StartTlsInjectionError extends TLSError {
  override readonly code = 'UNITLS_STARTTLS_INJECTION';
}

/**
 * Starts TLS as a client on `socket`, which must be connected, have no listeners of the caller's
 * left on it, and hold no unread bytes: bytes the server sent before the handshake would be
 * plaintext an attacker could have injected, so they are refused (the socket is destroyed).
 * Uses the implementation's native upgrade when it has one (`context.upgrade`), its TLSBuffer
 * otherwise.
 *
 * @throws ConfigurationError when `serverHostname` is missing or not a valid server name
 *   ({@link parseServerName}); the signal's reason when `signal` is already aborted. Neither
 *   touches the socket.
 * @example
 * ```ts
 * import { startTls, TLSClientConfiguration } from '@unitls/tls-core';
 * import { implementation } from '@unitls/tls-node';
 * // ... after the server answered "220 ready for TLS" on `plain`:
 * const context = new implementation.clientContext(new TLSClientConfiguration());
 * const tls = await startTls(context, plain, { serverHostname: 'mail.example.org' });
 * ```
 */
export async function startTls(context: ClientContext, socket: Transport, options: StartTlsOptions): Promise<TLSSocket> {
  if (options?.serverHostname === undefined) {
    throw new ConfigurationError('startTls: serverHostname is required, to verify the server certificate');
  }
  // Refused before the socket is touched; the implementation sees the A-label form.
  const serverHostname = parseServerName(options.serverHostname, 'startTls').name;
  const { signal, timeout, session, operation } = options;
  if (signal?.aborted) throw signal.reason;
  if (socket.destroyed || !socket.writable || (socket.readyState !== undefined && socket.readyState !== 'open')) {
    throw new TLSError('startTls: the plain connection is not open');
  }
  const held = socket.readableLength + decodingBytes(socket);
  if (held > 0) {
    socket.destroy();
    throw new StartTlsInjectionError(`startTls: ${held} bytes arrived before the TLS handshake; refusing them (possible response injection)`);
  }
  readBytes(socket);
  if (context.upgrade !== undefined) {
    return context.upgrade(socket, {
      serverHostname,
      ...(signal === undefined ? {} : { signal }),
      ...(timeout === undefined ? {} : { timeout }),
      ...(session === undefined ? {} : { session }),
      ...(operation === undefined ? {} : { operation }),
    });
  }
  const buffer = context.createBuffer(serverHostname, session === undefined ? undefined : { session });
  return BufferSocket.open(buffer, socket, { signal, timeout, operation: operation ?? upgradeOperation(serverHostname) });
}

/** The parts of Node's Readable state a text decoder (`setEncoding`) lives in. Internal to Node. */
interface DecodingState {
  decoder?: { lastNeed?: number; lastTotal?: number } | null;
  encoding?: string | null;
}

function decodingState(socket: Transport): DecodingState | undefined {
  return (socket as { _readableState?: DecodingState })._readableState;
}

/** Bytes a text decoder holds (the start of a character cut by a read): they too came before TLS. */
function decodingBytes(socket: Transport): number {
  const decoder = decodingState(socket)?.decoder;
  const need = decoder?.lastNeed ?? 0;
  return need > 0 ? (decoder?.lastTotal ?? need) - need : 0;
}

/**
 * A plain phase read as text (`socket.setEncoding('utf8')` to read "220 ready" lines) leaves a
 * decoder on the socket: every read would then be a string, not the bytes TLS needs (a UTF-8
 * decoder even alters them). Readable has no public way back to bytes, so the decoder is dropped;
 * only TLS reads the socket from now on.
 */
function readBytes(socket: Transport): void {
  const state = decodingState(socket);
  if (state?.decoder == null) return;
  state.decoder = null;
  state.encoding = null;
}
