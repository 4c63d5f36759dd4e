/**
 * A huge `send` keeps memory flat on every implementation (issue #14 item 3: "memory stays flat
 * while sending"): a 256 MiB send to a peer that reads only its first 8 MiB holds a bounded amount
 * of ciphertext, because every implementation encrypts and writes SEND_PIECE_SIZE at a time, each
 * piece once the previous one reached the kernel. Before, tls-node handed the whole buffer to
 * node:tls, which encrypts a write at once: +288 MiB of buffers for a 256 MiB send.
 *
 * Measured as the growth of `process.memoryUsage().arrayBuffers` (every Buffer node:tls and the
 * implementations allocate is one) sampled after each recv, against a bound of a quarter of the
 * send: far above what a bounded send holds (a few MiB of pieces and read buffers), far below what
 * an unbounded one holds (the whole send, plus its ciphertext).
 */
import { describe, expect, it } from 'vitest';
import { SEND_PIECE_SIZE, TLSError } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const SEND_SIZE = 256 * 1024 * 1024;
const READ_SIZE = 8 * 1024 * 1024;
const BOUND = SEND_SIZE / 4;

describe.each(implementations.map((i) => [i.name, i] as const))('a huge send keeps memory flat (%s)', (_, implementation) => {
  it(`holds less than ${BOUND / 2 ** 20} MiB while sending ${SEND_SIZE / 2 ** 20} MiB`, async () => {
    expect(SEND_PIECE_SIZE).toBeLessThan(BOUND / 16);
    const huge = new Uint8Array(SEND_SIZE);
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    let closed = false;
    try {
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const sending = pair.client.send(huge).then(
        (count) => count,
        (error: unknown) => error,
      );
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
      let received = 0;
      while (received < READ_SIZE) {
        const data = await pair.server.recv(64 * 1024);
        expect(data.length).toBeGreaterThan(0);
        received += data.length;
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
      }
      expect(peak).toBeLessThan(BOUND);
      // The peer stops reading; closing ends the send that is still waiting for room.
      closed = true;
      await pair.close();
      const outcome = await sending;
      expect(outcome).toBeInstanceOf(TLSError);
    } finally {
      if (!closed) await pair.close();
    }
  });
});
