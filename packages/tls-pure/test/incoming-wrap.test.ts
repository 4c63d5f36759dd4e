/**
 * Received ciphertext in the ring (record/incoming-bytes.ts) across the ring's end: a stream fed
 * through copyIncoming in pieces that never let the ring drain, so its records wrap round the
 * 128 KiB ring; one of them straddles the end and is joined. Every byte that crosses gives the
 * plaintext sent; a corrupted byte on either side of the wrap, or in the header of the record that
 * straddles it, gives the plaintext of the records before it and then a TLSError (bad_record_mac for
 * a payload byte), never wrong plaintext. TLS 1.3 and 1.2, AES-GCM and ChaCha20-Poly1305, @noble.
 */
import { describe, expect, it } from 'vitest';
import { READ_EOF, READ_WANT_READ, TLSError } from '@unitls/tls-core';
import { PATTERN } from '../../../tests/support/read-path-properties.js';
import { NamedGroup, nobleCryptoProvider, PureBuffer, PureClientContext, PureServerContext, type PureContextOptions } from '../src/mod.js';
import { INCOMING_BLOCK } from '../src/record/incoming-bytes.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();

interface Setup {
  label: string;
  tls12: boolean;
  suite: number;
  options: PureContextOptions;
}

const SETUPS: Setup[] = [
  { label: 'TLS 1.3, AES-128-GCM', tls12: false, suite: 0x1301, options: {} },
  { label: 'TLS 1.3, ChaCha20-Poly1305', tls12: false, suite: 0x1303, options: {} },
  { label: 'TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256', tls12: true, suite: 0xc02b, options: {} },
  { label: 'TLS 1.2, ECDHE-ECDSA-CHACHA20-POLY1305', tls12: true, suite: 0xcca9, options: {} },
  { label: 'TLS 1.3, ChaCha20-Poly1305, @noble', tls12: false, suite: 0x1303, options: { provider: nobleCryptoProvider } },
];

function pair(s: Setup): { client: PureBuffer; server: PureBuffer } {
  const versions = { ...(s.tls12 ? { highestSupportedVersion: 'TLSv1.2' as const } : {}), ciphers: [s.suite] };
  const options = { groups: [NamedGroup.x25519], ...s.options };
  const client = new PureClientContext(clientConfiguration(pki, versions), options).createBuffer('localhost');
  const server = new PureServerContext(serverConfiguration(pki, versions), options).createBuffer();
  handshake(client, server);
  pump(server, client);
  expect(client.cipher()).toBe(s.suite);
  return { client, server };
}

/**
 * 20 records of PATTERN (about 200 KiB of ciphertext), the first of `first` bytes and the others of
 * 9,999, and where each record starts in the stream.
 */
function records(client: PureBuffer, first = 9_999): { stream: Buffer; starts: number[]; plain: Buffer } {
  const parts: Buffer[] = [];
  const starts: number[] = [];
  let at = 0;
  for (let i = 0, offset = 0; i < 20; i++) {
    const size = i === 0 ? first : 9_999;
    client.write(PATTERN.subarray(offset, offset + size));
    offset += size;
    const record = Buffer.from(client.processOutgoing(1 << 20));
    starts.push(at);
    at += record.length;
    parts.push(record);
  }
  return { stream: Buffer.concat(parts), starts, plain: PATTERN.subarray(0, first + 19 * 9_999) };
}

/**
 * Feeds `stream` with copyIncoming in pieces of 7,001 bytes, reading what is ready after each
 * (the pieces never end on a record boundary near the wrap, so the ring never drains and wraps).
 * Returns the plaintext read and the error that ended it, if any.
 */
function feed(server: PureBuffer, stream: Buffer): { read: Buffer; error: unknown } {
  const out: Buffer[] = [];
  const target = new Uint8Array(1 << 20);
  try {
    for (let offset = 0; offset < stream.length; offset += 7_001) {
      const piece = Buffer.from(stream.subarray(offset, offset + 7_001));
      expect(server.copyIncoming(piece)).toBe(piece.length);
      piece.fill(0xee); // the caller's memory is reused: the ring must hold its own copy
      for (;;) {
        const n = server.readAvailable(target);
        if (n === READ_WANT_READ || n === READ_EOF) break;
        out.push(Buffer.from(target.subarray(0, n)));
      }
    }
  } catch (error) {
    return { read: Buffer.concat(out), error };
  }
  return { read: Buffer.concat(out), error: null };
}

describe.each(SETUPS)('ciphertext across the incoming ring end, $label', (s) => {
  it('every byte comes through a record straddling the ring end', () => {
    const { client, server } = pair(s);
    const { stream, plain } = records(client);
    expect(stream.length).toBeGreaterThan(INCOMING_BLOCK + 20_000);
    const { read, error } = feed(server, stream);
    expect(error).toBeNull();
    expect(read.equals(plain)).toBe(true);
  });

  /** Corrupts each of `positions` in turn (fresh connections): the records before, then a TLSError. */
  function corrupt(first: number, positions: (start: number) => number[], straddle: (start: number) => void): void {
    const { stream, starts } = records(pair(s).client, first);
    const straddling = starts.filter((start) => start < INCOMING_BLOCK).length - 1;
    const start = starts[straddling]!;
    // It straddles the ring end (the ring starts at stream offset 0 and never drains: no piece
    // ends where a record does).
    expect(starts[straddling + 1]!).toBeGreaterThan(INCOMING_BLOCK);
    straddle(start);
    for (let end = 7_001; end < stream.length; end += 7_001) expect(starts).not.toContain(end);
    const before = first + (straddling - 1) * 9_999;
    for (const position of positions(start)) {
      const { client, server } = pair(s);
      const fresh = records(client, first);
      expect(fresh.starts).toEqual(starts);
      const { read, error } = feed(server, fresh.stream);
      expect(error).toBeNull();
      expect(read.equals(fresh.plain)).toBe(true);
      const { client: client2, server: server2 } = pair(s);
      const bad = Buffer.from(records(client2, first).stream);
      bad[position]! ^= 0x01;
      const outcome = feed(server2, bad);
      // The records before the corrupted one, exactly; nothing of it or after it.
      expect(outcome.read.equals(fresh.plain.subarray(0, before)), `position ${position}`).toBe(true);
      expect(outcome.error, `position ${position}`).toBeInstanceOf(TLSError);
      if (position >= start + 5) expect(String(outcome.error)).toMatch(/bad_record_mac/);
      // TLS 1.2's version is authenticated as 3,3 (protection12.ts): another is refused, not read
      // as authentic (it was, with the plaintext sent: found by this test).
      if (s.tls12 && position === start + 2) expect(String(outcome.error)).toMatch(/protocol_version/);
    }
  }

  it('a corrupted payload byte on either side of the wrap never gives wrong plaintext: bad_record_mac', () => {
    corrupt(9_999, () => [INCOMING_BLOCK - 1, INCOMING_BLOCK, INCOMING_BLOCK + 1], (start) => expect(start + 5).toBeLessThan(INCOMING_BLOCK - 1));
  });

  it('a record whose header straddles the wrap: its bytes come through; a corrupted header byte fails it', () => {
    // The 13th record starts 2 bytes before the ring end: its header is cut after its version's first byte.
    const size = records(pair(s).client).starts[1]!; // one 9,999-byte record's ciphertext
    const first = INCOMING_BLOCK - 2 - 12 * size - (size - 9_999);
    corrupt(first, (start) => [start, start + 1, start + 2, start + 3, start + 4, start + 5], (start) => expect(start).toBe(INCOMING_BLOCK - 2));
  });
});
