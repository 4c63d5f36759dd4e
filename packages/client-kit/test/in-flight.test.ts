/**
 * InFlight's weak references to the calls of a client without a gate (POP3, FTP): close() marks
 * every call it ends handled, however many came after it (review 10: only the last 8 were kept, so
 * a waiting call pushed out by later ones rejected unhandled; tests/clients/close-during-call runs
 * the same against POP3 and FTP), and references to calls the collector took are swept, so the set
 * stays proportional to the calls still alive.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InFlight } from '../src/in-flight.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const turn = () => new Promise((resolve) => setImmediate(resolve));

let unhandled: unknown[] = [];
const record = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('unhandledRejection', record);
});

describe('InFlight.recent', () => {
  it('a call followed by 20 more is still marked handled when close() ends it', async () => {
    const calls = new InFlight();
    let reject!: (error: Error) => void;
    const waiting = new Promise<never>((_, r) => (reject = r));
    calls.recent(waiting);
    const later = Array.from({ length: 20 }, () => Promise.resolve('done'));
    later.forEach((call) => calls.recent(call));
    calls.endedByClose();
    reject(new Error('closed by close()'));
    await turn();
    await turn();
    expect(unhandled).toEqual([]);
    await expect(waiting).rejects.toThrow('closed by close()');
  });

  it('keeps no reference to calls the collector took: 10 rounds of 1000 dropped calls leave at most about one round', async () => {
    const calls = new InFlight();
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 1000; i++) calls.recent(Promise.resolve(i));
      await turn(); // a WeakRef's target lives at least to the end of the job that made it
      gc();
    }
    calls.recent(Promise.resolve('last'));
    expect(calls.size).toBeLessThanOrEqual(2 * 1000 + 8);
    expect(calls.size).toBeGreaterThan(0);
  });
});
