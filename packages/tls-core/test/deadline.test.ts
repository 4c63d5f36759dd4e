import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadlineSignal, throwIfAborted, untilAborted } from '../src/deadline.js';

/** Keeps the event loop busy past `moment` (simulated work: the timeout's timer cannot fire meanwhile). */
function busyUntil(moment: number): void {
  while (performance.now() <= moment);
}

describe('deadlineSignal and untilAborted', () => {
  // A caller's signal plus a timeout is AbortSignal.any([signal, timeout]), which holds its sources
  // weakly; a garbage collection took the timeout signal and the combined one never aborted (a
  // connect to a silent server with { signal, timeout } hung now and then: the CI saw it).
  it('a signal plus a timeout still times out after a garbage collection', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const signal = deadlineSignal(new AbortController().signal, 20)!;
    gc();
    const reason = await new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
    expect((reason as Error).name).toBe('TimeoutError');
  }, 5_000);

  it('fail work that ends after the deadline even though the timer has not fired (a busy event loop)', async () => {
    const signal = deadlineSignal(undefined, 20)!;
    busyUntil(performance.now() + 25);
    expect(signal.aborted).toBe(false);
    expect(() => throwIfAborted(signal)).toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    let released = 0;
    await expect(untilAborted(Promise.resolve('done'), signal, () => void released++)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(released).toBe(1);
  });

  it('fail work that ran past the deadline while it was awaited, and release what it holds', async () => {
    const caller = new AbortController();
    const signal = deadlineSignal(caller.signal, 20)!;
    let released = 0;
    const work = Promise.resolve().then(() => {
      busyUntil(performance.now() + 25);
      return 'late';
    });
    await expect(untilAborted(work, signal, () => void released++)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(released).toBe(1);
  });

  it('pass work that ends in time, and keep a plain signal (no timeout) as it was', async () => {
    await expect(untilAborted(Promise.resolve(1), deadlineSignal(undefined, 60_000), () => {})).resolves.toBe(1);
    const caller = new AbortController();
    expect(deadlineSignal(caller.signal)).toBe(caller.signal);
    expect(() => throwIfAborted(caller.signal)).not.toThrow();
    caller.abort(new Error('stop'));
    expect(() => throwIfAborted(caller.signal)).toThrow('stop');
  });
});
