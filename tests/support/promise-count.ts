/**
 * Counting the promises a call creates, for tests that pin how many a hot path makes (issue #16:
 * promises per recv/send, per message). Shared by package tests and tests/.
 */
import { createHook, type AsyncHook } from 'node:async_hooks';

/** The promises `start()` creates synchronously (async_hooks sees every one, await's included). */
export function promisesCreatedBy<T>(start: () => T): { result: T; promises: number } {
  const counter = promiseCounter();
  try {
    return { result: start(), promises: counter.promises };
  } finally {
    counter.hook.disable();
  }
}

/** An enabled async_hooks counter of the promises this thread creates. */
function promiseCounter(): { hook: AsyncHook; promises: number } {
  const counter = {
    promises: 0,
    hook: createHook({
      init(_id, type) {
        if (type === 'PROMISE') counter.promises++;
      },
    }),
  };
  counter.hook.enable();
  return counter;
}

/**
 * The promises created while `work` runs, synchronously or not (every await, reaction and timer
 * callback's promise in this thread until it settles): for counting per operation over many.
 */
export async function promisesCreatedDuring<T>(work: () => Promise<T>): Promise<{ result: T; promises: number }> {
  const counter = promiseCounter();
  try {
    const result = await work();
    return { result, promises: counter.promises };
  } finally {
    counter.hook.disable();
  }
}
