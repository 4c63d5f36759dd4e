/**
 * freePort (daemons.ts) with test files running in parallel: each vitest worker slot
 * (VITEST_POOL_ID) draws from its own slice of the daemon port range, so two files starting
 * daemons at once never probe the same port free and then both try to bind it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './daemons.js';

const own = process.env['VITEST_POOL_ID'];
afterEach(() => {
  if (own === undefined) delete process.env['VITEST_POOL_ID'];
  else process.env['VITEST_POOL_ID'] = own;
});

describe('freePort', () => {
  it('draws from the slice of its worker slot only: 20000 + (slot - 1) x 798, 798 ports', async () => {
    for (const slot of [1, 2, 3, 16]) {
      process.env['VITEST_POOL_ID'] = String(slot);
      const first = 20000 + (slot - 1) * 798;
      for (let i = 0; i < 25; i++) {
        const port = await freePort();
        expect(port, `slot ${slot}`).toBeGreaterThanOrEqual(first);
        expect(port, `slot ${slot}`).toBeLessThan(first + 798);
      }
    }
  });

  it('outside a vitest worker (bench, scripts), anywhere below the ephemeral range', async () => {
    delete process.env['VITEST_POOL_ID'];
    const ports = await Promise.all(Array.from({ length: 25 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20000);
      expect(port).toBeLessThan(32768);
    }
    // Never the same port twice in one process.
    expect(new Set(ports).size).toBe(ports.length);
  });
});
