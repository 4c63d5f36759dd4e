/**
 * Issue #16: the fast read path (ciphertext kept by reference, every decryptable record read at
 * once into the caller's memory, statuses instead of exceptions) returns exactly the bytes of the
 * PEP path (processIncoming copies, one record per read, WantReadError) for any record sizes and
 * any way the network splits the ciphertext; and so does a TLSSocket on either path.
 */
import fc from 'fast-check';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BufferSocket, READ_EOF, READ_WANT_READ, WantReadError, type TLSBuffer, type TLSBufferFastPath, type TLSSocket } from '@unitls/tls-core';
import { clientContext, connectedPair, serverContext } from './fixtures.js';

type Fast = TLSBuffer & TLSBufferFastPath;

/** A pattern in which no two nearby positions agree, so a misplaced byte shows. */
const PATTERN = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

/** Plaintext of `sizes` bytes. */
function plaintext(sizes: number[]): Buffer {
  return PATTERN.subarray(0, sizes.reduce((sum, n) => sum + n, 0));
}

/** Encrypts `data` in writes of `sizes` and returns the ciphertext stream. */
function encrypt(client: TLSBuffer, data: Buffer, sizes: number[]): Buffer {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    let done = 0;
    while (done < size) {
      done += client.write(data.subarray(offset + done, offset + size));
      parts.push(client.processOutgoing(client.outgoingBytesBuffered()));
    }
    offset += size;
  }
  return Buffer.concat(parts);
}

/** Cuts `stream` at the given fractions of its length. */
function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((f) => Math.floor(f * stream.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    if (point > start) pieces.push(stream.subarray(start, point));
    start = point;
  }
  return pieces;
}

function readPep(server: TLSBuffer, pieces: Buffer[], amounts: number[]): Buffer {
  const out: Uint8Array[] = [];
  let turn = 0;
  for (const piece of pieces) {
    server.processIncoming(piece);
    for (;;) {
      try {
        out.push(server.read(amounts[turn++ % amounts.length]!) as Uint8Array);
      } catch (error) {
        if (error instanceof WantReadError) break;
        throw error;
      }
    }
  }
  return Buffer.concat(out);
}

const TARGET = new Uint8Array(70_000);

function readFast(server: Fast, pieces: Buffer[], amounts: number[]): Buffer {
  const out: Uint8Array[] = [];
  let turn = 0;
  for (const piece of pieces) {
    // A copy the test never touches again, as a transport's chunk would be.
    expect(server.takeIncoming!(Buffer.from(piece))).toBe(true);
    for (;;) {
      const target = TARGET.subarray(0, amounts[turn++ % amounts.length]!);
      const count = server.readAvailable(target);
      if (count === READ_WANT_READ) break;
      expect(count).not.toBe(READ_EOF);
      out.push(Uint8Array.from(target.subarray(0, count)));
    }
  }
  return Buffer.concat(out);
}

describe('the fast read path', () => {
  it('returns the same bytes as the PEP path for random record sizes and splits (fast-check)', () => {
    const contexts = { client: clientContext(), server: serverContext() };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }),
        (sizes, cuts, amounts) => {
          const data = plaintext(sizes);
          const pep = connectedPair(contexts);
          const fast = connectedPair(contexts);
          const viaPep = readPep(pep.server, split(encrypt(pep.client, data, sizes), cuts), amounts);
          const viaFast = readFast(fast.server as Fast, split(encrypt(fast.client, data, sizes), cuts), amounts);
          expect(viaPep.equals(data)).toBe(true);
          expect(viaFast.equals(data)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a TLSSocket returns the same bytes whether its buffer offers the fast path or not (fast-check)', async () => {
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    const port = listener.getsockname()!.port;
    /** A client socket whose buffer hides the fast path (the PEP calls only) when `plain`. */
    const open = async (plain: boolean): Promise<[TLSSocket, TLSSocket]> => {
      const buffer = clientContext().createBuffer('localhost');
      const hidden = new Set<PropertyKey>(['readAvailable', 'takeIncoming', 'takeOutgoing']);
      const seen = plain
        ? (new Proxy(buffer, {
            get: (target, key) => {
              if (hidden.has(key)) return undefined;
              const value = Reflect.get(target, key, target) as unknown;
              return typeof value === 'function' ? value.bind(target) : value;
            },
            has: (target, key) => !hidden.has(key) && key in target,
          }) as TLSBuffer)
        : buffer;
      const tcp = connect({ host: '127.0.0.1', port });
      await once(tcp, 'connect');
      const [client, [server]] = await Promise.all([BufferSocket.open(seen, tcp), listener.accept()]);
      return [client, server];
    };
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }),
          async (sizes, recvSizes) => {
            const data = plaintext(sizes);
            for (const plain of [true, false]) {
              const [client, server] = await open(plain);
              try {
                // Server to client: the client's read path is the one compared.
                const sending = (async () => {
                  let offset = 0;
                  for (const size of sizes) await server.send(data.subarray(offset, (offset += size)));
                  await server.close();
                })();
                const parts: Uint8Array[] = [];
                for (let turn = 0; ; turn++) {
                  const chunk = await client.recv(recvSizes[turn % recvSizes.length]!);
                  if (chunk.length === 0) break;
                  parts.push(Uint8Array.from(chunk));
                }
                await client.close();
                await sending;
                expect(Buffer.concat(parts).equals(data)).toBe(true);
              } finally {
                await Promise.all([client.close(true), server.close(true)]);
              }
            }
          },
        ),
        { numRuns: 10 },
      );
    } finally {
      await listener.close();
    }
  }, 120_000);
});
