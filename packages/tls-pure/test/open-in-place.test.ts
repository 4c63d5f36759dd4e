/**
 * Issue #17 (pure-aead lead 1): with an AEAD that has openInto (tls-openssl's, opt-in), the fast
 * read path (PureBuffer.readAvailable, which TLSSocket.recvInto and the socket's read-ahead use)
 * decrypts each record that fits in the caller's room in place, in the incoming memory, and copies
 * its content out at once: a received record then costs no ArrayBuffer memory (open() returned a
 * fresh record's worth each). Post-handshake messages read on that path (KeyUpdate, close_notify)
 * still work, and a record whose plaintext does not fit or a TLS 1.2 record take the fresh-memory
 * path as before. node:crypto's AEAD has an openInto too since session 11 (it copies its fresh
 * output in and frees it: test/release-memory.test.ts). The byte-for-byte equality with the PEP path
 * for random splits is read-path.property.test.ts's (its OpenSSL AEAD setups).
 */
import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
import { READ_EOF, READ_WANT_READ, WantReadError } from '@unitls/tls-core';
import { describe, expect, it } from 'vitest';
import { NamedGroup, nodeCryptoProvider, PureClientContext, PureServerContext, type PureBuffer, type PureContextOptions } from '../src/mod.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const RECORD = 16_384;
const data = Buffer.alloc(64 * RECORD);
for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 14)) & 0xff;

function pair(options: PureContextOptions, tls12 = false): { client: PureBuffer; server: PureBuffer } {
  const versions = tls12 ? { highestSupportedVersion: 'TLSv1.2' as const } : {};
  const both = { groups: [NamedGroup.x25519], ...options };
  const client = new PureClientContext(clientConfiguration(pki, versions), both).createBuffer('localhost');
  const server = new PureServerContext(serverConfiguration(pki, versions), both).createBuffer();
  handshake(client, server);
  pump(server, client); // session tickets
  return { client, server };
}

/** Sends `bytes` from `from` and reads them on `to` with readAvailable into one reused target; returns what arrived and the ArrayBuffer bytes allocated meanwhile. */
function readAll(from: PureBuffer, to: PureBuffer, bytes: Uint8Array, targetSize: number): { received: Buffer; arrayBuffers: number } {
  const target = new Uint8Array(targetSize);
  const received: Buffer[] = [];
  // Encrypted first, so the figure below counts the reading side only.
  const stream: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4 * RECORD) {
    from.write(bytes.subarray(offset, offset + 4 * RECORD));
    stream.push(from.processOutgoing(1 << 20));
  }
  const kept = Buffer.alloc(bytes.length);
  let filled = 0;
  const before = process.memoryUsage().arrayBuffers;
  for (const chunk of stream) {
    to.copyIncoming(chunk);
    for (let count = to.readAvailable(target); count > 0; count = to.readAvailable(target)) {
      kept.set(target.subarray(0, count), filled);
      filled += count;
    }
  }
  const arrayBuffers = process.memoryUsage().arrayBuffers - before;
  received.push(kept.subarray(0, filled));
  return { received: Buffer.concat(received), arrayBuffers };
}

const OPENSSL_AEAD = { provider: withOpenSSLAead(nodeCryptoProvider) };

describe('records opened in place on the fast read path', () => {
  it('read 64 records of 16 KiB with no ArrayBuffer memory (the OpenSSL AEAD); node:crypto reads the same bytes', () => {
    const fast = pair(OPENSSL_AEAD);
    readAll(fast.client, fast.server, data.subarray(0, 8 * RECORD), 64 * 1024); // the incoming memory's pooled rings, once per process
    const { received, arrayBuffers } = readAll(fast.client, fast.server, data, 64 * 1024);
    expect(received.equals(data)).toBe(true);
    // A garbage collection in between could only lower it; open() into fresh memory took ~1 MiB (64 x 16 KiB).
    expect(arrayBuffers).toBeLessThan(RECORD);
    const fresh = pair({});
    const reference = readAll(fresh.client, fresh.server, data, 64 * 1024);
    expect(reference.received.equals(data)).toBe(true);
  });

  it('take a record whose plaintext does not fit the room left through fresh memory, in order', () => {
    const { client, server } = pair(OPENSSL_AEAD);
    // 1000-byte target: every 16 KiB record is too big to open in place there.
    const { received } = readAll(client, server, data.subarray(0, 8 * RECORD), 1000);
    expect(received.equals(data.subarray(0, 8 * RECORD))).toBe(true);
  });

  it('read a KeyUpdate (answered, both ways) and a close_notify arriving among the records, as before', () => {
    const { client, server } = pair(OPENSSL_AEAD);
    client.write(data.subarray(0, 100));
    client.keyUpdate(true);
    client.write(data.subarray(100, 300));
    server.copyIncoming(client.processOutgoing(1 << 20));
    const target = new Uint8Array(64 * 1024);
    expect(server.readAvailable(target)).toBe(300);
    expect(Buffer.from(target.subarray(0, 300)).equals(data.subarray(0, 300))).toBe(true);
    expect(server.readAvailable(target)).toBe(READ_WANT_READ);
    // The server's own KeyUpdate went out before its data; the client reads both on this path.
    expect(server.outgoingBytesBuffered()).toBeGreaterThan(0);
    server.write(data.subarray(300, 350));
    client.copyIncoming(server.processOutgoing(1 << 20));
    expect(client.readAvailable(target)).toBe(50);
    expect(Buffer.from(target.subarray(0, 50)).equals(data.subarray(300, 350))).toBe(true);
    client.write(data.subarray(350, 400));
    expect(() => client.shutdown()).toThrow(WantReadError); // close_notify queued, the peer's awaited
    server.copyIncoming(client.processOutgoing(1 << 20));
    expect(server.readAvailable(target)).toBe(50);
    expect(server.readAvailable(target)).toBe(READ_EOF);
  });

  it('leave TLS 1.2 records to the fresh-memory path (the same bytes)', () => {
    const { client, server } = pair(OPENSSL_AEAD, true);
    const { received } = readAll(client, server, data.subarray(0, 8 * RECORD), 64 * 1024);
    expect(received.equals(data.subarray(0, 8 * RECORD))).toBe(true);
    expect(server.readAvailable(new Uint8Array(10))).toBe(READ_WANT_READ);
  });
});

describe('the caller memory past the count (session 13)', () => {
  it('is left untouched by a forged record: bad_record_mac, nothing read', () => {
    const { client, server } = pair({});
    client.write(data.subarray(0, 100));
    const record = client.processOutgoing(1 << 20);
    record[record.length - 1]! ^= 1;
    server.copyIncoming(record);
    const into = new Uint8Array(1000).fill(0xee);
    expect(() => server.readAvailable(into)).toThrow(/bad_record_mac/);
    expect(into.every((b) => b === 0xee)).toBe(true);
  });
});
