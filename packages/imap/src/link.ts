/**
 * The transport under IMAP4: tls-core's ClientConnection with transport failures wrapped in
 * IMAP4Abort (cause kept). Private; shaped like @unitls/client-kit's ClientConnection, which
 * replaces it once that lands.
 *
 * @module
 */
import { ClientConnection, TLSError, type ClientContext, type TLSSocket } from '@unitls/tls-core';
import { IMAP4Abort, IMAP4Error } from './errors.js';

export type Security = 'implicit' | 'starttls' | 'plaintext';

export interface LinkOptions {
  context: () => ClientContext;
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
  serverHostname?: string | undefined;
}

function wrap(error: unknown, what: string): unknown {
  if (error instanceof IMAP4Error || error instanceof TLSError && what === 'connect') return error;
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return error;
  return new IMAP4Abort(`${what}: ${(error as Error)?.message ?? error}`, null, null, { cause: error });
}

export class Link {
  readonly #connection: ClientConnection;

  constructor(options: LinkOptions) {
    this.#connection = new ClientConnection(options);
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get tlsSocket(): TLSSocket | null {
    return this.#connection.tlsSocket;
  }

  async open(host: string, port: number, security: Security): Promise<void> {
    await this.#connection.open(host, port, security === 'implicit').catch((error: unknown) => {
      throw wrap(error, 'connect');
    });
  }

  /** Runs one operation (the per-read timeout of tls-core bounds its reads for now). */
  run<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /** The next bytes (empty at EOF); `bounded: false` may wait for ever (IDLE). */
  async recv(bounded = true): Promise<Uint8Array> {
    if (!this.#connection.connected) throw new IMAP4Abort('not connected: run connect() first (the connection is closed after any failure)');
    return this.#connection.recv(bounded).catch((error: unknown) => {
      throw wrap(error, 'the connection to the server failed');
    });
  }

  async send(bytes: Uint8Array): Promise<void> {
    if (!this.#connection.connected) throw new IMAP4Abort('not connected: run connect() first (the connection is closed after any failure)');
    await this.#connection.send(bytes).catch((error: unknown) => {
      throw wrap(error, 'the connection to the server failed while sending');
    });
  }

  upgrade(pending: number): Promise<void> {
    return this.#connection.upgrade(pending);
  }

  close(force = false): Promise<void> {
    return this.#connection.close(force);
  }
}
