/** One signal for "the caller aborted or the timeout passed"; undefined when neither was asked. */
export function deadlineSignal(signal?: AbortSignal, timeout?: number): AbortSignal | undefined {
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
  }
  const timer = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
  if (signal === undefined) return timer;
  return timer === undefined ? signal : AbortSignal.any([signal, timer]);
}

/**
 * Runs `work`, rejecting with the signal's reason (AbortError / TimeoutError) as soon as it
 * aborts; `onAbort` releases what the work holds (destroys the socket).
 */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    onAbort();
    work.catch(() => {});
    throw signal.reason;
  }
  let listener!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', listener);
    work.catch(() => {});
  }
}
