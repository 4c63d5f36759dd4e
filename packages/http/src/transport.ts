/**
 * The connections HTTP runs over. This package opens the TCP connection itself and starts TLS on
 * it with the implementation (tls-core's `startTls`: the implementation's native upgrade or its
 * TLSBuffer), so that it holds the one handle that keeps a process alive: an idle kept-alive
 * connection is unref'd (as Node's own HTTP agent does), whatever the implementation.
 *
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { RaggedEOF, TLSSocketStream, connectDirect, connectOperation, startTls, untilAborted, type ClientContext, type TLSSocket, type Transport } from '@unitls/tls-core';
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
 * What a missing close_notify does to an {@link HTTPTransport}'s readable side.
 * - `'error'`: the stream fails with {@link truncationError}; bytes not yet read are lost. For
 *   readers that do not know where a response ends (node:http2 sessions, a CONNECT tunnel).
 * - `'end'`: the readable side ends as at close_notify, after every byte received, and the end
 *   is marked (see {@link raggedEnd}) for the HTTP/1.1 client above, which knows each response's
 *   framing (RFC 9112 §9.8: a response complete by Content-Length or its last chunk is complete
 *   without close_notify; only a close-delimited one ends at the connection's end). HTTP/2 (ALPN
 *   `h2`) always takes `'error'`: its streams end with END_STREAM, never at the connection's end.
 */
export type RaggedEOFMode = 'error' | 'end';

/** The missing close_notify whose 'end' an HTTPTransport is emitting right now (mode 'end'). */
let endingRagged: Error | null = null;

/**
 * The RaggedEOF of the connection whose readable side is ending without close_notify, while its
 * 'end' listeners run (synchronously; null at any other time). undici completes a close-delimited
 * response inside its 'end' listener (llhttp_finish), and only such a response: its
 * onResponseEnd sees this non-null and must not pass the body as complete.
 */
export function raggedEnd(): Error | null {
  return endingRagged;
}

/**
 * A TLS connection as the Node stream node:http, node:http2 and undici read and write. `ref` and
 * `unref` reach the transport under TLS (the TCP socket), so a pooled idle connection does not
 * keep the process alive; a missing close_notify is a {@link truncationError} or, in mode
 * `'end'`, an end marked for the HTTP/1.1 parser above ({@link RaggedEOFMode}).
 */
export class HTTPTransport extends TLSSocketStream {
  readonly #under: Referable;
  #raggedEOF: RaggedEOFMode;
  /** The RaggedEOF the readable side ended at (mode 'end'). */
  #ragged: Error | null = null;
  /** Mode 'end': the connection's end came while received bytes were still buffered, not yet pushed. */
  #endHeld = false;
  /** Mode 'end': the connection's end was seen; nothing more is received. */
  #endSeen = false;

  constructor(socket: TLSSocket, under: object, raggedEOF: RaggedEOFMode = 'error') {
    super(socket);
    this.#under = under as Referable;
    this.#raggedEOF = raggedEOF;
  }

  override ref(): this {
    this.#under.ref?.();
    return this;
  }

  override unref(): this {
    this.#under.unref?.();
    return this;
  }

  /**
   * Mode 'end': the end of the readable side (close_notify, or a missing one) waits until every
   * buffered byte was read, then comes one microtask after that read. undici reads with
   * `socket.read()` and stops when its parser pauses for a slow body reader; an 'end' scheduled
   * by the read that took the last bytes would reach that paused parser, whose 'end' listener
   * then throws (llhttp_finish asserts it is not paused: an uncaught exception, the response
   * left unsettled). Pushed once the buffer is empty, the end is emitted by undici's next read,
   * after it resumed.
   */
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null || this.#raggedEOF === 'error') return super.push(chunk, encoding);
    this.#endSeen = true;
    if (this.readableLength === 0) return super.push(null);
    this.#endHeld = true;
    return false;
  }

  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    if (this.#endHeld && this.readableLength === 0) {
      this.#endHeld = false;
      queueMicrotask(() => {
        if (!this.destroyed) super.push(null);
      });
    }
    return chunk;
  }

  override _read(): void {
    if (!this.#endSeen) super._read();
  }

  protected override recvFailed(error: Error): void {
    if (this.#raggedEOF === 'end' && this.alpnProtocol !== 'h2' && isRaggedEOF(error)) {
      this.#ragged = error;
      this.push(null);
    } else this.destroy(error);
  }

  /**
   * The HTTP client hands the connection over (a 101 upgrade, a CONNECT tunnel): HTTP no longer
   * frames what follows, so a missing close_notify fails the stream again (mode 'error', RFC 8446
   * §6.1), including one already seen: the bytes before it are still read, then 'error' comes
   * instead of 'end'.
   */
  handOver(): void {
    this.#raggedEOF = 'error';
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'end' || this.#ragged === null) return super.emit(event, ...args);
    if (this.#raggedEOF === 'error') {
      this.destroy(this.#ragged);
      return false;
    }
    const outer = endingRagged;
    endingRagged = this.#ragged;
    try {
      return super.emit(event, ...args);
    } finally {
      endingRagged = outer;
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error !== null && isRaggedEOF(error)) error = truncationError(error);
    // What the parser above makes of an end without close_notify (undici: "other side closed",
    // a Content-Length mismatch, an invalid EOF state) keeps its class and code, which undici's
    // retry rules read, and gets the truncation as its cause.
    else if (error !== null && this.#ragged !== null && endingRagged === this.#ragged && error.cause === undefined) {
      Object.defineProperty(error, 'cause', { value: truncationError(this.#ragged), writable: true, configurable: true });
    }
    super._destroy(error, callback);
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
    // A deadline's message names the connect and its phase (a ConnectTimeoutError for the timeout option).
    { operation: connectOperation({ host, port }), phase: 'TCP connect' },
  );
  return socket;
}

/**
 * Starts TLS with `context` on `transport` (which this package opened) and wraps the result for
 * the HTTP libraries; `raggedEOF` as {@link RaggedEOFMode}. On failure the transport is destroyed.
 * `target` is what the TCP connection went to: a deadline's message names the connect to it
 * ("connect to example.org:443 timed out … during the TLS handshake"), never a STARTTLS upgrade,
 * which HTTPS does not do.
 */
export async function startHttpTls(
  context: ClientContext,
  transport: Transport,
  serverHostname: string,
  signal: AbortSignal | undefined,
  target: { host: string; port: number },
  raggedEOF: RaggedEOFMode = 'error',
): Promise<HTTPTransport> {
  try {
    const tls = await startTls(context, transport, { serverHostname, operation: connectOperation(target), ...(signal === undefined ? {} : { signal }) });
    return new HTTPTransport(tls, transport, raggedEOF);
  } catch (error) {
    transport.destroy();
    throw error;
  }
}
