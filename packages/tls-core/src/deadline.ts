import { performance } from 'node:perf_hooks';

// The moment (performance.now()) each deadline signal's timeout passes. A timer fires only when
// the event loop gets to it: synchronous work (certificate verification, a trust store decoded on
// first use) that ends after the deadline, followed by a handshake finishing in the same turn,
// would otherwise succeed late (issue #17). untilAborted checks this moment too.
// It also holds the timeout signal for as long as the combined one lives: AbortSignal.any keeps
// its sources only weakly and a timeout signal with no listener of its own may be collected, its
// timer then aborting nothing (Node 20: a connect with a fresh caller's signal and a timeout hung
// now and then, the timeout never firing).
const deadlines = new WeakMap<AbortSignal, { at: number; timer: AbortSignal }>();

/** One signal for "the caller aborted or the timeout passed"; undefined when neither was asked. */
export function deadlineSignal(signal?: AbortSignal, timeout?: number): AbortSignal | undefined {
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
  }
  const timer = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
  const combined = signal === undefined ? timer : timer === undefined ? signal : AbortSignal.any([signal, timer]);
  if (timer !== undefined) deadlines.set(combined!, { at: performance.now() + timeout!, timer });
  return combined;
}

/**
 * Throws the signal's reason when it aborted, or a TimeoutError (as AbortSignal.timeout's) when
 * it came from {@link deadlineSignal} and its timeout has passed though its timer has not fired
 * yet (the event loop was busy).
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) throw signal.reason;
  const deadline = deadlines.get(signal)?.at;
  if (deadline !== undefined && performance.now() >= deadline) throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/**
 * Runs `work`, rejecting with the signal's reason (AbortError / TimeoutError) as soon as it
 * aborts, or when the work ends after the signal's deadline ({@link throwIfAborted}); `onAbort`
 * releases what the work holds (destroys the socket).
 */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (signal === undefined) return work;
  try {
    throwIfAborted(signal);
  } catch (reason) {
    onAbort();
    work.catch(() => {});
    throw reason;
  }
  let listener!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  let result: T;
  try {
    result = await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', listener);
    work.catch(() => {});
  }
  try {
    throwIfAborted(signal);
  } catch (reason) {
    onAbort();
    throw reason;
  }
  return result;
}
