/**
 * Counting the promises a call creates, for tests that pin how many a hot path makes (issue #16:
 * promises per recv/send). Shared by packages/tls-core and packages/tls-node tests.
 */
import { createHook } from 'node:async_hooks';

/** The promises `start()` creates synchronously (async_hooks sees every one, await's included). */
export function promisesCreatedBy<T>(start: () => T): { result: T; promises: number } {
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  }).enable();
  try {
    return { result: start(), promises };
  } finally {
    hook.disable();
  }
}
