/**
 * A pending promise and its resolving functions without an executor closure per promise: the
 * hot paths (every read and write of a connection, every chunk of a caller's source) make one per
 * call, and a closure and its context each were a measurable share of their allocation (issue #16).
 * Take both functions right after {@link pendingPromise}, before another promise is made.
 *
 * @module
 */

let resolveSlot: ((value: never) => void) | null = null;
let rejectSlot: ((reason: unknown) => void) | null = null;

function capture(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  resolveSlot = resolve;
  rejectSlot = reject;
}

/** A new pending promise, its resolving functions left for {@link takeResolve} and {@link takeReject}. */
export function pendingPromise<T>(): Promise<T> {
  return new Promise<T>(capture as (resolve: (value: T) => void, reject: (reason: unknown) => void) => void);
}

/** The last {@link pendingPromise}'s resolve (taken once). */
export function takeResolve<T>(): (value: T) => void {
  const resolve = resolveSlot as (value: T) => void;
  resolveSlot = null;
  return resolve;
}

/** The last {@link pendingPromise}'s reject (taken once). */
export function takeReject(): (reason: unknown) => void {
  const reject = rejectSlot!;
  rejectSlot = null;
  return reject;
}
