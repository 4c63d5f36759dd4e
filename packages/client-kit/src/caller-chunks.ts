/**
 * The iteration behind {@link ClientConnection.fromCaller}: a caller's stream of chunks, each wait
 * for the next one ended by the connection's failure. Written out rather than an async generator
 * around an async function: those cost ~6 promises per chunk of every upload (the generator's own,
 * its await and yield, the wait's function, its await), where this makes one promise per chunk
 * besides the source's, and no closure (issue #16 item 2: FTP STOR, SMTP DATA from a stream).
 *
 * @module
 */
import { pendingPromise, takeReject, takeResolve } from './resolvers.js';

/** What a {@link CallerChunks} needs from its connection. */
export interface CallerWaits {
  /**
   * A wait for the caller's next chunk starts: `reject` is called when the connection fails
   * meanwhile (close(), its signal, a failure). @throws the "not connected" error when it is closed.
   */
  begin(reject: (reason: unknown) => void): void;
  /** The wait begun by {@link begin} is over (however it ended). */
  end(): void;
  /** Ends the connection with `reason` (the caller's signal aborted while it waited). */
  fail(reason: unknown): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A caller's chunks, as fromCaller's async generator gave them: the source's iterator is made at
 * the first `next()`; each wait rejects at once when `signal` aborts (the connection is then
 * failed with its reason) or the connection fails; the source's own failure passes through as it
 * is. Left early (a failure, `return()`), the source is asked to return once; not after its end.
 */
export class CallerChunks<T> implements AsyncIterableIterator<T, undefined, undefined> {
  readonly #source: AsyncIterable<T>;
  readonly #signal: AbortSignal | undefined;
  readonly #waits: CallerWaits;
  #iterator: AsyncIterator<T> | null = null;
  #finished = false;
  /** The wait in progress: its promise's resolving functions, null while none is. */
  #resolve: ((step: IteratorResult<T, undefined>) => void) | null = null;
  #reject: ((reason: unknown) => void) | null = null;

  constructor(source: AsyncIterable<T>, signal: AbortSignal | undefined, waits: CallerWaits) {
    this.#source = source;
    this.#signal = signal;
    this.#waits = waits;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#finished) return Promise.resolve(DONE);
    const signal = this.#signal;
    let pending: Promise<IteratorResult<T>>;
    try {
      this.#iterator ??= this.#source[Symbol.asyncIterator]();
      pending = Promise.resolve(this.#iterator.next());
      const waiting = pendingPromise<IteratorResult<T, undefined>>();
      const resolve = takeResolve<IteratorResult<T, undefined>>();
      const reject = takeReject();
      this.#waits.begin(this.#onFail);
      if (signal?.aborted) {
        this.#waits.end();
        this.#waits.fail(signal.reason);
        throw signal.reason;
      }
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      this.#resolve = resolve;
      this.#reject = reject;
      pending.then(this.#onStep, this.#onFail);
      return waiting;
    } catch (error) {
      this.#finish();
      return Promise.reject(error);
    }
  }

  /** The loop over the chunks left early: the source is asked to return (once). */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  /** The wait in progress is over: its resolving functions, or null when it was settled already. */
  #settle(): ((reason: unknown) => void) | null {
    const reject = this.#reject;
    if (reject === null) return null;
    this.#resolve = this.#reject = null;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#waits.end();
    return reject;
  }

  readonly #onStep = (step: IteratorResult<T>): void => {
    const resolve = this.#resolve;
    // Settled already (the connection failed first): the source's late chunk is not wanted.
    if (this.#settle() === null || resolve === null) return;
    if (step.done === true) {
      this.#finished = true;
      resolve(DONE);
    } else resolve(step as IteratorYieldResult<T>);
  };

  /** The source failed, or the connection did while waiting for it: the wait rejects with `reason`. */
  readonly #onFail = (reason: unknown): void => {
    const reject = this.#settle();
    if (reject === null) return;
    this.#finish();
    reject(reason);
  };

  readonly #onAbort = (): void => {
    this.#waits.fail(this.#signal!.reason);
  };

  /** The source is asked to return once it can, unless it ended (as the generator's `finally` did). */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const iterator = this.#iterator;
    if (iterator === null) return;
    try {
      void Promise.resolve(iterator.return?.()).catch(() => {});
    } catch {
      // A source whose return() throws has nothing left to release.
    }
  }
}
