/**
 * A Node Duplex over a TLSSocket of any implementation, for libraries that want a stream
 * (node:http's createConnection, undici's connect, node:http2). Reads pull with `recv`, writes
 * `send`, `end()` sends close_notify and FIN but goes on reading the peer's answer (as node:tls's
 * `end()`, through the socket's `shutdown()` extension), `destroy()` drops the connection.
 *
 * @module
 */
import { Duplex } from 'node:stream';
import { RaggedEOF } from './errors.js';
import type { TLSSocket } from './interfaces.js';

const READ_SIZE = 64 * 1024;

export class TLSSocketStream extends Duplex {
  #socket: TLSSocket | null = null;
  #wantsData = false;
  #inFlight = false;
  /** Set once end() closes the socket: a recv still pending then fails because of our close. */
  #closing = false;
  /** Set once end() half-closed the socket (its shutdown()): reads go on until the peer's end. */
  #ended = false;
  #idleMs = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the socket is attached (like node:tls's TLSSocket). */
  alpnProtocol: string | false | null = null;
  readonly encrypted = true as const;

  /** Wraps `socket` now, or later with {@link attach} (writes wait until then). */
  constructor(socket: TLSSocket | null = null) {
    super({ allowHalfOpen: false });
    if (socket !== null) this.attach(socket);
  }

  /** The TLS socket underneath, once attached. */
  get tlsSocket(): TLSSocket | null {
    return this.#socket;
  }

  /** Attaches the connected socket; emits 'connect' and 'secureConnect'. */
  attach(socket: TLSSocket): void {
    this.#socket = socket;
    const protocol = socket.negotiatedProtocol();
    this.alpnProtocol = protocol === null ? false : typeof protocol === 'string' ? protocol : Buffer.from(protocol).toString('latin1');
    this.emit('connect');
    this.emit('secureConnect');
    if (this.#wantsData) this._read();
  }

  override _read(): void {
    const socket = this.#socket;
    // One recv at a time: Node may ask again while one is pending; it is served when that settles.
    if (socket === null || this.#inFlight) {
      this.#wantsData = true;
      return;
    }
    this.#wantsData = false;
    this.#inFlight = true;
    socket.recv(READ_SIZE).then(this.#received, this.#recvRejected);
  }

  /**
   * A recv gave `chunk`. The two handlers are made once per stream, not per read: two closures and
   * their context were ~0.5 KB of JavaScript per read of every HTTPS response and fetch body
   * (issue #16: tls-openssl's data path under undici and HTTPSConnection).
   */
  readonly #received = (chunk: Uint8Array): void => {
    this.#inFlight = false;
    // Destroyed meanwhile: close(true) may end this recv empty, and a push(null) now would
    // emit 'end' (a clean end) on a stream destroyed mid-transfer, as node:tls never does.
    if (this.destroyed) return;
    this.#touch();
    if (chunk.length === 0) this.push(null);
    else if (this.push(chunk) || this.#wantsData) this._read();
  };

  readonly #recvRejected = (error: unknown): void => {
    this.#inFlight = false;
    if (this.destroyed) return;
    // Our own end() closed the socket under this recv (tls-openssl and tls-pure then reject
    // it, RaggedEOF): the readable side ends, as over node:tls, with no 'error'.
    // After our end(), a peer that answers with its FIN alone (no close_notify) ends the
    // readable side as node:tls's end does (it reports no truncation either).
    if (this.#closing || (this.#ended && error instanceof RaggedEOF)) this.push(null);
    else this.recvFailed(error as Error);
  };

  /**
   * A recv failed, not because of our own end(): the stream is destroyed with `error`. A subclass
   * whose reader can judge a missing close_notify itself (HTTP/1.1 knows where each response
   * ends) may end the readable side instead (`push(null)`): every byte received is still read.
   */
  protected recvFailed(error: Error): void {
    this.destroy(error);
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const socket = this.#socket;
    if (socket === null) {
      this.once('secureConnect', () => this._write(chunk, encoding, callback));
      return;
    }
    this.#touch();
    socket.send(chunk).then(() => callback(), (error: unknown) => callback(error as Error));
  }

  /**
   * end(): the write-side half-close. With the socket's `shutdown()` (every implementation here),
   * close_notify and FIN go out and reads go on: the readable side ends at the peer's close_notify,
   * and then the stream is destroyed, which releases the socket (`_destroy`). A socket without it
   * is closed: the readable side then ends at once, without what the peer still sends.
   */
  override _final(callback: (error?: Error | null) => void): void {
    const socket = this.#socket;
    if (socket === null) return callback();
    if (socket.shutdown !== undefined) {
      this.#ended = true;
      socket.shutdown().then(() => callback(), (error: unknown) => callback(error as Error));
      return;
    }
    this.#closing = true;
    socket.close().then(
      () => {
        // Not after a destroy() meanwhile: that stream did not end, it was dropped.
        if (!this.destroyed) this.push(null);
        callback();
      },
      (error: unknown) => callback(error as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#idleTimer);
    const socket = this.#socket;
    if (socket === null) return callback(error);
    socket.close(true).then(() => callback(error), () => callback(error));
  }

  /**
   * Like node:net's: end(), then destroy once the write side finished, without waiting for the
   * peer's end. node:http calls it when a response ends a connection that is not kept alive; then
   * what the peer does after (its FIN, or a reset for our late close_notify) is not reported, as
   * over node:tls. (end() alone keeps reading until the peer's close_notify.)
   */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  // node:net socket methods some HTTP libraries call; TCP tuning belongs to the implementation.
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  /** Like node:net's: emits 'timeout' after `timeout` ms without reads or writes (0 turns it off). */
  setTimeout(timeout: number, callback?: () => void): this {
    if (callback) {
      if (timeout === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    // A new length needs a new timer (refresh() keeps the old one's).
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#idleMs = timeout;
    this.#touch();
    return this;
  }

  /**
   * Activity: the idle timer starts again. One timer per stream, re-armed with refresh() (a read
   * of every chunk touches it: not a timer and a closure per read).
   */
  #touch(): void {
    const timer = this.#idleTimer;
    if (this.#idleMs > 0 && !this.destroyed) {
      if (timer !== undefined) timer.refresh();
      else {
        this.#idleTimer = setTimeout(this.#idle, this.#idleMs);
        this.#idleTimer.unref();
      }
    } else if (timer !== undefined) {
      clearTimeout(timer);
      this.#idleTimer = undefined;
    }
  }

  readonly #idle = (): void => {
    this.emit('timeout');
  };

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  get remoteAddress(): string | undefined {
    return this.#socket?.getpeername()?.host;
  }

  get remotePort(): number | undefined {
    return this.#socket?.getpeername()?.port;
  }

  get localAddress(): string | undefined {
    return this.#socket?.getsockname()?.host;
  }

  get localPort(): number | undefined {
    return this.#socket?.getsockname()?.port;
  }
}
