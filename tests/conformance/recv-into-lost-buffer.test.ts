/**
 * breaker8 (session 7): a recvInto whose buffer the caller detaches (ArrayBuffer transfer) or
 * shrinks to nothing (a resizable ArrayBuffer) while the recv waits, on every implementation.
 * Found: tls-pure's recvInto never settled (every later recv: CONCURRENT_RECV); tls-openssl's
 * rejected with "read: at least one byte must be asked for" and every later recv too; tls-node's
 * rejected with set()'s TypeError and the connection went on with those bytes missing. Now each
 * rejects promptly with recvIntoLostBuffer's RangeError (code UNITLS_RECV_INTO_LOST_BUFFER), and
 * nothing goes missing: each reads nothing and the next recv gets the bytes (tls-node took one
 * byte of them until session 13 and closed the connection; its recvInto now waits through its
 * ChunkReader's readInto, which takes nothing for a lost buffer).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RECV_INTO_LOST_BUFFER, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const HANG = Symbol('still waiting after 3 s');
const outcome = (promise: Promise<unknown>) =>
  Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), delay(3000).then(() => HANG)]);

const ways = [
  ['detached (transferred)', (memory: Uint8Array) => void structuredClone(memory.buffer, { transfer: [memory.buffer as ArrayBuffer] }), () => new Uint8Array(64)],
  ['shrunk to 0 bytes (resizable)', (memory: Uint8Array) => (memory.buffer as ArrayBuffer & { resize(n: number): void }).resize(0), () => new Uint8Array(new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(64, { maxByteLength: 64 }))],
] as const;

describe.each(implementations.map((i) => [i.name, i] as const))('recvInto whose buffer is lost while it waits (%s)', (_, implementation) => {
  it.each(ways)('%s: RangeError, no hang, nothing taken: the next recv gets the bytes', async (_way, lose, make) => {
    const { client, server, close } = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      const memory = make();
      const waiting = outcome((client as TLSSocket).recvInto!(memory));
      await delay(20);
      lose(memory);
      await server.send(Buffer.from('first bytes'));
      const first = await waiting;
      expect(first).not.toBe(HANG);
      expect((first as { error?: unknown }).error).toBeInstanceOf(RangeError);
      expect((first as { error: Error }).error).toMatchObject({ code: RECV_INTO_LOST_BUFFER, message: expect.stringMatching(/detached or shrunk.*nothing was read/) });
      await server.send(Buffer.from('later bytes')).catch(() => {});
      await delay(20);
      const later = await outcome(client.recv(100));
      expect(later).not.toBe(HANG);
      // The stream goes on with nothing missing.
      expect(later).toMatchObject({ value: expect.any(Uint8Array) });
      expect(Buffer.from((later as { value: Uint8Array }).value).toString()).toMatch(/^first bytes/);
    } finally {
      await close();
    }
  });
});
