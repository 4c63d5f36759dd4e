/**
 * The connections HTTP runs over. This package opens the TCP connection itself and starts TLS on
 * it with the implementation (tls-core's `startTls`: the implementation's native upgrade or its
 * TLSBuffer), so that it holds the one handle that keeps a process alive: an idle kept-alive
 * connection is unref'd (as Node's own HTTP agent does), whatever the implementation.
 *
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { RaggedEOF, TLSSocketStream, connectDirect, startTls, untilAborted, type ClientContext, type TLSSocket, type Transport } from '@unitls/tls-core';
import { HTTPException } from './errors.js';

/** What node:net sockets offer to stop a connection from keeping the event loop alive. */
interface Referable {
  ref?(): unknown;
  unref?(): unknown;
}

/** RFC 9112 §9.8, said once for both clients. */
export const TRUNCATION_RULE =
  'RFC 9112 §9.8: a response whose end is the end of the connection is complete only when TLS closed with close_notify';

/**
 * The error a missing close_notify becomes on an HTTP connection: any response still being read
 * may have been truncated by whoever closed the TCP connection. The RaggedEOF is the cause.
 */
export function truncationError(ragged: Error): HTTPException {
  return new HTTPException(
    `the server closed the TLS connection without close_notify, so what was read may be truncated (${TRUNCATION_RULE})`,
    'UNITLS_HTTP_TRUNCATED',
    { cause: ragged },
  );
}

/** Whether `error` is a missing close_notify, from any copy of tls-core. */
export function isRaggedEOF(error: unknown): boolean {
  return error instanceof RaggedEOF || (error as { code?: unknown } | null)?.code === 'UNITLS_RAGGED_EOF';
}

/**
 * A TLS connection as the Node stream node:http, node:http2 and undici read and write. `ref` and
 * `unref` reach the transport under TLS (the TCP socket), so a pooled idle connection does not
 * keep the process alive; a missing close_notify surfaces as {@link truncationError}.
 */
export class HTTPTransport extends TLSSocketStream {
  readonly #under: Referable;

  constructor(socket: TLSSocket, under: object) {
    super(socket);
    this.#under = under as Referable;
  }

  override ref(): this {
    this.#under.ref?.();
    return this;
  }

  override unref(): this {
    this.#under.unref?.();
    return this;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    super._destroy(error !== null && isRaggedEOF(error) ? truncationError(error) : error, callback);
  }
}

/**
 * A TCP connection to host:port, half-open (so our close_notify can still go out after the
 * server's FIN) and without Nagle delay; `signal` ends the attempt. `direct`: read into reused
 * memory (tls-core's connectDirect), for a TLS implementation that runs its TLSBuffer over the
 * socket (no `upgrade`): no fresh ArrayBuffer and no stream machinery per read; only that TLS
 * socket can read it (it emits no 'data').
 */
export async function connectTcp(host: string, port: number, signal: AbortSignal | undefined, direct = false): Promise<Socket> {
  const options = { host, port, noDelay: true, allowHalfOpen: true };
  const socket = direct ? connectDirect(options) : netConnect(options);
  socket.on('error', () => {}); // errors reach the caller through the connect promise, reads and writes
  await untilAborted(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }),
    signal,
    () => socket.destroy(),
  );
  return socket;
}

/**
 * Starts TLS with `context` on `transport` (which this package opened) and wraps the result for
 * the HTTP libraries. On failure the transport is destroyed.
 */
export async function startHttpTls(
  context: ClientContext,
  transport: Transport,
  serverHostname: string,
  signal: AbortSignal | undefined,
): Promise<HTTPTransport> {
  try {
    const tls = await startTls(context, transport, { serverHostname, ...(signal === undefined ? {} : { signal }) });
    return new HTTPTransport(tls, transport);
  } catch (error) {
    transport.destroy();
    throw error;
  }
}
