/**
 * What reached 'uncaughtException' or 'unhandledRejection' during each test of the calling file
 * (emptied before each test), and a Node Readable that fails as a broken source does: for the
 * failing-source tests (trial 11 finding 1), which assert that nothing ever lands there.
 */
import { Readable } from 'node:stream';
import { afterEach, beforeEach } from 'vitest';

/** The errors that went unhandled in the running test; install once per file. */
export function useStrayErrors(): unknown[] {
  const stray: unknown[] = [];
  const collect = (error: unknown) => void stray.push(error);
  beforeEach(() => {
    stray.length = 0;
    process.on('uncaughtException', collect);
    process.on('unhandledRejection', collect);
  });
  afterEach(() => {
    process.off('uncaughtException', collect);
    process.off('unhandledRejection', collect);
  });
  return stray;
}

/** A Readable that yields `head`, then reports `error` as an 'error' event (the Readable route, not a throwing iterator). */
export function readableFailingAfter(head: Uint8Array | string, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.from(head));
      } else this.destroy(error);
    },
  });
}
