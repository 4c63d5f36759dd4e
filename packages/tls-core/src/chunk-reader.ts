import type { Readable } from 'node:stream';

/**
 * How a {@link ChunkReader} stops and restarts its source when it holds too much. The default is
 * the stream's own pause()/resume(); an implementation that feeds the reader itself (see
 * {@link ChunkReader.deliver}) passes how to stop reading at the source instead.
 */
export interface ReadFlow {
  pause(): void;
  resume(): void;
  isPaused(): boolean;
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
  /** Held chunks, oldest first; null while none are (an idle connection holds no array). */
  #chunks: Uint8Array[] | null = null;
  #buffered = 0;
  #ended = false;
  #error: unknown = null;
  #waiter: (() => void) | null = null;
  readonly #stream: Readable;
  readonly #highWaterMark: number;
  /** null: the stream's own pause(), resume() and isPaused() (no object per reader for that). */
  readonly #flow: ReadFlow | null;
  /** The next reader attached to the same stream (see {@link attached}); null for the last. */
  #next: ChunkReader | null = null;

  /** `flow`: how to stop and restart the source (default: the stream's pause() and resume()). */
  constructor(stream: Readable, highWaterMark = 256 * 1024, flow?: ReadFlow) {
    this.#stream = stream;
    this.#highWaterMark = highWaterMark;
    this.#flow = flow ?? null;
    // The listeners are the same four functions for every stream; they find their readers through
    // `attached` (an idle server holds one reader per connection, so no closures per reader).
    const first = attached.get(stream);
    if (first === undefined) {
      attached.set(stream, this);
      stream.on('data', ChunkReader.#onData);
      stream.on('end', ChunkReader.#onEnd);
      stream.on('error', ChunkReader.#onError);
      stream.on('close', ChunkReader.#onEnd);
    } else {
      let last = first;
      while (last.#next !== null) last = last.#next;
      last.#next = this;
    }
    // A stream that finished before we came (an HTTP/2 204, say) will not say so again.
    if (stream.readableEnded || stream.destroyed) this.#ended = true;
    if (stream.errored !== null && stream.errored !== undefined) this.#error = stream.errored;
    // A stream the caller paused stays paused when a 'data' listener is added.
    stream.resume();
  }

  // Listeners: `this` is the stream (EventEmitter calls them so); every reader attached to it hears.
  static #onData(this: Readable, chunk: Uint8Array): void {
    for (let reader = attached.get(this) ?? null; reader !== null; reader = reader.#next) reader.#push(chunk);
  }

  static #onEnd(this: Readable): void {
    for (let reader = attached.get(this) ?? null; reader !== null; reader = reader.#next) reader.#end();
  }

  static #onError(this: Readable, error: unknown): void {
    for (let reader = attached.get(this) ?? null; reader !== null; reader = reader.#next) reader.#fail(error);
  }

  #push(chunk: Uint8Array): void {
    (this.#chunks ??= []).push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= this.#highWaterMark) {
      if (this.#flow === null) this.#stream.pause();
      else this.#flow.pause();
    }
    this.#wake();
  }

  /**
   * Adds bytes that did not come through the stream's 'data' events (an implementation that takes
   * them from the source directly, bypassing the stream's buffering), in order after everything
   * delivered before. Ignored once the reader was detached or the stream ended.
   */
  deliver(chunk: Uint8Array): void {
    if (this.#ended || chunk.length === 0) return;
    this.#push(chunk);
  }

  #end(): void {
    this.#ended = true;
    this.#wake();
  }

  #fail(error: unknown): void {
    this.#error ??= error;
    this.#wake();
  }

  /**
   * Stops reading: removes the listeners, pauses the stream and returns the bytes held but not
   * read (STARTTLS callers must check these are empty before the handshake).
   */
  detach(): Uint8Array {
    this.#unlink();
    this.#stream.pause();
    const rest = this.drain();
    this.#ended = true;
    this.#wake();
    return rest;
  }

  /** Takes this reader off its stream's list; the last one off removes the listeners. */
  #unlink(): void {
    const stream = this.#stream;
    const first = attached.get(stream);
    if (first === this) {
      if (this.#next !== null) attached.set(stream, this.#next);
      else {
        attached.delete(stream);
        stream.off('data', ChunkReader.#onData);
        stream.off('end', ChunkReader.#onEnd);
        stream.off('error', ChunkReader.#onError);
        stream.off('close', ChunkReader.#onEnd);
      }
    } else {
      // Already detached: no longer on the list (first is undefined or another reader).
      let before = first ?? null;
      while (before !== null && before.#next !== this) before = before.#next;
      if (before !== null) before.#next = this.#next;
    }
    this.#next = null;
  }

  /** Bytes held and not yet read. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True once the stream ended (or closed) and every held byte was read. */
  get done(): boolean {
    return this.#ended && this.#buffered === 0;
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  /**
   * Up to `max` bytes; waits for data when none is held. Rejects with the stream's error (after
   * held bytes are read), resolves empty at end of stream.
   */
  async read(max: number): Promise<Uint8Array> {
    if (!Number.isInteger(max) || max <= 0) throw new RangeError(`read size must be a positive integer, got ${max}`);
    while (this.#buffered === 0) {
      if (this.#error !== null) throw this.#error;
      if (this.#ended) return new Uint8Array(0);
      if (this.#waiter !== null) throw new Error('concurrent reads on one connection are not supported; await the previous read');
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
    return this.#take(max);
  }

  /** Every held byte, without waiting (possibly empty). */
  drain(): Uint8Array {
    return this.#buffered === 0 ? new Uint8Array(0) : this.#take(this.#buffered);
  }

  #take(max: number): Uint8Array {
    const chunks = this.#chunks!;
    const first = chunks[0]!;
    let out: Uint8Array;
    if (first.length > max) {
      out = first.subarray(0, max);
      chunks[0] = first.subarray(max);
    } else if (first.length === max || chunks.length === 1) {
      out = first;
      chunks.shift();
    } else {
      const parts: Uint8Array[] = [];
      let size = 0;
      while (chunks.length > 0 && size < max) {
        const chunk = chunks[0]!;
        const room = max - size;
        if (chunk.length > room) {
          parts.push(chunk.subarray(0, room));
          chunks[0] = chunk.subarray(room);
          size += room;
        } else {
          parts.push(chunk);
          chunks.shift();
          size += chunk.length;
        }
      }
      out = Buffer.concat(parts, size);
    }
    this.#buffered -= out.length;
    // All read: the array goes too (its backing store outgrows one chunk once data flowed).
    if (this.#buffered === 0) this.#chunks = null;
    if (this.#buffered < this.#highWaterMark && !this.#ended) this.#resumeIfPaused();
    return out;
  }

  #resumeIfPaused(): void {
    const flow = this.#flow;
    if (flow === null) {
      if (this.#stream.isPaused()) this.#stream.resume();
    } else if (flow.isPaused()) flow.resume();
  }
}
