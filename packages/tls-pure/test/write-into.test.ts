/**
 * Issue #17: writeInto (BufferSocket's send path) seals records straight into the caller's memory.
 * Under the same keys its stream is byte for byte the stream write + processOutgoing gives (record
 * layer, TLS 1.3 and 1.2, AES-GCM and ChaCha20-Poly1305, padded and size-limited records, any
 * target size: what does not fit is queued after it in order); and the PureBuffer takes nothing
 * (-1) where it cannot: before the handshake, after shutdown or a failure, while output is queued,
 * or when more than the outgoing limit would stay queued. copyIncoming takes at most what the
 * incoming limit leaves room for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { READ_WANT_READ, WantReadError } from '@unitls/tls-core';
import { PATTERN } from '../../../tests/support/read-path-properties.js';
import { ContentType } from '../src/codec/constants.js';
import { TLS12_SUITES } from '../src/crypto/schemes.js';
import { NamedGroup, nodeCryptoProvider, PureClientContext, PureServerContext, type PureContextOptions } from '../src/mod.js';
import { RecordLayer } from '../src/record/record-layer.js';
import { RecordProtection } from '../src/record/protection.js';
import { RecordProtection12 } from '../src/record/protection12.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const WRITE_SIZE = fc.oneof(fc.constantFrom(1, 16_383, 16_384, 16_385, 65_536), fc.integer({ min: 1, max: 70_000 }));
const TARGET_SIZE = fc.oneof(fc.constantFrom(1, 5, 16_406, 65_536), fc.integer({ min: 1, max: 140_000 }));

/** Two record layers writing under the same keys: one per path. */
function layers(tls13: boolean, aead: 'aes-128-gcm' | 'chacha20-poly1305', secret: Uint8Array, padding: number, outgoingLimit: number): [RecordLayer, RecordLayer] {
  return [0, 1].map(() => {
    const layer = new RecordLayer();
    if (tls13) {
      layer.setWriter(new RecordProtection(nodeCryptoProvider, aead, secret.subarray(0, aead === 'aes-128-gcm' ? 16 : 32), secret.subarray(32, 44)));
      layer.padding = padding;
      layer.outgoingLimit = outgoingLimit;
    } else {
      const suite = TLS12_SUITES.find((s) => s.aead === aead)!;
      layer.setWriter(new RecordProtection12(nodeCryptoProvider, suite, secret.subarray(0, suite.keyLength), secret.subarray(32, 32 + suite.fixedIvLength)));
    }
    return layer;
  }) as [RecordLayer, RecordLayer];
}

describe('RecordLayer.writeInto', () => {
  it('gives byte for byte the stream of write + take, whatever the target size (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom('aes-128-gcm' as const, 'chacha20-poly1305' as const),
        fc.uint8Array({ minLength: 44, maxLength: 44 }),
        fc.record({ padding: fc.constantFrom(0, 0, 37, 300), outgoingLimit: fc.constantFrom(2 ** 14 + 1, 2 ** 14 + 1, 1000, 64) }),
        fc.array(fc.tuple(WRITE_SIZE, TARGET_SIZE), { minLength: 1, maxLength: 5 }),
        (tls13, aead, secret, { padding, outgoingLimit }, writes) => {
          const [whole, into] = layers(tls13, aead, secret, padding, outgoingLimit);
          const expected: Uint8Array[] = [];
          const actual: Uint8Array[] = [];
          let at = 0;
          for (const [size, targetSize] of writes) {
            const content = PATTERN.subarray(at, (at += size));
            whole.write(ContentType.APPLICATION_DATA, content);
            expected.push(whole.outgoing.take(whole.outgoing.length));
            const target = new Uint8Array(targetSize);
            const placed = into.writeInto(ContentType.APPLICATION_DATA, content, target, 1 << 22);
            expect(placed).toBe(Math.min(targetSize, expected.at(-1)!.length));
            actual.push(target.subarray(0, placed), into.outgoing.take(into.outgoing.length));
          }
          expect(Buffer.concat(actual).equals(Buffer.concat(expected))).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  }, 120_000);

  it('takes nothing (-1) without keys, with output queued, for empty content, or past maxQueued', () => {
    const plain = new RecordLayer();
    expect(plain.writeInto(ContentType.APPLICATION_DATA, PATTERN.subarray(0, 10), new Uint8Array(100), 1 << 20)).toBe(-1);
    const [layer] = layers(true, 'aes-128-gcm', new Uint8Array(44), 0, 2 ** 14 + 1);
    expect(layer.writeInto(ContentType.APPLICATION_DATA, new Uint8Array(0), new Uint8Array(100), 1 << 20)).toBe(-1);
    // 40,000 bytes make three records of 40,000 + 3 x 22 bytes: 39,066 must queue behind a 1,000-byte target.
    expect(layer.writeInto(ContentType.APPLICATION_DATA, PATTERN.subarray(0, 40_000), new Uint8Array(1000), 39_065)).toBe(-1);
    expect(layer.outgoing.length).toBe(0);
    expect(layer.writeInto(ContentType.APPLICATION_DATA, PATTERN.subarray(0, 40_000), new Uint8Array(1000), 39_066)).toBe(1000);
    expect(layer.outgoing.length).toBe(39_066);
    expect(layer.writeInto(ContentType.APPLICATION_DATA, PATTERN.subarray(0, 10), new Uint8Array(100), 1 << 20)).toBe(-1);
    expect(layer.outgoing.length).toBe(39_066);
  });
});

function connected(options: PureContextOptions = {}) {
  const both = { groups: [NamedGroup.x25519], ...options };
  const client = new PureClientContext(clientConfiguration(pki), both).createBuffer('localhost');
  const server = new PureServerContext(serverConfiguration(pki), both).createBuffer();
  handshake(client, server);
  pump(server, client);
  return { client, server };
}

/** Everything `server` can read now, through readAvailable. */
function readAll(server: ReturnType<typeof connected>['server']): Buffer {
  const out: Uint8Array[] = [];
  const target = new Uint8Array(1 << 17);
  for (let count; (count = server.readAvailable(target)) !== READ_WANT_READ; ) out.push(Uint8Array.from(target.subarray(0, count)));
  return Buffer.concat(out);
}

describe('PureBuffer.writeInto and copyIncoming at the limits', () => {
  it('writeInto declines (-1, nothing taken) before the handshake, while output waits, past the outgoing limit, after shutdown', () => {
    const fresh = new PureClientContext(clientConfiguration(pki)).createBuffer('localhost');
    expect(fresh.writeInto(PATTERN.subarray(0, 10), new Uint8Array(100))).toBe(-1);
    expect(fresh.outgoingBytesBuffered()).toBe(0); // not even a ClientHello: nothing was started
    const { client, server } = connected({ limits: { maxOutgoingBytes: 20_000 } });
    client.write(PATTERN.subarray(0, 10));
    const waiting = client.outgoingBytesBuffered();
    expect(client.writeInto(PATTERN.subarray(10, 20), new Uint8Array(100))).toBe(-1);
    expect(client.outgoingBytesBuffered()).toBe(waiting);
    server.processIncoming(client.processOutgoing(waiting));
    // 60,000 bytes seal to 60,088: 60,087 would stay queued behind one byte, 20,088 behind 40,000.
    expect(client.writeInto(PATTERN.subarray(10, 60_010), new Uint8Array(1))).toBe(-1);
    expect(client.outgoingBytesBuffered()).toBe(0);
    const target = new Uint8Array(40_000);
    expect(client.writeInto(PATTERN.subarray(10, 60_010), target)).toBe(-1);
    const larger = new Uint8Array(40_088);
    expect(client.writeInto(PATTERN.subarray(10, 60_010), larger)).toBe(40_088);
    expect(client.outgoingBytesBuffered()).toBe(20_000);
    server.processIncoming(larger);
    server.processIncoming(client.processOutgoing(20_000));
    expect(readAll(server).equals(PATTERN.subarray(0, 60_010))).toBe(true);
    expect(() => client.shutdown()).toThrow(WantReadError);
    client.processOutgoing(1 << 20);
    expect(client.writeInto(PATTERN.subarray(0, 10), new Uint8Array(100))).toBe(-1);
  });

  it('copyIncoming takes what the incoming limit leaves room for (0 when full), and the rest later', () => {
    const { client, server } = connected({ limits: { maxIncomingBytes: 50_000 } });
    client.write(PATTERN.subarray(0, 120_000));
    const stream = Buffer.from(client.processOutgoing(1 << 20));
    expect(server.copyIncoming(stream)).toBe(50_000);
    expect(server.copyIncoming(stream.subarray(50_000))).toBe(0);
    expect(() => server.processIncoming(stream.subarray(50_000, 50_001))).toThrow(WantReadError);
    expect(server.incomingBytesBuffered()).toBe(50_000);
    const parts = [readAll(server)];
    expect(parts[0]!.length).toBe(3 * 16_384); // the three whole records; the fourth waits for its end
    let offset = 50_000;
    while (offset < stream.length) {
      const taken = server.copyIncoming(stream.subarray(offset));
      expect(taken).toBeGreaterThan(0);
      expect(server.incomingBytesBuffered()).toBeLessThanOrEqual(50_000);
      offset += taken;
      parts.push(readAll(server));
    }
    expect(Buffer.concat(parts).equals(PATTERN.subarray(0, 120_000))).toBe(true);
  });
});
