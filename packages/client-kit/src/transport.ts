/**
 * Byte channels under a protocol client: a plain transport (TCP, or whatever the caller's
 * transport factory returned) that can be handed to startTls, and a TLSSocket of any
 * implementation, behind one small interface.
 *
 * @module
 */
import { ChunkReader, connectTcp, endTransport, type Address, type TLSSocket, type Transport } from '@unitls/tls-core';
import type { Socket } from 'node:net';
import { readAsBytes } from './text-transport.js';

/**
 * Opens the byte stream a client runs over, connected to `address` (injectable: tests pass an
 * in-memory pair, proxies a tunnel). `signal` aborts the attempt (the deadline or the caller).
 * A stream set to text (`setEncoding`) is read as bytes again (see {@link readAsBytes}).
 */
export type TransportFactory = (address: Address, options: { signal: AbortSignal }) => Promise<Transport>;

/** The default transport: TCP without Nagle delay (commands are small and latency-bound). */
export const tcpTransport: TransportFactory = ({ host, port }, { signal }) => connectTcp(host, port, signal);

/** What a client reads from and writes to. */
export interface Channel {
  readonly secure: boolean;
  recv(max: number): Promise<Uint8Array>;
  /** True when {@link recvInto} reads straight into the caller's memory (a TLSSocket with the optional recvInto). */
  readonly receivesInto?: boolean;
  /** Receives at most `memory.length` bytes into `memory[0, n)` and resolves with n (0 at the end of the stream); only when {@link receivesInto}. */
  recvInto?(memory: Uint8Array): Promise<number>;
  /** Resolves once `bytes` were handed on (to what, and with what value, is the channel's business). */
  send(bytes: Uint8Array): Promise<unknown>;
  /**
   * Up to `max` bytes received and not read, taken at once without waiting (empty when none):
   * for a failure's message only (the connection is closing). Only where the bytes are at hand.
   */
  takeHeld?(max: number): Uint8Array;
  close(force: boolean): Promise<void>;
  /** The connection keeps the process alive (node:net's ref), as it does when it opens. */
  ref(): void;
  /** The connection no longer keeps the process alive: the client is idle. */
  unref(): void;
}

/** A plain transport; `detach()` hands it over to startTls. */
export class PlainChannel implements Channel {
  readonly secure = false;
  readonly transport: Transport;
  readonly #reader: ChunkReader;

  constructor(transport: Transport) {
    this.transport = transport;
    // A caller's socket set to text (setEncoding) would hand the framing strings.
    readAsBytes(transport);
    this.#reader = new ChunkReader(transport);
    // Errors reach the caller through reads and writes; a late one (a reset after we stopped
    // reading) must not become an unhandled 'error' event. The first is kept: node:net destroys
    // the socket with it, and a write after that fails with "Cannot call write after a stream
    // was destroyed", which does not say that the server reset the connection.
    transport.on('error', (error: Error) => {
      this.#lost ??= error;
    });
  }

  /** The transport's first 'error' (a reset), which destroyed it; null while none came. */
  #lost: Error | null = null;

  /** The transport's first error (a reset), or null: after close(false), whether the peer took our end cleanly. */
  get lost(): Error | null {
    return this.#lost;
  }

  recv(max: number): Promise<Uint8Array> {
    return this.#reader.read(max);
  }

  /**
   * Writes `bytes`; rejects with the transport's error. A write into a transport that an error
   * (a reset) destroyed rejects with that error (ECONNRESET), not node:net's ERR_STREAM_DESTROYED.
   */
  send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.transport.write(bytes, (error) => {
        if (!error) return resolve();
        reject((error as { code?: unknown }).code === 'ERR_STREAM_DESTROYED' ? (this.#lost ?? error) : error);
      }),
    );
  }

  takeHeld(max: number): Uint8Array {
    return this.#reader.readHeld(max);
  }

  /** Stops reading for STARTTLS; returns bytes that arrived and were not read (must be none). */
  detach(): Uint8Array {
    return this.#reader.detach();
  }

  ref(): void {
    (this.transport as Partial<Socket>).ref?.();
  }

  unref(): void {
    (this.transport as Partial<Socket>).unref?.();
  }

  async close(force: boolean): Promise<void> {
    this.#reader.detach();
    await endTransport(this.transport, force);
  }
}

/** A TLSSocket of any implementation. */
export class TLSChannel implements Channel {
  readonly secure = true;
  constructor(readonly socket: TLSSocket) {}

  recv(max: number): Promise<Uint8Array> {
    return this.socket.recv(max);
  }

  /** Asked at each read: TLSSocket.recvInto is optional (tls-core's extension). */
  get receivesInto(): boolean {
    return typeof this.socket.recvInto === 'function';
  }

  recvInto(memory: Uint8Array): Promise<number> {
    return this.socket.recvInto!(memory);
  }

  send(bytes: Uint8Array): Promise<number> {
    return this.socket.send(bytes);
  }

  /** TLSSocket.ref is tls-core's extension: a socket of another implementation may not have it. */
  ref(): void {
    this.socket.ref?.();
  }

  unref(): void {
    this.socket.unref?.();
  }

  close(force: boolean): Promise<void> {
    return this.socket.close(force);
  }
}
