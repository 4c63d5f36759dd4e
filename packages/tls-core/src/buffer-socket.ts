/**
 * A TLSSocket made of any TLSBuffer plus a plain byte transport (a node:net Socket): the
 * machinery that lets an implementation with only a sans-IO TLSBuffer serve sockets, STARTTLS
 * and TLS-inside-TLS. The loop is the classic one: call the buffer, and on WantReadError flush
 * its output and feed it what the transport delivers.
 *
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AcceptQueue } from './accept-queue.js';
import { checkAddress, localAddress, remoteAddress } from './address.js';
import { ChunkReader } from './chunk-reader.js';
import { deadlineSignal, untilAborted } from './deadline.js';
import type { TLSVersion, CipherSuite, NextProtocol } from './enums.js';
import { TLSError, WantReadError, WantWriteError } from './errors.js';
import type { Address, ClientContext, ServerContext, TLSBuffer, TLSSession, TLSSocket } from './interfaces.js';

/** How long a non-forced close waits for the peer's close_notify before dropping the transport. */
export const CLOSE_NOTIFY_TIMEOUT_MS = 5_000;

const READ_SIZE = 64 * 1024;

/** Options of {@link BufferSocket.open}. */
export interface BufferSocketOptions {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
}

/** A connected TLSSocket driving a TLSBuffer over a transport. Build with {@link BufferSocket.open}. */
export class BufferSocket implements TLSSocket {
  readonly #buffer: TLSBuffer;
  readonly #transport: Socket;
  readonly #reader: ChunkReader;
  #closed = false;
  /** Transport bytes the buffer had no room for yet. */
  #pending: Uint8Array = new Uint8Array(0);
  #busy: Promise<unknown> = Promise.resolve();

  private constructor(buffer: TLSBuffer, transport: Socket, reader: ChunkReader) {
    this.#buffer = buffer;
    this.#transport = transport;
    this.#reader = reader;
  }

  /**
   * Runs the handshake of `buffer` over `transport` and resolves with the connected socket. The
   * transport must have no unread bytes taken by anyone else. On failure the transport is
   * destroyed.
   */
  static async open(buffer: TLSBuffer, transport: Socket, options: BufferSocketOptions = {}): Promise<BufferSocket> {
    const socket = new BufferSocket(buffer, transport, new ChunkReader(transport));
    const signal = deadlineSignal(options.signal, options.timeout);
    try {
      await untilAborted(socket.#handshake(), signal, () => transport.destroy());
    } catch (error) {
      transport.destroy();
      throw error;
    }
    return socket;
  }

  get context(): ClientContext | ServerContext {
    return this.#buffer.context;
  }

  get negotiatedTlsVersion(): TLSVersion | null {
    return this.#closed ? null : this.#buffer.negotiatedTlsVersion;
  }

  get sessionReused(): boolean {
    return this.#buffer.sessionReused ?? false;
  }

  session(): TLSSession | null {
    return this.#buffer.session?.() ?? null;
  }

  async #handshake(): Promise<void> {
    for (;;) {
      try {
        this.#buffer.doHandshake();
        await this.#flush();
        return;
      } catch (error) {
        if (error instanceof WantWriteError) await this.#flush();
        else if (error instanceof WantReadError) await this.#fill('the connection closed during the TLS handshake');
        else {
          // Send the alert the buffer produced before failing.
          await this.#flush().catch(() => {});
          throw error;
        }
      }
    }
  }

  /** Writes everything the buffer has for the network. */
  async #flush(): Promise<void> {
    while (this.#buffer.outgoingBytesBuffered() > 0) {
      const data = this.#buffer.processOutgoing(this.#buffer.outgoingBytesBuffered());
      if (data.length === 0) return;
      await writeAll(this.#transport, data);
    }
  }

  /**
   * Flushes, then feeds the buffer: bytes it had no room for earlier first, else the next bytes
   * from the transport (empty = EOF, which the buffer learns as an empty processIncoming).
   */
  async #fill(eofMessage?: string): Promise<void> {
    await this.#flush();
    let data = this.#pending;
    if (data.length === 0) {
      data = await this.#reader.read(READ_SIZE);
      if (data.length === 0 && eofMessage !== undefined) throw new TLSError(eofMessage);
    }
    this.#pending = this.#feed(data);
  }

  /** Gives the buffer as much of `data` as it takes; returns the rest. */
  #feed(data: Uint8Array): Uint8Array {
    let size = data.length;
    for (;;) {
      try {
        this.#buffer.processIncoming(data.subarray(0, size));
        return data.subarray(size);
      } catch (error) {
        // A full buffer stores nothing (PEP 748): offer less, and keep the rest for later.
        if (!(error instanceof WantReadError)) throw error;
        if (size <= 1) {
          if (data !== this.#pending) return data;
          throw new TLSError('the TLSBuffer accepts no incoming data although it waits for more', { cause: error });
        }
        size >>= 1;
      }
    }
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(task, task);
    this.#busy = run.catch(() => {});
    return run;
  }

  recv(bufsize: number): Promise<Uint8Array> {
    if (!Number.isInteger(bufsize) || bufsize <= 0) {
      return Promise.reject(new RangeError(`recv: bufsize must be a positive integer, got ${bufsize}`));
    }
    return this.#serial(async () => {
      if (this.#closed) throw new TLSError('recv on a closed TLSSocket');
      for (;;) {
        try {
          const data = this.#buffer.read(bufsize) as Uint8Array;
          await this.#flush();
          return data;
        } catch (error) {
          if (error instanceof WantReadError) await this.#fill();
          else if (error instanceof WantWriteError) await this.#flush();
          else throw error;
        }
      }
    });
  }

  send(bytes: Uint8Array): Promise<number> {
    return this.#serial(async () => {
      if (this.#closed) throw new TLSError('send on a closed TLSSocket');
      let offset = 0;
      while (offset < bytes.length) {
        try {
          offset += this.#buffer.write(bytes.subarray(offset));
        } catch (error) {
          if (error instanceof WantWriteError) await this.#flush();
          else if (error instanceof WantReadError) await this.#fill('the connection closed while sending');
          else throw error;
        }
      }
      await this.#flush();
      return bytes.length;
    });
  }

  async close(force = false): Promise<void> {
    if (this.#closed) return;
    if (!force) {
      const signal = AbortSignal.timeout(CLOSE_NOTIFY_TIMEOUT_MS);
      await untilAborted(this.#serial(() => this.#shutdown()), signal, () => this.#transport.destroy()).catch(() => {});
    }
    this.#closed = true;
    this.#reader.detach();
    await endTransport(this.#transport, force);
  }

  async #shutdown(): Promise<void> {
    for (;;) {
      try {
        this.#buffer.shutdown();
        await this.#flush();
        return;
      } catch (error) {
        if (error instanceof WantWriteError) await this.#flush();
        else if (error instanceof WantReadError) {
          await this.#flush();
          const data = await this.#reader.read(READ_SIZE);
          if (data.length === 0) return; // the peer dropped the transport; nothing more to wait for
          this.#pending = this.#feed(data);
        } else throw error;
      }
    }
  }

  listen(): void {
    throw new TLSError('listen() is only for listening sockets (ServerContext.connect)');
  }

  accept(): Promise<[TLSSocket, Address]> {
    return Promise.reject(new TLSError('accept() is only for listening sockets (ServerContext.connect)'));
  }

  getsockname(): Address | null {
    return this.#closed ? null : localAddress(this.#transport);
  }

  getpeername(): Address | null {
    return this.#closed ? null : remoteAddress(this.#transport);
  }

  getpeercert(): Uint8Array | null {
    return this.#buffer.getpeercert();
  }

  cipher(): CipherSuite | number | null {
    return this.#closed ? null : this.#buffer.cipher();
  }

  negotiatedProtocol(): NextProtocol | Uint8Array | null {
    return this.#closed ? null : this.#buffer.negotiatedProtocol();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function writeAll(transport: Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (transport.destroyed) {
      reject(new TLSError('the transport is closed'));
      return;
    }
    transport.write(data, (error) => (error ? reject(new TLSError('writing to the transport failed', { cause: error })) : resolve()));
  });
}

/** Ends (or destroys) a transport and resolves once it is fully closed. */
export function endTransport(transport: Socket, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (transport.closed) {
      resolve();
      return;
    }
    transport.once('close', () => resolve());
    if (force) transport.destroy();
    else {
      transport.end();
      transport.resume();
      // A peer that never closes its side must not keep us waiting for ever.
      setTimeout(() => transport.destroy(), CLOSE_NOTIFY_TIMEOUT_MS).unref();
    }
  });
}

/**
 * A listening TLSSocket for implementations that serve connections through TLSBuffers: every
 * accepted TCP connection gets `createBuffer()` and its handshake, and `accept()` yields the
 * results in the order they finish.
 */
export class BufferListener implements TLSSocket {
  readonly #server: Server;
  readonly #queue = new AcceptQueue<BufferSocket>();
  readonly #handshaking = new Set<Socket>();
  readonly context: ServerContext;
  readonly negotiatedTlsVersion = null;

  private constructor(context: ServerContext, server: Server) {
    this.context = context;
    this.#server = server;
    server.on('connection', (transport: Socket) => {
      if (!this.#queue.hasRoom) {
        transport.destroy();
        return;
      }
      let buffer: TLSBuffer;
      try {
        buffer = context.createBuffer();
      } catch (error) {
        transport.destroy();
        this.#queue.push({ ok: false, error });
        return;
      }
      this.#handshaking.add(transport);
      BufferSocket.open(buffer, transport)
        .then(
          (value) => this.#queue.push({ ok: true, value }),
          (error: unknown) => this.#queue.push({ ok: false, error }),
        )
        .finally(() => this.#handshaking.delete(transport));
    });
  }

  /** Binds `address` and starts listening. */
  static async listen(context: ServerContext, address: Address): Promise<BufferListener> {
    checkAddress('ServerContext.connect', address);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new BufferListener(context, server);
  }

  listen(backlog: number): void {
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`listen: backlog must be a non-negative integer`);
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

  getpeername(): Address | null {
    return null;
  }

  getpeercert(): Uint8Array | null {
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
