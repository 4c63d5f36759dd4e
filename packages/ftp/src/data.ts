/**
 * FTP data connections, each a ClientConnection of the kit: passive (connect to the port the
 * server names, through the client's transport) or active (accept the server's connection), in the
 * clear or, under PROT P, TLS verified against the control connection's name and resuming its
 * session. Opening (TCP, accept) and the TLS handshake are each one operation under the client's
 * timeout; the whole transfer ends when the client's signal, the call's signal or the rate clock
 * aborts it, and transport failures arrive as FTPConnectionError with their cause.
 *
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ClientConnection, type TransportFactory } from '@unitls/client-kit';
import type { ClientContext, TLSSession, TLSSocket } from '@unitls/tls-core';
import { FTPConnectionError, dataErrors } from './errors.js';

/** What the next data connection needs under PROT P. */
export interface DataTLS {
  readonly context: ClientContext;
  readonly serverHostname: string;
  /** The session to resume (the control connection's, or the last data connection's). */
  readonly session: () => TLSSession | null;
}

/** How data connections are made for one client. */
export interface DataSetup {
  readonly timeout: number;
  readonly transport: TransportFactory | undefined;
  /** The client's long-lived signal. */
  readonly signal: AbortSignal | undefined;
  /** TLS for PROT P, or null for clear data connections. */
  readonly tls: DataTLS | null;
}

/** A transfer's data connection and the controller that ends it. */
export class DataConnection {
  readonly io: ClientConnection;
  readonly #tls: DataTLS | null;
  readonly #controller = new AbortController();
  readonly #signals: AbortSignal[];

  /** `signals`: the client's and the call's; either aborting ends the transfer with its reason. */
  constructor(setup: DataSetup, signals: ReadonlyArray<AbortSignal | undefined>, transport: TransportFactory | undefined) {
    this.#tls = setup.tls;
    this.#signals = signals.filter((s): s is AbortSignal => s !== undefined);
    for (const signal of this.#signals) {
      if (signal.aborted) this.#controller.abort(signal.reason);
      else signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    const tls = setup.tls;
    this.io = new ClientConnection({
      client: this,
      errors: dataErrors,
      context: () => {
        if (tls === null) throw new FTPConnectionError('data connection: TLS asked for without PROT P');
        return tls.context;
      },
      serverHostname: tls?.serverHostname,
      timeout: setup.timeout,
      signal: this.#controller.signal,
      transport,
      session: tls?.session,
      // A data connection's server sends no greeting: a silent one waits for data.
      greets: false,
    });
  }

  /** The signal that ends this transfer (aborted with the reason). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The TLS socket, once secured. */
  get tlsSocket(): TLSSocket | null {
    return this.io.tlsSocket;
  }

  /** Ends the transfer: what waits rejects with `reason`, the connection closes. */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /**
   * Opens the connection (TCP connect, or the server's connection accepted) under the timeout.
   *
   * @throws FTPConnectionError (cause: the transport error), TimeoutError, the abort reason.
   */
  async open(host: string, port: number): Promise<void> {
    await this.io.open(host, port, 'plaintext');
  }

  /**
   * The TLS handshake under PROT P, resuming the control connection's session (a no-op otherwise),
   * under the timeout and ended by the signals (RFC 4217 §10.2: the client is the TLS client).
   */
  async secure(): Promise<void> {
    if (this.#tls !== null) await this.io.upgrade(0);
  }

  /**
   * Ends an upload: gracefully (close_notify under PROT P), rejecting when a clear data connection
   * was reset on the way (the server did not take every byte). @throws FTPConnectionError
   */
  async finish(): Promise<void> {
    for (const signal of this.#signals) signal.removeEventListener('abort', this.#onAbort);
    await this.io.finish();
  }

  /** Closes (gracefully: close_notify after an upload; `force` after the server's end or a failure). */
  async close(force: boolean): Promise<void> {
    for (const signal of this.#signals) signal.removeEventListener('abort', this.#onAbort);
    await this.io.close(force);
  }

  readonly #onAbort = (event: Event): void => {
    this.#controller.abort((event.target as AbortSignal).reason);
  };
}

/** A listening socket for active mode (PORT/EPRT) on our end of the control connection. */
export class ActiveListener {
  readonly #server: Server;
  readonly #expectedPeer: string;
  readonly #queue: Socket[] = [];
  #waiter: ((socket: Socket) => void) | null = null;

  private constructor(server: Server, expectedPeer: string) {
    this.#server = server;
    this.#expectedPeer = expectedPeer;
    server.on('connection', (socket) => {
      socket.on('error', () => {});
      // Only the server we talk to may connect (no port theft by a third party).
      if (socket.remoteAddress !== this.#expectedPeer || this.#queue.length > 0) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      if (this.#waiter !== null) this.#waiter(socket);
      else this.#queue.push(socket);
    });
    server.on('error', () => {});
  }

  /** Listens on `host` (our end of the control connection), for `expectedPeer` only. */
  static async listen(host: string, expectedPeer: string): Promise<ActiveListener> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new ActiveListener(server, expectedPeer);
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** A transport factory that hands over the server's connection when it comes (ended by its signal). */
  readonly transport: TransportFactory = (_address, { signal }) =>
    new Promise<Socket>((resolve, reject) => {
      const queued = this.#queue.shift();
      if (queued !== undefined) return resolve(queued);
      const onAbort = () => {
        this.#waiter = null;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (socket) => {
        signal.removeEventListener('abort', onAbort);
        this.#waiter = null;
        resolve(socket);
      };
    });

  close(): void {
    this.#server.close();
    for (const socket of this.#queue.splice(0)) socket.destroy();
  }
}

/** The data connection `ntransfercmd` returns. */
export interface DataChannel {
  /** The next bytes (empty at the server's end). */
  recv(): Promise<Uint8Array>;
  send(bytes: Uint8Array): Promise<void>;
  /** Closes (with close_notify under PROT P); then read the final reply with `voidresp()`. */
  close(): Promise<void>;
  /** The data connection's TLS socket under PROT P. */
  readonly tlsSocket: TLSSocket | null;
}
