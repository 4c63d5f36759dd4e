/**
 * TLSSocket.recvInto (issue #16 item 2, Python's socket.recv_into) on every implementation, over
 * a node:net socket and over a JavaScript Duplex (startTls):
 * - the bytes equal recv's and the bytes sent, for random send sizes and random buffer sizes
 *   (fast-check: smaller than a record, several records, any), into one reused buffer;
 * - n bytes land at buffer[0, n) and nothing past n is touched; a buffer larger than what is
 *   decryptable takes what is there, a buffer of 1 byte takes one byte at a time;
 * - 0 at the peer's close_notify, RaggedEOF at a FIN without it (Python's ssl peer);
 * - an empty buffer or a non-Uint8Array is a usage error (RangeError, TypeError) that reads nothing;
 * - recv's rules: one recv or recvInto at a time (CONCURRENT_RECV both ways), close() ends a
 *   waiting recvInto with RECV_ENDED_BY_CLOSE, recvInto after close() rejects as closed.
 * tls-openssl decrypting straight into the caller's memory is tested in packages/tls-openssl
 * (test/recv-into.test.ts).
 */
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONCURRENT_RECV, RECV_ENDED_BY_CLOSE, RaggedEOF, TLSError, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { plaintext } from '../support/read-path-properties.js';
import { connectPair, connectPairOverDuplex, sendText, turns } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const transports = [
  ['node:net', (implementation: TLSImplementation) => connectPair(implementation, serverConfig(), clientConfig())],
  ['a JavaScript Duplex', (implementation: TLSImplementation) => connectPairOverDuplex(implementation, serverConfig(), clientConfig())],
] as const;

/** recvInto, which every implementation here offers. */
function recvInto(socket: TLSSocket, buffer: Uint8Array): Promise<number> {
  expect(typeof socket.recvInto).toBe('function');
  return socket.recvInto!(buffer);
}

/** Reads to the peer's close_notify with recvInto into one reused buffer, `sizes[turn]` bytes of it per call. */
async function readAllInto(socket: TLSSocket, sizes: number[]): Promise<Buffer> {
  const memory = new Uint8Array(Math.max(...sizes));
  const parts: Buffer[] = [];
  for (let turn = 0; ; turn++) {
    const size = sizes[turn % sizes.length]!;
    const count = await recvInto(socket, memory.subarray(0, size));
    if (count === 0) return Buffer.concat(parts);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(size);
    parts.push(Buffer.from(memory.subarray(0, count)));
  }
}

async function readAll(socket: TLSSocket, sizes: number[]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let turn = 0; ; turn++) {
    const chunk = await socket.recv(sizes[turn % sizes.length]!);
    if (chunk.length === 0) return Buffer.concat(parts);
    parts.push(Uint8Array.from(chunk));
  }
}

/** Sends `data` in pieces of `sizes`, then close_notify (shutdown: not waiting for the reader's). */
async function sendAll(socket: TLSSocket, data: Uint8Array, sizes: number[]): Promise<void> {
  let offset = 0;
  for (const size of sizes) await socket.send(data.subarray(offset, (offset += size)));
  await socket.shutdown!();
}

/** How `promise` settled so far: 'pending', { value } or the error. */
function watch(promise: Promise<unknown>): () => unknown {
  let outcome: unknown = 'pending';
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = error),
  );
  return () => outcome;
}

describe.each(implementations.map((i) => [i.name, i] as const))('recvInto (%s)', (_, implementation) => {
  describe.each(transports)('over %s', (_transport, open) => {
    it('returns the bytes sent, as recv does, for random send sizes and buffer sizes (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 60_000 }), { minLength: 1, maxLength: 5 }),
          // One byte at a time is the next test's: here from 100 bytes (less than a record) to several records.
          fc.array(fc.oneof(fc.constantFrom(100, 16_384, 16_385, 65_536, 200_000), fc.integer({ min: 100, max: 100_000 })), { minLength: 1, maxLength: 4 }),
          async (sizes, bufferSizes) => {
            const data = plaintext(sizes);
            for (const read of [readAllInto, readAll]) {
              const pair = await open(implementation);
              try {
                const [received] = await Promise.all([read(pair.client, bufferSizes), sendAll(pair.server, data, sizes)]);
                expect(received.equals(data)).toBe(true);
              } finally {
                await pair.close();
              }
            }
          },
        ),
        { numRuns: 5 },
      );
    }, 120_000);

    it('writes n bytes at buffer[0, n) and nothing past n; a 1-byte buffer and one larger than all of it', async () => {
      const pair = await open(implementation);
      try {
        const data = plaintext([40_000]);
        await pair.server.send(data);
        const memory = new Uint8Array(100_000).fill(0xaa);
        const first = await recvInto(pair.client, memory.subarray(0, 1));
        expect(first).toBe(1);
        expect(memory[0]).toBe(data[0]);
        expect(memory[1]).toBe(0xaa);
        let received = 1;
        while (received < data.length) {
          memory.fill(0xaa);
          const count = await recvInto(pair.client, memory);
          expect(count).toBeGreaterThan(0);
          expect(Buffer.from(memory.subarray(0, count)).equals(data.subarray(received, received + count))).toBe(true);
          expect(Buffer.from(memory.subarray(count)).equals(Buffer.alloc(memory.length - count, 0xaa))).toBe(true);
          received += count;
        }
        expect(received).toBe(data.length);
        await pair.server.shutdown!();
        expect(await recvInto(pair.client, memory)).toBe(0);
      } finally {
        await pair.close();
      }
    });

    it('reads into a view at an offset of a larger ArrayBuffer, leaving the rest untouched', async () => {
      const pair = await open(implementation);
      try {
        const backing = new Uint8Array(64).fill(0xaa);
        const view = backing.subarray(10, 20);
        await sendText(pair.server, 'hello');
        expect(await recvInto(pair.client, view)).toBe(5);
        expect(Buffer.from(backing.subarray(10, 15)).toString()).toBe('hello');
        expect([...backing.subarray(0, 10), ...backing.subarray(15)].every((byte) => byte === 0xaa)).toBe(true);
      } finally {
        await pair.close();
      }
    });

    it('refuses an empty buffer (RangeError) and a non-Uint8Array (TypeError) at once, reading nothing', async () => {
      const pair = await open(implementation);
      try {
        await sendText(pair.server, 'kept');
        await expect(recvInto(pair.client, new Uint8Array(0))).rejects.toBeInstanceOf(RangeError);
        await expect(recvInto(pair.client, new Uint8Array(8).subarray(3, 3))).rejects.toBeInstanceOf(RangeError);
        for (const bad of [null, undefined, 'text', new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), [1, 2]]) {
          await expect(recvInto(pair.client, bad as never)).rejects.toBeInstanceOf(TypeError);
        }
        // Nothing was read or left waiting: the next read gets the bytes.
        const memory = new Uint8Array(10);
        expect(await recvInto(pair.client, memory)).toBe(4);
        expect(Buffer.from(memory.subarray(0, 4)).toString()).toBe('kept');
      } finally {
        await pair.close();
      }
    });

    it.each([
      ['recv', 'recvInto'],
      ['recvInto', 'recv'],
      ['recvInto', 'recvInto'],
    ] as const)('a %s waiting makes a %s reject at once with CONCURRENT_RECV; the first gets the data', async (first, second) => {
      const pair = await open(implementation);
      try {
        const memory = new Uint8Array(16);
        const call = (kind: 'recv' | 'recvInto') => (kind === 'recv' ? pair.client.recv(16) : recvInto(pair.client, memory));
        const waiting = watch(call(first));
        const refused = watch(call(second));
        await turns(2);
        expect(refused()).toBeInstanceOf(TLSError);
        expect(refused()).toMatchObject({ message: CONCURRENT_RECV });
        expect(waiting()).toBe('pending');
        await sendText(pair.server, 'ping');
        await expect.poll(waiting).not.toBe('pending');
        if (first === 'recv') expect(Buffer.from((waiting() as { value: Uint8Array }).value).toString()).toBe('ping');
        else {
          expect(waiting()).toEqual({ value: 4 });
          expect(Buffer.from(memory.subarray(0, 4)).toString()).toBe('ping');
        }
      } finally {
        await pair.close();
      }
    });

    it.each([false, true])('close(force=%s) ends a waiting recvInto with RECV_ENDED_BY_CLOSE; a later one rejects as closed', async (force) => {
      const pair = await open(implementation);
      try {
        const memory = new Uint8Array(16).fill(0xaa);
        const waiting = watch(recvInto(pair.client, memory));
        await turns(2);
        const closing = pair.client.close(force);
        await turns(2);
        expect(waiting()).toBeInstanceOf(TLSError);
        expect(waiting()).toMatchObject({ message: RECV_ENDED_BY_CLOSE });
        expect(await recvInto(pair.client, memory).catch((e: unknown) => e)).toMatchObject({ message: 'recv on a closed TLSSocket' });
        // What the peer sends now is not returned to anyone (nor written into the memory).
        expect(await pair.server.recv(10)).toEqual(new Uint8Array(0));
        await pair.server.send(new TextEncoder().encode('late')).catch(() => 0);
        await pair.server.close();
        await closing;
        expect(memory.every((byte) => byte === 0xaa)).toBe(true);
      } finally {
        await pair.close();
      }
    });
  });

  it('rejects with RaggedEOF at a FIN without close_notify, after the data (Python ssl peer)', async () => {
    const script = fileURLToPath(new URL('../support/python/close_peer.py', import.meta.url));
    const child = spawn('python3', [script, 'send-ragged', pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), pki.path('root')]);
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let failed = true;
    try {
      const port = Number((await lines.next()).value);
      const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
      try {
        const memory = new Uint8Array(100);
        let text = '';
        while (text.length < 4) {
          const count = await recvInto(socket, memory);
          expect(count).toBeGreaterThan(0);
          text += Buffer.from(memory.subarray(0, count)).toString();
        }
        expect(text).toBe('data');
        const error = await recvInto(socket, memory).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RaggedEOF);
        expect(error).toMatchObject({ code: 'UNITLS_RAGGED_EOF' });
      } finally {
        await socket.close(true);
      }
      failed = false;
    } finally {
      // A peer still waiting for a client that never came is ended (our failure is reported).
      if (failed) child.kill();
      const [code] = await exited;
      if (!failed) expect(code).toBe(0);
    }
  });
});
