/**
 * The byte stream every tls-node connection runs over: the caller's transport (a TCP socket, or
 * any Duplex) behind a thin Duplex of our own, so that node:tls's TLS layer talks to JavaScript
 * and we see what it cannot tell us.
 *
 * Why (measured on Node 20, see tests/conformance/close-notify.test.ts):
 * - A TCP FIN without close_notify and a proper close_notify end node:tls's stream the same way
 *   (TLSWrap emits EOF for both). What differs is the order: a close_notify ends the TLS stream
 *   while its record is processed, before the transport's own end of stream is handed over. So
 *   when the transport ends and the TLS stream has not, the peer closed without close_notify
 *   (RFC 8446 §6.1: the data may have been truncated), which recv reports as RaggedEOF, as
 *   tls-openssl does.
 * - Over a TCP socket directly, node:tls's `end()` can send the FIN before the close_notify it
 *   queued (seen right after a TLS 1.3 handshake, while the session tickets are being written);
 *   a peer then sees a truncated stream. Through a JavaScript stream the shutdown waits for the
 *   pending writes, so close_notify always goes out before the FIN.
 * The cost is that TLS records pass through JavaScript (about a quarter more CPU on the receiving
 * side in our measurement), the price of telling truncation from a proper end.
 *
 * @module
 */
import { Duplex } from 'node:stream';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import type { Transport } from '@unitls/tls-core';

/** Reads the TLS stream's "ended" flag (set when node:tls pushed its end), undefined when the runtime has none. */
function tlsStreamEnded(socket: NodeTlsSocket): boolean | undefined {
  return (socket as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended;
}

/** A Duplex over `raw` that records whether the TLS stream above it ended with a close_notify. */
export class WatchedTransport extends Duplex {
  readonly raw: Transport;
  #tls: NodeTlsSocket | null = null;
  #rawEnded = false;
  #endedWithoutCloseNotify = false;

  /** `raw` should allow half-open connections, so close_notify can still be written after the peer's FIN. */
  constructor(raw: Transport) {
    super({ allowHalfOpen: true });
    this.raw = raw;
    raw.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.#endReadable());
    // Over a TCP socket node:tls learns of resets and closes from the socket itself; over a
    // JavaScript stream only what we hand on reaches it, so errors and abrupt closes go to it directly.
    raw.on('error', (error: Error) => (this.#tls ?? this).destroy(error));
    raw.on('close', () => {
      if (!this.#rawEnded) (this.#tls ?? this).destroy();
    });
  }

  #endReadable(): void {
    if (this.#rawEnded) return;
    this.#rawEnded = true;
    this.push(null);
  }

  /**
   * Watches the TLS socket built over this transport. Must be called right after it is built, so
   * this listener runs before node:tls hands the transport's end to the TLS layer.
   */
  watch(tls: NodeTlsSocket): void {
    this.#tls = tls;
    this.prependListener('end', () => {
      // Every byte before the end has been given to the TLS layer (synchronously, in order): if
      // that did not end the TLS stream, no close_notify came. Unknown (another runtime): assume clean.
      if (tlsStreamEnded(tls) === false) this.#endedWithoutCloseNotify = true;
    });
  }

  /** True once the transport ended while the TLS stream was still open (no close_notify). */
  get endedWithoutCloseNotify(): boolean {
    return this.#endedWithoutCloseNotify;
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.raw.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Half-close: our FIN after everything written (close_notify included).
    this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.destroy();
    callback(error);
  }
}

/**
 * Sends close_notify and drops the connection without waiting for the peer (PEP 748
 * `close(force=True)`): the TLS layer writes close_notify, the transport half-closes, and the
 * socket is destroyed as soon as the kernel has taken those bytes. A transport whose send buffer
 * is already backed up (the peer stopped reading) is destroyed at once: close_notify could only
 * get out by waiting for the peer.
 */
export function closeForcefully(tls: NodeTlsSocket, transport: WatchedTransport, boundMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (tls.destroyed) {
      resolve();
      return;
    }
    tls.once('close', () => resolve());
    tls.on('error', () => {});
    transport.raw.on('error', () => {});
    if (!tls.writable || transport.raw.writableLength > 0 || transport.raw.destroyed) {
      tls.destroy();
      return;
    }
    const drop = () => tls.destroy();
    transport.raw.once('finish', drop);
    transport.raw.once('close', drop);
    // A bound, not a wait for the peer: the kernel normally takes these bytes at once.
    setTimeout(drop, boundMs).unref();
    tls.end();
  });
}
