/**
 * The connection under a protocol client (SMTP, POP3, IMAP, FTP): opens plain or implicit-TLS
 * transports, reads with a deadline per call, upgrades with STARTTLS only when nothing is pending,
 * and closes itself on any failure. The client keeps its own parser; this keeps the bytes.
 *
 * @module
 */
import { TLSChannel, PlainChannel, type Channel } from './channel.js';
import { deadlineSignal, untilAborted } from './deadline.js';
import { TLSError } from './errors.js';
import type { Address, ClientContext, TLSSocket } from './interfaces.js';
import { localAddress, remoteAddress } from './address.js';
import { StartTlsInjectionError, startTls } from './start-tls.js';

/** Options of {@link ClientConnection}. */
export interface ClientConnectionOptions {
  /** Builds the TLS context when one is first needed (clients pass their implementation's). */
  context: () => ClientContext;
  /** Milliseconds allowed for opening and for each read (default 30 000). */
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
  /** The name the certificate must match (default: the host connected to). */
  serverHostname?: string | undefined;
}

const READ_SIZE = 64 * 1024;

export class ClientConnection {
  readonly #options: ClientConnectionOptions;
  #channel: Channel | null = null;
  #context: ClientContext | null = null;
  #host = '';

  constructor(options: ClientConnectionOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#channel !== null;
  }

  get secure(): boolean {
    return this.#channel?.secure ?? false;
  }

  /** The TLS socket under the session, when there is one. */
  get tlsSocket(): TLSSocket | null {
    return this.#channel instanceof TLSChannel ? this.#channel.socket : null;
  }

  #signal(): AbortSignal | undefined {
    return deadlineSignal(this.#options.signal, this.#options.timeout ?? 30_000);
  }

  #tlsContext(): ClientContext {
    this.#context ??= this.#options.context();
    return this.#context;
  }

  /** The TLS context this connection uses (built on first use); FTP data connections share it. */
  get context(): ClientContext {
    return this.#tlsContext();
  }

  /** The name certificates are checked against: the serverHostname option, else the host opened. */
  get serverHostname(): string {
    return this.#options.serverHostname ?? this.#host;
  }

  /** The peer's address (an IP), or null when not connected. */
  remoteAddress(): Address | null {
    const channel = this.#channel;
    if (channel instanceof TLSChannel) return channel.socket.getpeername();
    return channel instanceof PlainChannel ? remoteAddress(channel.socket) : null;
  }

  /** Our end's address, or null when not connected. */
  localAddress(): Address | null {
    const channel = this.#channel;
    if (channel instanceof TLSChannel) return channel.socket.getsockname();
    return channel instanceof PlainChannel ? localAddress(channel.socket) : null;
  }

  /** Opens a plain TCP connection, or an implicit-TLS one. */
  async open(host: string, port: number, implicitTls: boolean): Promise<void> {
    if (this.#channel !== null) throw new TLSError('already connected');
    this.#host = host;
    const signal = this.#signal();
    this.#channel = implicitTls
      ? new TLSChannel(await this.#tlsContext().connect({ host, port }, { serverHostname: this.#options.serverHostname ?? host, ...(signal ? { signal } : {}) }))
      : await PlainChannel.open(host, port, signal);
  }

  /**
   * The next bytes (empty at end of stream). Bounded by the timeout; on any failure the
   * connection is closed and the error rethrown. Without `deadline` it may wait indefinitely (IDLE).
   */
  async recv(deadline = true): Promise<Uint8Array> {
    const channel = this.#channel;
    if (channel === null) throw new TLSError('not connected');
    try {
      return await untilAborted(channel.recv(READ_SIZE), deadline ? this.#signal() : this.#options.signal, () => void channel.close(true));
    } catch (error) {
      await this.close(true);
      throw error;
    }
  }

  async send(bytes: Uint8Array): Promise<void> {
    const channel = this.#channel;
    if (channel === null) throw new TLSError('not connected');
    try {
      await channel.send(bytes);
    } catch (error) {
      await this.close(true);
      throw error;
    }
  }

  /**
   * STARTTLS: `pending` is what the client has received but not consumed; anything there, or left
   * in the socket, came before the handshake and is refused as a possible injection.
   */
  async upgrade(pending: number): Promise<void> {
    if (!(this.#channel instanceof PlainChannel)) throw new TLSError('the connection already uses TLS (or is closed)');
    const plain = this.#channel;
    const leftover = plain.detach();
    if (leftover.length > 0 || pending > 0) {
      await plain.close(true);
      this.#channel = null;
      throw new StartTlsInjectionError('the server sent data after its go-ahead and before the TLS handshake (possible response injection); connection closed');
    }
    const signal = this.#signal();
    try {
      this.#channel = new TLSChannel(
        await startTls(this.#tlsContext(), plain.socket, { serverHostname: this.#options.serverHostname ?? this.#host, ...(signal ? { signal } : {}) }),
      );
    } catch (error) {
      plain.socket.destroy();
      this.#channel = null;
      throw error;
    }
  }

  async close(force = false): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    if (channel !== null) await channel.close(force).catch(() => {});
  }
}
