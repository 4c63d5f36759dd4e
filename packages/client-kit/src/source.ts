/**
 * A caller's stream of chunks (a Node Readable, an async generator, any (async) iterable) whose
 * iteration starts the moment a client call receives it, before anything is sent.
 *
 * Why: a Node Readable reports a failure (createReadStream's ENOENT) as an 'error' event, and an
 * 'error' event nobody listens to ends the process. Its async iterator listens only once iteration
 * starts; a client that first sent TYPE/EPSV/STOR (or MAIL/RCPT/DATA) left the stream unheard
 * meanwhile (trial 11: a typo in a local name crashed the process and emptied the remote file).
 * Starting at once also lets the client wait for the first chunk (or the end) before the command
 * that creates or truncates something remote, so a source that cannot even start fails the call
 * with nothing sent, as Python's open() fails before STOR.
 *
 * @module
 */

/** Stands in for a source whose iterator could not be made (its failure is in `first`). */
const EMPTY: Iterator<never> = { next: () => ({ done: true, value: undefined as never }) };

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** A caller's source, iterated from the moment it is wrapped; `ready()` waits for its first chunk. */
export class PrimedSource<T> implements AsyncIterable<T> {
  /**
   * `source` primed when it is a stream of chunks (an object with Symbol.asyncIterator or
   * Symbol.iterator, not a Uint8Array); null for text, bytes and anything else, which cannot fail
   * later (the caller's own type check refuses what is neither).
   */
  static of<T>(source: unknown): PrimedSource<T> | null {
    if (typeof source !== 'object' || source === null || source instanceof Uint8Array) return null;
    if (!(Symbol.asyncIterator in source || Symbol.iterator in source)) return null;
    return new PrimedSource(source as AsyncIterable<T>);
  }

  readonly #iterator: AsyncIterator<T> | Iterator<T>;
  readonly #first: Promise<IteratorResult<T>>;
  #started = false;
  #finished = false;

  /**
   * Starts iterating `source` at once (its first `next()` is called in this constructor). Never
   * throws: a source that cannot be iterated fails {@link ready} and the iteration instead.
   */
  constructor(source: AsyncIterable<T> | Iterable<T>) {
    let iterator: AsyncIterator<T> | Iterator<T> = EMPTY as Iterator<T>;
    let first: Promise<IteratorResult<T>>;
    try {
      const asyncIterator = (source as AsyncIterable<T>)[Symbol.asyncIterator];
      iterator = typeof asyncIterator === 'function' ? asyncIterator.call(source) : (source as Iterable<T>)[Symbol.iterator]();
      first = Promise.resolve(iterator.next());
    } catch (error) {
      first = Promise.reject(error);
    }
    this.#iterator = iterator;
    this.#first = first;
    // Seen here, so a call that fails before it looks (a refused TYPE) leaves no unhandled rejection.
    first.catch(() => {});
  }

  /**
   * Resolves once the source produced its first chunk or its end; rejects with the source's own
   * failure, or with `signal`'s reason when it aborts first.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    if (signal === undefined) {
      await this.#first;
      return;
    }
    signal.throwIfAborted();
    let onAbort = (): void => {};
    try {
      await Promise.race([
        this.#first,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The chunks, the first one included; iterable once (a second iteration's first step rejects
   * with a TypeError). Written out rather than an async generator, whose await and yield cost ~3
   * promises per chunk of every upload (issue #16 item 2): a step of an async source is its own
   * promise and one reaction, a step of a sync one a resolved promise. Left early (`return()`, the
   * source's failure), the source is released as {@link release} does.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined, undefined> {
    if (this.#started) return { [Symbol.asyncIterator]() { return this; }, next: () => Promise.reject(new TypeError('a PrimedSource is iterated once')) };
    this.#started = true;
    let first = true;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: (): Promise<IteratorResult<T, undefined>> => {
        if (this.#finished) return Promise.resolve(DONE);
        if (first) {
          first = false;
          return this.#first.then(this.#onStep, this.#onFail);
        }
        let step: Promise<IteratorResult<T>> | IteratorResult<T>;
        try {
          step = this.#iterator.next();
        } catch (error) {
          this.release();
          return Promise.reject(error);
        }
        // A sync source's step is at hand: no reaction needed to see its end.
        if (!isThenable(step)) return Promise.resolve(this.#onStep(step));
        return Promise.resolve(step).then(this.#onStep, this.#onFail);
      },
      return: (): Promise<IteratorResult<T, undefined>> => {
        this.release();
        return Promise.resolve(DONE);
      },
    };
  }

  /** A step of the source: its end means nothing is left to release. */
  readonly #onStep = (step: IteratorResult<T>): IteratorResult<T, undefined> => {
    if (step.done !== true) return step;
    this.#finished = true;
    return DONE;
  };

  /** The source failed: released (as the generator's `finally` did), the failure passed on. */
  readonly #onFail = (error: unknown): never => {
    this.release();
    throw error;
  };

  /**
   * Tells the source it is no longer wanted (a Readable is destroyed, closing its file), when the
   * call ends before the source did. Never throws; a no-op once the source ended.
   */
  release(): void {
    if (this.#finished) return;
    this.#finished = true;
    try {
      void Promise.resolve(this.#iterator.return?.()).catch(() => {});
    } catch {
      // A source whose return() throws has nothing left to release.
    }
  }
}
