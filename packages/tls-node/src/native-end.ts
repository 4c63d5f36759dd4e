/**
 * How a connection whose TLS layer sits directly on the TCP handle (node:tls's native path, no
 * JavaScript in the record path) tells a close_notify from a FIN without one.
 *
 * What node:tls does at the end (Node 20, src/crypto/crypto_tls.cc):
 * - `TLSWrap::ClearOut` reads records with SSL_read; SSL_ERROR_ZERO_RETURN (a close_notify) sets
 *   `eof_` and emits UV_EOF to JavaScript while the record is processed, inside the read callback of
 *   the TCP bytes that carried it.
 * - `TLSWrap::OnStreamRead` with UV_EOF (the TCP FIN) runs ClearOut, sets `eof_` and emits UV_EOF;
 *   once `eof_` is set (after a close_notify), it ignores everything the TCP stream still delivers.
 * Both reach lib/internal/stream_base_commons.js `onStreamRead` as the same UV_EOF: JavaScript
 * sees one 'end' either way, and OpenSSL itself never learns of the FIN (its input BIO only says
 * "retry"), so no SSL_R_UNEXPECTED_EOF_WHILE_READING error is raised.
 *
 * What differs is the state of the TCP handle at that moment. libuv stops reading a stream when
 * it reads its FIN (uv__stream_eof clears UV_HANDLE_READING) before it calls back with UV_EOF, and
 * it reports the FIN in a callback of its own, after every data callback before it. So when the
 * TLS stream's end is delivered:
 * - after a close_notify, the TCP handle is still being read (`readStart()` answers EALREADY), or
 *   node:tls itself paused it for backpressure (its `reading` flag is false; a paused handle
 *   reads no FIN);
 * - after a bare FIN, libuv has stopped the handle while node:tls still believes it reads:
 *   `readStart()` succeeds (and is undone at once).
 * The check runs once per connection, at the end; the records take node:tls's native path.
 *
 * @module
 */
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import { getSystemErrorName } from 'node:util';
import { ChunkReader, RaggedEOF, recvEndedByClose, remoteAddress, type Address, type ReadFlow, type ReadOutcome, type TLSError, type TLSVersion, type Transport } from '@unitls/tls-core';
import { toTLSError } from './errors.js';
import { canReadDirectly, directReadsInUse, readDirectly, restartHandle, stopHandle } from './native-read.js';

/** The parts of Node's stream handles (TCPWrap, TLSWrap) this module reads. Internal to Node. */
interface StreamHandle {
  onread?: (this: StreamHandle, arrayBuffer?: ArrayBuffer) => unknown;
  readStart?: () => number;
  readStop?: () => number;
  getpeername?: (out: { address?: string; port?: number }) => number;
  reading?: boolean;
  writeQueueSize?: number;
  _parent?: StreamHandle;
  _parentWrap?: unknown;
}

/**
 * The socket `raw` a watched TLS handle reads for: the net.Socket node:tls wrapped (`_parentWrap`), or
 * for a client node:tls connected by itself, the TLS socket, the handle's owner (Node's internal
 * `owner_symbol`, which net.Socket sets on every handle it owns). Undefined when neither is there.
 */
function rawOf(handle: StreamHandle): Transport | undefined {
  const wrapped = handle._parentWrap as Transport | null | undefined;
  if (wrapped !== null && wrapped !== undefined) return wrapped;
  return ownerOf(handle);
}

/** The socket that owns `handle` (Node's internal `owner_symbol`): a TLS handle's TLS socket. Undefined when there is none. */
function ownerOf(handle: StreamHandle): Transport | undefined {
  ownerSymbol ??= Object.getOwnPropertySymbols(handle).find((symbol) => symbol.description === 'owner_symbol') ?? null;
  return ownerSymbol === null ? undefined : ((handle as Record<symbol, unknown>)[ownerSymbol] as Transport | undefined);
}

/**
 * node:tls's own `onread`, found on the first handle watched: one function for every stream handle
 * (lib/internal/stream_base_commons.js `onStreamRead`, Node 20-26). A handle with another one is
 * not one this module knows ({@link NativeEnd.watch}).
 */
let nodeOnread: StreamHandle['onread'];

/** Node's `owner_symbol`, found on the first handle that has it; null before. */
let ownerSymbol: symbol | null = null;

function handleOf(stream: unknown): StreamHandle | undefined {
  const handle = (stream as { _handle?: StreamHandle | null })._handle;
  return handle ?? undefined;
}

/**
 * True when node:tls will put its TLS layer directly on `raw`'s native handle: a connected
 * net.Socket with a stream handle. (node:tls wraps anything else in a JavaScript stream.)
 */
export function hasNativeHandle(raw: Transport): raw is Socket {
  return NODE_ITSELF && raw instanceof Socket && !raw.connecting && typeof handleOf(raw)?.readStart === 'function';
}

/** Whether a client may let node:tls connect by itself and watch that socket's end (transport.ts tlsConnect): on Node itself. */
export function directConnectSupported(): boolean {
  return NODE_ITSELF;
}

/**
 * Whether this runtime is Node itself, whose TLSWrap/TCPWrap handles {@link NativeEnd} reads.
 * Deno's node:net sockets have a `_handle` with `readStart` but its node:tls has no TCP `_parent`
 * to probe: on the native path every end looked clean there (a FIN without close_notify was
 * reported as a clean end), so other runtimes take the watched JavaScript stream.
 */
const runtimeVersions: Record<string, string | undefined> = process.versions;
const NODE_ITSELF = runtimeVersions.deno === undefined && runtimeVersions.bun === undefined;

/**
 * Prepares a connected net.Socket for node:tls's native path. Half-open, so our close_notify can
 * still be written after the peer's FIN: node:tls takes this from the socket it wraps (a STARTTLS
 * caller's socket may not be half-open; only TLS reads and writes it from now on).
 */
function halfOpen(raw: Socket): Socket {
  raw.allowHalfOpen = true;
  return raw;
}

/**
 * Each watched connection's {@link NativeEnd} by its TCP socket (`raw`), for the functions every
 * watched connection shares: the TLS handle's `onread` (`raw` is {@link rawOf} the handle) and the
 * listeners on `raw` that replace node:tls's closures ({@link NativeEnd.shareWrapListeners}). Once
 * the NativeEnd reads (its ChunkReader is attached to the TLS socket: tls-core's table finds it
 * from the handle's owner), a client that node:tls connected itself (`raw` is the TLS socket, no
 * wrapped listeners) leaves this table: one entry per idle connection, not two (32 bytes each at
 * 1,000 connections).
 */
const watched = new WeakMap<Transport, NativeEnd>();

/** The method a {@link SessionKeeper} keeps its session with (a symbol: not part of the socket's API). */
export const KEEP_SESSION = Symbol('keep the session');

/**
 * A client socket that reads its session from node:tls when asked (socket.ts): its connection's end
 * tells it first when node:tls may let go of it (the end or a failure read from the network).
 */
export interface SessionKeeper {
  [KEEP_SESSION](): void;
}

/**
 * A {@link NativeEnd}'s state, in one small integer: four fields of their own (the verdict, who
 * paused, closing, the version) were 24 bytes more on every idle connection. Two bits each:
 * - bits 0-1, how the TLS stream ended: {@link NOT_ENDED} while it has not; FIN_REPORTED once recv
 *   reported its RaggedEOF;
 * - bits 2-3, who stopped the source: the handle (direct reads) or node:tls's stream, or nobody;
 * - bit 4, close() was called ({@link NativeEnd.closing});
 * - bits 5-6, the negotiated version ({@link VERSIONS});
 * - bit 7, {@link NativeEnd.watch} took over the TLS handle's `onread` (Node's handles as this module knows them);
 * - bit 8, decrypted records go straight to this reader ({@link NativeEnd.attachReader});
 * - bit 9, the reader was attached ({@link NativeEnd.attachReader}).
 */
const NOT_ENDED = 0;
const CLOSE_NOTIFY = 1;
const FIN = 2;
const FIN_REPORTED = 3;
const VERDICT_BITS = 0b11;
const PAUSED_BY_HANDLE = 1 << 2;
const PAUSED_BY_STREAM = 2 << 2;
const PAUSED_BITS = 0b11 << 2;
const CLOSING = 1 << 4;
const VERSION_SHIFT = 5;
const VERSION_BITS = 0b11 << VERSION_SHIFT;
const WATCHING = 1 << 7;
const DIRECT = 1 << 8;
const READING = 1 << 9;
/** The versions a connection negotiates, by their number in the state (0: none known). */
const VERSIONS: readonly (TLSVersion | null)[] = [null, 'TLSv1.2', 'TLSv1.3'];

/**
 * Watches a node:tls socket built over a native TCP handle for how its stream ends (see the
 * module comment). Without Node's handles it cannot tell, and every end counts as ragged (fail
 * safe); other runtimes never come here ({@link hasNativeHandle}). It is also the connection's
 * reader (a ChunkReader of the TLS socket, recv's) and its direct reads (native-read.ts): their
 * flow control, recv's outcome and the one `onread` for all these jobs, so an idle connection holds
 * one object for them (a watcher and a reader were 64 + 144 bytes, this is 168) and one WeakMap
 * entry (see {@link watched}).
 */
export class NativeEnd extends ChunkReader implements ReadFlow, ReadOutcome {
  readonly raw: Transport;
  /** The verdict, who paused, closing, the version, watching, direct reads: see {@link NOT_ENDED}. */
  #state = NOT_ENDED;
  /** The client socket told of the end ({@link keepSessionFor}), or null. */
  #keeper: SessionKeeper | null = null;

  constructor(raw: Socket) {
    // The TLS socket is not built yet: it becomes the reader's stream in watch(), and the reader
    // starts reading once the handshake is done (attachReader).
    super(null);
    this.raw = halfOpen(raw);
  }

  /** Whether {@link watch} was called: for a client node:tls connects by itself, its TCP connection is up. */
  get watching(): boolean {
    return this.source !== null;
  }

  /** The connection's reader (recv's): this object itself, once {@link attachReader} was called; null before. */
  get reader(): ChunkReader | null {
    return this.source === null || (this.#state & READING) === 0 ? null : this;
  }

  /**
   * What {@link watch} saw: the TLS socket (the reader's stream). Its handle is read from it when
   * needed, and node:tls's own `onread` is the one function every handle has ({@link nodeOnread}).
   */
  static #tls(end: NativeEnd): NodeTlsSocket | null {
    return end.source as NodeTlsSocket | null;
  }

  /**
   * Starts watching `tls`, which must have been built over {@link raw} just now (before it read
   * anything), or be {@link raw} itself, a client socket node:tls connected by itself (watched once
   * connected, before it read anything). Either way `raw` is connected, so node:tls will not
   * replace its handle.
   */
  watch(tls: NodeTlsSocket): void {
    // The reader's stream, its flow control and outcome this object itself.
    this.setSource(tls, this, this);
    const handle = handleOf(tls);
    const tcp = handle?._parent;
    const onread = handle?.onread;
    // node:tls's TLS handle names the net.Socket it wraps; none when it made its own TCP handle.
    const wrapped = this.raw === tls ? null : this.raw;
    nodeOnread ??= onread;
    if (handle === undefined || tcp === undefined || typeof onread !== 'function' || onread !== nodeOnread || typeof tcp.readStart !== 'function' || (handle._parentWrap ?? null) !== wrapped || rawOf(handle) !== this.raw) {
      // Node's handles are not what this module knows (a future Node): nothing can prove a
      // close_notify arrived, so every end is reported as RaggedEOF rather than as clean.
      this.#state = (this.#state & ~VERDICT_BITS) | FIN;
      return;
    }
    // One function for every handle (an idle server holds one per connection): it finds this
    // connection's watcher through `watched`.
    watched.set(this.raw, this);
    this.#state |= WATCHING;
    handle.onread = NativeEnd.#watchedOnread;
  }

  /**
   * Right after node:tls built its socket over {@link raw} and {@link watch} began, with `before`
   * the counts of `raw`'s listeners before it was built: node:tls's own listeners on `raw`
   * (TLSSocket.prototype._wrapHandle and _init, Node 20-26) are a closure and its context each,
   * ~400 bytes that every idle connection kept. Its 'connect' listener goes (`raw` is connected: it
   * never emits 'connect' again); its 'close' and 'error' ones, recognised by their source, are
   * replaced by functions every connection shares that do the same through `watched`. Anything
   * else (another Node's listeners, a caller's own) stays as it is.
   */
  shareWrapListeners(before: Readonly<Record<WrapEvent, number>>): void {
    if ((this.#state & WATCHING) === 0) return;
    const raw = this.raw;
    for (const event of WRAP_EVENTS) {
      for (const listener of raw.rawListeners(event).slice(before[event])) {
        const shared = SHARED_WRAP_LISTENERS[event];
        if (shared === null || String(listener) === shared.source) {
          raw.removeListener(event, listener as (...args: unknown[]) => void);
          if (shared !== null) raw.on(event, shared.listener);
        }
      }
    }
  }

  /** node:tls's 'close' listener on `raw`, shared: `this` is `raw`. */
  static destroyTls(this: Transport): void {
    const end = watched.get(this);
    if (end !== undefined) NativeEnd.#tls(end)?.destroy();
  }

  /** node:tls's 'error' listener on `raw`, shared: `this` is `raw`. */
  static emitTlsError(this: Transport, error: Error): void {
    const end = watched.get(this);
    if (end !== undefined) (NativeEnd.#tls(end) as { _emitTLSError?: (error: Error) => void } | null)?._emitTLSError?.(error);
  }

  /** `keeper` is told of the end or a failure before node:tls gets it (and may let go of its session). */
  keepSessionFor(keeper: SessionKeeper): void {
    this.#keeper = keeper;
  }

  /**
   * Starts reading the TLS socket {@link watch} saw, as the connection's reader (recv's), and
   * returns it (this object). From now on decrypted records go straight to it (native-read.ts),
   * where Node's handle allows it; otherwise they keep node:tls's stream. Call once, once the
   * handshake is done.
   *
   * @throws TypeError when {@link watch} was not called, or the reader already reads.
   */
  attachReader(): ChunkReader {
    this.startReading();
    this.#state |= READING;
    const tls = NativeEnd.#tls(this)!;
    if (NativeEnd.#watchedHandle(this) && canReadDirectly(handleOf(tls)!)) this.#state |= DIRECT;
    // The handle's onread finds this reader from now on through tls-core's table (ownerOf the
    // handle is the TLS socket): a client node:tls connected itself needs no entry of its own.
    if (this.raw === tls && watched.get(this.raw) === this) watched.delete(this.raw);
    return this;
  }

  /**
   * ReadFlow: whether every record will reach the reader through {@link readDirectly}, none through
   * node:tls's stream: direct reads are possible on this handle and known to hold in this process
   * (the first record of a process is probed through the stream). The reader then needs no 'data'
   * listener.
   */
  deliversAll(): boolean {
    return NativeEnd.#watchedHandle(this) && directReadsInUse() === true && canReadDirectly(handleOf(NativeEnd.#tls(this))!);
  }

  /**
   * Whether {@link watch} took over the TLS handle's `onread` of `end` (Node's handles as this module
   * knows them), and the handle is still there. Static, as every private method of this class: an
   * instance method would give each instance a private brand, 8 bytes per idle connection.
   */
  static #watchedHandle(end: NativeEnd): boolean {
    return (end.#state & WATCHING) !== 0 && handleOf(NativeEnd.#tls(end)) !== undefined;
  }

  /** Gives the records back to node:tls (close: what still comes is node:tls's to read or drop). */
  stopReadingDirectly(): void {
    if ((this.#state & DIRECT) === 0) return;
    this.#state &= ~DIRECT;
    // node:tls's stream believes it is reading: a handle we stopped would never deliver the end.
    if ((this.#state & PAUSED_BITS) === PAUSED_BY_HANDLE) {
      this.#state &= ~PAUSED_BITS;
      const handle = handleOf(NativeEnd.#tls(this));
      if (handle !== undefined) restartHandle(handle);
    }
  }

  /** ReadFlow: the handle's while reads are direct, else node:tls's stream's. */
  pause(): void {
    if ((this.#state & DIRECT) !== 0 && directReadsInUse() === true) {
      this.#state = (this.#state & ~PAUSED_BITS) | PAUSED_BY_HANDLE;
      const handle = handleOf(NativeEnd.#tls(this));
      if (handle !== undefined) stopHandle(handle);
    } else {
      this.#state = (this.#state & ~PAUSED_BITS) | PAUSED_BY_STREAM;
      NativeEnd.#tls(this)!.pause();
    }
  }

  resume(): void {
    if ((this.#state & PAUSED_BITS) === PAUSED_BY_HANDLE) {
      // Gone once the socket was destroyed: nothing to restart.
      const handle = handleOf(NativeEnd.#tls(this));
      if (handle !== undefined) restartHandle(handle);
    } else NativeEnd.#tls(this)!.resume();
    this.#state &= ~PAUSED_BITS;
  }

  isPaused(): boolean {
    return (this.#state & PAUSED_BITS) !== 0;
  }

  /** The handle's `onread` once watched; `this` is the handle (Node calls it so). */
  static #watchedOnread(this: StreamHandle, arrayBuffer?: ArrayBuffer): unknown {
    const end = NativeEnd.#of(this);
    // None once a client's reader was detached (close()): what still comes is node:tls's.
    if (end === undefined) return nodeOnread!.call(this, arrayBuffer);
    if (arrayBuffer !== undefined && (end.#state & DIRECT) !== 0) return readDirectly(NativeEnd.#tls(end)!, end, nodeOnread!, this, arrayBuffer);
    // The end or a failure: the TCP handle may go now, and getpeername() still answers after it
    // (session() too: node:tls's TLS state may go with it).
    if (arrayBuffer === undefined) {
      keepPeerAddress(end.raw);
      end.#keeper?.[KEEP_SESSION]();
    }
    const result = nodeOnread!.call(this, arrayBuffer);
    // Data comes with its ArrayBuffer; the end (and errors, which destroy the socket) without.
    if (arrayBuffer === undefined) NativeEnd.#decide(end, this);
    return result;
  }

  /**
   * The watcher of the TLS handle `handle`: the reader attached to its owner (the TLS socket) once
   * it reads, else the one {@link watched} holds for its `raw`.
   */
  static #of(handle: StreamHandle): NativeEnd | undefined {
    const reader = ChunkReader.attachedTo(ownerOf(handle) as Readable);
    if (reader instanceof NativeEnd) return reader;
    const raw = rawOf(handle);
    return raw === undefined ? undefined : watched.get(raw);
  }

  static #decide(end: NativeEnd, handle: StreamHandle): void {
    const tls = NativeEnd.#tls(end)!;
    const tcp = handle._parent!;
    if ((end.#state & VERDICT_BITS) !== NOT_ENDED || !streamEnded(tls)) return;
    const started = tcp.readStart!();
    if (started === 0) tcp.readStop?.();
    const stillReading = started < 0 && getSystemErrorName(started) === 'EALREADY';
    const pausedByNode = started === 0 && handle.reading === false;
    end.#state |= stillReading || pausedByNode ? CLOSE_NOTIFY : FIN;
  }

  /** True once the TLS stream ended because the TCP stream did, without a close_notify. */
  get endedWithoutCloseNotify(): boolean {
    const verdict = this.#state & VERDICT_BITS;
    return verdict === FIN || verdict === FIN_REPORTED;
  }

  /**
   * Called by the socket's close() before it detaches the reader: a recv that ends then was ended
   * by close(), not by the peer ({@link endError}).
   */
  closing(): void {
    this.#state |= CLOSING;
  }

  /**
   * recv at the end (the socket's ChunkReader asks): recvEndedByClose when close() ended it,
   * RaggedEOF without a close_notify.
   */
  endError(): TLSError | null {
    if ((this.#state & CLOSING) !== 0) return recvEndedByClose();
    if (!this.endedWithoutCloseNotify) return null;
    this.#state |= FIN_REPORTED;
    return new RaggedEOF();
  }

  /** True once recv reported RaggedEOF ({@link endError}): sends then fail with it too (as Python's). */
  get raggedEOFReported(): boolean {
    return (this.#state & VERDICT_BITS) === FIN_REPORTED;
  }

  /** Set by the socket once its handshake is done: the negotiated version, for {@link readError} (TLS 1.2 or 1.3; anything else counts as none). */
  set version(version: TLSVersion | null) {
    const known = Math.max(VERSIONS.indexOf(version), 0);
    this.#state = (this.#state & ~VERSION_BITS) | (known << VERSION_SHIFT);
  }

  /** recv's error for what failed the TLS stream. */
  readError(error: unknown): Error {
    return toTLSError(error, 'read', VERSIONS[(this.#state & VERSION_BITS) >> VERSION_SHIFT]);
  }

  /** The TLS socket's 'error', as the socket's reader hears it: {@link destroyAfterError}. */
  streamFailed(tls: Readable): void {
    destroyAfterError(tls as NodeTlsSocket);
  }

  /** Whether the reader may call `listener` from its own (see {@link isLifelongNodeListener}). */
  mayShareListener(event: 'end' | 'error' | 'close', listener: Function): boolean {
    return isLifelongNodeListener(event, listener);
  }

  /**
   * Resolves when `tls.end()` will send close_notify before the FIN. node:tls's shutdown
   * (TLSWrap::DoShutdown in crypto_tls.cc) queues close_notify with EncOut, which returns early
   * while an earlier write has not been completed (`write_size_ != 0`: a synchronous write is
   * completed only by a SetImmediate), and then shuts the TCP stream down at once, so the FIN
   * overtakes close_notify. Seen when the shutdown came while a server's session tickets were in
   * flight right after its handshake (NODE_DEBUG_NATIVE=tls: "Returning from EncOut(), write
   * currently in progress", then the close_notify write failing with EPIPE; Python: SSLEOFError).
   * So: nothing to wait for when node:tls holds no output (TLSWrap's `writeQueueSize` is what its
   * output BIO holds) and no write of ours is unfinished (`writableLength`: a send close() did not
   * wait for, already written to the kernel but completed only by that SetImmediate, shows there
   * and not in writeQueueSize; its FIN overtook close_notify). Otherwise one turn of
   * the event loop lets writes that finished synchronously complete; if output is still held (the
   * kernel's buffer is full), an empty write, which completes only once the held records are
   * written (TLSWrap::DoWrite with no bytes), and end() waits for it before it shuts down.
   */
  async readyToShutdown(tls: NodeTlsSocket): Promise<void> {
    const handle = handleOf(tls);
    if (handle?.writeQueueSize === 0 && tls.writableLength === 0) return;
    await new Promise((resolve) => setImmediate(resolve));
    if (handle?.writeQueueSize === 0 && tls.writableLength === 0) return;
    if (tls.writable && !tls.destroyed) tls.write(NOTHING);
  }

  /**
   * close(force=true) on the native path: close_notify and FIN are queued (see
   * {@link readyToShutdown}); resolves once they are with the kernel (or the socket closed; at
   * most `boundMs`). A connection whose send queue is already backed up (the peer stopped
   * reading) is destroyed at once: close_notify could only get out by waiting for the peer.
   * Otherwise the socket is not destroyed then: bytes from the peer still unread in the kernel
   * (TLS 1.3 session tickets that arrived while a large send ran) would turn the close into a
   * reset, which throws away what the kernel still holds for the peer, the end of our data and
   * close_notify. It reads and drops until the peer's FIN (at most `boundMs`), unref'd: it does
   * not keep the process alive.
   */
  async closeForcefully(tls: NodeTlsSocket, boundMs: number): Promise<void> {
    if (tls.destroyed) return;
    // The bound's timer goes with the socket: left running it would keep the closed socket (and
    // what it holds) alive for `boundMs` more.
    let bound: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise((resolve) =>
      tls.once('close', () => {
        clearTimeout(bound);
        resolve(undefined);
      }),
    );
    tls.on('error', () => {});
    await this.readyToShutdown(tls);
    const queued = tls.writableLength + (handleOf(tls)?._parent?.writeQueueSize ?? 0);
    if (!tls.writable || queued > 0) {
      tls.destroy();
      await closed;
      return;
    }
    const drop = () => tls.destroy();
    tls.once('end', drop);
    bound = setTimeout(drop, boundMs).unref();
    const handedOver = new Promise((resolve) => tls.once('finish', resolve));
    tls.resume();
    tls.end();
    await Promise.race([closed, handedOver]);
    if (!tls.destroyed) (this.raw as Socket).unref();
  }
}

const NOTHING = Buffer.alloc(0);

/** The events of node:tls's listeners on the socket it wraps ({@link NativeEnd.shareWrapListeners}). */
const WRAP_EVENTS = ['connect', 'close', 'error'] as const;
type WrapEvent = (typeof WRAP_EVENTS)[number];

/** What replaces node:tls's listener of each event, and its source; null: dropped. */
const SHARED_WRAP_LISTENERS: Record<WrapEvent, { source: string; listener: (this: Transport, error: Error) => void } | null> = {
  connect: null,
  close: { source: '() => this.destroy()', listener: NativeEnd.destroyTls },
  error: { source: '(err) => this._emitTLSError(err)', listener: NativeEnd.emitTlsError },
};

/**
 * The peer's address, read from the TCP handle on each call. net.Socket's `remoteAddress` would
 * cache it on the socket for good (an object, its string and a property slot: ~110 bytes per
 * connection, and PEP accept() asks for every connection's). Once the handle is gone, whatever
 * net.Socket cached: {@link keepPeerAddress} caches it as the end or a failure arrives, so
 * getpeername() still answers until close() (after a reset the system no longer knows it: null).
 */
export function peerAddress(raw: Transport): Address | null {
  const cached = (raw as { _peername?: unknown })._peername;
  const handle = handleOf(raw);
  if (cached !== undefined && cached !== null) return remoteAddress(raw);
  if (!(raw instanceof Socket) || raw.connecting || typeof handle?.getpeername !== 'function') return remoteAddress(raw);
  const out: { address?: string; port?: number } = {};
  if (handle.getpeername(out) !== 0 || typeof out.address !== 'string' || typeof out.port !== 'number') return remoteAddress(raw);
  return { host: out.address, port: out.port };
}

/**
 * What a connection does on an error of node:tls's socket `tls` after its handshake (a TLS error,
 * a reset): caches the peer's address first (getpeername() still answers once the connection is
 * gone), then destroys the socket once what is queued (node:tls's alert) is written.
 */
export function destroyAfterError(tls: NodeTlsSocket): void {
  // node:tls may report several errors on one socket (a flood of bad records); node:net's
  // destroySoon adds a 'finish' listener on every call, so only the first one asks.
  if (destroyingSoon.has(tls)) return;
  destroyingSoon.add(tls);
  // The TCP socket node:tls wraps, or the TLS socket itself when node:tls connected it (a client).
  const raw = (tls as unknown as { _parent?: unknown })._parent;
  keepPeerAddress(raw instanceof Socket ? raw : tls);
  tls.destroySoon();
}

/** The sockets {@link destroyAfterError} has already asked to be destroyed once their alert is written. */
const destroyingSoon = new WeakSet<NodeTlsSocket>();

/**
 * node:tls's listeners on its socket that stay for the socket's life, by event: net.Socket's
 * 'end' one (onReadableStreamEnd, lib/net.js) and TLSSocket's 'close' one (onSocketCloseDestroySSL,
 * lib/_tls_wrap.js), Node 20-26. The socket's reader calls them from its own listener
 * (ChunkReader, ReadOutcome.mayShareListener) rather than adding a second one: two listeners of an
 * event make the emitter keep an array (64 bytes per event and idle connection). Recognised by
 * name; another runtime's listeners stay as they are.
 */
const LIFELONG_NODE_LISTENERS: Readonly<Record<'end' | 'error' | 'close', string | null>> = { end: 'onReadableStreamEnd', close: 'onSocketCloseDestroySSL', error: null };

export function isLifelongNodeListener(event: 'end' | 'error' | 'close', listener: Function): boolean {
  return typeof listener === 'function' && listener.name !== '' && listener.name === LIFELONG_NODE_LISTENERS[event];
}

/** Caches the peer's address on `raw` (net.Socket's own cache) while its handle is still there. */
export function keepPeerAddress(raw: Transport): void {
  void raw.remoteAddress;
}

/** Reads the TLS stream's "ended" flag (set when node:tls pushed its end). */
function streamEnded(socket: NodeTlsSocket): boolean {
  return (socket as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}
