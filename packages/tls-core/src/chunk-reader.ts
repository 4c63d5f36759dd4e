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
 * Pull-style reads from a Node Readable: `read(max)` resolves with up to `max` bytes, or an empty
 * array at end of stream. Holds at most about `highWaterMark` bytes, pausing the stream beyond
 * that, so a slow reader never makes the buffer grow without bound. Implementations use it to
 * serve `recv`.
 */
export class ChunkReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: unknown = null;
  #waiter: (() => void) | null = null;
  readonly #stream: Readable;
  readonly #highWaterMark: number;
  readonly #flow: ReadFlow;

  /** `flow`: how to stop and restart the source (default: the stream's pause() and resume()). */
  constructor(stream: Readable, highWaterMark = 256 * 1024, flow?: ReadFlow) {
    this.#stream = stream;
    this.#highWaterMark = highWaterMark;
    this.#flow = flow ?? { pause: () => stream.pause(), resume: () => stream.resume(), isPaused: () => stream.isPaused() };
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('close', this.#onEnd);
    // A stream that finished before we came (an HTTP/2 204, say) will not say so again.
    if (stream.readableEnded || stream.destroyed) this.#ended = true;
    if (stream.errored !== null && stream.errored !== undefined) this.#error = stream.errored;
    // A stream the caller paused stays paused when a 'data' listener is added.
    stream.resume();
  }

  readonly #onData = (chunk: Uint8Array): void => {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= this.#highWaterMark) this.#flow.pause();
    this.#wake();
  };

  /**
   * Adds bytes that did not come through the stream's 'data' events (an implementation that takes
   * them from the source directly, bypassing the stream's buffering), in order after everything
   * delivered before. Ignored once the reader was detached or the stream ended.
   */
  deliver(chunk: Uint8Array): void {
    if (this.#ended || chunk.length === 0) return;
    this.#onData(chunk);
  }

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wake();
  };

  readonly #onError = (error: unknown): void => {
    this.#error ??= error;
    this.#wake();
  };

  /**
   * Stops reading: removes the listeners, pauses the stream and returns the bytes held but not
   * read (STARTTLS callers must check these are empty before the handshake).
   */
  detach(): Uint8Array {
    this.#stream.off('data', this.#onData);
    this.#stream.off('end', this.#onEnd);
    this.#stream.off('error', this.#onError);
    this.#stream.off('close', this.#onEnd);
    this.#stream.pause();
    const rest = this.drain();
    this.#ended = true;
    this.#wake();
    return rest;
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
    const first = this.#chunks[0]!;
    let out: Uint8Array;
    if (first.length > max) {
      out = first.subarray(0, max);
      this.#chunks[0] = first.subarray(max);
    } else if (first.length === max || this.#chunks.length === 1) {
      out = first;
      this.#chunks.shift();
    } else {
      const parts: Uint8Array[] = [];
      let size = 0;
      while (this.#chunks.length > 0 && size < max) {
        const chunk = this.#chunks[0]!;
        const room = max - size;
        if (chunk.length > room) {
          parts.push(chunk.subarray(0, room));
          this.#chunks[0] = chunk.subarray(room);
          size += room;
        } else {
          parts.push(chunk);
          this.#chunks.shift();
          size += chunk.length;
        }
      }
      out = Buffer.concat(parts, size);
    }
    this.#buffered -= out.length;
    if (this.#buffered < this.#highWaterMark && !this.#ended && this.#flow.isPaused()) this.#flow.resume();
    return out;
  }
}
