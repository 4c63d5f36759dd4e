/**
 * Issue #17 (session 11): node:crypto's fresh output, once copied where it belongs, is freed at once
 * (crypto/release.ts) so that V8 never counts it: a sending tls-pure process then makes no "external
 * memory pressure" scavenges and so none of the mark-compacts that followed each (bench/RESULTS.md,
 * session 11). releaseMemory detaches a whole, large, non-shared buffer and leaves anything else
 * alone (a slice of a pool or of larger memory, a small buffer, shared memory); records sealed by the
 * node:crypto provider's sealInto (the path writeInto and TLSSocket's sends take) leave no ArrayBuffer
 * memory behind, and the bytes that went out are still the right ones (the peer reads them back).
 * Receiving: the node:crypto provider's openInto (authenticate, copy in, free) keeps the contract
 * (at an offset, in place, a flipped bit gives -1 with no plaintext written, a target too small a
 * RangeError), and records read with readAvailable (TLSSocket.recvInto) leave no memory behind either.
 */
import { describe, expect, it } from 'vitest';
import { releaseMemory } from '../src/crypto/release.js';
import { NamedGroup, nodeCryptoProvider, PureClientContext, PureServerContext, type PureBuffer } from '../src/mod.js';
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

const pki = await testPki();

function pair(): { client: PureBuffer; server: PureBuffer } {
  const both = { groups: [NamedGroup.x25519] };
  const client = new PureClientContext(clientConfiguration(pki), both).createBuffer('localhost');
  const server = new PureServerContext(serverConfiguration(pki), both).createBuffer();
  handshake(client, server);
  pump(server, client); // session tickets
  return { client, server };
}

describe('records sealed with node:crypto', () => {
  it('leave no ArrayBuffer memory behind (64 records of 16 KiB through writeInto), and arrive intact', () => {
    const { client, server } = pair();
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

describe('records opened with node:crypto', () => {
  const aead = nodeCryptoProvider.aead('aes-128-gcm', new Uint8Array(16).fill(7));
  const nonce = new Uint8Array(12).fill(1);
  const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);
  const plaintext = new Uint8Array(RECORD + 1).map((_, i) => (i * 7) & 0xff);
  const sealed = aead.seal(nonce, aad, plaintext);

  it('openInto writes what open returns, at an offset or in place', () => {
    const target = new Uint8Array(RECORD + 100).fill(0xee);
    expect(aead.openInto!(nonce, aad, sealed, target, 50)).toBe(plaintext.length);
    expect(Buffer.from(target.subarray(50, 50 + plaintext.length)).equals(plaintext)).toBe(true);
    expect(target.subarray(0, 50).every((b) => b === 0xee) && target.subarray(50 + plaintext.length).every((b) => b === 0xee)).toBe(true);
    const inPlace = Uint8Array.from(sealed);
    expect(aead.openInto!(nonce, aad, inPlace, inPlace, 0)).toBe(plaintext.length);
    expect(Buffer.from(inPlace.subarray(0, plaintext.length)).equals(plaintext)).toBe(true);
  });

  it('openInto gives -1 for a flipped bit, with no plaintext written, and refuses a target too small', () => {
    const forged = Uint8Array.from(sealed);
    forged[100]! ^= 1;
    const target = new Uint8Array(RECORD + 1).fill(0xee);
    expect(aead.openInto!(nonce, aad, forged, target, 0)).toBe(-1);
    expect(target.every((b) => b === 0xee)).toBe(true);
    expect(aead.openInto!(nonce, aad, forged, forged, 0)).toBe(-1);
    expect(Buffer.from(forged.subarray(0, 100)).equals(Buffer.from(sealed.subarray(0, 100)))).toBe(true);
    expect(() => aead.openInto!(nonce, aad, sealed, new Uint8Array(RECORD), 0)).toThrow(RangeError);
    expect(() => aead.openInto!(nonce, aad, sealed, target, 1)).toThrow(RangeError);
    expect(target.every((b) => b === 0xee)).toBe(true);
  });

  it('records read with readAvailable leave no ArrayBuffer memory behind (64 records of 16 KiB), in order', () => {
    const { client, server } = pair();
    const data = Buffer.alloc(72 * RECORD); // 8 to warm up, 64 measured
    for (let i = 0; i < data.length; i++) data[i] = (i * 17 + (i >> 13)) & 0xff;
    client.write(data);
    const stream = client.processOutgoing(1 << 22);
    const target = new Uint8Array(64 * 1024);
    const received = Buffer.alloc(data.length);
    let got = 0;
    const read = (bytes: Uint8Array) => {
      server.copyIncoming(bytes);
      for (let count = server.readAvailable(target); count > 0; count = server.readAvailable(target)) {
        received.set(target.subarray(0, count), got);
        got += count;
      }
    };
    const warm = 8 * (RECORD + 22); // the incoming memory's pooled rings, once per process: the same reads
    for (let offset = 0; offset < warm; offset += 4 * RECORD) read(stream.subarray(offset, Math.min(warm, offset + 4 * RECORD)));
    const before = process.memoryUsage().arrayBuffers;
    for (let offset = warm; offset < stream.length; offset += 4 * RECORD) read(stream.subarray(offset, offset + 4 * RECORD));
    const arrayBuffers = process.memoryUsage().arrayBuffers - before;
    expect(got).toBe(data.length);
    expect(received.equals(data)).toBe(true);
    // open() into fresh memory left ~16 KiB a record (~1 MiB); a garbage collection could only lower it.
    expect(arrayBuffers / 64).toBeLessThan(2048);
  });
});
