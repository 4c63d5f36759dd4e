/**
 * The ring that holds received ciphertext (record/incoming-bytes.ts) behaves as a plain FIFO of
 * bytes: for any sequence of pushes, peeks and consumes on two rings at once (they share the
 * process-wide pool of memory and the scratch that joins a view across the ring's end), every
 * peek returns exactly the bytes a reference array holds, whatever was written into the pushed
 * memory afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PATTERN } from '../../../tests/support/read-path-properties.js';
import { INCOMING_BLOCK, IncomingBytes } from '../src/record/incoming-bytes.js';

type Op = { ring: 0 | 1; kind: 'push'; length: number } | { ring: 0 | 1; kind: 'peek' | 'consume'; fraction: number };

const OP: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ ring: fc.constantFrom(0 as const, 1 as const), kind: fc.constant('push' as const), length: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(INCOMING_BLOCK - 1, INCOMING_BLOCK, INCOMING_BLOCK + 1, 3 * INCOMING_BLOCK)) }),
  fc.record({ ring: fc.constantFrom(0 as const, 1 as const), kind: fc.constantFrom('peek' as const, 'consume' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

describe('IncomingBytes', () => {
  it('is a FIFO of the bytes pushed, across its end, growth and the shared pool (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(OP, { maxLength: 60 }), (ops) => {
        const rings = [new IncomingBytes(), new IncomingBytes()];
        const models: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
        let source = 0;
        for (const op of ops) {
          const ring = rings[op.ring]!;
          const model = models[op.ring]!;
          const n = op.kind === 'push' ? 0 : Math.floor(op.fraction * model.length);
          if (op.kind === 'push') {
            const start = source % 500_000;
            source += 7919;
            const data = Buffer.from(PATTERN.subarray(start, start + op.length));
            ring.push(data);
            data.fill(0xee); // the caller's memory may change once push returns
            models[op.ring] = Buffer.concat([model, PATTERN.subarray(start, start + op.length)]);
          } else {
            if (op.kind === 'peek') expect(Buffer.from(ring.peek(n)).equals(model.subarray(0, n))).toBe(true);
            else {
              ring.consume(n);
              models[op.ring] = model.subarray(n);
            }
          }
          expect(ring.length).toBe(models[op.ring]!.length);
        }
        for (const [i, ring] of rings.entries()) expect(Buffer.from(ring.peek(ring.length)).equals(models[i]!)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to peek or consume more than it holds', () => {
    const ring = new IncomingBytes();
    ring.push(PATTERN.subarray(0, 10));
    expect(() => ring.peek(11)).toThrow(RangeError);
    expect(() => ring.consume(11)).toThrow(RangeError);
    expect(ring.length).toBe(10);
  });
});
