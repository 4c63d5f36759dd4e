/**
 * One call at a time on a client. A protocol connection answers in order, so two calls that wait
 * at once read each other's replies (or the kit's reads collide): the second is refused with a
 * usage error before it sends anything, and the first runs undisturbed. The steps a call makes
 * through other public verbs (connect → starttls → ehlo, sendmail → mail/rcpt/data) carry the
 * gate's mark in their options ({@link CallGate.inside}) and pass.
 *
 * @module
 */
import type { ErrorFamily } from './errors.js';
import { InFlight } from './in-flight.js';
import { checkCallOptions, SIGNAL_ONLY, type CallOptionKinds } from './options.js';

// Which gate's call an options object belongs to; a mark from another client's gate does not count.
const step = Symbol('unitls.call-gate.step');

type Marked = { [step]?: CallGate };

/** The one-call-at-a-time rule of a client. */
export class CallGate {
  readonly #errors: ErrorFamily;
  #holder: string | null = null;
  /** The promise of the running call (the caller's), tracked in {@link calls} while it runs. */
  #call: Promise<unknown> | null = null;
  /** Set by {@link #held} once it entered, for {@link run} to track the promise it returns. */
  #entered = false;
  /** The running call, for the client's close() ({@link InFlight.endedByClose}). */
  readonly calls = new InFlight();

  constructor(errors: ErrorFamily) {
    this.#errors = errors;
  }

  /** The name of the call running now, or null. */
  get holder(): string | null {
    return this.#holder;
  }

  /**
   * Runs `work` as the call `name` (as in `noop`): refused while another call runs, unless
   * `options` came from {@link inside} on this gate (a step of the running call, its options
   * checked already).
   *
   * @param kinds the options the call takes (default `{ signal }`), see {@link checkCallOptions}.
   * @throws the family's usage error (as a rejection, nothing sent, the connection as it was) when
   *   another call runs, or for options that are not an object, a name the call does not take or
   *   a value of the wrong kind (a caller in JavaScript).
   */
  run<T>(name: string, options: object | undefined, work: () => Promise<T>, kinds: CallOptionKinds = SIGNAL_ONLY): Promise<T> {
    if ((options as Marked | undefined)?.[step] === this) return work();
    // Not an async function: the promise returned is the caller's, tracked for close() (no
    // promise more per call than before).
    const call = this.#held(name, options, work, kinds);
    if (this.#entered) {
      this.#entered = false;
      this.#call = call;
      this.calls.track(call);
    }
    return call;
  }

  async #held<T>(name: string, options: object | undefined, work: () => Promise<T>, kinds: CallOptionKinds): Promise<T> {
    checkCallOptions(this.#errors, name, options, kinds);
    this.enter(name);
    this.#entered = true;
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  /** `options` marked as a step of the running call, for the public verbs it calls. */
  inside<T extends object>(options: T): T {
    return { ...options, [step]: this };
  }

  /**
   * Holds the gate for a call that outlives one promise (IMAP's idle() iterator) until {@link leave}.
   *
   * @throws the family's usage error when another call runs.
   */
  enter(name: string): void {
    if (this.#holder !== null) {
      throw this.#errors.usage(`${name}() was called while ${this.#holder}() is still running: await each call before starting the next (a connection answers one call at a time)`);
    }
    this.#holder = name;
  }

  /** Releases the gate held by {@link enter}. */
  leave(): void {
    this.#holder = null;
    this.#entered = false;
    if (this.#call !== null) this.calls.untrack(this.#call);
    this.#call = null;
  }
}
