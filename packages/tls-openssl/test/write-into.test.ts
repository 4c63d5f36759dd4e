/**
 * Issue #16: writeInto (BufferSocket's send path for tls-openssl) encrypts straight into the
 * caller's memory. What it places there, followed by what stays queued when the memory is too
 * small, is the same ciphertext stream write + processOutgoing gives; and it takes nothing (-1)
 * when it cannot take all (output already waiting, more than OUTGOING_BUFFER_LIMIT).
 */
import { describe, expect, it } from 'vitest';
import { WantReadError, type TLSBuffer, type TLSBufferFastPath } from '@unitls/tls-core';
import { OUTGOING_BUFFER_LIMIT } from '../src/mod.js';
import { connectedPair } from './fixtures.js';

type Fast = TLSBuffer & TLSBufferFastPath;

const DATA = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 13 + (i >> 9)) & 0xff));

function readAll(server: TLSBuffer, ciphertext: Uint8Array): Buffer {
  server.processIncoming(ciphertext);
  const out: Uint8Array[] = [];
  for (;;) {
    try {
      out.push(Uint8Array.from(server.read(1 << 20) as Uint8Array));
    } catch (error) {
      if (error instanceof WantReadError) return Buffer.concat(out);
      throw error;
    }
  }
}

describe('OpenSSLBuffer.writeInto', () => {
  it('places every record in the target when they fit, leaving nothing queued', () => {
    const { client, server } = connectedPair() as { client: Fast; server: Fast };
    const target = new Uint8Array(DATA.length + 1024);
    const placed = client.writeInto!(DATA, target);
    expect(placed).toBeGreaterThan(DATA.length);
    expect(client.outgoingBytesBuffered()).toBe(0);
    expect(readAll(server, target.subarray(0, placed)).equals(DATA)).toBe(true);
  });

  it.each([1, 100, 16_405, 50_000])('with a target of %i bytes: the rest stays queued, after it, in order', (size) => {
    const { client, server } = connectedPair() as { client: Fast; server: Fast };
    const target = new Uint8Array(size);
    const placed = client.writeInto!(DATA, target);
    expect(placed).toBe(size);
    const rest = client.processOutgoing(client.outgoingBytesBuffered());
    expect(client.outgoingBytesBuffered()).toBe(0);
    expect(readAll(server, Buffer.concat([target, rest])).equals(DATA)).toBe(true);
  });

  it('takes nothing (-1) while output waits for processOutgoing, or for more than OUTGOING_BUFFER_LIMIT', () => {
    const { client, server } = connectedPair() as { client: Fast; server: Fast };
    client.write(DATA.subarray(0, 10));
    const waiting = client.outgoingBytesBuffered();
    expect(client.writeInto!(DATA, new Uint8Array(200_000))).toBe(-1);
    expect(client.outgoingBytesBuffered()).toBe(waiting);
    expect(client.writeInto!(new Uint8Array(OUTGOING_BUFFER_LIMIT + 1), new Uint8Array(300_000))).toBe(-1);
    expect(client.outgoingBytesBuffered()).toBe(waiting);
    expect(readAll(server, client.processOutgoing(waiting)).equals(DATA.subarray(0, 10))).toBe(true);
  });
});
