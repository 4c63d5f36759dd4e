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

  /** The chunks, the first one included; iterable once. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    if (this.#started) throw new TypeError('a PrimedSource is iterated once');
    this.#started = true;
    try {
      let step = await this.#first;
      while (step.done !== true) {
        yield step.value;
        step = await this.#iterator.next();
      }
      this.#finished = true;
    } finally {
      if (!this.#finished) this.release();
    }
  }

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
