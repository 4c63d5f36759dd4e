/**
 * recvInto (issue #16 item 2) takes the records already received straight into the caller's
 * memory: with several records held, one recvInto larger than all of them returns them all, the
 * bytes as sent, and nothing joins them in fresh memory first (tls-node joined them with
 * Buffer.concat and copied the result again: two copies and 20 MiB of garbage per 20 MiB IMAP
 * body). On every implementation, over node:net.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { plaintext } from '../support/read-path-properties.js';
import { connectPair, turns } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(implementations.map((i) => [i.name, i] as const))('recvInto of held records (%s)', (_, implementation) => {
  it('copies every record held into the buffer in one call, never joining them in fresh memory first', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      const pieces = [16_000, 4_096, 16_384, 9_000, 16_384];
      const data = plaintext(pieces);
      let offset = 0;
      for (const size of pieces) {
        await pair.server.send(data.subarray(offset, offset + size));
        offset += size;
      }
      // The first byte read waits for the first record; the rest arrive meanwhile.
      const memory = new Uint8Array(data.length + 1000).fill(0xaa);
      expect(await pair.client.recvInto!(memory.subarray(0, 1))).toBe(1);
      await turns(20);
      const concat = vi.spyOn(Buffer, 'concat');
      let received = 1;
      let calls = 0;
      while (received < data.length) {
        const count = await pair.client.recvInto!(memory.subarray(received));
        expect(count).toBeGreaterThan(0);
        received += count;
        calls++;
      }
      expect(received).toBe(data.length);
      expect(Buffer.from(memory.subarray(0, received)).equals(data)).toBe(true);
      expect(memory[received]).toBe(0xaa);
      expect(concat).not.toHaveBeenCalled();
      // Everything had arrived: at most a call per record, not per piece of one.
      expect(calls).toBeLessThanOrEqual(pieces.length);
    } finally {
      await pair.close();
    }
  });
});
