import { createServer, type Server, type Socket } from 'node:net';
import { AcceptQueue } from './accept-queue.js';
import { checkAddress } from './address.js';
import { TLSError } from './errors.js';
import type { Address, ServerContext, TLSSocket } from './interfaces.js';

/** Options of {@link listenOn}: how accepted TCP connections are set up (node:net's names). */
export interface ListenOptions {
  /** Keep an accepted connection writable after the peer's FIN (default false). */
  allowHalfOpen?: boolean;
  /** Turn Nagle's algorithm off on accepted connections (default false). */
  noDelay?: boolean;
  /** Hand accepted connections over unread and paused (node:net's option; default false). */
  pauseOnConnect?: boolean;
}

/**
 * How long an accepted connection may take to finish its TLS handshake, in milliseconds (Node's
 * `tls.Server` default `handshakeTimeout`). A client that connects and never completes would
 * otherwise hold its socket and handshake state for ever, and many of them would exhaust the server.
 */
export const SERVER_HANDSHAKE_TIMEOUT_MS = 120_000;

/** Binds a TCP server to `address` (port 0: an ephemeral port) and resolves once it listens. */
export async function listenOn(address: Address, options: ListenOptions = {}): Promise<Server> {
  checkAddress('ServerContext.connect', address);
  const server = createServer({ allowHalfOpen: options.allowHalfOpen ?? false, noDelay: options.noDelay ?? false, pauseOnConnect: options.pauseOnConnect ?? false });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * A listening TLSSocket (what `ServerContext.connect` returns). Each TCP connection is handed to
 * the implementation's {@link handshake}; `accept()` yields the outcomes, success or failure, in
 * the order handshakes finish. Implementations subclass it and provide `handshake` only.
 */
export abstract class TLSListener<T extends TLSSocket> implements TLSSocket {
  readonly context: ServerContext;
  readonly negotiatedTlsVersion = null;
  readonly #server: Server;
  readonly #queue = new AcceptQueue<T>();
  readonly #handshaking = new Set<Socket>();

  protected constructor(context: ServerContext, server: Server) {
    this.context = context;
    this.#server = server;
    server.on('connection', (transport: Socket) => this.#onConnection(transport));
  }

  /** Milliseconds an accepted connection has to finish its handshake ({@link SERVER_HANDSHAKE_TIMEOUT_MS}). */
  protected get handshakeTimeout(): number {
    return SERVER_HANDSHAKE_TIMEOUT_MS;
  }

  /** Runs the server side of a handshake on an accepted TCP connection; rejects with why it failed. */
  protected abstract handshake(transport: Socket): Promise<T>;

  /**
   * The socket to serve an accepted connection on (called first, before {@link handshake}): the
   * accepted one itself, or a replacement that took over its connection. This default keeps it.
   */
  protected adopt(accepted: Socket): Socket {
    return accepted;
  }

  #onConnection(accepted: Socket): void {
    if (!this.#queue.hasRoom) {
      accepted.destroy();
      return;
    }
    let transport: Socket;
    try {
      transport = this.adopt(accepted);
    } catch (error) {
      accepted.destroy();
      this.#queue.push({ ok: false, error });
      return;
    }
    this.#handshaking.add(transport);
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      transport.destroy();
    }, this.handshakeTimeout);
    deadline.unref();
    let handshake: Promise<T>;
    try {
      handshake = this.handshake(transport);
    } catch (error) {
      handshake = Promise.reject(error);
    }
    handshake
      .then(
        (value) => {
          // The deadline closed the connection as the handshake finished: it is not usable.
          if (timedOut) throw new TLSError('the handshake did not finish in time');
          this.#queue.push({ ok: true, value });
        },
      )
      .catch((error: unknown) => {
        transport.destroy();
        const reason = timedOut
          ? new TLSError(`the client did not finish the TLS handshake within ${this.handshakeTimeout} ms; the connection was closed`, { cause: error })
          : error;
        this.#queue.push({ ok: false, error: reason });
      })
      .finally(() => {
        clearTimeout(deadline);
        this.#handshaking.delete(transport);
      });
  }

  listen(backlog: number): void {
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError('listen: backlog must be a non-negative integer');
    this.#queue.backlog = Math.max(backlog, 1);
  }

  async accept(): Promise<[TLSSocket, Address]> {
    const socket = await this.#queue.next();
    return [socket, socket.getpeername() ?? { host: '', port: 0 }];
  }

  getsockname(): Address | null {
    const address = this.#server.address();
    return address === null || typeof address === 'string' ? null : { host: address.address, port: address.port };
  }

  getpeername(): null {
    return null;
  }

  getpeercert(): null {
    return null;
  }

  cipher(): null {
    return null;
  }

  negotiatedProtocol(): null {
    return null;
  }

  recv(): Promise<Uint8Array> {
    return Promise.reject(new TLSError('recv() on a listening socket: accept() a connection first'));
  }

  send(): Promise<number> {
    return Promise.reject(new TLSError('send() on a listening socket: accept() a connection first'));
  }

  async close(): Promise<void> {
    this.#queue.close(new TLSError('the listening socket was closed'));
    for (const transport of this.#handshaking) transport.destroy();
    // Accepted connections belong to their callers; only the listening handle is closed here.
    this.#server.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
