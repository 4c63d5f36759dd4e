/**
 * Promises per recv and send (issue #16 item 2): on every implementation a recv that waits for the
 * peer, a recv that finds bytes already decryptable and a send of one piece each make exactly one
 * promise (before: tls-core BufferSocket's read and write lanes made 7 per waiting recv on
 * tls-openssl and tls-pure; ~15 of the 24 per POP3 RETR were theirs), and sends still go out in
 * call order whichever way each is written (one piece at once, or queued and in pieces). One recv
 * at a time and close() ending a waiting recv: tests/conformance/recv-and-close.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SEND_PIECE_SIZE, type TLSSocket } from '@unitls/tls-core';
import { promisesCreatedBy } from '../support/promise-count.js';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const text = (value: string): Uint8Array => Buffer.from(value);
const str = (bytes: Uint8Array): string => Buffer.from(bytes).toString();

/** Reads exactly `count` bytes. */
async function receive(socket: TLSSocket, count: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let total = 0; total < count; ) {
    const chunk = await socket.recv(65_536);
    if (chunk.length === 0) throw new Error(`the stream ended after ${total} of ${count} bytes`);
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts);
}

describe.each(implementations.map((i) => [i.name, i] as const))('promises per recv and send (%s)', (_, implementation) => {
  it('a waiting recv, a one-piece send and a recv of bytes already decryptable are one promise each, both ways', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      for (const [reader, writer] of [
        [pair.server, pair.client],
        [pair.client, pair.server],
      ] as const) {
        const waiting = promisesCreatedBy(() => reader.recv(10));
        expect(waiting.promises).toBe(1);
        const sending = promisesCreatedBy(() => writer.send(text('hello')));
        expect(sending.promises).toBe(1);
        expect(await sending.result).toBe(5);
        expect(str(await waiting.result)).toBe('hello');
        // Two records in one send: a recv of 1 leaves the rest decryptable for the next.
        await writer.send(text('xy'));
        expect(str(await reader.recv(1))).toBe('x');
        const ready = promisesCreatedBy(() => reader.recv(10));
        expect(ready.promises).toBe(1);
        expect(str(await ready.result)).toBe('y');
      }
    } finally {
      await pair.close();
    }
  });

  it('sends go out in call order whether written at once or queued and in pieces', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      const big = Buffer.alloc(SEND_PIECE_SIZE * 4 + 7, 1);
      const receiving = receive(pair.server, 2 * big.length + 1 + 70_000 + 1 + 9_000 + 1);
      // A one-piece send first (written at once), then a large one and small ones queued behind it.
      const sent = await Promise.all([
        pair.client.send(Buffer.alloc(9_000, 5)),
        pair.client.send(big),
        pair.client.send(Buffer.from([2])),
        pair.client.send(Buffer.alloc(70_000, 3)),
      ]);
      expect(sent).toEqual([9_000, big.length, 1, 70_000]);
      // A large send first, then one-piece sends made while it runs.
      const after = await Promise.all([pair.client.send(big), pair.client.send(Buffer.from([4])), pair.client.send(Buffer.from([6]))]);
      expect(after).toEqual([big.length, 1, 1]);
      const expected = Buffer.concat([Buffer.alloc(9_000, 5), big, Buffer.from([2]), Buffer.alloc(70_000, 3), big, Buffer.from([4]), Buffer.from([6])]);
      expect((await receiving).equals(expected)).toBe(true);
      // Nothing is left over: the next bytes are the next send's.
      await pair.client.send(text('end'));
      expect(str(await pair.server.recv(10))).toBe('end');
    } finally {
      await pair.close();
    }
  });
});
