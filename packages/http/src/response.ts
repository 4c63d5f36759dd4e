import { Readable } from 'node:stream';
import { ChunkReader } from '@unitls/tls-core';
import type { BodyVerdict } from './body.js';
import { HTTPException, invalidArgument } from './errors.js';

const READ_SIZE = 64 * 1024;
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** What a read waits for when no other read is pending. */
const IDLE: Promise<unknown> = Promise.resolve();

/**
 * A body read by pulling: `read(max)` resolves with 1 to `max` bytes, empty at the end of a complete
 * body, and rejects with the final error (IncompleteRead, HTTPException) otherwise.
 */
export interface BodySource {
  read(max: number): Promise<Uint8Array>;
  /**
   * Up to `buffer.length` bytes into `buffer` (at least 1 unless the body is done, 0 then), with
   * read's errors. Absent: read and copy.
   */
  readInto?(buffer: Uint8Array): Promise<number>;
  /**
   * read(max) settling through `resolve`/`reject` (one of them called once, maybe before readTo
   * returns: bytes already received) instead of a promise of its own: the async iterator passes the resolving functions of
   * its step's promise, so a chunk costs one promise of ours, not read's and a `then` on it.
   * Absent: read.
   */
  readTo?(max: number, resolve: (chunk: Uint8Array) => void, reject: (error: unknown) => void): void;
  /**
   * Body bytes still to come when the source knows them (a Content-Length) and its readInto
   * receives straight into memory; null otherwise (then reading chunks and joining them is cheaper
   * than readInto's copy).
   */
  readonly remaining?: number | null;
}

/**
 * A response (http.client's HTTPResponse): status, reason, headers, and the body to read or
 * stream. Read the body one way: `read`/`readinto`/async iteration, or `stream`.
 */
export class HTTPResponse implements AsyncIterable<Uint8Array> {
  readonly status: number;
  readonly reason: string;
  /** HTTP version, e.g. "1.1" or "2.0". */
  readonly version: string;
  /** The protocol ALPN chose: "h2" or "http/1.1". */
  readonly protocol: 'h2' | 'http/1.1';
  /** Header names lower-cased; repeated headers joined as node:http does. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  #stream: Readable | null;
  #source: BodySource | null;
  #reader: ChunkReader | null = null;
  readonly #verdict: BodyVerdict | undefined;
  readonly #cancel: (() => void) | undefined;
  #received = 0;

  /**
   * The body comes from `source` (already judged), or from `stream` with `verdict` deciding
   * whether its end (or failure) means a complete body.
   */
  constructor(fields: {
    status: number;
    reason: string;
    version: string;
    protocol: 'h2' | 'http/1.1';
    headers: Record<string, string | string[] | undefined>;
    stream?: Readable;
    source?: BodySource;
    verdict?: BodyVerdict;
    /** Ends the body early, for the iterator's `return()` (an HTTP/2 stream: RST_STREAM CANCEL; HTTP/1.1: the connection closed). */
    cancel?: () => void;
    /**
     * Whether the connection may keep the process alive, called around each read of `stream` (an
     * HTTP/2 stream): a body nobody reads does not (as Node's fetch over HTTP/1.1, whose paused
     * socket reads nothing), a body being read does.
     */
    hold?: (alive: boolean) => void;
  }) {
    this.status = fields.status;
    this.reason = fields.reason;
    this.version = fields.version;
    this.protocol = fields.protocol;
    this.headers = fields.headers;
    this.#stream = fields.stream ?? null;
    this.#source = fields.source ?? null;
    this.#verdict = fields.verdict;
    this.#cancel = fields.cancel;
    this.#hold = fields.hold;
  }

  #hold: ((alive: boolean) => void) | undefined;

  /** The body as a Node Readable (failing with the errors `read` raises). */
  get stream(): Readable {
    // Read by the caller, when it likes: the connection keeps the process alive until the stream closes.
    const hold = this.#hold;
    this.#hold = undefined;
    hold?.(true);
    return this.#bodyStream();
  }

  #bodyStream(): Readable {
    if (this.#stream === null) {
      const source = this.#source!;
      const stream = new Readable({
        read: () => {
          source.read(READ_SIZE).then(
            (chunk) => stream.push(chunk.length === 0 ? null : chunk),
            (error: unknown) => stream.destroy(error as Error),
          );
        },
      });
      this.#stream = stream;
    }
    return this.#stream;
  }

  getheader(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The next body bytes: the source's own promise when there is one (no async layer of ours per chunk). */
  #next(max: number): Promise<Uint8Array> {
    return this.#source !== null ? this.#source.read(max) : this.#nextFromStream(max);
  }

  async #nextFromStream(max: number): Promise<Uint8Array> {
    this.#reader ??= new ChunkReader(this.#bodyStream());
    let chunk: Uint8Array;
    this.#hold?.(true);
    try {
      chunk = await this.#reader.read(max);
    } catch (error) {
      throw this.#verdict?.(error, this.#received) ?? HTTPException.from('reading the response body failed', error);
    } finally {
      this.#hold?.(false);
    }
    this.#received += chunk.length;
    if (chunk.length === 0) {
      const incomplete = this.#verdict?.(null, this.#received);
      if (incomplete) throw incomplete;
    }
    return chunk;
  }

  /**
   * Up to `amt` bytes of the body (fewer only at its end), or all that remains when `amt` is
   * omitted; empty once the body is done. Reads (and readinto) made while one waits are served
   * one after another in call order.
   *
   * @throws IncompleteRead when the body ended before it was complete (or, delimited by the
   *   connection's close, without TLS close_notify: RFC 9112 §9.8); HTTPException for a malformed
   *   body (llhttp's error as the cause) or a timeout (code ETIMEDOUT).
   */
  read(amt?: number): Promise<Uint8Array> {
    return this.#inTurn(() => this.#readThenPulled(amt));
  }

  /**
   * Runs `pull` once every read, readinto and iterator step called before it has finished: two at
   * once would be two recvs on the connection, which fails the exchange as a truncated body.
   * `pull` calls {@link #pulled} once, when its read is over (in what settles its promise), so a
   * lone call costs no promise of ours (a `then` on each result was a promise and a microtask
   * more per chunk of a download: issue #16).
   */
  #inTurn<T>(pull: () => Promise<T>): Promise<T> {
    const result = this.#reading++ === 0 ? pull() : this.#lastRead.then(pull, pull);
    // Not kept when `pull` was over at once (#pulled ran inside it).
    if (this.#reading > 0) this.#lastRead = result;
    return result;
  }

  /** read() calls, readinto() calls and iterator steps not over yet, and the last one's promise. */
  #reading = 0;
  #lastRead: Promise<unknown> = IDLE;

  /** A pull of {@link #inTurn} is over. */
  #pulled(): void {
    // Not kept once nothing waits: its value may be a whole body (read() without a size).
    if (--this.#reading === 0) this.#lastRead = IDLE;
  }

  async #readThenPulled(amt: number | undefined): Promise<Uint8Array> {
    try {
      return await this.#read(amt);
    } finally {
      this.#pulled();
    }
  }

  async #read(amt: number | undefined): Promise<Uint8Array> {
    if (amt !== undefined && (!Number.isInteger(amt) || amt < 0)) throw new RangeError(`read size must be a non-negative integer, got ${amt}`);
    // A body of known length that reads into memory (HTTP/1.1 over a TLS socket with recvInto):
    // the bytes go straight into the memory returned, allocated once at its size (no joining).
    const remaining = this.#source?.remaining ?? null;
    if (remaining !== null && remaining > 0 && amt !== 0) {
      const out = Buffer.allocUnsafe(amt === undefined ? remaining : Math.min(amt, remaining));
      const count = await this.#fill(out);
      return count === out.length ? out : out.subarray(0, count);
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    while (amt === undefined || total < amt) {
      const chunk = await this.#next(amt === undefined ? READ_SIZE : amt - total);
      if (chunk.length === 0) break;
      parts.push(chunk);
      total += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  /**
   * Fills `buffer` from the body (http.client's readinto) and returns how many bytes it got:
   * `buffer.length` unless the body ended first, 0 at the end. Ordered with {@link read} as reads
   * are. An HTTP/1.1 body over a TLS socket is received straight into `buffer` (recvInto: no
   * allocation per read on tls-openssl and tls-pure).
   *
   * @throws HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`) when `buffer` is not a Uint8Array,
   *   nothing read; otherwise what {@link read} throws.
   */
  readinto(buffer: Uint8Array): Promise<number> {
    if (!(buffer instanceof Uint8Array)) return Promise.reject(invalidArgument('readinto: buffer', 'a Uint8Array (Buffer)', buffer));
    if (buffer.length === 0) return Promise.resolve(0);
    return this.#inTurn(() => this.#fillThenPulled(buffer));
  }

  async #fillThenPulled(buffer: Uint8Array): Promise<number> {
    try {
      return await this.#fill(buffer);
    } finally {
      this.#pulled();
    }
  }

  /** Fills `buffer` from the body: its length, or fewer at the end of the body. */
  async #fill(buffer: Uint8Array): Promise<number> {
    let total = 0;
    while (total < buffer.length) {
      const count = await this.#nextInto(total === 0 ? buffer : buffer.subarray(total));
      if (count === 0) break;
      total += count;
    }
    return total;
  }

  /** The next body bytes into `buffer` (1 or more; 0 at the end): the source's own readInto when it has one. */
  #nextInto(buffer: Uint8Array): Promise<number> {
    const source = this.#source;
    if (source?.readInto !== undefined) return source.readInto(buffer);
    return this.#next(buffer.length).then((chunk) => {
      buffer.set(chunk);
      return chunk.length;
    });
  }

  /**
   * The body's chunks as they arrive (views of the received bytes), ending at the end of a complete
   * body and throwing what {@link read} throws. Leaving the loop early (`break`, `return()`)
   * before the end of the body cancels it: over HTTP/2 the stream (RST_STREAM CANCEL), over
   * HTTP/1.1 the connection is closed (the next request opens a new one: it can never read the
   * rest of this body as its response). The rest of the body cannot be read then (HTTPException,
   * code UNITLS_HTTP_STATE). Served as an async generator would serve them (in
   * call order, one read at a time also with read() and readinto() calls made meanwhile, done for
   * good after an error or `return()`), without the generator's own promises and turns per chunk.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    let finished = false;
    // Made once per iterator, not per step.
    const chunked = (chunk: Uint8Array): IteratorResult<Uint8Array, undefined> => {
      this.#pulled();
      if (chunk.length > 0) return { done: false, value: chunk };
      finished = true;
      return DONE;
    };
    const failed = (error: unknown): never => {
      this.#pulled();
      finished = true;
      throw error;
    };
    const source = this.#source;
    let step: () => Promise<IteratorResult<Uint8Array, undefined>>;
    if (source?.readTo === undefined) {
      step = () => {
        if (!finished) return this.#next(READ_SIZE).then(chunked, failed);
        this.#pulled();
        return Promise.resolve(DONE);
      };
    } else {
      // The source settles the step's own promise (BodySource.readTo): one promise per chunk, no
      // `then` on a promise of the source's (issue #16). The handlers are made once per iterator.
      let resolveStep: ((result: IteratorResult<Uint8Array, undefined>) => void) | null = null;
      let rejectStep: ((error: unknown) => void) | null = null;
      const toStep = (resolve: (result: IteratorResult<Uint8Array, undefined>) => void, reject: (error: unknown) => void) => {
        resolveStep = resolve;
        rejectStep = reject;
      };
      const took = (chunk: Uint8Array): void => {
        const resolve = resolveStep!;
        resolveStep = rejectStep = null;
        resolve(chunked(chunk));
      };
      const lost = (error: unknown): void => {
        const reject = rejectStep!;
        resolveStep = rejectStep = null;
        this.#pulled();
        finished = true;
        reject(error);
      };
      step = () => {
        if (finished) {
          this.#pulled();
          return Promise.resolve(DONE);
        }
        const waiting = new Promise<IteratorResult<Uint8Array, undefined>>(toStep);
        source.readTo!(READ_SIZE, took, lost);
        return waiting;
      };
    }
    return {
      // In turn with read() and readinto() too: one recv at a time on the connection.
      next: () => this.#inTurn(step),
      return: () => {
        // Left early (break): an HTTP/2 stream would hold its window of data and a slot of the
        // server's concurrent streams until the connection ends; Node's own iterator destroys its stream too.
        if (!finished) this.#cancel?.();
        finished = true;
        return Promise.resolve(DONE);
      },
    };
  }
}
