/**
 * The public calls of a client that may still be running, so that close() can take over their
 * failure. The common pattern `try { await c.connect(); return c.noop(); } finally { await c.close(); }`
 * returns the call's promise without awaiting it: the caller attaches its handler only once the
 * `finally` is over, and close() rejects the call while the caller waits there. Node then reports
 * an unhandled rejection (under its default mode the process ends), although the caller does get
 * the error a moment later (trial 10, finding 7). A call that close() ended is marked handled (a
 * `catch` that does nothing is attached to it): its caller still receives the rejection when it
 * awaits the promise. Failures that close() did not cause (a timeout, a lost connection) are left
 * as they are.
 *
 * @module
 */

const ignore = (): void => {};

/**
 * The size at which a client without a gate first sweeps its references to calls the collector
 * took; the next sweep comes at twice what is left (amortised O(1) per call).
 */
const SWEEP_AT = 8;

/** The calls of one client that close() may end (see the module). */
export class InFlight {
  /** The caller's promises; a gate untracks each as it ends. */
  readonly #calls = new Set<Promise<unknown>>();
  /**
   * The calls of a client without a gate, weakly: a running call is held by the connection it
   * waits on, an ended one (and its result) is left to the collector. Every call is kept until
   * collected, not only the last few: up to session 10 only the last 8 were, and a call still
   * waiting at close() that later calls (POP3 pipelining, or calls refused at once) had pushed out
   * rejected unhandled (review 10).
   */
  readonly #recent = new Set<WeakRef<Promise<unknown>>>();
  #sweepAt = SWEEP_AT;

  /** Tracks a caller's promise until {@link untrack} (the caller knows when its call ends). */
  track(call: Promise<unknown>): void {
    this.#calls.add(call);
  }

  /** Ends the tracking begun by {@link track}. */
  untrack(call: Promise<unknown>): void {
    this.#calls.delete(call);
  }

  /** Tracks a call whose end is not observed (attaching a handler would hide its failures). */
  recent(call: Promise<unknown>): void {
    if (this.#recent.size >= this.#sweepAt) {
      for (const ref of this.#recent) if (ref.deref() === undefined) this.#recent.delete(ref);
      this.#sweepAt = Math.max(SWEEP_AT, 2 * this.#recent.size);
    }
    this.#recent.add(new WeakRef(call));
  }

  /** How many calls are tracked now (both kinds; weak ones until swept), for tests and diagnostics. */
  get size(): number {
    return this.#calls.size + this.#recent.size;
  }

  /** close() is ending the running calls: their rejection is marked handled (see the module). */
  endedByClose(): void {
    for (const call of this.#calls) call.catch(ignore);
    for (const call of this.#recent) call.deref()?.catch(ignore);
    this.#calls.clear();
    this.#recent.clear();
  }
}

/**
 * Wraps the named methods of a client class (each returns the caller's promise) so that every
 * call is tracked in the instance's {@link InFlight} (`calls(instance)`): for clients whose public
 * calls are plain async methods (POP3, FTP), whose close() then calls {@link InFlight.endedByClose}.
 * No promise is added per call.
 */
export function trackCalls<C extends object>(prototype: C, names: readonly (keyof C & string)[], calls: (client: C) => InFlight): void {
  for (const name of names) {
    const method = prototype[name] as unknown;
    if (typeof method !== 'function') throw new TypeError(`trackCalls: ${name} is not a method`);
    const call = method as (this: C, ...args: unknown[]) => Promise<unknown>;
    // A computed name in an object literal: the wrapper keeps the method's name (stack traces).
    const wrapped = {
      [name](this: C, ...args: unknown[]): Promise<unknown> {
        const promise = call.apply(this, args);
        calls(this).recent(promise);
        return promise;
      },
    }[name]!;
    Object.defineProperty(prototype, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
  }
}
