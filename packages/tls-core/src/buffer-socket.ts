/**
 * A TLSSocket made of any TLSBuffer plus a byte transport (a node:net Socket, or any Duplex such
 * as another TLS connection's stream, for TLS inside TLS): the
 * machinery that lets an implementation with only a sans-IO TLSBuffer serve sockets, STARTTLS
 * and TLS-inside-TLS. The loop is the classic one: call the buffer, and on WantReadError flush
 * its output and feed it what the transport delivers.
 *
 * @module
 */
import { Socket, type Server } from 'node:net';
import { localAddress, remoteAddress } from './address.js';
import { deadlineSignal, describeAbort, throwIfAborted, untilAborted } from './deadline.js';
import type { TLSVersion, CipherSuite, NextProtocol } from './enums.js';
import { TLSError, WantReadError, WantWriteError, concurrentRecv, isTransportFailure, recvEndedByClose, recvIntoLostBuffer, recvIntoMisuse, RECV_INTO_LOST_BUFFER, sendAfterShutdown, transportFailure } from './errors.js';
import type { Address, ClientContext, ServerContext, TLSBuffer, TLSSession, TLSSocket, Transport } from './interfaces.js';
import { copiesIncoming, intakeFor, readDirectly, type Intake } from './intake.js';
import { TLSListener, listenOn } from './listener.js';
import { OutputPool } from './output-pool.js';
import { describeValue } from './describe-value.js';

/** How long a non-forced close waits for the peer's close_notify before dropping the transport. */
export const CLOSE_NOTIFY_TIMEOUT_MS = 5_000;

/**
 * The most plaintext one `send` hands to `TLSBuffer.write` at a time: a `send` of any size
 * encrypts and writes piece by piece, so the memory it holds stays bounded.
 */
export const SEND_PIECE_SIZE = 256 * 1024;

/** The most plaintext one `recv` returns (a larger bufsize returns at most this much). */
export const RECV_MAX = 64 * 1024;

/** {@link TLSBufferFastPath.readAvailable}: the peer's close_notify was read (clean end of stream). */
export const READ_EOF = 0;
/** {@link TLSBufferFastPath.readAvailable}: nothing decryptable; feed more input. */
export const READ_WANT_READ = -1;
/** {@link TLSBufferFastPath.readAvailable}: output must be sent first. */
export const READ_WANT_WRITE = -2;
/** {@link TLSBufferFastPath.handshakeStep} and `shutdownStep`: the step is complete. */
export const STEP_DONE = 0;

/**
 * An optional fast path a TLSBuffer may offer BufferSocket (an extension, not PEP 748): a read
 * that returns a status number instead of throwing WantReadError, and takes every record already
 * decryptable at once, straight into the caller's memory.
 */
export interface TLSBufferFastPath {
  /**
   * Decrypts every record already buffered, up to `target.length` bytes, into `target`.
   *
   * @returns the count of bytes read (> 0), or {@link READ_EOF}, {@link READ_WANT_READ},
   *   {@link READ_WANT_WRITE}.
   * @throws RaggedEOF and TLSError as `TLSBuffer.read` does.
   */
  readAvailable(target: Uint8Array): number;
  /**
   * {@link readAvailable} without the copy, for a buffer whose decrypted records are fresh memory
   * already: the next decrypted bytes (at most `max`, at most one record's) as memory the caller
   * may keep, or {@link READ_EOF}, {@link READ_WANT_READ}, {@link READ_WANT_WRITE}. BufferSocket's
   * recv then returns them as they are.
   *
   * @throws RaggedEOF and TLSError as `TLSBuffer.read` does.
   */
  readOwned?(max: number): Uint8Array | number;
  /**
   * Moves up to `target.length` bytes of ciphertext for the network into `target` (as
   * `processOutgoing` would return them); returns the count.
   */
  takeOutgoing?(target: Uint8Array): number;
  /**
   * `processIncoming` of non-empty `data` that may keep a reference instead of a copy: the caller
   * never changes `data` afterwards. Returns false, storing nothing, when the buffer is full.
   */
  takeIncoming?(data: Uint8Array): boolean;
  /**
   * Copies in as much of `data` as the buffer has room for and returns the count (0 when full):
   * `data` may change as soon as it returns (a socket's reused read buffer). With it, BufferSocket
   * reads the sockets of `connectDirect`, of its listeners and the plain node:net sockets given to
   * startTls into reused memory (see intake.ts).
   */
  copyIncoming?(data: Uint8Array): number;
  /**
   * Encrypts all of `data` straight into `target`, when nothing waits for processOutgoing. Returns
   * the bytes placed in `target` (records that did not fit wait in the buffer, after them), or -1
   * when it cannot (nothing taken: use `write`).
   */
  writeInto?(data: Uint8Array, target: Uint8Array): number;
  /**
   * `doHandshake` with a status instead of WantReadError / WantWriteError: {@link STEP_DONE} once
   * the handshake is complete, else {@link READ_WANT_READ} or {@link READ_WANT_WRITE}. Wanting
   * input is the usual outcome of a step (every flight but the last), so BufferSocket's handshake
   * then builds no exception object per flight.
   *
   * @throws TLSError as `doHandshake` does when the handshake fails.
   */
  handshakeStep?(): number;
  /**
   * `shutdown` likewise: {@link STEP_DONE} once the peer's close_notify was read too (ours is
   * queued either way), else {@link READ_WANT_READ} or {@link READ_WANT_WRITE}.
   *
   * @throws TLSError as `shutdown` does.
   */
  shutdownStep?(): number;
}

function fastPathOf(buffer: TLSBuffer): TLSBufferFastPath | null {
  return typeof (buffer as Partial<TLSBufferFastPath>).readAvailable === 'function' ? (buffer as unknown as TLSBufferFastPath) : null;
}

/** `buffer[method]()` as a step status: PEP 748's exceptions for wanting I/O become READ_WANT_*. */
function stepOf(buffer: TLSBuffer, method: 'doHandshake' | 'shutdown'): number {
  try {
    buffer[method]();
    return STEP_DONE;
  } catch (error) {
    if (error instanceof WantWriteError) return READ_WANT_WRITE;
    if (error instanceof WantReadError) return READ_WANT_READ;
    throw error;
  }
}

/**
 * Decrypted bytes land here first. Shared by all sockets: it is filled and emptied synchronously,
 * never across an await. A read that fills half of it or more takes it over (no copy) and a fresh
 * one is made next time; smaller reads are copied out at their size.
 */
let recvScratch: Buffer | undefined;

function takeRead(target: Buffer, count: number): Uint8Array {
  if (count >= target.length / 2 && target === recvScratch) {
    recvScratch = undefined;
    return target.subarray(0, count);
  }
  return Buffer.from(target.subarray(0, count));
}

/** Output buffers of every BufferSocket (node:net transports only: see output-pool.ts). */
const outputPool = new OutputPool();

/**
 * Runs tasks one at a time, in call order, whether they succeed or fail. Costs nothing beyond the
 * task itself unless a task has to wait for another (an idle socket holds no promise chain).
 */
class Lane {
  #busy = false;
  #waiting: Array<() => void> | null = null;

  /** Whether a task runs (or was entered): a new one would wait. */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Takes the lane for work its caller ends with {@link leave} (a task without a promise of its
   * own: BufferSocket's one-promise recv and send). Only when not {@link busy}.
   */
  enter(): void {
    this.#busy = true;
  }

  /** Ends the work begun by {@link enter}: the next waiting task starts. */
  leave(): void {
    this.#next();
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (!this.#busy) return this.#start(task);
    return new Promise<void>((resolve) => (this.#waiting ??= []).push(resolve)).then(() => this.#start(task));
  }

  #start<T>(task: () => Promise<T>): Promise<T> {
    this.#busy = true;
    let done: Promise<T>;
    try {
      done = task();
    } catch (error) {
      done = Promise.reject(error);
    }
    const after = (this.#after ??= () => this.#next());
    done.then(after, after);
    return done;
  }

  /**
   * {@link #next} as a function of its own for the tasks' promises, made by the first task: a
   * lane that only ever saw {@link enter} (an idle socket's recv) holds none.
   */
  #after: (() => void) | null = null;

  #next(): void {
    const next = this.#waiting?.shift();
    if (next === undefined) this.#busy = false;
    else next();
  }
}

/** What close() interrupts a waiting recv's transport read with; the recv then rejects with recvEndedByClose. */
const CLOSE_CALLED: unknown = Symbol('close() was called');

/** Where a fast-path recv stands between its reads. */
interface RecvProgress {
  readonly size: number;
  /** recvInto's memory (the caller's: the bytes are read into it), or null for recv (fresh memory). */
  readonly into: Uint8Array | null;
  /** EOF was fed to the buffer: a read that still wants input ends the stream. */
  eof: boolean;
  /** The intake's count when the buffer last asked for input. */
  since: number;
}

/**
 * A one-promise recv (see BufferSocket.recv) and how it settles: recv's promise with the bytes,
 * recvInto's with their count (the bytes are a view of its `into`).
 */
type PendingRecv = RecvProgress & { readonly reject: (error: unknown) => void } & (
    | { readonly into: null; readonly resolve: (data: Uint8Array) => void }
    | { readonly into: Uint8Array; readonly resolve: (count: number) => void }
  );

/** A one-promise send (see BufferSocket.send): how it settles, and the pooled output its records went out in. */
interface PendingSend {
  readonly resolve: (count: number) => void;
  readonly reject: (error: unknown) => void;
  readonly output: Buffer;
  readonly length: number;
}

/** Where {@link captureSendResolvers} leaves a new send's resolving functions (no executor closure per send). */
let capturedSendResolve: ((count: number) => void) | null = null;
let capturedSendReject: ((error: unknown) => void) | null = null;

function captureSendResolvers(resolve: (count: number) => void, reject: (error: unknown) => void): void {
  capturedSendResolve = resolve;
  capturedSendReject = reject;
}

/** Plaintext encrypted into a pooled output buffer: its first `placed` bytes are the records. */
interface Encrypted {
  readonly output: Buffer;
  readonly placed: number;
}

/** Options of {@link BufferSocket.open}. */
export interface BufferSocketOptions {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
  /**
   * What the handshake is part of, for the error a timeout or abort raises ("connect to
   * mail.example.com:993": see describeAbort); without it the signal's reason is raised as it is.
   */
  operation?: string | undefined;
}

/** Proves a constructor call comes from this module. */
const INTERNAL = Symbol('BufferSocket.open');

/**
 * A connected TLSSocket driving a TLSBuffer over a transport. Not constructible by users: get one
 * from `ClientContext.connect`, a listening socket's `accept`, `startTls`, or {@link BufferSocket.open}.
 */
export class BufferSocket implements TLSSocket {
  readonly #buffer: TLSBuffer;
  readonly #fast: TLSBufferFastPath | null;
  readonly #transport: Transport;
  readonly #intake: Intake;
  #closed = false;
  /** close() was called: a recv that waited and ends without data says so (recvEndedByClose). */
  #closing = false;
  /** shutdown() was called: its close_notify and FIN, sent once; send rejects, recv goes on. */
  #writeShut: Promise<void> | null = null;
  /** What the handshake's last input already held: plaintext, or the error reading it raised. */
  #early: Uint8Array | null = null;
  #earlyError: unknown = null;
  // Reads and writes each run one at a time, but independently of each other: a recv waiting for
  // the peer must not hold back the send the peer is waiting for (full duplex, as HTTP needs).
  readonly #reading = new Lane();
  readonly #writing = new Lane();
  /** The one-promise recv in progress (see {@link recv}); null when none is. */
  #recvWaiting: PendingRecv | null = null;
  /** The one-promise send in progress (see {@link send}); null when none is. */
  #sendWaiting: PendingSend | null = null;
  /** The transport's callback of every one-promise send, made by the first ({@link #sent}). */
  #sendWritten: ((error?: Error | null) => void) | null = null;
  /** doHandshake calls so far (see open: what a deadline overrun is called). */
  #handshakeSteps = 0;
  /** The intake calls it when what the one-promise recv waits for arrives. */
  readonly #recvWake = (): void => this.#recvNow();

  /** @throws TypeError always for callers outside tls-core: use {@link BufferSocket.open}. */
  constructor(token: typeof INTERNAL, buffer: TLSBuffer, transport: Transport) {
    if (token !== INTERNAL) {
      throw new TypeError('BufferSocket cannot be constructed directly: use ClientContext.connect, ServerContext.connect + accept, startTls or BufferSocket.open');
    }
    this.#buffer = buffer;
    this.#fast = fastPathOf(buffer);
    this.#transport = transport;
    this.#intake = intakeFor(transport, buffer);
  }

  /**
   * Runs the handshake of `buffer` over `transport` and resolves with the connected socket. The
   * transport must have no unread bytes taken by anyone else. On failure the transport is
   * destroyed.
   *
   * @throws the signal's reason when `signal` aborts (already aborted included) or `timeout`
   *   milliseconds pass first (with `operation`, a stock TimeoutError / AbortError is described:
   *   describeAbort); TLSError when the handshake fails.
   */
  static async open(buffer: TLSBuffer, transport: Transport, options: BufferSocketOptions = {}): Promise<BufferSocket> {
    const signal = deadlineSignal(options.signal, options.timeout);
    const socket = new BufferSocket(INTERNAL, buffer, transport);
    // Past the first step (our first flight), a step that overran the deadline was processing the
    // peer's messages: for a client, mostly verifying its certificate.
    const site =
      options.operation === undefined
        ? undefined
        : { operation: options.operation, phase: 'TLS handshake' as const, get late() { return socket.#handshakeSteps > 1 ? ('verification' as const) : ('TLS handshake' as const); } };
    try {
      throwIfAborted(signal);
    } catch (reason) {
      transport.destroy();
      throw site === undefined ? reason : describeAbort(reason, signal, site);
    }
    try {
      await untilAborted(socket.#handshake(signal), signal, () => transport.destroy(), site);
    } catch (error) {
      transport.destroy();
      // The deadline a handshake step overran comes as the handshake's own failure: described too.
      throw site === undefined ? transportFailure(error, 'handshake') : describeAbort(transportFailure(error, 'handshake'), signal, site);
    }
    return socket;
  }

  get context(): ClientContext | ServerContext {
    return this.#buffer.context;
  }

  get negotiatedTlsVersion(): TLSVersion | null {
    return this.#closed ? null : this.#buffer.negotiatedTlsVersion;
  }

  get sessionReused(): boolean {
    return this.#buffer.sessionReused ?? false;
  }

  session(): TLSSession | null {
    return this.#buffer.session?.() ?? null;
  }

  /**
   * The sans-IO loop: calls `step` until it returns, flushing output on WantWriteError and
   * feeding input on WantReadError. At EOF: throws `eofMessage` when given; otherwise the buffer
   * is told (so `read` can answer with an empty array or RaggedEOF) and `step` gets one more call;
   * if it still wants input, the loop ends with undefined.
   */
  async #drive<T>(step: () => T, eofMessage?: string): Promise<T | undefined> {
    let eof = false;
    for (;;) {
      try {
        const result = step();
        await this.#flush();
        return result;
      } catch (error) {
        if (error instanceof WantWriteError) await this.#flush();
        else if (error instanceof WantReadError) {
          if (eof) return undefined;
          eof = !(await this.#fill(this.#intake.fed, eofMessage));
        } else {
          // Send the alert the buffer produced before failing.
          await this.#flush().catch(() => {});
          throw error;
        }
      }
    }
  }

  /**
   * {@link #drive} for steps that return a status ({@link STEP_DONE}, READ_WANT_READ,
   * READ_WANT_WRITE) instead of throwing PEP 748's WantReadError / WantWriteError. Resolves true
   * once the step is done, false when it still wants input after the buffer was told of the EOF.
   */
  async #driveSteps(step: () => number, eofMessage?: string): Promise<boolean> {
    let eof = false;
    for (;;) {
      let status: number;
      try {
        status = step();
      } catch (error) {
        // Send the alert the buffer produced before failing.
        await this.#flush().catch(() => {});
        throw error;
      }
      if (status === STEP_DONE) {
        await this.#flush();
        return true;
      }
      if (status === READ_WANT_WRITE) await this.#flush();
      else if (eof) return false;
      else eof = !(await this.#fill(this.#intake.fed, eofMessage));
    }
  }

  /**
   * The handshake; each step's synchronous work (certificate checks) is checked against the
   * deadline before the next wait, so a step that overran it ends the handshake there.
   */
  async #handshake(signal: AbortSignal | undefined): Promise<void> {
    // A buffer with handshakeStep answers each flight's "want input" without an exception (issue #16).
    const fast = this.#fast?.handshakeStep === undefined ? null : this.#fast;
    await this.#driveSteps(() => {
      this.#handshakeSteps++;
      // A handshake failure is raised as it is; a step that wants the network first meets the deadline.
      const status = fast === null ? stepOf(this.#buffer, 'doHandshake') : fast.handshakeStep!();
      if (status === STEP_DONE) this.#readAhead();
      throwIfAborted(signal);
      return status;
    }, 'the connection closed during the TLS handshake');
  }

  /**
   * Reads what already arrived with the peer's last handshake flight, before that flight's answer
   * is flushed: its session tickets and whatever these bytes cause (an alert for a forged record)
   * then leave in one transport write. Plaintext and errors are kept for the first recv.
   */
  #readAhead(): void {
    const fast = this.#fast;
    if (fast === null || this.#buffer.incomingBytesBuffered() === 0) return;
    try {
      const target = (recvScratch ??= Buffer.allocUnsafeSlow(RECV_MAX));
      const count = fast.readAvailable(target);
      if (count > 0) this.#early = takeRead(target, count);
    } catch (error) {
      this.#earlyError = error;
    }
  }

  /**
   * Serves what {@link #readAhead} kept, at most `size` bytes (copied into `into`, recvInto's
   * memory, when given: the result is then a view of it); null when nothing is kept.
   */
  #takeEarly(size: number, into: Uint8Array | null): Uint8Array | null {
    const early = this.#early;
    if (early !== null) {
      this.#early = early.length > size ? early.subarray(size) : null;
      const data = early.subarray(0, size);
      if (into === null) return data;
      into.set(data);
      return into.subarray(0, data.length);
    }
    if (this.#earlyError !== null) {
      const error = this.#earlyError;
      this.#earlyError = null;
      throw error;
    }
    return null;
  }

  /** Writes everything the buffer has for the network, in one transport write when it can. */
  async #flush(): Promise<void> {
    const take = this.#fast?.takeOutgoing;
    if (take !== undefined && this.#transport instanceof Socket) return this.#flushPooled(take);
    while (this.#buffer.outgoingBytesBuffered() > 0) {
      const data = this.#buffer.processOutgoing(this.#buffer.outgoingBytesBuffered());
      if (data.length === 0) return;
      await writeAll(this.#transport, data);
    }
  }

  /** {@link #flush} through the output pool (node:net transports only: see {@link outputPool}). */
  async #flushPooled(take: (target: Uint8Array) => number): Promise<void> {
    let size: number;
    while ((size = this.#buffer.outgoingBytesBuffered()) > 0) {
      const output = outputPool.take(size);
      const count = take.call(this.#fast, size < output.length ? output.subarray(0, size) : output);
      try {
        if (count > 0) await writeAll(this.#transport, output.subarray(0, count));
      } finally {
        outputPool.give(output);
      }
      if (count === 0) return;
    }
  }

  /**
   * Flushes, then feeds the buffer input newer than `since` (the intake's count when the buffer
   * asked for more). At EOF: throws `eofMessage` when given, else tells the buffer (an empty
   * processIncoming) and returns false.
   */
  async #fill(since: number, eofMessage?: string): Promise<boolean> {
    await this.#flush();
    return this.#intake.fill(since, eofMessage);
  }

  #serialRead<T>(task: () => Promise<T>): Promise<T> {
    return this.#reading.run(task);
  }

  #serialWrite<T>(task: () => Promise<T>): Promise<T> {
    return this.#writing.run(task);
  }

  /**
   * Up to `bufsize` (at most {@link RECV_MAX}) decrypted bytes: every record already decryptable,
   * waiting for the transport only when there is none. An empty array at the peer's close_notify.
   *
   * One at a time, and none once close() was called (see TLSSocket.recv).
   *
   * @throws RangeError for a bufsize that is not a positive integer; TLSError `CONCURRENT_RECV`
   *   while another recv waits; RaggedEOF when the transport ended without close_notify;
   *   TransportError when the peer reset it; TLSError when the connection failed or was closed
   *   (`RECV_ENDED_BY_CLOSE` for a recv that waited when close() was called).
   */
  recv(bufsize: number): Promise<Uint8Array> {
    if (!Number.isInteger(bufsize) || bufsize <= 0) {
      return Promise.reject(new RangeError(`recv: bufsize must be a positive integer, got ${bufsize}`));
    }
    return this.#receive(Math.min(bufsize, RECV_MAX), null) as Promise<Uint8Array>;
  }

  /**
   * Extension (TLSSocket.recvInto, Python's `socket.recv_into`): {@link recv} into `buffer`, the
   * caller's memory. Decrypts straight into it when the buffer offers the fast path (tls-openssl:
   * SSL_read into `buffer`, no allocation), else through `TLSBuffer.read(amt, buffer)`: every
   * record already decryptable, up to `buffer.length` bytes (no {@link RECV_MAX} bound), waiting
   * for the transport only when there is none.
   *
   * @returns the count n of bytes written at `buffer[0, n)`: > 0, or 0 at the peer's close_notify.
   * @throws TypeError when `buffer` is not a Uint8Array; RangeError when it is empty; otherwise as
   *   {@link recv} (one recv or recvInto at a time, CONCURRENT_RECV, RECV_ENDED_BY_CLOSE, RaggedEOF).
   */
  recvInto(buffer: Uint8Array): Promise<number> {
    const misuse = recvIntoMisuse(buffer);
    if (misuse !== null) return Promise.reject(misuse);
    return this.#receive(buffer.length, buffer) as Promise<number>;
  }

  /**
   * recv (`into` null: resolves with the bytes) and recvInto (resolves with their count, the bytes
   * a view of `into`) once their arguments are checked.
   */
  #receive(size: number, into: Uint8Array | null): Promise<Uint8Array | number> {
    if (this.#closing) return Promise.reject(new TLSError('recv on a closed TLSSocket'));
    // The reading lane runs only recvs until close() (checked above) queues its shutdown there.
    if (this.#reading.busy) return Promise.reject(concurrentRecv());
    if (this.#fast === null) {
      const read = this.#serialRead(() => this.#recvThroughRead(size, into));
      return into === null ? read : read.then(byteCount);
    }
    // One promise per call, settled from the intake's wake-up, with no async frame or lane
    // promise (issue #16).
    this.#reading.enter();
    return new Promise<Uint8Array | number>((resolve, reject) => {
      this.#recvWaiting = { size, into, eof: false, since: 0, resolve, reject } as PendingRecv;
      this.#recvNow();
    });
  }

  /**
   * Runs the one-promise recv as far as it goes without waiting: its data, or a wait for the
   * intake's next arrival (which calls this again); anything that must wait for something else
   * (output for the peer, a failure's alert) finishes through the async path.
   */
  #recvNow(): void {
    const recv = this.#recvWaiting!;
    const fast = this.#fast!;
    let data: Uint8Array | null;
    try {
      data = this.#takeEarly(recv.size, recv.into);
      while (data === null) {
        const step = this.#readStep(fast, recv);
        if (typeof step !== 'number') data = step;
        else if (step === READ_WANT_WRITE || this.#buffer.outgoingBytesBuffered() > 0) {
          this.#recvSettle(() => this.#recvRest(fast, recv, null));
          return;
        } else {
          if (this.#closing) throw CLOSE_CALLED; // close() woke this recv (Intake.interrupt)
          const fed = this.#intake.poll(recv.since);
          if (fed === null) {
            this.#intake.wait(this.#recvWake);
            return;
          }
          recv.eof = !fed;
        }
      }
      this.#intake.drained();
    } catch (error) {
      this.#recvSettle(() => this.#readFailed(error));
      return;
    }
    const read = data;
    this.#recvSettle(() => this.#recvEnd(read));
  }

  /** Ends the one-promise recv with what `outcome` returns or throws; the next read may start. */
  #recvSettle(outcome: () => Uint8Array | Promise<Uint8Array>): void {
    const recv = this.#recvWaiting!;
    this.#recvWaiting = null;
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      result = outcome();
    } catch (error) {
      this.#reading.leave();
      recv.reject(error);
      return;
    }
    if (result instanceof Uint8Array) {
      this.#reading.leave();
      resolveRecv(recv, result);
      return;
    }
    result.then(
      (data) => {
        this.#reading.leave();
        resolveRecv(recv, data);
      },
      (error: unknown) => {
        this.#reading.leave();
        recv.reject(error);
      },
    );
  }

  /** The rest of a recv that has `data` (null: none yet), waiting as long as it must. */
  async #recvRest(fast: TLSBufferFastPath, recv: RecvProgress, data: Uint8Array | null): Promise<Uint8Array> {
    try {
      while (data === null) {
        const step = this.#readStep(fast, recv);
        if (typeof step !== 'number') {
          data = step;
          break;
        }
        // What the buffer has for the peer goes first: the peer may be waiting for it.
        if (this.#buffer.outgoingBytesBuffered() > 0) await this.#flush();
        if (step === READ_WANT_WRITE) continue;
        if (this.#closing) throw CLOSE_CALLED; // close() came while the output was flushed
        recv.eof = !(await this.#intake.fill(recv.since));
      }
      this.#intake.drained();
    } catch (error) {
      return this.#readFailed(error);
    }
    return this.#recvEnd(data);
  }

  /**
   * One read of every record already decryptable: the data (empty at the end of the stream; a view
   * of `recv.into` for recvInto), or {@link READ_WANT_READ} / {@link READ_WANT_WRITE} with
   * `recv.since` set to the intake's count at that moment (input fed from then on counts, see
   * {@link Intake.fed}).
   */
  #readStep(fast: TLSBufferFastPath, recv: RecvProgress): Uint8Array | typeof READ_WANT_READ | typeof READ_WANT_WRITE {
    let count: number;
    if (recv.into !== null) {
      // Detached or shrunk to nothing while this recv waited: a read into it would take 0 bytes
      // (tls-pure then waited forever, tls-openssl's read failed with an unrelated RangeError).
      if (recv.into.length === 0) throw recvIntoLostBuffer(false);
      // Straight into the caller's memory: tls-openssl's SSL_read writes there (issue #16).
      count = fast.readAvailable(recv.into);
      if (count > 0) return recv.into.subarray(0, count);
    } else if (fast.readOwned !== undefined) {
      const owned = fast.readOwned(recv.size);
      if (typeof owned !== 'number') return owned;
      count = owned;
    } else {
      const target = (recvScratch ??= Buffer.allocUnsafeSlow(RECV_MAX));
      count = fast.readAvailable(recv.size === target.length ? target : target.subarray(0, recv.size));
      if (count > 0) return takeRead(target, count);
    }
    // recv.eof: EOF was fed and the buffer still wants input.
    if (count === READ_EOF || recv.eof) return new Uint8Array(0);
    recv.since = this.#intake.fed;
    return count === READ_WANT_WRITE ? READ_WANT_WRITE : READ_WANT_READ;
  }

  /** How a recv that read `data` ends. @throws recvEndedByClose when close() was called meanwhile */
  #recvEnd(data: Uint8Array): Uint8Array | Promise<Uint8Array> {
    // close() was called while this recv waited: what came meanwhile is not returned (TLSSocket.recv).
    if (this.#closing) throw recvEndedByClose();
    // Records read may have asked for an answer (a key update).
    if (data.length > 0 && this.#buffer.outgoingBytesBuffered() > 0) return this.#flush().then(() => data);
    return data;
  }

  /**
   * Any TLSBuffer: PEP reads into the shared scratch (or `into`, recvInto's memory: the result is
   * then a view of it), first waiting for one record, then taking whatever else is already
   * decryptable (no waiting), so one recv can return up to `size` bytes.
   */
  async #recvThroughRead(size: number, into: Uint8Array | null): Promise<Uint8Array> {
    if (this.#closed) throw new TLSError('recv on a closed TLSSocket');
    const result = await this.#drive(() => {
      const scratch = into === null ? (recvScratch ??= Buffer.allocUnsafeSlow(RECV_MAX)) : null;
      const target = into ?? scratch!;
      let total = this.#buffer.read(size, target.subarray(0, size)) as number;
      if (total === 0) return new Uint8Array(0);
      while (total < size) {
        let next: number;
        try {
          next = this.#buffer.read(size - total, target.subarray(total, size)) as number;
        } catch {
          break; // WantRead (nothing more buffered), or an error the next recv reports
        }
        if (next === 0) break;
        total += next;
      }
      this.#intake.drained();
      return scratch !== null ? takeRead(scratch, total) : target.subarray(0, total);
    }).catch((error: unknown) => this.#readFailed(error));
    if (this.#closing) throw recvEndedByClose();
    return result ?? new Uint8Array(0);
  }

  /**
   * How a recv ends when its read failed: close() ended it (it dropped the transport, or the answer
   * to our close_notify came), else the failure is fatal ({@link #fatal}).
   */
  async #readFailed(error: unknown): Promise<never> {
    if (this.#closing) throw recvEndedByClose(error === CLOSE_CALLED ? undefined : error);
    // The caller's misuse, found before anything was read: the connection goes on.
    if ((error as { code?: unknown } | null)?.code === RECV_INTO_LOST_BUFFER) throw error;
    await this.#fatal();
    throw transportFailure(error, 'read');
  }

  /**
   * A failed read is fatal (RFC 8446 §6.2: after a fatal alert both sides close at once): the
   * alert the buffer produced goes out, then the transport is shut down, so a peer waiting for
   * more sees the connection end instead of silence.
   */
  async #fatal(): Promise<void> {
    await this.#flush().catch(() => {});
    if (!this.#transport.destroyed && this.#transport.writable) this.#transport.end();
  }

  /**
   * Encrypts and sends all of `bytes`, {@link SEND_PIECE_SIZE} at a time; resolves once the
   * transport took the last piece.
   *
   * @throws TypeError when `bytes` is not a Uint8Array (nothing is sent); RaggedEOF once recv
   *   reported one (the buffer's write raises it); TransportError when the peer reset the
   *   connection (ECONNRESET, EPIPE); TLSError when the connection is closed or fails.
   */
  send(bytes: Uint8Array): Promise<number> {
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new TypeError(`send: bytes must be a Uint8Array, got ${describeValue(bytes)}`));
    if (this.#writeShut !== null && !this.#closed) return Promise.reject(sendAfterShutdown());
    // After close(): it would run behind close_notify (as tls-node, the same error, not the buffer's own).
    if (this.#closing) return Promise.reject(new TLSError('send on a closed TLSSocket'));
    const writeInto = this.#fast?.writeInto;
    const transport = this.#transport;
    if (writeInto === undefined || this.#writing.busy || this.#closed || bytes.length === 0 || bytes.length > SEND_PIECE_SIZE || !(transport instanceof Socket) || transport.destroyed) {
      return this.#serialWrite(() => this.#sendAll(bytes));
    }
    // The usual case (one piece, no send in progress, a pooled writer): encrypted at once, one
    // transport write and one promise per call, no async frame or lane promise (issue #16).
    let encrypted: Encrypted | null;
    try {
      encrypted = this.#encryptPooled(writeInto, bytes);
    } catch (error) {
      return this.#serialWrite(() => this.#sendFailed(error).catch((failure: unknown) => Promise.reject(transportFailure(failure, 'write'))));
    }
    if (encrypted === null) return this.#serialWrite(() => this.#sendAll(bytes));
    const { output, placed } = encrypted;
    this.#writing.enter();
    // No closure per send (issue #16: every command of every client): the promise's resolving
    // functions are taken without an executor and wait in #sendWaiting (one send at a time: the
    // lane is entered), and the transport calls back the socket's own #sendWritten.
    const sending = new Promise<number>(captureSendResolvers);
    this.#sendWaiting = { resolve: capturedSendResolve!, reject: capturedSendReject!, output, length: bytes.length };
    capturedSendResolve = capturedSendReject = null;
    const written = (this.#sendWritten ??= (error?: Error | null): void => this.#sent(error));
    if (placed === 0) written();
    else {
      try {
        transport.write(output.subarray(0, placed), written);
      } catch (error) {
        written(error as Error);
      }
    }
    return sending;
  }

  /** The transport took (or refused) the one-promise send's records ({@link send}). */
  #sent(error: Error | null | undefined): void {
    const pending = this.#sendWaiting;
    if (pending === null) return;
    this.#sendWaiting = null;
    outputPool.give(pending.output);
    if (error) this.#sendFailedAfter(pending, writeFailure(error));
    else if (this.#buffer.outgoingBytesBuffered() === 0) {
      this.#writing.leave();
      pending.resolve(pending.length);
    } else {
      // Records that did not fit in the output wait in the buffer.
      this.#flush().then(
        () => {
          this.#writing.leave();
          pending.resolve(pending.length);
        },
        (failure: unknown) => this.#sendFailedAfter(pending, failure),
      );
    }
  }

  /** The one-promise send failed: the lane is free again and its promise rejects. */
  #sendFailedAfter(pending: PendingSend, error: unknown): void {
    this.#writing.leave();
    pending.reject(transportFailure(error, 'write'));
  }

  /** The general send, in the write lane: every piece, through the pool when it can. */
  async #sendAll(bytes: Uint8Array): Promise<number> {
    if (this.#closed) throw new TLSError('send on a closed TLSSocket');
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const piece = bytes.subarray(offset, offset + SEND_PIECE_SIZE);
        if (await this.#sendPooled(piece)) offset += piece.length;
        else offset += (await this.#drive(() => this.#buffer.write(piece), 'the connection closed while sending'))!;
      }
    } catch (error) {
      throw transportFailure(error, 'write');
    }
    return bytes.length;
  }

  /**
   * `piece` encrypted by `writeInto` into a pooled output buffer, or null when the buffer cannot
   * (nothing taken; the output went back to the pool).
   *
   * @throws what writeInto raises (the output went back to the pool).
   */
  #encryptPooled(writeInto: NonNullable<TLSBufferFastPath['writeInto']>, piece: Uint8Array): Encrypted | null {
    const output = outputPool.take(outputRoom(piece.length));
    let placed: number;
    try {
      placed = writeInto.call(this.#fast, piece, output);
    } catch (error) {
      outputPool.give(output);
      throw error;
    }
    if (placed >= 0) return { output, placed };
    outputPool.give(output);
    return null;
  }

  /** A send whose encryption raised `error`: the alert the buffer produced goes out, then `error`. */
  async #sendFailed(error: unknown): Promise<never> {
    await this.#flush().catch(() => {});
    throw error;
  }

  /**
   * Sends `piece` encrypted straight into a pooled output buffer (node:net transports whose buffer
   * offers writeInto), with no copy out of the buffer's queue. False when it cannot (nothing
   * taken): the caller then writes through the buffer.
   */
  async #sendPooled(piece: Uint8Array): Promise<boolean> {
    const writeInto = this.#fast?.writeInto;
    if (writeInto === undefined || !(this.#transport instanceof Socket)) return false;
    let encrypted: Encrypted | null;
    try {
      encrypted = this.#encryptPooled(writeInto, piece);
    } catch (error) {
      return this.#sendFailed(error);
    }
    if (encrypted === null) return false;
    const { output, placed } = encrypted;
    try {
      if (placed > 0) await writeAll(this.#transport, output.subarray(0, placed));
    } finally {
      outputPool.give(output);
    }
    await this.#flush();
    return true;
  }

  /**
   * Extension (TLSSocket.shutdown): the write-side half-close. Pending sends go out, then
   * close_notify, then the transport's FIN; the read side stays open, so recv goes on returning
   * what the peer sends until its close_notify (an empty array) or its FIN alone (RaggedEOF).
   * Sends from now on reject. close() is still needed to release the socket.
   *
   * @throws TLSError when the socket is closed; TransportError when writing failed.
   */
  shutdown(): Promise<void> {
    if (this.#closing) return Promise.reject(new TLSError('shutdown on a closed TLSSocket'));
    return (this.#writeShut ??= this.#serialWrite(async () => {
      try {
        await this.#closeNotifyFirst();
      } catch (error) {
        throw transportFailure(error, 'write');
      }
      await endWriting(this.#transport);
    }));
  }

  /**
   * Closes the connection. Without `force`: pending sends go out, then close_notify, and the
   * peer's close_notify is awaited (at most {@link CLOSE_NOTIFY_TIMEOUT_MS}). With `force` (PEP
   * 748): close_notify is sent and the transport shut down at once, without waiting for the peer;
   * a send still in progress is given up (the transport is destroyed, the send rejects), since its
   * bytes may never leave while the peer reads nothing.
   * Either way a recv waiting now rejects at once with recvEndedByClose: what the peer sends from
   * now on is read (for its close_notify) but not returned.
   */
  async close(force = false): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    this.#intake.interrupt(CLOSE_CALLED);
    if (force) {
      this.#closed = true;
      this.#intake.detach();
      // A send still in progress is given up (review 11): its bytes may be stuck behind a peer that
      // reads nothing, and close_notify would wait behind them until the close bound. Dropped at
      // once, as tls-node does; the send rejects.
      if (this.#writing.busy) this.#transport.destroy();
      else await dropTransport(this.#transport, this.#closeNotifyNow());
      return;
    }
    const signal = AbortSignal.timeout(CLOSE_NOTIFY_TIMEOUT_MS);
    // Pending writes go out first; then close_notify, reading until the peer's. Ours leaves before
    // the reads are taken: a recv still waiting holds them, and may wait for a peer that answers
    // only our close_notify (that answer then ends the recv).
    const shutdown = this.#serialWrite(async () => {
      await this.#closeNotifyFirst();
      await this.#serialRead(() => this.#shutdown());
    });
    await untilAborted(shutdown, signal, () => this.#transport.destroy()).catch(() => {});
    this.#closed = true;
    this.#intake.detach();
    await endTransport(this.#transport, false);
  }

  /** Queues our close_notify and takes every byte the buffer still has for the network. */
  #closeNotifyNow(): Uint8Array | null {
    try {
      // Wanting the peer's close_notify: ours is queued, the peer's is not awaited.
      this.#shutdownStep();
    } catch {
      // The handshake never finished, the connection already failed: what is queued (an alert)
      // still goes.
    }
    try {
      const size = this.#buffer.outgoingBytesBuffered();
      return size > 0 ? this.#buffer.processOutgoing(size) : null;
    } catch {
      return null;
    }
  }

  /** Queues our close_notify (the buffer's shutdown() does that first, whatever the peer did) and writes it. */
  async #closeNotifyFirst(): Promise<void> {
    try {
      this.#shutdownStep();
    } catch {
      // The peer's is read by #shutdown, which also reports any failure.
    }
    await this.#flush();
  }

  async #shutdown(): Promise<void> {
    // A peer that drops the transport instead of answering leaves nothing more to wait for.
    await this.#driveSteps(() => this.#shutdownStep());
  }

  /** The buffer's shutdown as a status (no exception for wanting the peer's close_notify, with shutdownStep). */
  #shutdownStep(): number {
    const fast = this.#fast;
    return fast?.shutdownStep === undefined ? stepOf(this.#buffer, 'shutdown') : fast.shutdownStep();
  }

  listen(): void {
    throw new TLSError('listen() is only for listening sockets (ServerContext.connect)');
  }

  accept(): Promise<[TLSSocket, Address]> {
    return Promise.reject(new TLSError('accept() is only for listening sockets (ServerContext.connect)'));
  }

  /** The transport keeps the process alive again (TLSSocket.ref; node:net's ref, when it has one). */
  ref(): void {
    (this.#transport as Partial<Socket>).ref?.();
  }

  /** The transport no longer keeps the process alive (TLSSocket.unref). */
  unref(): void {
    (this.#transport as Partial<Socket>).unref?.();
  }

  getsockname(): Address | null {
    return this.#closed ? null : localAddress(this.#transport);
  }

  getpeername(): Address | null {
    return this.#closed ? null : remoteAddress(this.#transport);
  }

  getpeercert(): Uint8Array | null {
    return this.#buffer.getpeercert();
  }

  cipher(): CipherSuite | number | null {
    return this.#closed ? null : this.#buffer.cipher();
  }

  negotiatedProtocol(): NextProtocol | Uint8Array | null {
    return this.#closed ? null : this.#buffer.negotiatedProtocol();
  }

  /**
   * Extension (diagnostics, read by `unitls connect`): the key-exchange group of this connection
   * as its buffer names it ('x25519', 'secp256r1', 'X25519MLKEM768': the IANA TLS Supported
   * Groups names, spelled as the registry does), or null: closed, a TLS 1.2 resumption (no key exchange), or a buffer that does
   * not tell (it has no `negotiatedGroup()`).
   */
  negotiatedGroup(): string | null {
    return this.#closed ? null : ((this.#buffer as { negotiatedGroup?(): string | null }).negotiatedGroup?.() ?? null);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Settles a one-promise recv that read `data`: recv with the bytes, recvInto with their count. */
function resolveRecv(recv: PendingRecv, data: Uint8Array): void {
  if (recv.into === null) recv.resolve(data);
  else recv.resolve(data.length);
}

const byteCount = (data: Uint8Array): number => data.length;

/** Output room for `size` bytes of plaintext: header, nonce and tag of at most one record per 16 KiB. */
function outputRoom(size: number): number {
  return size + (Math.ceil(size / 16_384) + 1) * 64;
}

/** What a failed transport write rejects with: a transport failure (a reset, EPIPE) as it is. */
function writeFailure(error: Error): unknown {
  return isTransportFailure(error) ? error : new TLSError('writing to the transport failed', { cause: error });
}

/**
 * Writes `data` to `transport`. A transport failure (a reset, EPIPE) rejects with the system error
 * itself, for the caller to report as a TransportError of its operation (transportFailure).
 */
function writeAll(transport: Transport, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (transport.destroyed) {
      const errored = transport.errored;
      reject(isTransportFailure(errored) ? errored : new TLSError('the transport is closed'));
      return;
    }
    transport.write(data, (error) => (error ? reject(writeFailure(error)) : resolve()));
  });
}

/**
 * Ends `transport`'s write side (FIN after what is queued) and resolves once that is handed over
 * (or the transport closed). Its read side stays open: the peer's answer is still read.
 */
export function endWriting(transport: Transport): Promise<void> {
  if (transport.destroyed || transport.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      transport.off('finish', done);
      transport.off('close', done);
      resolve();
    };
    transport.once('finish', done);
    transport.once('close', done);
    transport.end();
  });
}

/**
 * Runs `shut` on `transport` (unless it is closed already) and resolves once it is fully closed.
 * A reset from the peer while we close is expected, not an uncaught 'error'.
 */
function closing(transport: Transport, shut: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (transport.closed) {
      resolve();
      return;
    }
    transport.once('close', () => resolve());
    transport.on('error', () => {});
    shut();
  });
}

/** Ends (or destroys) a transport and resolves once it is fully closed. */
export function endTransport(transport: Transport, force: boolean): Promise<void> {
  return closing(transport, () => {
    if (force) transport.destroy();
    else {
      transport.end();
      transport.resume();
      // A peer that never closes its side must not keep us waiting for ever.
      setTimeout(() => transport.destroy(), CLOSE_NOTIFY_TIMEOUT_MS).unref();
    }
  });
}

/**
 * Writes `last` (our close_notify, or a pending alert) and FIN, without waiting for the peer's
 * close_notify, and resolves once they are handed to the kernel (or the transport closed; at most
 * {@link CLOSE_NOTIFY_TIMEOUT_MS}). The transport is not destroyed then: bytes from the peer still
 * unread in the kernel (TLS 1.3 session tickets that arrived while a large send ran) would turn the
 * close into a reset, which throws away what the kernel still holds for the peer, the end of our
 * data and `last`. It reads and drops until the peer's FIN (bounded by the same timeout), unref'd:
 * it does not keep the process alive.
 */
function dropTransport(transport: Transport, last: Uint8Array | null): Promise<void> {
  if (last === null || transport.destroyed || !transport.writable) return closing(transport, () => transport.destroy());
  return new Promise((resolve) => {
    const timer = setTimeout(() => transport.destroy(), CLOSE_NOTIFY_TIMEOUT_MS);
    timer.unref();
    transport.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    transport.on('error', () => {});
    transport.once('end', () => transport.destroy());
    transport.once('finish', () => {
      (transport as Partial<Socket>).unref?.();
      resolve();
    });
    transport.resume();
    transport.end(last);
  });
}

/**
 * A listening TLSSocket for implementations that serve connections through TLSBuffers: every
 * accepted TCP connection gets `createBuffer()` and its handshake. Accepted transports set
 * noDelay (an alert right after the session tickets must not wait for an ACK) and stay half-open
 * after the peer's FIN until our close_notify is written. They are accepted paused: when the
 * buffer offers copyIncoming, the connection is read into reused memory ({@link readDirectly}).
 */
export class BufferListener extends TLSListener<BufferSocket> {
  /** Each adopted connection's buffer, until its handshake starts. */
  readonly #buffers = new WeakMap<Socket, TLSBuffer>();

  /** Binds `address` and starts listening. */
  static async listen(context: ServerContext, address: Address): Promise<BufferListener> {
    return new BufferListener(INTERNAL, context, await listenOn(address, { allowHalfOpen: true, noDelay: true, pauseOnConnect: true }));
  }

  /** @throws TypeError always for callers outside tls-core (PEP 748: sockets are not built by users). */
  private constructor(token: typeof INTERNAL, context: ServerContext, server: Server) {
    if (token !== INTERNAL) throw new TypeError('BufferListener cannot be constructed directly: use ServerContext.connect(address)');
    super(context, server);
  }

  protected override adopt(accepted: Socket): Socket {
    const buffer = this.context.createBuffer();
    const transport = copiesIncoming(buffer) ? readDirectly(accepted) : accepted;
    this.#buffers.set(transport, buffer);
    return transport;
  }

  protected handshake(transport: Socket): Promise<BufferSocket> {
    const buffer = this.#buffers.get(transport) ?? this.context.createBuffer();
    this.#buffers.delete(transport);
    return BufferSocket.open(buffer, transport);
  }
}


