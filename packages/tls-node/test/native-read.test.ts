/**
 * Direct reads on the native path (src/native-read.ts): records taken from node:tls's TLS handle
 * as it decrypts them, past node:tls's stream buffering. The bytes a recv loop gets are exactly
 * the bytes the peer sent, for random write sizes, write groupings and read sizes, with fast and
 * slow readers; the reader's bound holds (the handle stops reading while 256 KiB wait); a close or
 * a peer's reset in the middle of the stream ends in typed errors, never a hang.
 */
import fc from 'fast-check';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { ChunkReader, RaggedEOF, TLSClientConfiguration, TLSError, TrustStore, type TLSSocket } from '@unitls/tls-core';
import { implementation } from '../src/mod.js';
import { directReadsInUse } from '../src/native-read.js';

/** A pattern in which no two nearby positions agree, so a misplaced byte shows. */
const PATTERN = Buffer.from(Array.from({ length: 2_000_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const HIGH_WATER_MARK = 256 * 1024; // ChunkReader's default

let key: string;
let cert: string;
let configuration: TLSClientConfiguration;
let delivered = 0;
let mostBuffered = 0;
const deliver = ChunkReader.prototype.deliver;

beforeAll(async () => {
  const authority = await createAuthority({ name: 'native read test CA' });
  const leaf = await issueCertificate(authority, { names: ['localhost'] });
  key = leaf.keyPem;
  cert = leaf.certPem;
  configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(authority.certPem)) });
  // Observes what the direct path hands the reader, and how much the reader then holds.
  ChunkReader.prototype.deliver = function (this: ChunkReader, chunk: Uint8Array) {
    delivered++;
    deliver.call(this, chunk);
    mostBuffered = Math.max(mostBuffered, this.buffered);
  };
});
afterAll(() => {
  ChunkReader.prototype.deliver = deliver;
});

/** A node:tls server that sends `data` in writes of `sizes` (grouped `group` at a time under cork), then `finish`es. */
async function sender(data: Buffer, sizes: number[], group: number, finish: 'end' | 'reset' = 'end'): Promise<{ port: number; server: tls.Server; sent: Promise<void> }> {
  let done!: () => void;
  const sent = new Promise<void>((resolve) => (done = resolve));
  const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3' }, (socket) => {
    socket.on('error', () => {});
    let offset = 0;
    let turn = 0;
    const more = (): void => {
      while (offset < data.length) {
        socket.cork();
        let ok = true;
        for (let i = 0; i < group && offset < data.length; i++) {
          const size = sizes[turn++ % sizes.length]!;
          ok = socket.write(data.subarray(offset, offset + size));
          offset += size;
        }
        socket.uncork();
        if (!ok) return void socket.once('drain', more);
      }
      // end() once the writes are done: node:tls's shutdown otherwise lets the FIN overtake
      // close_notify (see src/native-end.ts), which the client rightly reports as RaggedEOF.
      if (finish === 'end') socket.write(Buffer.alloc(0), () => socket.end());
      else (socket as unknown as { _parent: Socket })._parent.resetAndDestroy();
      done();
    };
    more();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server, sent };
}

async function connect(port: number): Promise<TLSSocket> {
  return new implementation.clientContext(configuration).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
}

/** Reads to the end, `amounts` bytes at a time in turn; `pause` (if any) after every read. */
async function recvAll(socket: TLSSocket, amounts: number[], pause?: () => Promise<unknown>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let turn = 0; ; turn++) {
    const chunk = await socket.recv(amounts[turn % amounts.length]!);
    if (chunk.length === 0) return Buffer.concat(parts);
    parts.push(Uint8Array.from(chunk));
    await pause?.();
  }
}

describe('tls-node direct reads', () => {
  it('return exactly the bytes sent, for random write sizes, groupings and read sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 600_000 }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (length, sizes, group, amounts, slow) => {
          const data = PATTERN.subarray(0, length);
          const { port, server } = await sender(data, sizes, group);
          const before = delivered;
          // The process's first record goes through node:tls's stream (the probe); later ones directly.
          const direct = directReadsInUse();
          const socket = await connect(port);
          try {
            const received = await recvAll(socket, amounts, slow ? () => new Promise((resolve) => setImmediate(resolve)) : undefined);
            expect(received.length).toBe(data.length);
            expect(received.equals(data)).toBe(true);
            // Where the probe found Node's layout (Node 20 and 22), the bytes came the direct way,
            // not through node:tls's stream; elsewhere node:tls's own path gave them.
            expect(directReadsInUse()).not.toBeNull();
            if (direct !== null) expect(delivered > before).toBe(direct);
          } finally {
            await socket.close(true);
            server.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);

  it(`stop reading while ${HIGH_WATER_MARK} bytes wait, and read on as they are read`, async () => {
    const data = Buffer.concat([PATTERN, PATTERN, PATTERN, PATTERN]);
    const { port, server } = await sender(data, [16_384], 4);
    const socket = await connect(port);
    mostBuffered = 0;
    try {
      // A slow reader: one event-loop turn after every recv lets the network deliver far more.
      const received = await recvAll(socket, [16_384], () => new Promise((resolve) => setImmediate(resolve)));
      expect(received.equals(data)).toBe(true);
      if (directReadsInUse() !== true) return; // node:tls's stream path: its own bound
      expect(mostBuffered).toBeGreaterThanOrEqual(HIGH_WATER_MARK);
      // Beyond the mark: at most the rest of one TCP read (64 KiB of records) already decrypted.
      expect(mostBuffered).toBeLessThan(HIGH_WATER_MARK + 128 * 1024);
    } finally {
      await socket.close(true);
      server.close();
    }
  }, 60_000);

  it('a close in the middle of the stream, even while the handle is stopped, ends every later recv with a TLSError', async () => {
    const { port, server } = await sender(Buffer.concat([PATTERN, PATTERN, PATTERN, PATTERN]), [16_384], 4);
    const socket = await connect(port);
    try {
      let got = 0;
      while (got < 1_000_000) got += (await socket.recv(16_384)).length;
      // Enough waits unread for the handle to stop; close() must still end the connection.
      while (directReadsInUse() === true && mostBuffered < HIGH_WATER_MARK) await new Promise((resolve) => setImmediate(resolve));
      await socket.close(true);
      await expect(socket.recv(16_384)).rejects.toBeInstanceOf(TLSError);
    } finally {
      server.close();
    }
  }, 60_000);

  it('a peer reset in the middle of the stream ends the reads with a typed error after the bytes before it', async () => {
    const data = PATTERN.subarray(0, 700_000);
    const { port, server, sent } = await sender(data, [10_000], 3, 'reset');
    const socket = await connect(port);
    try {
      await sent;
      const parts: Uint8Array[] = [];
      let failure: unknown = null;
      try {
        for (;;) {
          const chunk = await socket.recv(65_536);
          if (chunk.length === 0) break;
          parts.push(Uint8Array.from(chunk));
        }
      } catch (error) {
        failure = error;
      }
      // A reset may discard bytes in flight, never reorder or invent them; and it is never a clean end.
      const received = Buffer.concat(parts);
      expect(received.equals(data.subarray(0, received.length))).toBe(true);
      expect(failure).toBeInstanceOf(TLSError);
      expect(failure instanceof RaggedEOF || (failure as TLSError).message.length > 0).toBe(true);
    } finally {
      await socket.close(true);
      server.close();
    }
  }, 60_000);
});

