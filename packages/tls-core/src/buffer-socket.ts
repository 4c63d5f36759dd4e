/**
 * A TLSSocket made of any TLSBuffer plus a byte transport (a node:net Socket, or any Duplex such
 * as another TLS connection's stream, for TLS inside TLS): the
 * machinery that lets an implementation with only a sans-IO TLSBuffer serve sockets, STARTTLS
 * and TLS-inside-TLS. The loop is the classic one: call the buffer, and on WantReadError flush
 * its output and feed it what the transport delivers.
 *
 * @module
 */
import { localAddress, remoteAddress } from './address.js';
import { ChunkReader } from './chunk-reader.js';
import { deadlineSignal, untilAborted } from './deadline.js';
import type { TLSVersion, CipherSuite, NextProtocol } from './enums.js';
import { TLSError, WantReadError, WantWriteError } from './errors.js';
import type { Address, ClientContext, ServerContext, TLSBuffer, TLSSession, TLSSocket, Transport } from './interfaces.js';
import { TLSListener, listenOn } from './listener.js';

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
  readonly #transport: Transport;
  readonly #reader: ChunkReader;
  #closed = false;
  /** Transport bytes the buffer had no room for yet. */
  #pending: Uint8Array = new Uint8Array(0);
  // Reads and writes each run one at a time, but independently of each other: a recv waiting for
  // the peer must not hold back the send the peer is waiting for (full duplex, as HTTP needs).
  #reading: Promise<unknown> = Promise.resolve();
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(buffer: TLSBuffer, transport: Transport, reader: ChunkReader) {
    this.#buffer = buffer;
    this.#transport = transport;
    this.#reader = reader;
  }

  /**
   * Runs the handshake of `buffer` over `transport` and resolves with the connected socket. The
   * transport must have no unread bytes taken by anyone else. On failure the transport is
   * destroyed.
   */
  static async open(buffer: TLSBuffer, transport: Transport, options: BufferSocketOptions = {}): Promise<BufferSocket> {
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

  /**
   * The sans-IO loop: calls `step` until it returns, flushing output on WantWriteError and
   * feeding input on WantReadError. At EOF: throws `eofMessage` when given; otherwise the buffer
   * is told (so `read` can answer with an empty array or RaggedEOF) and `step` gets one more call;
   * if it still wants input, the loop ends with undefined.
   */
  async #drive<T>(step: () => T, eofMessage?: string): Promise<T | undefined> {
    let eof = false;
    for (;;) {
      try {
        const result = step();
        await this.#flush();
        return result;
      } catch (error) {
        if (error instanceof WantWriteError) await this.#flush();
        else if (error instanceof WantReadError) {
          if (eof) return undefined;
          eof = !(await this.#fill(eofMessage));
        } else {
          // Send the alert the buffer produced before failing.
          await this.#flush().catch(() => {});
          throw error;
        }
      }
    }
  }

  async #handshake(): Promise<void> {
    await this.#drive(() => this.#buffer.doHandshake(), 'the connection closed during the TLS handshake');
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
   * from the transport. At EOF: throws `eofMessage` when given, else tells the buffer (an empty
   * processIncoming) and returns false.
   */
  async #fill(eofMessage?: string): Promise<boolean> {
    await this.#flush();
    let data = this.#pending;
    if (data.length === 0) {
      data = await this.#reader.read(READ_SIZE);
      if (data.length === 0 && eofMessage !== undefined) throw new TLSError(eofMessage);
    }
    this.#pending = this.#feed(data);
    return data.length > 0;
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

  #serialRead<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#reading.then(task, task);
    this.#reading = run.catch(() => {});
    return run;
  }

  #serialWrite<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#writing.then(task, task);
    this.#writing = run.catch(() => {});
    return run;
  }

  recv(bufsize: number): Promise<Uint8Array> {
    if (!Number.isInteger(bufsize) || bufsize <= 0) {
      return Promise.reject(new RangeError(`recv: bufsize must be a positive integer, got ${bufsize}`));
    }
    return this.#serialRead(async () => {
      if (this.#closed) throw new TLSError('recv on a closed TLSSocket');
      // EOF is fed to the buffer, whose read() then returns empty (close_notify) or throws RaggedEOF.
      const first = (await this.#drive(() => this.#buffer.read(bufsize) as Uint8Array)) ?? new Uint8Array(0);
      if (first.length === 0) return first;
      const data = this.#readMore(first, bufsize);
      await this.#flush(); // records read may have asked for an answer (a key update)
      return data;
    });
  }

  /**
   * A read returns one TLS record; take whatever else is already decryptable (no waiting), so one
   * recv can return up to `bufsize` bytes, as a socket would.
   */
  #readMore(first: Uint8Array, bufsize: number): Uint8Array {
    const parts = [first];
    let total = first.length;
    while (total < bufsize) {
      let next: Uint8Array;
      try {
        next = this.#buffer.read(bufsize - total) as Uint8Array;
      } catch {
        break; // WantRead (nothing more buffered), or an error the next recv reports
      }
      if (next.length === 0) break;
      parts.push(next);
      total += next.length;
    }
    return parts.length === 1 ? first : Buffer.concat(parts, total);
  }

  send(bytes: Uint8Array): Promise<number> {
    return this.#serialWrite(async () => {
      if (this.#closed) throw new TLSError('send on a closed TLSSocket');
      let offset = 0;
      while (offset < bytes.length) {
        offset += (await this.#drive(() => this.#buffer.write(bytes.subarray(offset)), 'the connection closed while sending'))!;
      }
      return bytes.length;
    });
  }

  async close(force = false): Promise<void> {
    if (this.#closed) return;
    if (!force) {
      const signal = AbortSignal.timeout(CLOSE_NOTIFY_TIMEOUT_MS);
      // Pending writes go out first; then close_notify, reading until the peer's.
      const shutdown = this.#serialWrite(() => this.#serialRead(() => this.#shutdown()));
      await untilAborted(shutdown, signal, () => this.#transport.destroy()).catch(() => {});
    }
    this.#closed = true;
    this.#reader.detach();
    await endTransport(this.#transport, force);
  }

  async #shutdown(): Promise<void> {
    // A peer that drops the transport instead of answering leaves nothing more to wait for.
    await this.#drive(() => this.#buffer.shutdown());
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

function writeAll(transport: Transport, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (transport.destroyed) {
      reject(new TLSError('the transport is closed'));
      return;
    }
    transport.write(data, (error) => (error ? reject(new TLSError('writing to the transport failed', { cause: error })) : resolve()));
  });
}

/** Ends (or destroys) a transport and resolves once it is fully closed. */
export function endTransport(transport: Transport, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (transport.closed) {
      resolve();
      return;
    }
    transport.once('close', () => resolve());
    // A reset from the peer while we close is expected, not an uncaught 'error'.
    transport.on('error', () => {});
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
 * accepted TCP connection gets `createBuffer()` and its handshake.
 */
export class BufferListener extends TLSListener<BufferSocket> {
  /** Binds `address` and starts listening. */
  static async listen(context: ServerContext, address: Address): Promise<BufferListener> {
    return new BufferListener(context, await listenOn(address));
  }

  protected handshake(transport: Transport): Promise<BufferSocket> {
    return BufferSocket.open(this.context.createBuffer(), transport);
  }
}
