/** The byte stream under an SMTP session: a plain TCP socket, or a TLSSocket of any implementation. */
import { connect as netConnect, type Socket } from 'node:net';
import { ChunkReader, endTransport, type TLSSocket } from '@unitls/tls-core';

export interface Channel {
  readonly secure: boolean;
  recv(max: number): Promise<Uint8Array>;
  send(bytes: Uint8Array): Promise<void>;
  close(force?: boolean): Promise<void>;
}

export class PlainChannel implements Channel {
  readonly secure = false;
  readonly socket: Socket;
  readonly #reader: ChunkReader;

  constructor(socket: Socket) {
    this.socket = socket;
    this.#reader = new ChunkReader(socket);
    // Errors reach the caller through reads and writes; a late one (a reset after we stopped
    // reading) must not become an unhandled 'error' event.
    socket.on('error', () => {});
  }

  static async open(host: string, port: number, signal: AbortSignal | undefined): Promise<PlainChannel> {
    // Commands are small and latency-bound: no Nagle delay.
    const socket = netConnect({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        socket.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      socket.once('connect', () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      });
      socket.once('error', (error) => {
        signal?.removeEventListener('abort', abort);
        reject(error);
      });
    });
    return new PlainChannel(socket);
  }

  recv(max: number): Promise<Uint8Array> {
    return this.#reader.read(max);
  }

  send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Stops reading for STARTTLS; returns bytes that arrived and were not read (must be none). */
  detach(): Uint8Array {
    return this.#reader.detach();
  }

  async close(force = false): Promise<void> {
    this.#reader.detach();
    await endTransport(this.socket, force);
  }
}

export class TLSChannel implements Channel {
  readonly secure = true;
  constructor(readonly socket: TLSSocket) {}

  recv(max: number): Promise<Uint8Array> {
    return this.socket.recv(max);
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.socket.send(bytes);
  }

  close(force = false): Promise<void> {
    return this.socket.close(force);
  }
}
