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

/** The calls of one client that close() may end (see the module). */
export class InFlight {
  /**
   * The caller's promises of the calls still running; each is untracked as it ends. The usual one
   * at a time is a field: a Set's add and delete of its only entry rebuilt its table (~120 B per
   * call, issue #16); the Set holds the others, made when first needed.
   */
  #one: Promise<unknown> | null = null;
  #more: Set<Promise<unknown>> | null = null;

  /** Tracks a caller's promise until {@link untrack} (the caller knows when its call ends). */
  track(call: Promise<unknown>): void {
    if (this.#one === null) this.#one = call;
    else (this.#more ??= new Set()).add(call);
  }

  /** Ends the tracking begun by {@link track}. */
  untrack(call: Promise<unknown>): void {
    if (this.#one === call) this.#one = null;
    else this.#more?.delete(call);
  }

  /**
   * The caller's promise for a call whose end the client does not observe itself (`work`: the
   * method's own promise): settled as `work` settles, and tracked while it runs. The reaction is
   * on `work`; the promise returned is that reaction's own, with nothing attached to it, so a
   * failure close() did not cause still reaches the caller (or Node's unhandled-rejection report)
   * as it is.
   *
   * Up to session 11 each call was kept through a WeakRef instead: V8 keeps a WeakRef's target
   * through every young-generation collection, so each call's promise and its result (a POP3
   * message) was promoted to the old generation, and making one cost ~2.5 µs of CPU (the reaction
   * here ~0.2 µs; bench/RESULTS.md "Session 12: per-command cost").
   */
  follow<T>(work: Promise<T>): Promise<T> {
    // The reaction's own promise is the caller's: settled as `work` is (its error rethrown as it is).
    const call: Promise<T> = work.then(
      (value) => {
        this.untrack(call);
        return value;
      },
      (error: unknown) => {
        this.untrack(call);
        throw error;
      },
    );
    this.track(call);
    return call;
  }

  /** How many calls are tracked now, for tests and diagnostics. */
  get size(): number {
    return (this.#one === null ? 0 : 1) + (this.#more?.size ?? 0);
  }

  /** close() is ending the running calls: their rejection is marked handled (see the module). */
  endedByClose(): void {
    this.#one?.catch(ignore);
    this.#one = null;
    if (this.#more === null) return;
    for (const call of this.#more) call.catch(ignore);
    this.#more.clear();
  }
}

/**
 * Wraps the named methods of a client class (each returns the caller's promise) so that every
 * call is tracked in the instance's {@link InFlight} (`calls(instance)`): for clients whose public
 * calls are plain async methods (POP3, FTP), whose close() then calls {@link InFlight.endedByClose}.
 * The caller gets {@link InFlight.follow}'s promise (one reaction, so one promise, per call).
 */
export function trackCalls<C extends object>(prototype: C, names: readonly (keyof C & string)[], calls: (client: C) => InFlight): void {
  for (const name of names) {
    const method = prototype[name] as unknown;
    if (typeof method !== 'function') throw new TypeError(`trackCalls: ${name} is not a method`);
    const call = method as (this: C, ...args: unknown[]) => Promise<unknown>;
    // A computed name in an object literal: the wrapper keeps the method's name (stack traces).
    const wrapped = {
      [name](this: C, ...args: unknown[]): Promise<unknown> {
        return calls(this).follow(call.apply(this, args));
      },
    }[name]!;
    Object.defineProperty(prototype, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
  }
}
