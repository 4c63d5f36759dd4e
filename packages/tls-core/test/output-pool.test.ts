import { describe, expect, it } from 'vitest';
import { OUTPUT_BUFFER_MAX, OUTPUT_POOL_BYTES, OutputPool } from '../src/output-pool.js';

/** What BufferSocket asks for to send one 64 KiB piece: the plaintext plus framing room. */
const PIECE_64K = 65_536 + 5 * 64;

describe('OutputPool', () => {
  it('reuses the buffers of 64 connections each sending a 64 KiB piece at once (issue #16)', () => {
    const pool = new OutputPool();
    const first = Array.from({ length: 64 }, () => pool.take(PIECE_64K));
    for (const buffer of first) pool.give(buffer);
    const second = Array.from({ length: 64 }, () => pool.take(PIECE_64K));
    // Every buffer of the second round is one of the first: no fresh allocation. (A 4 MiB pool
    // kept 51 of the 64 and allocated 13 fresh ones per round.)
    expect(new Set([...first, ...second]).size).toBe(64);
    expect(pool.bytes).toBe(0);
  });

  it('keeps at most its byte budget and hands out buffers of the size asked (16 KiB steps)', () => {
    const pool = new OutputPool();
    const many = Array.from({ length: 200 }, () => pool.take(PIECE_64K));
    expect(many.every((buffer) => buffer.length === 81_920)).toBe(true);
    for (const buffer of many) pool.give(buffer);
    expect(pool.bytes).toBe(Math.floor(OUTPUT_POOL_BYTES / 81_920) * 81_920);
    // A size no kept buffer holds gets a fresh one (of at most OUTPUT_BUFFER_MAX).
    expect(pool.take(1_000_000).length).toBe(OUTPUT_BUFFER_MAX);
  });

  it('caps a fresh buffer at OUTPUT_BUFFER_MAX and takes a kept one that is big enough', () => {
    const pool = new OutputPool();
    expect(pool.take(10 * OUTPUT_BUFFER_MAX).length).toBe(OUTPUT_BUFFER_MAX);
    const small = pool.take(100);
    expect(small.length).toBe(16_384);
    pool.give(small);
    expect(pool.take(16_000)).toBe(small);
    expect(pool.bytes).toBe(0);
  });
});
