/**
 * The read path of tls-core's TLSSocketStream (the Duplex under undici, HTTPSConnection and
 * ssl-compat) per read, on every implementation (issue #16: tls-openssl's HTTPS download and fetch
 * rows): a node:tls server sends 4 MiB or 64 KiB, read through the stream's 'data' events, the
 * bytes arriving identical.
 * - Every recv gets the same two handlers (made once per stream): `_read` used to make two
 *   closures and their context per read (~0.5 KB of JavaScript per chunk of every body).
 * - Promises per read: the difference between the two transfers over the difference in reads, the
 *   median of three rounds (at session 16: 2.0 on tls-node and tls-openssl, the recv's promise and
 *   the one reaction on it). tls-pure's count varies with its reads' timing (2.0-5.9 per read over
 *   three rounds), so it is not bounded.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { TLSSocketStream, type TLSSocket } from '@unitls/tls-core';
import { implementations } from '../conformance/implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { promisesCreatedDuring } from '../support/promise-count.js';

const SMALL = Buffer.alloc(64 * 1024, 1);
/** 4 MiB that are not all one byte, so a reordered or repeated chunk shows in the hash. */
const LARGE = Buffer.from(Array.from({ length: 4 << 20 }, (_, i) => (i * 7 + (i >> 16)) & 0xff));
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A node:tls server that sends `/large` or `/small` (as the first line asks) and closes with close_notify. */
async function sender(): Promise<number> {
  const server = tls.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (socket) => {
    socket.on('error', () => {});
    socket.once('data', (line: Buffer) => socket.end(line.toString().startsWith('large') ? LARGE : SMALL));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

/**
 * A socket whose recv records the handlers each read is given (the stream's `then` on its promise).
 */
function recording(socket: TLSSocket, handlers: Set<unknown>): TLSSocket {
  const recv = socket.recv.bind(socket);
  return new Proxy(socket, {
    get(target, key) {
      if (key !== 'recv') {
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return (max: number) => {
        const pending = recv(max);
        return {
          then(done: unknown, failed: unknown) {
            handlers.add(done);
            handlers.add(failed);
            return pending.then(done as never, failed as never);
          },
        };
      };
    },
  });
}

describe.each(implementations.map((i) => [i.name, i] as const))('TLSSocketStream reads over %s', (name, implementation) => {
  const context = new implementation.clientContext(clientConfig());

  const download = async (port: number, what: 'large' | 'small', handlers: Set<unknown> | null) => {
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    const stream = new TLSSocketStream(handlers === null ? socket : recording(socket, handlers));
    stream.on('error', () => {});
    const hash = createHash('sha256');
    let reads = 0;
    const { promises } = await promisesCreatedDuring(async () => {
      stream.write(`${what}\n`);
      stream.on('data', (chunk: Buffer) => {
        reads++;
        hash.update(chunk);
      });
      await once(stream, 'end');
    });
    stream.destroy();
    await once(stream, 'close');
    return { promises, reads, sha: hash.digest('hex') };
  };

  it('gives every recv the same two handlers, and the bytes arrive identical', async () => {
    const port = await sender();
    const handlers = new Set<unknown>();
    const got = await download(port, 'large', handlers);
    expect(got.sha).toBe(sha(LARGE));
    expect(got.reads).toBeGreaterThan(4);
    expect(handlers.size).toBe(2);
  }, 60_000);

  // Not defined for tls-pure (see the top: its count is not bounded), rather than a skipped test.
  if (name !== 'pure') it('costs under 2.5 promises per read', async () => {
    const port = await sender();
    const counts: number[] = [];
    for (let round = 0; round < 3; round++) {
      const one = await download(port, 'small', null);
      const many = await download(port, 'large', null);
      expect([one.sha, many.sha]).toEqual([sha(SMALL), sha(LARGE)]);
      counts.push((many.promises - one.promises) / (many.reads - one.reads));
    }
    const median = counts.sort((a, b) => a - b)[1]!;
    expect(median, `promises per read: ${counts.join(', ')}`).toBeLessThan(2.5);
  }, 60_000);
});
