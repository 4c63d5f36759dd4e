/**
 * Issue #16's rule for every data-path optimisation (issue #17 performance work): the fast path
 * BufferSocket uses (ciphertext taken by reference, every decryptable record read at once into the
 * caller's memory with a status instead of WantReadError, output copied into the caller's memory)
 * returns exactly the bytes of the PEP path (processIncoming copies, one record per read,
 * WantReadError, processOutgoing) for any record sizes and any way the network splits the stream,
 * with either provider, TLS 1.3 and 1.2, padded and size-limited records; a TLSSocket returns the
 * same bytes whether its buffer offers the fast path or not; and records sealed in pieces (the
 * provider's sealParts) are byte for byte the records sealed whole. The two properties shared with
 * tls-openssl (fast path == PEP path, a TLSSocket on either) are tests/support/read-path-properties.ts.
 */
import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaggedEOF, READ_EOF, READ_WANT_READ, WantReadError } from '@unitls/tls-core';
import { assertCopyPathsMatchPep, assertFastReadMatchesPep, assertSocketReadsMatch, PATTERN } from '../../../tests/support/read-path-properties.js';
import { ContentType } from '../src/codec/constants.js';
import { DEFAULT_LIMITS, NamedGroup, nobleCryptoProvider, nodeCryptoProvider, PureBuffer, PureClientContext, PureServerContext, type CryptoProvider, type PureContextOptions } from '../src/mod.js';
import { RecordProtection } from '../src/record/protection.js';
import { RecordProtection12 } from '../src/record/protection12.js';
import { TLS12_SUITES } from '../src/crypto/schemes.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();

interface Setup {
  label: string;
  client: PureClientContext;
  server: PureServerContext;
  /** The one suite offered, when the setup names one. */
  suite?: number;
}

function setup(label: string, options: PureContextOptions, tls12 = false, ciphers?: number[]): Setup {
  const versions = { ...(tls12 ? { highestSupportedVersion: 'TLSv1.2' as const } : {}), ...(ciphers === undefined ? {} : { ciphers }) };
  // X25519 alone: the data path does not depend on the group, and each run makes two handshakes.
  const both = { groups: [NamedGroup.x25519], ...options };
  return {
    label,
    client: new PureClientContext(clientConfiguration(pki, versions), both),
    server: new PureServerContext(serverConfiguration(pki, versions), both),
    ...(ciphers === undefined ? {} : { suite: ciphers[0]! }),
  };
}

const SETUPS: Setup[] = [
  setup('TLS 1.3, node:crypto', {}),
  setup('TLS 1.3, node:crypto, padded records of at most 1000 bytes', { recordPadding: 37, recordSizeLimit: 1000 }),
  setup('TLS 1.2, node:crypto', {}, true),
  setup('TLS 1.3, @noble', { provider: nobleCryptoProvider }),
  // readAvailable decrypts each record that fits in place (the AEAD's openInto): the same bytes.
  setup('TLS 1.3, OpenSSL AEAD (records opened in place)', { provider: withOpenSSLAead(nodeCryptoProvider) }),
  setup('TLS 1.3, OpenSSL AEAD, padded records of at most 1000 bytes', { provider: withOpenSSLAead(nodeCryptoProvider), recordPadding: 37, recordSizeLimit: 1000 }),
];

function connectedPair(s: Setup): { client: PureBuffer; server: PureBuffer } {
  const client = s.client.createBuffer('localhost');
  const server = s.server.createBuffer();
  handshake(client, server);
  pump(server, client); // session tickets
  return { client, server };
}

describe.each(SETUPS)('the fast data path, $label', (s) => {
  it('returns the same bytes as the PEP path for random record sizes, splits and read sizes (fast-check)', () => {
    // Output taken with takeOutgoing in random pieces too (tls-pure's fast output path).
    assertFastReadMatchesPep({ pair: () => connectedPair(s), takeOutgoing: true, maxWrites: 6, numRuns: s.label.includes('noble') ? 15 : 50 });
  }, 120_000);

  it('returns the bytes before a corrupted record first, then fails as the PEP path does', () => {
    const pep = connectedPair(s);
    const fast = connectedPair(s);
    const streams = [pep, fast].map(({ client }) => {
      // 500 bytes: one record in every setup (the size-limited one holds 962).
      client.write(PATTERN.subarray(0, 500));
      const good = Uint8Array.from(client.processOutgoing(1 << 20));
      client.write(PATTERN.subarray(500, 1000));
      const bad = Uint8Array.from(client.processOutgoing(1 << 20));
      bad[bad.length - 1]! ^= 1;
      return Buffer.concat([good, bad]);
    });
    pep.server.processIncoming(streams[0]!);
    expect(Buffer.from(pep.server.read(5000) as Uint8Array).equals(PATTERN.subarray(0, 500))).toBe(true);
    expect(() => pep.server.read(5000)).toThrow(/bad_record_mac/);
    expect(fast.server.takeIncoming(streams[1]!)).toBe(true);
    const target = new Uint8Array(5000);
    expect(fast.server.readAvailable(target)).toBe(500);
    expect(Buffer.from(target.subarray(0, 500)).equals(PATTERN.subarray(0, 500))).toBe(true);
    expect(() => fast.server.readAvailable(target)).toThrow(/bad_record_mac/);
    // Both queued the same alert for the peer.
    expect(fast.server.outgoingBytesBuffered()).toBe(pep.server.outgoingBytesBuffered());
  });
});

/** The copy paths per version and AEAD (AES-GCM and ChaCha20-Poly1305 on each version; padding and a size limit once). */
const COPY_SETUPS: Setup[] = [
  setup('TLS 1.3, AES-128-GCM', {}, false, [0x1301]),
  setup('TLS 1.3, ChaCha20-Poly1305', {}, false, [0x1303]),
  setup('TLS 1.3, AES-256-GCM, padded records of at most 1000 bytes', { recordPadding: 37, recordSizeLimit: 1000 }, false, [0x1302]),
  setup('TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256', {}, true, [0xc02b]),
  setup('TLS 1.2, ECDHE-ECDSA-CHACHA20-POLY1305', {}, true, [0xcca9]),
  setup('TLS 1.3, ChaCha20-Poly1305, @noble', { provider: nobleCryptoProvider }, false, [0x1303]),
];

describe.each(COPY_SETUPS)('the copy paths (writeInto, copyIncoming), $label', (s) => {
  it('negotiate the suite under test', () => {
    const { client } = connectedPair(s);
    expect(client.cipher()).toBe(s.suite);
  });

  it('carry exactly the bytes of the PEP path for any write, target and split sizes (fast-check)', () => {
    assertCopyPathsMatchPep({ pair: () => connectedPair(s), maxWrites: 5, numRuns: s.label.includes('noble') ? 5 : 15 });
  }, 180_000);

  it('give the bytes before a corrupted record, then bad_record_mac and its alert, as the PEP path does', () => {
    const pep = connectedPair(s);
    const fast = connectedPair(s);
    const streams = [pep, fast].map(({ client }) => {
      client.write(PATTERN.subarray(0, 500));
      const good = Uint8Array.from(client.processOutgoing(1 << 20));
      const target = new Uint8Array(2000);
      const bad = target.subarray(0, client.writeInto(PATTERN.subarray(500, 1000), target));
      bad[bad.length - 1]! ^= 1;
      return Buffer.concat([good, bad]);
    });
    pep.server.processIncoming(streams[0]!);
    expect(Buffer.from(pep.server.read(5000) as Uint8Array).equals(PATTERN.subarray(0, 500))).toBe(true);
    expect(() => pep.server.read(5000)).toThrow(/bad_record_mac/);
    expect(fast.server.copyIncoming(streams[1]!)).toBe(streams[1]!.length);
    const target = new Uint8Array(5000);
    expect(fast.server.readAvailable(target)).toBe(500);
    expect(Buffer.from(target.subarray(0, 500)).equals(PATTERN.subarray(0, 500))).toBe(true);
    expect(() => fast.server.readAvailable(target)).toThrow(/bad_record_mac/);
    expect(() => fast.server.readAvailable(target)).toThrow(/bad_record_mac/); // sticky
    // The same alert (bad_record_mac, encrypted) queued for the peer, and nothing more is taken.
    expect(fast.server.outgoingBytesBuffered()).toBe(pep.server.outgoingBytesBuffered());
    expect(fast.server.outgoingBytesBuffered()).toBeGreaterThan(0);
    expect(fast.server.writeInto(PATTERN.subarray(0, 10), new Uint8Array(100))).toBe(-1);
    // readOwned: the same bytes first, then the same sticky failure.
    const owned = connectedPair(s);
    owned.client.write(PATTERN.subarray(0, 500));
    const good = Uint8Array.from(owned.client.processOutgoing(1 << 20));
    owned.client.write(PATTERN.subarray(500, 1000));
    const bad = Uint8Array.from(owned.client.processOutgoing(1 << 20));
    bad[10]! ^= 1;
    expect(owned.server.copyIncoming(Buffer.concat([good, bad]))).toBe(good.length + bad.length);
    expect(Buffer.from(owned.server.readOwned(5000) as Uint8Array).equals(PATTERN.subarray(0, 500))).toBe(true);
    expect(() => owned.server.readOwned(5000)).toThrow(/bad_record_mac/);
    expect(() => owned.server.readOwned(5000)).toThrow(/bad_record_mac/);
    expect(owned.server.outgoingBytesBuffered()).toBe(pep.server.outgoingBytesBuffered());
  });
});

describe('the fast data path at the edges', () => {
  it('reports READ_EOF after close_notify, and takeIncoming refuses what would pass the incoming limit', () => {
    const { client, server } = connectedPair(SETUPS[0]!);
    expect(server.takeIncoming(new Uint8Array(DEFAULT_LIMITS.maxIncomingBytes + 1))).toBe(false);
    expect(server.incomingBytesBuffered()).toBe(0);
    client.write(PATTERN.subarray(0, 10));
    expect(() => client.shutdown()).toThrow(WantReadError); // close_notify queued, the peer's awaited
    const stream = client.processOutgoing(1 << 20);
    expect(stream.length).toBeLessThanOrEqual(100);
    expect(server.takeIncoming(Buffer.from(stream))).toBe(true);
    const target = new Uint8Array(100);
    expect(server.readAvailable(target)).toBe(10);
    expect(server.readAvailable(target)).toBe(READ_EOF);
    expect(server.readOwned(100)).toBe(READ_EOF);
  });

  it('readOwned hands over at most max bytes of one record, keeps the rest for the next call, and reports RaggedEOF', () => {
    const { client, server } = connectedPair(SETUPS[0]!);
    client.write(PATTERN.subarray(0, 20_000)); // two records: 16,384 and 3,616 bytes
    server.copyIncoming(client.processOutgoing(1 << 20));
    const first = server.readOwned(1000) as Uint8Array;
    const second = server.readOwned(1 << 20) as Uint8Array;
    const third = server.readOwned(1 << 20) as Uint8Array;
    expect([first.length, second.length, third.length]).toEqual([1000, 15_384, 3616]);
    expect(server.readOwned(100)).toBe(READ_WANT_READ);
    expect(Buffer.concat([first, second, third]).equals(PATTERN.subarray(0, 20_000))).toBe(true);
    server.processIncoming(new Uint8Array(0)); // the transport ended without close_notify
    expect(() => server.readOwned(100)).toThrow(RaggedEOF);
  });
});

/** A provider whose AEADs lack sealParts, so records are sealed whole (the path before sealParts). */
function withoutSealParts(provider: CryptoProvider): CryptoProvider {
  return {
    ...provider,
    aead(algorithm, key) {
      const aead = provider.aead(algorithm, key);
      return { tagLength: aead.tagLength, seal: aead.seal.bind(aead), open: aead.open.bind(aead) };
    },
  };
}

describe('records sealed in pieces', () => {
  const KEYS = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32, 'aes-128-ccm': 16, 'aes-256-ccm': 32, 'aes-128-ccm-8': 16, 'aes-256-ccm-8': 32 } as const;
  const algorithms = Object.keys(KEYS) as Array<keyof typeof KEYS>;

  it('are byte for byte the records sealed whole, and open again, in TLS 1.3 (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...algorithms),
        fc.array(fc.record({ type: fc.constantFrom(ContentType.APPLICATION_DATA, ContentType.HANDSHAKE, ContentType.ALERT), length: fc.integer({ min: 0, max: 16_384 }), padding: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ minLength: 44, maxLength: 44 }),
        (algorithm, records, secret) => {
          const key = secret.subarray(0, KEYS[algorithm]);
          const iv = secret.subarray(32, 44);
          const pieces = new RecordProtection(nodeCryptoProvider, algorithm, key, iv);
          const whole = new RecordProtection(withoutSealParts(nodeCryptoProvider), algorithm, key, iv);
          const reader = new RecordProtection(nodeCryptoProvider, algorithm, key, iv);
          const noble = algorithm.includes('ccm') ? null : new RecordProtection(nobleCryptoProvider, algorithm, key, iv);
          let at = 0;
          for (const { type, length, padding } of records) {
            const content = PATTERN.subarray(at, (at += length));
            const sealed = Buffer.concat(pieces.sealParts(type, content, padding));
            expect(sealed.equals(whole.seal(type, content, padding))).toBe(true);
            if (noble !== null) expect(sealed.equals(noble.seal(type, content, padding))).toBe(true);
            const opened = reader.open(sealed.subarray(0, 5), sealed.subarray(5));
            expect(opened.type).toBe(type);
            expect(Buffer.from(opened.content).equals(content)).toBe(true);
          }
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);

  it('are byte for byte the records sealed whole in TLS 1.2 (fast-check)', () => {
    const suites = TLS12_SUITES.filter((suite) => suite.aead in KEYS);
    fc.assert(
      fc.property(fc.constantFrom(...suites), fc.array(fc.integer({ min: 0, max: 16_384 }), { minLength: 1, maxLength: 6 }), fc.uint8Array({ minLength: 44, maxLength: 44 }), (suite, lengths, secret) => {
        const key = secret.subarray(0, suite.keyLength);
        const iv = secret.subarray(32, 32 + suite.fixedIvLength);
        const pieces = new RecordProtection12(nodeCryptoProvider, suite, key, iv);
        const whole = new RecordProtection12(withoutSealParts(nodeCryptoProvider), suite, key, iv);
        let at = 0;
        for (const length of lengths) {
          const content = PATTERN.subarray(at, (at += length));
          expect(Buffer.concat(pieces.sealParts(ContentType.APPLICATION_DATA, content)).equals(whole.seal(ContentType.APPLICATION_DATA, content))).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe('a TLSSocket over tls-pure', () => {
  it('returns the same bytes whether its buffer offers the fast path or not (fast-check)', async () => {
    const s = SETUPS[0]!;
    const listener = await s.server.connect({ host: '127.0.0.1', port: 0 });
    try {
      await assertSocketReadsMatch({ listener, clientBuffer: () => s.client.createBuffer('localhost'), numRuns: 8 });
    } finally {
      await listener.close();
    }
  }, 120_000);

  it('recvInto (alternating with recv) returns the same bytes on every read path (fast-check)', async () => {
    const s = SETUPS[0]!;
    const listener = await s.server.connect({ host: '127.0.0.1', port: 0 });
    try {
      await assertSocketReadsMatch({ listener, clientBuffer: () => s.client.createBuffer('localhost'), numRuns: 5, reads: 'recvInto and recv' });
    } finally {
      await listener.close();
    }
  }, 120_000);
});

/**
 * recv_into's contract at the buffer (issue #17, pure14): readAvailable writes its count of bytes at
 * target[0, count) and nothing else: not the inner type byte or padding of a TLS 1.3 record, not the
 * rest of a record that did not fit, not memory before the view. Session 13's decryption straight
 * into the caller's memory wrote the type byte past the count (d313f13, backed out by dc797da); the
 * copy from node:crypto's fresh memory writes the content only.
 */
describe.each(SETUPS)('readAvailable writes only target[0, count), $label', (s) => {
  it('for random record sizes, splits, target sizes and offsets (fast-check)', () => {
    const SENTINEL = 0xa5;
    const GUARD = 64; // bytes watched on each side of the target
    const sentinel = Buffer.alloc(70_000 + 2 * GUARD, SENTINEL);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(1, 16_383, 16_384, 16_385, 40_000), fc.integer({ min: 1, max: 40_000 })), { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.constantFrom(1, 5, 16_383, 16_384, 16_385, 65_536), fc.integer({ min: 1, max: 70_000 })), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: GUARD }),
        (writes, targets, splits, offset) => {
          const { client, server } = connectedPair(s);
          const data = PATTERN.subarray(0, writes.reduce((sum, n) => sum + n, 0));
          let written = 0;
          for (const size of writes) {
            for (let done = 0; done < size; ) done += client.write(data.subarray(written + done, written + size));
            written += size;
          }
          const stream = Buffer.from(client.processOutgoing(client.outgoingBytesBuffered()));
          // One backing per target size: the target at `offset`, watched memory before and after it.
          const backings = targets.map((size) => Buffer.alloc(offset + size + GUARD, SENTINEL));
          const received: Buffer[] = [];
          let turn = 0;
          for (let fed = 0, piece = 0; fed < stream.length; piece++) {
            const size = Math.min(splits[piece % splits.length]!, stream.length - fed);
            expect(server.copyIncoming(stream.subarray(fed, fed + size))).toBe(size);
            fed += size;
            for (;;) {
              const backing = backings[turn++ % backings.length]!;
              const target = backing.subarray(offset, backing.length - GUARD);
              const count = server.readAvailable(target);
              // Native compares: everything but [offset, offset + count) still holds the sentinel.
              const end = count > 0 ? offset + count : offset;
              if (!backing.subarray(0, offset).equals(sentinel.subarray(0, offset)) || !backing.subarray(end).equals(sentinel.subarray(0, backing.length - end))) {
                expect.fail(`readAvailable returned ${count} into a target of ${target.length} bytes and wrote outside target[0, ${count})`);
              }
              if (count === READ_WANT_READ) break;
              if (!(count > 0 && count <= target.length)) expect(count).toBeGreaterThan(0);
              received.push(Buffer.from(backing.subarray(offset, end)));
              backing.fill(SENTINEL, offset, end);
            }
          }
          expect(Buffer.concat(received).equals(data)).toBe(true);
        },
      ),
      { numRuns: s.label.includes('noble') ? 6 : 20 },
    );
  }, 120_000);
});
