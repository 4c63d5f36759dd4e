/**
 * Issue #16: the fast read path (ciphertext kept by reference, every decryptable record read at
 * once into the caller's memory, statuses instead of exceptions) returns exactly the bytes of the
 * PEP path (processIncoming copies, one record per read, WantReadError) for any record sizes and
 * any way the network splits the ciphertext; and so does a TLSSocket on every path. The
 * properties are tests/support/read-path-properties.ts, shared with tls-pure. Then tls-openssl's
 * direct socket (tls-core's connectDirect: the socket reads into one reused buffer, copied into
 * the TLSBuffer at each read), and a plain socket BufferSocket takes over so (startTls's: STARTTLS,
 * the FTP data connection): the bytes sent for random network splits, and the READ_AHEAD bound.
 */
import fc from 'fast-check';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BufferSocket, connectDirect, READ_AHEAD, WantReadError, type TLSBuffer, type TLSSocket } from '@unitls/tls-core';
import { assertFastReadMatchesPep, assertSocketReadsMatch, encrypt, plaintext, split, type FastBuffer } from '../../../tests/support/read-path-properties.js';
import { clientContext, connectedPair, serverContext } from './fixtures.js';

describe('the fast read path', () => {
  it('returns the same bytes as the PEP path for random record sizes and splits (fast-check)', () => {
    const contexts = { client: clientContext(), server: serverContext() };
    assertFastReadMatchesPep({ pair: () => connectedPair(contexts) as { client: FastBuffer; server: FastBuffer }, takeOutgoing: false, maxWrites: 8, numRuns: 100 });
  });

  it('a TLSSocket returns the same bytes on every read path: PEP calls, fast path, direct socket (fast-check)', async () => {
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    try {
      await assertSocketReadsMatch({ listener, clientBuffer: () => clientContext().createBuffer('localhost'), numRuns: 10 });
    } finally {
      await listener.close();
    }
  }, 120_000);

  it('recvInto (alternating with recv) returns the same bytes on every read path (fast-check)', async () => {
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    try {
      await assertSocketReadsMatch({ listener, clientBuffer: () => clientContext().createBuffer('localhost'), numRuns: 5, reads: 'recvInto and recv' });
    } finally {
      await listener.close();
    }
  }, 120_000);
});

/** The ciphertext of `data` (written in pieces of `sizes`) from `server`, then its close_notify. */
function encryptToEnd(server: FastBuffer, data: Buffer, sizes: number[]): Buffer {
  const stream = encrypt(server, data, sizes, null);
  try {
    server.shutdown();
  } catch (error) {
    if (!(error instanceof WantReadError)) throw error; // ours is queued; the peer's is not awaited
  }
  return Buffer.concat([stream, server.processOutgoing(server.outgoingBytesBuffered())]);
}

/** How the client's TCP socket is made: by connectDirect, or plain (BufferSocket takes it over, as startTls's). */
type Dial = 'connectDirect' | 'taken over';

/**
 * A plain TCP peer that writes `pieces` one write at a time (each after the last one reached the
 * kernel, so the reader sees many of the cuts), then ends; and a TLSSocket over a direct socket
 * (`dial`) reading them with `buffer`, whose handshake is already done in memory.
 */
async function directSocketReading(buffer: TLSBuffer, pieces: Buffer[], dial: Dial = 'connectDirect'): Promise<{ socket: TLSSocket; close(): Promise<void> }> {
  const peers = new Set<Socket>();
  const server = createServer({ noDelay: true }, (peer) => {
    peers.add(peer);
    peer.on('error', () => {});
    peer.resume();
    void (async () => {
      for (const piece of pieces) if (!peer.destroyed) await new Promise<void>((resolve) => peer.write(piece, () => resolve()));
      peer.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const tcp = dial === 'connectDirect' ? connectDirect({ host: '127.0.0.1', port, noDelay: true }) : connect({ host: '127.0.0.1', port, noDelay: true });
  await once(tcp, 'connect');
  const socket = await BufferSocket.open(buffer, tcp);
  return {
    socket,
    async close() {
      await socket.close(true);
      for (const peer of peers) peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function recvAll(socket: TLSSocket, sizes: number[], between?: () => Promise<void>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let turn = 0; ; turn++) {
    const chunk = await socket.recv(sizes[turn % sizes.length]!);
    if (chunk.length === 0) return Buffer.concat(parts);
    parts.push(Uint8Array.from(chunk));
    await between?.();
  }
}

describe.each<Dial>(['connectDirect', 'taken over'])('a direct socket (%s)', (dial) => {
  it('returns the bytes sent for random record sizes, network splits and recv sizes (fast-check)', async () => {
    const contexts = { client: clientContext(), server: serverContext() };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }),
        async (sizes, cuts, recvSizes) => {
          const data = plaintext(sizes);
          const { client, server } = connectedPair(contexts) as { client: FastBuffer; server: FastBuffer };
          const peer = await directSocketReading(client, split(encryptToEnd(server, data, sizes), cuts), dial);
          try {
            expect((await recvAll(peer.socket, recvSizes)).equals(data)).toBe(true);
          } finally {
            await peer.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it(`stops reading the network while READ_AHEAD (${READ_AHEAD}) bytes wait in the buffer, and reads on as they are read`, async () => {
    const { client, server } = connectedPair() as { client: FastBuffer; server: FastBuffer };
    const sizes = Array.from({ length: 8 }, () => 1 << 20);
    const data = Buffer.concat(sizes.map((size, i) => Buffer.alloc(size, i + 1)));
    let mostBuffered = 0;
    // Observes what the buffer holds after every copy the socket makes into it.
    const observed = new Proxy(client, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === 'copyIncoming') {
          return (bytes: Uint8Array) => {
            const taken = target.copyIncoming!(bytes);
            mostBuffered = Math.max(mostBuffered, target.incomingBytesBuffered());
            return taken;
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as TLSBuffer;
    const peer = await directSocketReading(observed, [encryptToEnd(server, data, sizes)], dial);
    try {
      // A slow reader: one event-loop turn after every recv lets the network deliver far more.
      const received = await recvAll(peer.socket, [16_384], () => new Promise((resolve) => setImmediate(resolve)));
      expect(received.equals(data)).toBe(true);
      expect(mostBuffered).toBeGreaterThanOrEqual(READ_AHEAD);
      expect(mostBuffered).toBeLessThan(READ_AHEAD + 64 * 1024);
    } finally {
      await peer.close();
    }
  }, 60_000);
});
