/**
 * Byte channels for protocol clients (SMTP, POP3, IMAP, FTP): a plain TCP connection that can be
 * handed to `startTls`, and a TLSSocket of any implementation, behind one small interface.
 *
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { endTransport } from './buffer-socket.js';
import { ChunkReader } from './chunk-reader.js';
import type { TLSSocket } from './interfaces.js';

/** What a protocol client reads from and writes to. */
export interface Channel {
  readonly secure: boolean;
  recv(max: number): Promise<Uint8Array>;
  send(bytes: Uint8Array): Promise<void>;
  close(force?: boolean): Promise<void>;
}

/**
 * A TCP connection without Nagle delay (protocol commands are small and latency-bound), or the
 * connect error; `signal` (e.g. a deadline) destroys the attempt.
 */
export async function connectTcp(host: string, port: number, signal: AbortSignal | undefined): Promise<Socket> {
  const socket = netConnect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    const abort = () => {
      socket.destroy();
      reject(signal!.reason);
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      signal?.removeEventListener('abort', abort);
      socket.off('error', reject);
      resolve();
    });
    socket.once('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    });
  });
  return socket;
}

/** A plain TCP connection (no Nagle delay); `detach()` hands its socket to startTls. */
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
    return new PlainChannel(await connectTcp(host, port, signal));
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

/** A TLSSocket of any implementation as a Channel. */
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
