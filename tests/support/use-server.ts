/** A server started before a test file's tests and stopped after them. */
import { afterAll, beforeAll } from 'vitest';

/**
 * Starts `start()` in the file's beforeAll and stops it in its afterAll; returns a getter. When
 * `unavailable()` gives a reason (a peer missing here), the file fails with it: a skipped test
 * counts as a failure.
 */
export function useServer<T extends { stop(): Promise<void> }>(unavailable: () => string | null, start: () => Promise<T>, startTimeout: number): () => T {
  let server: T | undefined;
  beforeAll(async () => {
    const why = unavailable();
    if (why !== null) throw new Error(why);
    server = await start();
  }, startTimeout);
  afterAll(async () => {
    await server?.stop();
  });
  return () => server!;
}
