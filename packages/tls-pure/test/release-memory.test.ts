/**
 * Issue #17 (session 11): node:crypto's fresh output, once copied where it belongs, is freed at once
 * (crypto/release.ts) so that V8 never counts it: a sending tls-pure process then makes no "external
 * memory pressure" scavenges and so none of the mark-compacts that followed each (bench/RESULTS.md,
 * session 11). releaseMemory detaches a whole, large, non-shared buffer and leaves anything else
 * alone (a slice of a pool or of larger memory, a small buffer, shared memory); records sealed by the
 * node:crypto provider's sealInto (the path writeInto and TLSSocket's sends take) leave no ArrayBuffer
 * memory behind, and the bytes that went out are still the right ones (the peer reads them back).
 */
import { describe, expect, it } from 'vitest';
import { releaseMemory } from '../src/crypto/release.js';
import { NamedGroup, PureClientContext, PureServerContext, type PureBuffer } from '../src/mod.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const RECORD = 16_384;

describe('releaseMemory', () => {
  it('detaches a whole fresh buffer: its memory leaves the count V8 keeps, at once', () => {
    const bytes = new Uint8Array(new ArrayBuffer(4 * RECORD));
    const before = process.memoryUsage().arrayBuffers;
    releaseMemory(bytes);
    expect(bytes.buffer.byteLength).toBe(0);
    expect(bytes.length).toBe(0);
    // A garbage collection in between could only lower it further.
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(4 * RECORD);
  });

  it('leaves a part of larger memory, a small buffer, a pooled Buffer and shared memory as they were', () => {
    const larger = new Uint8Array(4 * RECORD).fill(1);
    const part = larger.subarray(RECORD, 3 * RECORD);
    const small = new Uint8Array(100).fill(2);
    const pooled = Buffer.from('pooled bytes, a slice of the shared pool of Node');
    const shared = new Uint8Array(new SharedArrayBuffer(RECORD)).fill(3);
    for (const bytes of [part, small, pooled, shared]) releaseMemory(bytes);
    expect(larger.buffer.byteLength).toBe(4 * RECORD);
    expect(part.every((b) => b === 1)).toBe(true);
    expect(small.every((b) => b === 2)).toBe(true);
    expect(pooled.toString()).toBe('pooled bytes, a slice of the shared pool of Node');
    expect(shared.length).toBe(RECORD);
    expect(shared.every((b) => b === 3)).toBe(true);
  });
});

describe('records sealed with node:crypto', () => {
  it('leave no ArrayBuffer memory behind (64 records of 16 KiB through writeInto), and arrive intact', async () => {
    const pki = await testPki();
    const both = { groups: [NamedGroup.x25519] };
    const client: PureBuffer = new PureClientContext(clientConfiguration(pki), both).createBuffer('localhost');
    const server: PureBuffer = new PureServerContext(serverConfiguration(pki), both).createBuffer();
    handshake(client, server);
    pump(server, client); // session tickets
    const data = Buffer.alloc(64 * RECORD);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 12)) & 0xff;
    const stream = new Uint8Array(data.length + 4 * RECORD + 68 * 64); // + 17 bytes of overhead a record
    const send = (bytes: Uint8Array, at: number) => {
      let filled = at;
      for (let offset = 0; offset < bytes.length; offset += 4 * RECORD) {
        const placed = client.writeInto(bytes.subarray(offset, offset + 4 * RECORD), stream.subarray(filled));
        expect(placed).toBeGreaterThan(0);
        filled += placed;
        expect(client.outgoingBytesBuffered()).toBe(0);
      }
      return filled;
    };
    const warm = send(data.subarray(0, 4 * RECORD), 0); // first-use allocations, once per process
    const before = process.memoryUsage().arrayBuffers;
    const end = send(data, warm);
    const arrayBuffers = process.memoryUsage().arrayBuffers - before;
    // Without the release each record left its 16,385-byte ciphertext: ~17 KiB a record, ~1 MiB in all.
    // What stays is small memory (tags, nonces: ~1 KiB a record); a garbage collection in between could
    // only lower the figure.
    expect(arrayBuffers / 64).toBeLessThan(2048);

    server.copyIncoming(stream.subarray(0, end));
    const received = new Uint8Array(data.length + 4 * RECORD);
    let got = 0;
    for (let count = server.readAvailable(received.subarray(got)); count > 0; count = server.readAvailable(received.subarray(got))) got += count;
    expect(got).toBe(4 * RECORD + data.length);
    expect(Buffer.from(received.subarray(0, 4 * RECORD)).equals(data.subarray(0, 4 * RECORD))).toBe(true);
    expect(Buffer.from(received.subarray(4 * RECORD)).equals(data)).toBe(true);
  });
});
