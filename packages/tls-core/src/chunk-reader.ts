import type { Readable } from 'node:stream';
import { recvIntoLostBuffer } from './errors.js';

/**
 * How a {@link ChunkReader} stops and restarts its source when it holds too much. The default is
 * the stream's own pause()/resume(); an implementation that feeds the reader itself (see
 * {@link ChunkReader.deliver}) passes how to stop reading at the source instead.
 */
export interface ReadFlow {
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  /**
   * True when every byte of the stream reaches the reader through {@link ChunkReader.deliver} (the
   * owner takes them at the source, and the stream itself carries none but its end and errors): the
   * reader then adds no 'data' listener (each event listened for is an entry in the emitter's table
   * of listeners for the stream's life). Asked once, when the reader attaches.
   */
  deliversAll?(): boolean;
}

/**
 * What a {@link ChunkReader}'s reads settle with at the end and on errors, when the owner answers
 * differently from the stream (an implementation's recv): passing it lets the owner hand out the
 * reader's promise itself instead of a `.then()` of it (no second promise, reaction and closure
 * per read, nor per idle connection waiting in recv).
 */
export interface ReadOutcome {
  /** The error a read at the end rejects with (e.g. RaggedEOF: no close_notify), or null to resolve it empty. */
  endError(): unknown;
  /** What a read rejects with instead of `error` (the stream's error, or a misuse such as concurrent reads). */
  readError(error: unknown): unknown;
  /**
   * Called on each 'error' event of `stream` while the reader is attached, before the reader holds
   * the error: what the owner does about it (so the owner needs no 'error' listener of its own;
   * each listener beyond one makes the emitter keep an array).
   */
  streamFailed?(stream: Readable, error: unknown): void;
  /**
   * Whether `listener`, the stream's only listener of `event` when the reader attaches, is one the
   * stream keeps for its whole life (its own, e.g. node:tls's): then the reader replaces it with one
   * function that calls it, then the reader's own, instead of adding a second listener (an emitter
   * keeps an array for two or more: 64 bytes per event). The replacement stays after detach().
   */
  mayShareListener?(event: 'end' | 'error' | 'close', listener: Function): boolean;
}

/** A stream's own listener and a reader's, called in that order ({@link ChunkReader}'s attach). */
type StreamListener = (this: Readable, ...args: unknown[]) => void;

/**
 * The listeners that call a stream's own listener of an event and then the readers' one (made once
 * per listener they replace, shared by every stream that has it: see {@link ReadOutcome.mayShareListener}).
 */
const combinedListeners = { end: new WeakMap<Function, StreamListener>(), error: new WeakMap<Function, StreamListener>(), close: new WeakMap<Function, StreamListener>() };
const sharedListeners = new WeakSet<Function>();

function callBoth(own: Function, readers: StreamListener): StreamListener {
  return function (this: Readable, ...args: unknown[]): void {
    own.apply(this, args);
    readers.apply(this, args);
  };
}

/**
 * Readers whose waiting read settles in the next microtask (see {@link ChunkReader.read}): one
 * queue and one microtask for every reader, so a wake-up allocates nothing per reader. A list
 * linked through the readers, not an array: a new array per microtask was ~180 B per record of a
 * download (its first push allocates 17 slots), JavaScript allocation that keeps V8's new space
 * large and its Mark-Compacts frequent (issue #16, young-gen).
 */
let settlingFirst: ChunkReader | null = null;
let settlingLast: ChunkReader | null = null;

const EMPTY = new Uint8Array(0);

/** Where {@link captureResolvers} leaves a new promise's resolving functions (no executor closure per read). */
let capturedResolve: ((chunk: Uint8Array) => void) | null = null;
let capturedReject: ((error: unknown) => void) | null = null;

function captureResolvers(resolve: (chunk: Uint8Array) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * The readers attached to each stream, first attached first (each links to the next): the stream's
 * four listeners are shared by every reader of every stream and find the readers here. A stream
 * usually has one; a second one attached before the first was detached hears everything too.
 */
const attached = new WeakMap<Readable, ChunkReader>();

/**
 * Pull-style reads from a Node Readable: `read(max)` resolves with up to `max` bytes, or an empty
 * array at end of stream. Holds at most about `highWaterMark` bytes, pausing the stream beyond
 * that, so a slow reader never makes the buffer grow without bound. Implementations use it to
 * serve `recv`.
 */
export class ChunkReader {
  /** The oldest chunk held; null while none is. */
  #head: Uint8Array | null = null;
  /**
   * The chunks held after {@link #head}, oldest first; null while at most one chunk is held. A
   * download's usual record is read before the next arrives, so it allocates no array: an array
   * per record (dropped once read, so that an idle connection holds none) was ~180 B of
   * JavaScript allocation per 16 KiB record (its first push allocates 17 slots; issue #16).
   */
  #rest: Uint8Array[] | null = null;
  #buffered = 0;
  #ended = false;
  #error: unknown = null;
  /**
   * The waiting read's resolving functions and size (null while none waits). Kept on the reader:
   * an idle connection waiting in recv holds one promise, not a suspended async frame.
   */
  #resolve: ((chunk: Uint8Array) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;
  /** The waiting read's size, or a waiting {@link readInto}'s memory (no field of its own for that). */
  #want: number | Uint8Array = 0;
  /** What {@link onArrival} was given, called at the next wake-up; null while none waits. */
  #arrival: (() => void) | null = null;
  /**
   * The next reader in the settling list ({@link settlingFirst}), this reader itself for the last;
   * null when not queued (so it says whether the reader is queued: no field of its own for that).
   */
  #nextSettling: ChunkReader | null = null;
  /** The stream read; set once ({@link setSource} for a reader made without one). */
  #stream: Readable;
  readonly #highWaterMark: number;
  /** null: the stream's own pause(), resume() and isPaused() (no object per reader for that). */
  #flow: ReadFlow | null;
  /** null: reads resolve empty at the end and reject with the stream's own error. */
  #outcome: ReadOutcome | null;
  /** The next reader attached to the same stream (see {@link attached}); null for the last. */
  #next: ChunkReader | null = null;

  /**
   * `flow`: how to stop and restart the source (default: the stream's pause() and resume());
   * `outcome`: what reads settle with at the end and on errors (default: empty, the stream's error).
   * `stream` null: a subclass made before its stream exists, that is its own flow and outcome (an
   * implementation's per-connection object that also reads: one object per idle connection, not
   * two); it calls {@link setSource} and then {@link startReading}, and nothing reads before.
   */
  constructor(stream: Readable | null, highWaterMark = 256 * 1024, flow?: ReadFlow, outcome?: ReadOutcome) {
    // Set by setSource before any use when null (the field stays a Readable for every other reader).
    this.#stream = stream as Readable;
    this.#highWaterMark = highWaterMark;
    this.#flow = flow ?? null;
    this.#outcome = outcome ?? null;
    if (stream !== null) ChunkReader.#attach(this, stream);
  }

  /**
   * For a reader made with stream null: the stream it will read, and its flow and outcome (which
   * may be the reader itself). Adds no listener and reads nothing yet ({@link startReading}).
   *
   * @throws TypeError when the reader already reads a stream.
   */
  protected setSource(stream: Readable, flow: ReadFlow | null, outcome: ReadOutcome | null): void {
    if (this.#stream !== null && ChunkReader.#isAttached(this)) throw new TypeError('ChunkReader.setSource: this reader already reads its stream');
    this.#stream = stream;
    this.#flow = flow;
    this.#outcome = outcome;
  }

  /** The stream {@link setSource} (or the constructor) gave; null before. */
  protected get source(): Readable | null {
    return this.#stream;
  }

  /**
   * Starts reading the stream {@link setSource} gave: what the constructor does with a stream.
   *
   * @throws TypeError when no stream was given, or the reader already reads it.
   */
  protected startReading(): void {
    if (this.#stream === null) throw new TypeError('ChunkReader.startReading: no stream (call setSource first)');
    if (ChunkReader.#isAttached(this)) throw new TypeError('ChunkReader.startReading: this reader already reads its stream');
    ChunkReader.#attach(this, this.#stream);
  }

  /**
   * The first reader attached to `stream` and not detached, or undefined: how an implementation
   * whose reader is its per-connection object finds it from the stream (a table of its own would
   * be a second entry per connection).
   */
  static attachedTo(stream: Readable): ChunkReader | undefined {
    return attached.get(stream);
  }

  static #isAttached(reader: ChunkReader): boolean {
    for (let other = attached.get(reader.#stream) ?? null; other !== null; other = other.#next) if (other === reader) return true;
    return false;
  }

  static #attach(reader: ChunkReader, stream: Readable): void {
    const flow = reader.#flow;
    // The listeners are the same four functions for every stream; they find their readers through
    // `attached` (an idle server holds one reader per connection, so no closures per reader).
    const first = attached.get(stream);
    if (first === undefined) {
      attached.set(stream, reader);
      // Bytes the stream already holds come as 'data' once it resumes, whoever delivers the rest.
      if (flow?.deliversAll?.() !== true || stream.readableLength > 0) stream.on('data', ChunkReader.#onData);
      ChunkReader.#listen(stream, 'end', ChunkReader.#onEnd, reader.#outcome);
      ChunkReader.#listen(stream, 'error', ChunkReader.#onError, reader.#outcome);
      ChunkReader.#listen(stream, 'close', ChunkReader.#onEnd, reader.#outcome);
    } else {
      let last = first;
      while (last.#next !== null) last = last.#next;
      last.#next = reader;
      // The first reader may have needed no 'data' listener; this one may.
      if (!stream.rawListeners('data').includes(ChunkReader.#onData) && (flow?.deliversAll?.() !== true || stream.readableLength > 0)) stream.on('data', ChunkReader.#onData);
    }
    // A stream that finished before we came (an HTTP/2 204, say) will not say so again.
    if (stream.readableEnded || stream.destroyed) reader.#ended = true;
    if (stream.errored !== null && stream.errored !== undefined) reader.#error = stream.errored;
    // A stream the caller paused stays paused when a 'data' listener is added.
    stream.resume();
  }

  /**
   * Adds the readers' listener of `event` to `stream`: nothing when a shared one calling it is there
   * already (a reader attached before), one function for both when the stream's only listener of
   * the event is one `outcome` says stays ({@link ReadOutcome.mayShareListener}), else `readers` itself.
   */
  static #listen(stream: Readable, event: 'end' | 'error' | 'close', readers: StreamListener, outcome: ReadOutcome | null): void {
    const present = stream.rawListeners(event);
    if (present.some((listener) => sharedListeners.has(listener))) return;
    const own = present.length === 1 ? present[0]! : undefined;
    if (own !== undefined && outcome?.mayShareListener?.(event, own) === true) {
      let both = combinedListeners[event].get(own);
      if (both === undefined) {
        both = callBoth(own, readers);
        combinedListeners[event].set(own, both);
        sharedListeners.add(both);
      }
      stream.removeListener(event, own as StreamListener);
      stream.on(event, both);
      return;
    }
    stream.on(event, readers);
  }

  // Listeners: `this` is the stream (EventEmitter calls them so); every reader attached to it hears.
  static #onData(this: Readable, chunk: Uint8Array): void {
    for (let reader = attached.get(this) ?? null; reader !== null; reader = reader.#next) ChunkReader.#push(reader, chunk);
  }

  static #onEnd(this: Readable): void {
    for (let reader = attached.get(this) ?? null; reader !== null; reader = reader.#next) ChunkReader.#end(reader);
  }

  static #onError(this: Readable, error: unknown): void {
    for (let reader = attached.get(this) ?? null; reader !== null; reader = reader.#next) ChunkReader.#fail(reader, error);
  }

  // Private methods are static (the reader passed in): an instance method would give every reader
  // a private brand, 8 bytes more per idle connection.
  static #push(reader: ChunkReader, chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (reader.#head === null) reader.#head = chunk;
    else (reader.#rest ??= []).push(chunk);
    reader.#buffered += chunk.length;
    if (reader.#buffered >= reader.#highWaterMark) {
      if (reader.#flow === null) reader.#stream.pause();
      else reader.#flow.pause();
    }
    ChunkReader.#wake(reader);
  }

  /**
   * Adds bytes that did not come through the stream's 'data' events (an implementation that takes
   * them from the source directly, bypassing the stream's buffering), in order after everything
   * delivered before. Ignored once the reader was detached or the stream ended.
   */
  deliver(chunk: Uint8Array): void {
    if (this.#ended || chunk.length === 0) return;
    ChunkReader.#push(this, chunk);
  }

  static #end(reader: ChunkReader): void {
    reader.#ended = true;
    ChunkReader.#wake(reader);
  }

  static #fail(reader: ChunkReader, error: unknown): void {
    reader.#outcome?.streamFailed?.(reader.#stream, error);
    reader.#error ??= error;
    ChunkReader.#wake(reader);
  }

  /**
   * Stops reading: removes the listeners, pauses the stream and returns the bytes held but not
   * read (STARTTLS callers must check these are empty before the handshake).
   */
  detach(): Uint8Array {
    ChunkReader.#unlink(this);
    this.#stream.pause();
    const rest = this.drain();
    this.#ended = true;
    ChunkReader.#wake(this);
    return rest;
  }

  /** Takes this reader off its stream's list; the last one off removes the listeners. */
  static #unlink(reader: ChunkReader): void {
    const stream = reader.#stream;
    const first = attached.get(stream);
    if (first === reader) {
      if (reader.#next !== null) attached.set(stream, reader.#next);
      else {
        // (A shared listener that replaced the stream's own stays: it calls the stream's own, and
        // the readers' part finds none attached.)
        attached.delete(stream);
        stream.off('data', ChunkReader.#onData);
        stream.off('end', ChunkReader.#onEnd);
        stream.off('error', ChunkReader.#onError);
        stream.off('close', ChunkReader.#onEnd);
      }
    } else {
      // Already detached: no longer on the list (first is undefined or another reader).
      let before = first ?? null;
      while (before !== null && before.#next !== reader) before = before.#next;
      if (before !== null) before.#next = reader.#next;
    }
    reader.#next = null;
  }

  /** Whether a read is waiting for data. */
  get waiting(): boolean {
    return this.#resolve !== null;
  }

  /**
   * Rejects the waiting read (if one waits) with `reason`, as it is, and wakes what waits through
   * {@link onArrival}; the reader stays attached and keeps what arrives for the next read.
   */
  cancelRead(reason: unknown): void {
    if (this.#arrival !== null) ChunkReader.#wakeQueued(this);
    const reject = this.#reject;
    if (reject === null) return;
    ChunkReader.#clearWaiting(this);
    reject(reason);
  }

  /**
   * Calls `callback` once, in a microtask, after the next chunk, end or error of the stream (or
   * {@link cancelRead}, {@link detach}): a read without a promise, for an owner that takes the
   * bytes with {@link readHeld} itself and checks why it was woken. Replaces a callback given before.
   */
  onArrival(callback: () => void): void {
    this.#arrival = callback;
  }

  /**
   * Up to `max` bytes of the oldest chunk held, at once (empty when none is): the chunk's own
   * memory, never a concatenation of several. Resumes the stream below the high-water mark.
   */
  readHeld(max: number): Uint8Array {
    const first = this.#head;
    if (first === null) return EMPTY;
    let out = first;
    if (first.length > max) {
      out = first.subarray(0, max);
      this.#head = first.subarray(max);
    } else ChunkReader.#nextHead(this);
    ChunkReader.#taken(this, out.length);
    return out;
  }

  /** The oldest chunk was read whole: the next one held (if any) becomes the oldest. */
  static #nextHead(reader: ChunkReader): void {
    const rest = reader.#rest;
    if (rest === null) reader.#head = null;
    else {
      reader.#head = rest.shift()!;
      // Back to one chunk: the array goes (its backing store outgrows one chunk once data flowed).
      if (rest.length === 0) reader.#rest = null;
    }
  }

  /** The stream's error, once it failed (held bytes may still be read before it); null before. */
  get error(): unknown {
    return this.#error;
  }

  /** Bytes held and not yet read. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True once the stream ended (or closed) and every held byte was read. */
  get done(): boolean {
    return this.#ended && this.#buffered === 0;
  }

  /**
   * A waiting read settles in a microtask, not here: the bytes of every record delivered in the
   * same turn (node:tls hands several over at once) go to that one read, as when it was resumed.
   */
  static #wake(reader: ChunkReader): void {
    if (reader.#resolve === null && reader.#arrival === null) return;
    ChunkReader.#wakeQueued(reader);
  }

  static #wakeQueued(reader: ChunkReader): void {
    if (reader.#nextSettling !== null) return;
    reader.#nextSettling = reader;
    if (settlingLast === null) {
      settlingFirst = settlingLast = reader;
      queueMicrotask(ChunkReader.#settleQueued);
    } else settlingLast = settlingLast.#nextSettling = reader;
  }

  static #settleQueued(): void {
    // Taken whole first: a reader woken while these settle goes on a new list and microtask.
    let reader = settlingFirst;
    settlingFirst = settlingLast = null;
    while (reader !== null) {
      const next = reader.#nextSettling;
      reader.#nextSettling = null;
      ChunkReader.#settleWaiting(reader);
      reader = next === reader ? null : next;
    }
  }

  /** Settles the waiting read, if there is still something to settle it with. */
  static #settleWaiting(reader: ChunkReader): void {
    const arrival = reader.#arrival;
    if (arrival !== null) {
      reader.#arrival = null;
      arrival();
    }
    const resolve = reader.#resolve;
    if (resolve === null) return;
    const want = reader.#want;
    if (reader.#buffered > 0) {
      const reject = reader.#reject!;
      ChunkReader.#clearWaiting(reader);
      if (typeof want === 'number') resolve(ChunkReader.#take(reader, want));
      // Detached or shrunk to nothing while the read waited: nothing is taken, the bytes stay held.
      else if (want.length === 0) reject(recvIntoLostBuffer(false));
      else (resolve as unknown as (count: number) => void)(ChunkReader.#copyInto(reader, want));
    } else if (reader.#error !== null || reader.#ended) {
      const reject = reader.#reject!;
      ChunkReader.#clearWaiting(reader);
      const failure = ChunkReader.#endFailure(reader);
      if (failure !== null) reject(failure);
      else if (typeof want === 'number') resolve(new Uint8Array(0));
      else (resolve as unknown as (count: number) => void)(0);
    }
  }

  static #clearWaiting(reader: ChunkReader): void {
    reader.#resolve = null;
    reader.#reject = null;
    reader.#want = 0;
  }

  /**
   * What a read that finds nothing held at the end or after an error rejects with: the stream's
   * error, or the end's ({@link ReadOutcome}); null when it resolves empty.
   */
  static #endFailure(reader: ChunkReader): unknown {
    const outcome = reader.#outcome;
    if (reader.#error !== null) return outcome === null ? reader.#error : outcome.readError(reader.#error);
    return outcome === null ? null : outcome.endError();
  }

  /**
   * Up to `max` bytes; waits for data when none is held. Rejects with the stream's error (after
   * held bytes are read), resolves empty at end of stream (or as the {@link ReadOutcome} says).
   * Not an async function: a read that waits holds one promise and its resolving functions.
   */
  read(max: number): Promise<Uint8Array> {
    if (!Number.isInteger(max) || max <= 0) return Promise.reject(new RangeError(`read size must be a positive integer, got ${max}`));
    if (this.#resolve !== null) {
      const error = new Error('concurrent reads on one connection are not supported; await the previous read');
      return Promise.reject(this.#outcome === null ? error : this.#outcome.readError(error));
    }
    if (this.#buffered > 0) return Promise.resolve(ChunkReader.#take(this, max));
    if (this.#error !== null || this.#ended) {
      const failure = ChunkReader.#endFailure(this);
      return failure === null ? Promise.resolve(new Uint8Array(0)) : Promise.reject(failure);
    }
    const waiting = new Promise<Uint8Array>(captureResolvers);
    this.#resolve = capturedResolve;
    this.#reject = capturedReject;
    capturedResolve = capturedReject = null;
    this.#want = max;
    return waiting;
  }

  /**
   * {@link read} into `target` (non-empty): copies the chunks held into it, one by one, never
   * joined first, and resolves with the count written at `target[0, n)`; when none is held, waits
   * for the first to arrive and copies what came with it. 0 at end of stream; rejects as read does.
   * A waiting read whose `target` was detached or shrunk to nothing when the bytes came rejects
   * with recvIntoLostBuffer, taking nothing (the bytes wait for the next read). One promise per
   * call: no chunk view, reaction or closure per read (tls-node's recvInto, issue #16).
   */
  readInto(target: Uint8Array): Promise<number> {
    if (this.#resolve !== null) {
      const error = new Error('concurrent reads on one connection are not supported; await the previous read');
      return Promise.reject(this.#outcome === null ? error : this.#outcome.readError(error));
    }
    if (this.#buffered > 0) return Promise.resolve(ChunkReader.#copyInto(this, target));
    if (this.#error !== null || this.#ended) {
      const failure = ChunkReader.#endFailure(this);
      return failure === null ? Promise.resolve(0) : Promise.reject(failure);
    }
    const waiting = new Promise<Uint8Array>(captureResolvers) as unknown as Promise<number>;
    this.#resolve = capturedResolve;
    this.#reject = capturedReject;
    capturedResolve = capturedReject = null;
    this.#want = target;
    return waiting;
  }

  /** Copies held chunks into `target` until it is full or none is held; the count written. */
  static #copyInto(reader: ChunkReader, target: Uint8Array): number {
    let filled = 0;
    while (filled < target.length && reader.#head !== null) {
      const chunk = reader.readHeld(target.length - filled);
      target.set(chunk, filled);
      filled += chunk.length;
    }
    return filled;
  }

  /** Every held byte, without waiting (possibly empty). */
  drain(): Uint8Array {
    return this.#buffered === 0 ? new Uint8Array(0) : ChunkReader.#take(this, this.#buffered);
  }

  static #take(reader: ChunkReader, max: number): Uint8Array {
    const first = reader.#head!;
    let out: Uint8Array;
    if (first.length > max) {
      out = first.subarray(0, max);
      reader.#head = first.subarray(max);
    } else if (first.length === max || reader.#rest === null) {
      out = first;
      ChunkReader.#nextHead(reader);
    } else {
      const parts: Uint8Array[] = [];
      let size = 0;
      for (let chunk = reader.#head; chunk !== null && size < max; chunk = reader.#head) {
        const room = max - size;
        if (chunk.length > room) {
          parts.push(chunk.subarray(0, room));
          reader.#head = chunk.subarray(room);
          size += room;
        } else {
          parts.push(chunk);
          ChunkReader.#nextHead(reader);
          size += chunk.length;
        }
      }
      out = Buffer.concat(parts, size);
    }
    ChunkReader.#taken(reader, out.length);
    return out;
  }

  /** Accounts for `count` bytes taken from the held chunks. */
  static #taken(reader: ChunkReader, count: number): void {
    reader.#buffered -= count;
    if (reader.#buffered < reader.#highWaterMark && !reader.#ended) ChunkReader.#resumeIfPaused(reader);
  }

  static #resumeIfPaused(reader: ChunkReader): void {
    const flow = reader.#flow;
    if (flow === null) {
      if (reader.#stream.isPaused()) reader.#stream.resume();
    } else if (flow.isPaused()) flow.resume();
  }
}
