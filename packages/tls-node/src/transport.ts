/**
 * The byte stream under every tls-node connection, and how the end of its TLS stream is told
 * apart: a close_notify (a clean end) from a transport that ended without one (RaggedEOF,
 * RFC 8446 §6.1: the data may have been truncated).
 *
 * - A connected TCP socket (every `connect()`, every accepted connection, STARTTLS over a
 *   net.Socket) keeps node:tls's native path: the TLS layer sits on the TCP handle and records
 *   never pass through JavaScript. {@link NativeEnd} (native-end.ts) reads how the stream ended
 *   from the TCP handle's state at the moment node:tls delivers the end.
 * - Any other Duplex (a caller's own transport for STARTTLS) is wrapped by node:tls in a
 *   JavaScript stream anyway; {@link WatchedTransport} sits between the two and sees the order of
 *   events instead: a close_notify ends the TLS stream while its record is processed, before the
 *   transport's own end is handed over. So when the transport ends and the TLS stream has not,
 *   no close_notify came.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { Duplex, type Readable } from 'node:stream';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import { RaggedEOF, recvEndedByClose, type ChunkReader, type ReadOutcome, type TLSError, type TLSVersion, type Transport } from '@unitls/tls-core';
import { toTLSError } from './errors.js';
import { KEEP_SESSION, NativeEnd, destroyAfterError, hasNativeHandle, isLifelongNodeListener, type SessionKeeper } from './native-end.js';

export { directConnectSupported } from './native-end.js';

/** How one connection's end is watched; see the module comment. */
export type StreamEnd = NativeEnd | WatchedTransport;

/**
 * The stream to build node:tls's socket over for `raw`, and its watcher. Call `end.watch(tls)`
 * right after building the TLS socket over `stream` ({@link tlsOver} does both).
 */
export function streamOver(raw: Transport): { stream: Transport; end: StreamEnd } {
  if (hasNativeHandle(raw)) return { stream: raw, end: new NativeEnd(raw) };
  const watched = new WatchedTransport(raw);
  return { stream: watched, end: watched };
}

/**
 * node:tls's socket over `raw` (`build` makes it over the stream it is given) and the watcher of
 * its end, watching from the start. On the native path node:tls's own listeners on `raw` are
 * dropped or shared ({@link NativeEnd.shareWrapListeners}).
 */
export function tlsOver(raw: Transport, build: (stream: Transport) => NodeTlsSocket): { socket: NodeTlsSocket; end: StreamEnd } {
  const { stream, end } = streamOver(raw);
  const before = { connect: raw.listenerCount('connect'), close: raw.listenerCount('close'), error: raw.listenerCount('error') };
  const socket = build(stream);
  end.watch(socket);
  if (end instanceof NativeEnd) end.shareWrapListeners(before);
  return { socket, end };
}

/**
 * A client connection to `address` that node:tls makes itself, as a raw `tls.connect({ host, port })`
 * does: the TLS socket over its own TCP handle, no net.Socket under it (a net.Socket, its two stream
 * states and node:tls's listeners on it: ~600 bytes per idle client connection). `build` is
 * tls.connect with the connection's options. The end is watched from the TCP 'connect' on, before
 * any byte of the server's is read: node:tls replaces its handle while it tries one address after
 * another (autoSelectFamily), so not before. Only on Node itself ({@link directConnectSupported}).
 */
export function tlsConnect(build: () => NodeTlsSocket): { socket: NodeTlsSocket; end: NativeEnd } {
  const socket = build();
  const end = new NativeEnd(socket);
  socket.once('connect', () => {
    // As net.connect({ noDelay: true }) does: tls.connect() does not take the option.
    socket.setNoDelay(true);
    end.watch(socket);
  });
  return { socket, end };
}

/** Reads the TLS stream's "ended" flag (set when node:tls pushed its end), undefined when the runtime has none. */
function tlsStreamEnded(socket: NodeTlsSocket): boolean | undefined {
  return (socket as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended;
}

/** A Duplex over `raw` that records whether the TLS stream above it ended with a close_notify. */
export class WatchedTransport extends Duplex implements ReadOutcome {
  readonly raw: Transport;
  /** The TLS socket's reader (recv's), set once the handshake is done (socket.ts); null before. */
  reader: ChunkReader | null = null;
  #tls: NodeTlsSocket | null = null;
  #rawEnded = false;
  #endedWithoutCloseNotify = false;
  /** Whether recv reported RaggedEOF (see {@link endError}). */
  #raggedEOFReported = false;

  /** `raw` should allow half-open connections, so close_notify can still be written after the peer's FIN. */
  constructor(raw: Transport) {
    super({ allowHalfOpen: true });
    this.raw = raw;
    raw.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => {
      this.#keeper?.[KEEP_SESSION]();
      this.#endReadable();
    });
    // Over a TCP socket node:tls learns of resets and closes from the socket itself; over a
    // JavaScript stream only what we hand on reaches it, so errors and abrupt closes go to it directly.
    raw.on('error', (error: Error) => {
      this.#keeper?.[KEEP_SESSION]();
      (this.#tls ?? this).destroy(error);
    });
    raw.on('close', () => {
      this.#keeper?.[KEEP_SESSION]();
      if (!this.#rawEnded) (this.#tls ?? this).destroy();
    });
  }

  /** The client socket told of the end or a failure before node:tls may let go of its TLS state. */
  #keeper: SessionKeeper | null = null;

  /** `keeper` is told of the TLS stream's end, the transport's end or failure, before node:tls may let go of its session. */
  keepSessionFor(keeper: SessionKeeper): void {
    this.#keeper = keeper;
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
    // The TLS stream's own end (a close_notify) comes before the transport's, and once both
    // sides ended node:tls destroys its TLS state right after this event.
    tls.prependListener('end', () => this.#keeper?.[KEEP_SESSION]());
  }

  /** True once the transport ended while the TLS stream was still open (no close_notify). */
  get endedWithoutCloseNotify(): boolean {
    return this.#endedWithoutCloseNotify;
  }

  /** close() was called: see {@link closing}. */
  #closing = false;

  /**
   * Called by the socket's close() before it detaches the reader: a recv that ends then was ended
   * by close(), not by the peer ({@link endError}).
   */
  closing(): void {
    this.#closing = true;
  }

  /**
   * recv at the end (the socket's ChunkReader asks): recvEndedByClose when close() ended it,
   * RaggedEOF without a close_notify.
   */
  endError(): TLSError | null {
    if (this.#closing) return recvEndedByClose();
    if (!(this.#endedWithoutCloseNotify)) return null;
    this.#raggedEOFReported = true;
    return new RaggedEOF();
  }

  /** True once recv reported RaggedEOF ({@link endError}): sends then fail with it too (as Python's). */
  get raggedEOFReported(): boolean {
    return this.#raggedEOFReported;
  }

  #version: TLSVersion | null = null;

  /** Set by the socket once its handshake is done: the negotiated version, for {@link readError}. */
  set version(version: TLSVersion | null) {
    this.#version = version;
  }

  /** recv's error for what failed the TLS stream. */
  readError(error: unknown): Error {
    return toTLSError(error, 'read', this.#version);
  }

  /** The TLS socket's 'error', as the socket's reader hears it: {@link destroyAfterError}. */
  streamFailed(tls: Readable): void {
    destroyAfterError(tls as NodeTlsSocket);
  }

  /** Whether the reader may call `listener` from its own (see {@link isLifelongNodeListener}). */
  mayShareListener(event: 'end' | 'error' | 'close', listener: Function): boolean {
    return isLifelongNodeListener(event, listener);
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

  /** Nothing to wait for: through a JavaScript stream node:tls's shutdown waits for pending writes. */
  readyToShutdown(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Sends close_notify and drops the connection without waiting for the peer (PEP 748
   * `close(force=True)`): the TLS layer writes close_notify, the transport half-closes, and this
   * resolves once the transport has taken those bytes (at most `boundMs`). The transport is not
   * destroyed then (as NativeEnd's): bytes from the peer still unread below (data the caller never
   * read, left in the kernel while reading was paused) would turn the close into a TCP reset, which
   * throws away what the kernel still holds for the peer, the end of our data and close_notify. It
   * reads and drops until the peer's FIN (bounded by `boundMs`), unref'd. A transport whose send
   * buffer is already backed up (the peer stopped reading) is destroyed at once: close_notify could
   * only get out by waiting for the peer.
   */
  async closeForcefully(tls: NodeTlsSocket, boundMs: number): Promise<void> {
    const raw = this.raw;
    if (tls.destroyed) return;
    // The bound's timer goes with the socket (as NativeEnd's).
    let bound: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise((resolve) =>
      tls.once('close', () => {
        clearTimeout(bound);
        resolve(undefined);
      }),
    );
    tls.on('error', () => {});
    raw.on('error', () => {});
    if (!tls.writable || raw.writableLength > 0 || raw.destroyed) {
      tls.destroy();
      await closed;
      return;
    }
    const drop = () => tls.destroy();
    // The peer's FIN, whether or not the TLS layer still reads (it stops after a fatal alert).
    raw.once('end', drop);
    raw.once('close', drop);
    bound = setTimeout(drop, boundMs).unref();
    const handedOver = new Promise((resolve) => raw.once('finish', resolve));
    tls.resume();
    raw.resume();
    tls.end();
    await Promise.race([closed, handedOver]);
    if (!tls.destroyed) (raw as Partial<Socket>).unref?.();
  }
}
