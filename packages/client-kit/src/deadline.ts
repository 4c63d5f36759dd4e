/**
 * One deadline per operation (a whole reply, a handshake, a write), on one timer per connection
 * that is re-armed with `refresh()` rather than re-created per read, and a per-call AbortSignal
 * listened to for the operation only. No AbortSignal is composed per read, so a caller's
 * long-lived signal never accumulates dependants (issue #18 item 8), and a server dripping a
 * byte at a time cannot stretch an operation past its deadline (item 6).
 *
 * @module
 */

/** The longest delay a runtime timer holds (a longer one fires after 1 ms in Node). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Called once when the running operation's deadline passes (`timedOut` true, `reason` the timer's
 * TimeoutError) or its signal aborts (`reason` the signal's).
 */
export type ExpireHandler = (reason: unknown, timedOut: boolean) => void;

/** The deadline of the operation running on one connection. */
export class OperationDeadline {
  readonly #timeout: number;
  readonly #onExpire: ExpireHandler;
  readonly #hint: (() => string) | undefined;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #depth = 0;
  /** When the running operation began (performance.now()). */
  #began = 0;
  #signal: AbortSignal | undefined = undefined;

  /**
   * @param timeout - milliseconds allowed for each operation; `Infinity` (or 0) for none.
   * @param onExpire - fails the operation (rejects what waits, closes the connection).
   * @param hint - what to add to the TimeoutError's message when it fires ('' for nothing).
   * @throws RangeError when `timeout` is negative or not a number.
   */
  constructor(timeout: number, onExpire: ExpireHandler, hint?: () => string) {
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
      throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
    }
    this.#timeout = timeout === 0 ? Infinity : timeout;
    this.#onExpire = onExpire;
    this.#hint = hint;
  }

  /** The milliseconds each operation is allowed (Infinity: unbounded). */
  get timeout(): number {
    return this.#timeout;
  }

  /** True while an operation runs. */
  get active(): boolean {
    return this.#depth > 0;
  }

  /**
   * Starts an operation: the deadline is now + timeout, and `signal` ends it early. A nested
   * begin joins the running operation (its deadline and signal stay).
   */
  begin(signal?: AbortSignal): void {
    if (this.#depth++ > 0) return;
    this.#began = performance.now();
    if (this.#timeout !== Infinity) {
      if (this.#timer === null) {
        // A longer timeout fires early and is re-armed by #expire until the deadline has passed.
        this.#timer = setTimeout(this.#expire, Math.min(this.#timeout, MAX_TIMER_DELAY));
        // The socket being read keeps the process alive; an idle client must not.
        this.#timer.unref();
      } else this.#timer.refresh();
    }
    if (signal !== undefined) {
      this.#signal = signal;
      if (signal.aborted) queueMicrotask(this.#abort);
      else signal.addEventListener('abort', this.#abort, { once: true });
    }
  }

  /**
   * Starts the running operation's deadline again (now + timeout), its signal kept: progress the
   * peer made (a piece of a long write it accepted), so the timeout bounds a stall, not a long
   * transfer. A no-op between operations.
   */
  restart(): void {
    if (this.#depth === 0 || this.#timeout === Infinity) return;
    this.#began = performance.now();
    this.#timer?.refresh();
  }

  /** Ends the operation started by the matching {@link begin}. */
  end(): void {
    if (this.#depth === 0 || --this.#depth > 0) return;
    this.#signal?.removeEventListener('abort', this.#abort);
    this.#signal = undefined;
  }

  /** Releases the timer (the connection is closed). */
  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#signal?.removeEventListener('abort', this.#abort);
    this.#signal = undefined;
    this.#depth = 0;
  }

  readonly #expire = (): void => {
    // The timer outlives operations: firing between two of them means nothing.
    if (this.#depth === 0) return;
    // Node decides which timers of a list are due before running the microtasks between them, so
    // a timer refreshed by an operation begun in that gap still fires: not this operation's expiry.
    if (performance.now() - this.#began < this.#timeout - 1) {
      this.#timer?.refresh();
      return;
    }
    const hint = this.#hint?.() ?? '';
    this.#onExpire(new DOMException(`no answer within ${this.#timeout} ms (the timeout option bounds each reply or operation as a whole)${hint === '' ? '' : `; ${hint}`}`, 'TimeoutError'), true);
  };

  readonly #abort = (): void => {
    if (this.#depth === 0 || this.#signal === undefined) return;
    this.#onExpire(this.#signal.reason, false);
  };
}
