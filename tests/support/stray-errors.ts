/**
 * What reached 'uncaughtException' or 'unhandledRejection' during each test of the calling file
 * (emptied before each test), and a Node Readable that fails as a broken source does: for the
 * failing-source tests (trial 11 finding 1), which assert that nothing ever lands there.
 */
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect } from 'vitest';

/** Collects what reaches 'uncaughtException' and 'unhandledRejection' while installed. */
function strayCollector(): { stray: unknown[]; install(): void; remove(): void } {
  const stray: unknown[] = [];
  const collect = (error: unknown) => void stray.push(error);
  return {
    stray,
    install() {
      stray.length = 0;
      process.on('uncaughtException', collect);
      process.on('unhandledRejection', collect);
    },
    remove() {
      process.off('uncaughtException', collect);
      process.off('unhandledRejection', collect);
    },
  };
}

/** The errors that went unhandled in the running test; install once per file. */
export function useStrayErrors(): unknown[] {
  const collector = strayCollector();
  beforeEach(() => collector.install());
  afterEach(() => collector.remove());
  return collector.stray;
}

/**
 * Fails each test of the calling file after which anything went unhandled (the stop-early tests:
 * a caller that leaves a loop early must leave no rejection behind); install once per file.
 */
export function expectNoStrayErrors(): void {
  const collector = strayCollector();
  beforeEach(() => collector.install());
  afterEach(async () => {
    // A rejection is reported after the microtasks of its turn: one more turn before looking.
    await new Promise((resolve) => setImmediate(resolve));
    collector.remove();
    expect(collector.stray).toEqual([]);
  });
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
