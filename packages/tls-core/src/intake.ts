/**
 * How BufferSocket gets ciphertext from its transport into its TLSBuffer. Two ways:
 *
 * - pulled ({@link PulledIntake}): any Duplex, read through a {@link ChunkReader}; every chunk
 *   node:net reads is a fresh ArrayBuffer.
 * - direct ({@link DirectIntake}): a node:net socket made by {@link connectDirect} or
 *   {@link readDirectly}, or taken over for startTls ({@link takenOver}), reads into one shared,
 *   reused buffer (node:net's `onread` option) and
 *   each read is copied into the TLSBuffer at once ({@link TLSBufferFastPath.copyIncoming}). No
 *   ArrayBuffer per read: V8 counts fresh ones as external memory against its old-generation
 *   budget, and at bulk rates they set off mark-compact collections (issue #16).
 *
 * @module
 */
import { Socket, connect as netConnect, type SocketConstructorOpts, type TcpNetConnectOpts } from 'node:net';
import { ChunkReader } from './chunk-reader.js';
import { TLSError, WantReadError } from './errors.js';
import type { TLSBuffer, Transport } from './interfaces.js';

/** Ciphertext bytes taken from a pulled transport per feed of the buffer. */
const READ_SIZE = 64 * 1024;

/**
 * Ciphertext a direct socket lets wait in its TLSBuffer before it stops reading the network (as a
 * ChunkReader's high-water mark does): a reader that does not keep up holds this much, not more.
 */
export const READ_AHEAD = 256 * 1024;

const EMPTY = new Uint8Array(0);

/** Bytes of one direct socket read. */
const DIRECT_READ_SIZE = 64 * 1024;

/** The copying feed {@link DirectIntake} needs (tls-core's TLSBufferFastPath.copyIncoming). */
export interface CopyingBuffer {
  copyIncoming(data: Uint8Array): number;
}

/** How BufferSocket feeds its TLSBuffer. */
export interface Intake {
  /**
   * Counts the feeds so far. Read it synchronously right after the buffer asked for more input,
   * and pass it to {@link fill}: input fed in between (while output was flushed) then counts.
   */
  readonly fed: number;
  /**
   * Resolves once the buffer got input after `since`, waiting for the transport when it has none:
   * true, or false at the transport's end (the buffer is then told: an empty processIncoming).
   *
   * @throws TLSError(`eofMessage`) at the end instead, when given; the transport's error.
   */
  fill(since: number, eofMessage?: string): Promise<boolean>;
  /**
   * {@link fill} without waiting: true or false as fill resolves, or null when nothing new
   * arrived yet (then {@link wait} for it).
   *
   * @throws as {@link fill}.
   */
  poll(since: number): boolean | null;
  /**
   * Calls `wake` once, in a microtask, after the next arrival, end or error of the transport (or
   * {@link interrupt}, {@link detach}): what a {@link poll} that answered null waits for, with no
   * promise. The woken caller checks why itself.
   */
  wait(wake: () => void): void;
  /** The buffer was read from: it may have room to read ahead again. */
  drained(): void;
  /**
   * Rejects the fill waiting for the transport now, if one is, with `reason` (or wakes what waits
   * through {@link wait}); input goes on being read and feeds the next fill.
   */
  interrupt(reason: unknown): void;
  /** Stops feeding the buffer; what the transport still delivers is dropped. */
  detach(): void;
}

/**
 * The intake for `transport`: direct when the socket reads directly ({@link connectDirect}), or
 * when it is a plain node:net socket that can be {@link takenOver} for a buffer with copyIncoming
 * (startTls's sockets: STARTTLS, the FTP data connection); else pulled.
 */
export function intakeFor(transport: Transport, buffer: TLSBuffer): Intake {
  const direct = transport instanceof Socket ? (directReads.get(transport) ?? (copiesIncoming(buffer) ? takenOver(transport) : undefined)) : undefined;
  if (direct === undefined) return new PulledIntake(transport, buffer);
  return new DirectIntake(transport as Socket, direct, buffer);
}

/**
 * copyIncoming for a buffer without it: processIncoming of a copy, halved while the buffer
 * refuses it (PEP 748: a full buffer stores nothing). Returns the count taken.
 */
function copyThroughProcessIncoming(buffer: TLSBuffer, data: Uint8Array): number {
  for (let size = data.length; size >= 1; size >>= 1) {
    try {
      buffer.processIncoming(new Uint8Array(data.subarray(0, size)));
      return size;
    } catch (error) {
      if (!(error instanceof WantReadError)) throw error;
    }
  }
  return 0;
}

/** Whether `buffer` offers {@link CopyingBuffer.copyIncoming}. */
export function copiesIncoming(buffer: TLSBuffer): buffer is TLSBuffer & CopyingBuffer {
  return typeof (buffer as Partial<CopyingBuffer>).copyIncoming === 'function';
}

/**
 * Chunks read by node:net (fresh memory each), fed by reference when the buffer takes them so,
 * when the buffer asks for input. Answers {@link Intake.poll} from the chunks its reader holds, so
 * a socket upgraded by startTls has BufferSocket's one-promise recv too (issue #16).
 */
class PulledIntake implements Intake {
  #fed = 0;
  readonly #reader: ChunkReader;
  readonly #buffer: TLSBuffer;
  readonly #take: ((data: Uint8Array) => boolean) | undefined;
  /** Transport bytes the buffer had no room for yet. */
  #pending: Uint8Array = EMPTY;
  /** The waiting fill's wake-up; null while none waits. */
  #arrived: (() => void) | null = null;
  /** What the waiting fill rejects with ({@link interrupt}), or null. */
  #interruption: unknown = null;

  constructor(transport: Transport, buffer: TLSBuffer) {
    this.#reader = new ChunkReader(transport);
    this.#buffer = buffer;
    const take = (buffer as { takeIncoming?: (data: Uint8Array) => boolean }).takeIncoming;
    this.#take = take === undefined ? undefined : take.bind(buffer);
  }

  get fed(): number {
    return this.#fed;
  }

  async fill(since: number, eofMessage?: string): Promise<boolean> {
    for (;;) {
      const fed = this.poll(since, eofMessage);
      if (fed !== null) return fed;
      await new Promise<void>((resolve) => {
        this.#arrived = resolve;
        this.#reader.onArrival(resolve);
      });
      this.#arrived = null;
      const interruption = this.#interruption;
      if (interruption !== null) {
        this.#interruption = null;
        throw interruption;
      }
    }
  }

  poll(since: number, eofMessage?: string): boolean | null {
    if (this.#fed !== since) return true;
    // Chunk by chunk, never joined: up to READ_SIZE bytes per feed, as much as the buffer takes.
    let taken = 0;
    while (taken < READ_SIZE) {
      let data = this.#pending;
      if (data.length === 0) data = this.#reader.readHeld(READ_SIZE - taken);
      if (data.length === 0) break;
      const rest = this.#feed(data);
      this.#pending = rest;
      taken += data.length - rest.length;
      if (rest.length > 0) break; // the buffer is full
    }
    if (taken > 0) {
      this.#fed++;
      return true;
    }
    if (this.#pending.length > 0) throw new TLSError('the TLSBuffer accepts no incoming data although it waits for more');
    const error = this.#reader.error;
    if (error !== null) throw error;
    if (this.#reader.done) {
      if (eofMessage !== undefined) throw new TLSError(eofMessage);
      this.#buffer.processIncoming(EMPTY);
      return false;
    }
    return null;
  }

  wait(wake: () => void): void {
    this.#reader.onArrival(wake);
  }

  /** Gives the buffer as much of `data` as it takes; returns the rest. */
  #feed(data: Uint8Array): Uint8Array {
    for (let size = data.length; size >= 1; size >>= 1) {
      // Transport chunks are never changed once read, so the buffer may keep them as they are.
      if (this.#take !== undefined) {
        if (this.#take(size === data.length ? data : data.subarray(0, size))) return data.subarray(size);
        continue;
      }
      try {
        this.#buffer.processIncoming(size === data.length ? data : data.subarray(0, size));
        return data.subarray(size);
      } catch (error) {
        // A full buffer stores nothing (PEP 748): offer less, and keep the rest for later.
        if (!(error instanceof WantReadError)) throw error;
      }
    }
    return data;
  }

  drained(): void {}

  interrupt(reason: unknown): void {
    // A waiting fill rejects; the one-promise recv ({@link wait}) is woken and sees close() itself.
    if (this.#arrived !== null) this.#interruption = reason;
    this.#reader.cancelRead(reason);
  }

  detach(): void {
    this.#pending = EMPTY;
    this.#reader.detach();
  }
}

/**
 * node:net's `onread` option of every direct socket: one read buffer (each read is consumed before
 * the next can start) and one callback, which node:net calls with the socket as `this` and which
 * finds the socket's reads through {@link directReads}. Shared: an idle connection holds no
 * closure, context or option object of its own for it. Made on first use.
 */
let sharedOnread: { readonly buffer: Buffer; readonly callback: (this: Socket, count: number, buffer: Uint8Array) => boolean } | undefined;

function onreadOption(socketOf: () => Socket): NonNullable<typeof sharedOnread> {
  const shared = (sharedOnread ??= { buffer: Buffer.allocUnsafeSlow(DIRECT_READ_SIZE), callback: directRead });
  if (CALLBACK_CALLED_ON_SOCKET) return shared;
  return { buffer: shared.buffer, callback: (count, buffer) => directRead.call(socketOf(), count, buffer) };
}

/**
 * Whether the runtime's node:net calls onread's callback as the socket's method. Bun calls it as a
 * plain function (`this` is not the socket, so the shared callback found no reads and dropped
 * them: every tls-pure handshake timed out): there each socket gets a callback of its own.
 */
const CALLBACK_CALLED_ON_SOCKET = (process.versions as Record<string, string | undefined>)['bun'] === undefined;

/** A direct socket's reads; `sink` takes them once a BufferSocket runs on it. */
class DirectReads {
  sink: DirectIntake | null = null;
  /** Copies of what was read before there was a sink; null while there are none; false once the sink detached (reads are dropped). */
  early: Uint8Array[] | null | false = null;
}

/**
 * The shared `onread` callback (`this` is the socket). Returning false stops reading (node:net's
 * onread contract) until socket.resume().
 */
function directRead(this: Socket, count: number, buffer: Uint8Array): boolean {
  const reads = directReads.get(this);
  if (reads === undefined) return true; // not a socket of ours: nothing would read it
  const data = buffer.subarray(0, count);
  if (reads.sink !== null) return reads.sink.deliver(data);
  if (reads.early === false) return true;
  if (reads.early === null) reads.early = [];
  reads.early.push(new Uint8Array(data));
  return true;
}

const directReads = new WeakMap<Socket, DirectReads>();

/**
 * `net.connect(options)` reading into the shared buffer: a BufferSocket over it feeds its
 * TLSBuffer from there (copyIncoming, or processIncoming of a copy for a buffer without it) with
 * no fresh ArrayBuffer per read. Only BufferSocket reads such a socket: it emits no 'data'.
 */
export function connectDirect(options: TcpNetConnectOpts): Socket {
  const reads = new DirectReads();
  const socket: Socket = netConnect({ ...options, onread: onreadOption(() => socket) });
  directReads.set(socket, reads);
  return socket;
}

/** The parts of a node:net stream handle (TCPWrap, PipeWrap) a take-over uses. Internal to Node. */
interface StreamHandle {
  reading?: boolean;
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/** node:net's private symbol named `description` on `socket` (its constructor sets them all). */
function privateSymbol(socket: Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === description);
}

/**
 * Makes an open plain node:net socket read into the shared buffer from now on, as if
 * {@link connectDirect} had made it: what startTls is given was connected by someone else
 * (client-kit, the FTP data connection, the caller) and read as a stream until the handshake, and
 * node:net offers `onread` only to the constructor. So its private `onread` fields (kBuffer,
 * kBufferCb) are set and the handle told (`useUserBuffer`, as the constructor does), on the same
 * object: whoever holds the socket (to destroy it, or for its addresses) keeps a working handle.
 * node:net's own pause()/resume() then stop and start the handle's reads (they check kBuffer).
 *
 * Returns undefined, leaving the socket a stream (the pulled intake), when it is not that kind of
 * socket (node:tls's, no handle, its own `onread`, a Node without these fields), holds unread bytes
 * (they are input: the pulled intake feeds them), or has a 'data' or 'readable' listener (someone
 * else reads it too).
 */
function takenOver(socket: Socket): DirectReads | undefined {
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (handle == null || typeof handle.useUserBuffer !== 'function' || (socket as { encrypted?: unknown }).encrypted !== undefined) return undefined;
  if (socket.readableLength > 0 || socket.listenerCount('data') > 0 || socket.listenerCount('readable') > 0) return undefined;
  const kBuffer = privateSymbol(socket, 'kBuffer');
  const kBufferCb = privateSymbol(socket, 'kBufferCb');
  const fields = socket as unknown as Record<symbol, unknown>;
  if (kBuffer === undefined || kBufferCb === undefined || fields[kBuffer] != null || fields[kBufferCb] != null) return undefined;
  const reads = new DirectReads();
  const onread = onreadOption(() => socket);
  fields[kBuffer] = onread.buffer;
  fields[kBufferCb] = onread.callback; // node:net calls it as the socket's method: `this` is the socket
  handle.useUserBuffer(onread.buffer);
  directReads.set(socket, reads);
  // A socket paused before its stream read anything was never started: start it (node:net's
  // resume starts the handle of a kBuffer socket). One that reads goes on into the shared buffer.
  if (handle.reading !== true && !socket.connecting) socket.resume();
  return reads;
}

/** node:net's private fields moved from an accepted socket to its replacement. */
interface AcceptedFields {
  _handle: unknown;
  _server: unknown;
  server: unknown;
}

/**
 * The accepted connection `accepted` (from a server with `pauseOnConnect`, not read yet) as a
 * socket reading into the shared buffer ({@link connectDirect}'s kind). node:net offers `onread`
 * to sockets it connects only, so the connection's handle moves to a new Socket made with it;
 * `accepted` is left without one (destroying it no longer touches the connection), and the
 * server counts the new socket instead (server.close() still waits for it). Returns `accepted`
 * itself when it is already closed.
 */
export function readDirectly(accepted: Socket): Socket {
  const fields = accepted as unknown as AcceptedFields;
  if (fields._handle == null || accepted.destroyed) return accepted;
  const reads = new DirectReads();
  const options = { handle: fields._handle, allowHalfOpen: accepted.allowHalfOpen, readable: true, writable: true, onread: onreadOption(() => socket) };
  const socket: Socket = new Socket(options as SocketConstructorOpts);
  const moved = socket as unknown as AcceptedFields;
  moved.server = fields.server;
  moved._server = fields._server;
  fields._handle = null;
  fields._server = null;
  directReads.set(socket, reads);
  return socket;
}

/** Feeds each read of a direct socket into the buffer as it arrives (see the module comment). */
class DirectIntake implements Intake {
  #fed = 0;
  readonly #socket: Socket;
  readonly #reads: DirectReads;
  readonly #buffer: TLSBuffer;
  /** Whether the buffer offers copyIncoming (else {@link copyThroughProcessIncoming}). */
  readonly #copies: boolean;
  /** A copy of what the buffer had no room for (it never has, below READ_AHEAD, for tls-openssl). */
  #held: Uint8Array | null = null;
  #paused = false;
  #ended = false;
  #error: unknown = null;
  #arrival: Promise<void> | null = null;
  #arrived: (() => void) | null = null;
  /** What the waiting fill rejects with ({@link interrupt}), or null. */
  #interruption: unknown = null;
  /** What {@link wait} was given (BufferSocket's one-promise recv), called at the next wake. */
  #waiter: (() => void) | null = null;

  constructor(socket: Socket, reads: DirectReads, buffer: TLSBuffer) {
    this.#socket = socket;
    this.#reads = reads;
    this.#buffer = buffer;
    this.#copies = copiesIncoming(buffer);
    // The same three functions for every socket (`this` is the socket): they find this intake
    // through its reads' sink, so an idle connection holds no closures for them.
    socket.on('end', DirectIntake.#onEnd);
    socket.on('close', DirectIntake.#onEnd);
    socket.on('error', DirectIntake.#onError);
    if (socket.readableEnded || socket.destroyed) this.#ended = true;
    if (socket.errored !== null && socket.errored !== undefined) this.#error = socket.errored;
    const early = reads.early;
    reads.early = null;
    reads.sink = this;
    if (early) for (const data of early) this.deliver(data);
  }

  get fed(): number {
    return this.#fed;
  }

  /** Copies `data` into the buffer; the count taken. */
  #copy(data: Uint8Array): number {
    return this.#copies ? (this.#buffer as TLSBuffer & CopyingBuffer).copyIncoming(data) : copyThroughProcessIncoming(this.#buffer, data);
  }

  /**
   * The onread callback's work: copy into the buffer now (the shared buffer is reused next).
   * Returns whether to go on reading.
   */
  deliver(data: Uint8Array): boolean {
    if (this.#held !== null) {
      this.#held = concat(this.#held, data);
    } else {
      const taken = this.#copy(data);
      if (taken < data.length) this.#held = new Uint8Array(data.subarray(taken));
      if (taken > 0) this.#fed++;
    }
    this.#wake();
    this.#paused = this.#held !== null || this.#buffer.incomingBytesBuffered() >= READ_AHEAD;
    return !this.#paused;
  }

  /** The intake reading `socket` now, if any (its listeners stay until {@link detach}). */
  static #of(socket: Socket): DirectIntake | null {
    return directReads.get(socket)?.sink ?? null;
  }

  static #onEnd(this: Socket): void {
    const intake = DirectIntake.#of(this);
    if (intake === null) return;
    intake.#ended = true;
    intake.#wake();
  }

  static #onError(this: Socket, error: unknown): void {
    const intake = DirectIntake.#of(this);
    if (intake === null) return;
    intake.#error ??= error;
    intake.#wake();
  }

  #wake(): void {
    const arrived = this.#arrived;
    const waiter = this.#waiter;
    this.#arrival = this.#arrived = this.#waiter = null;
    arrived?.();
    // Later, as the promise's continuation ran: never inside detach() (close() takes the buffer's
    // close_notify first) nor inside node:net's read callback.
    if (waiter !== null) queueMicrotask(waiter);
  }

  async fill(since: number, eofMessage?: string): Promise<boolean> {
    for (;;) {
      const fed = this.poll(since, eofMessage);
      if (fed !== null) return fed;
      await (this.#arrival ??= new Promise<void>((resolve) => (this.#arrived = resolve)));
      const interruption = this.#interruption;
      if (interruption !== null) {
        this.#interruption = null;
        throw interruption;
      }
    }
  }

  poll(since: number, eofMessage?: string): boolean | null {
    const held = this.#held;
    if (held !== null) {
      const taken = this.#copy(held);
      if (taken > 0) this.#fed++;
      this.#held = taken === held.length ? null : held.subarray(taken);
      if (this.#fed === since) throw new TLSError('the TLSBuffer accepts no incoming data although it waits for more');
    }
    if (this.#fed !== since) return true;
    if (this.#error !== null) throw this.#error;
    if (this.#ended) {
      if (eofMessage !== undefined) throw new TLSError(eofMessage);
      this.#buffer.processIncoming(new Uint8Array(0));
      return false;
    }
    // The buffer waits for input: reading must go on whatever it holds.
    if (this.#paused) this.#resume();
    return null;
  }

  wait(wake: () => void): void {
    this.#waiter = wake;
  }

  interrupt(reason: unknown): void {
    if (this.#waiter !== null) {
      this.#wake(); // the one-promise recv sees close() itself
      return;
    }
    if (this.#arrived === null) return; // no fill waits
    this.#interruption = reason;
    this.#wake();
  }

  drained(): void {
    if (this.#paused && this.#held === null && this.#buffer.incomingBytesBuffered() < READ_AHEAD) this.#resume();
  }

  #resume(): void {
    this.#paused = false;
    this.#socket.resume();
  }

  detach(): void {
    this.#socket.off('end', DirectIntake.#onEnd);
    this.#socket.off('close', DirectIntake.#onEnd);
    this.#socket.off('error', DirectIntake.#onError);
    // What the socket still reads is dropped.
    this.#reads.sink = null;
    this.#reads.early = false;
    this.#held = null;
    this.#ended = true;
    this.#wake();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
