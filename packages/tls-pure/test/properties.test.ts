/**
 * Properties over random input: any split of the byte streams still handshakes; any corrupted
 * byte ends in a typed TLS error on at least one side (never a crash, never a hang); a corrupted
 * encrypted record always ends in bad_record_mac.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TLSError, WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { PureClientContext, PureServerContext, TLSProtocolError } from '../src/mod.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const clientContext = new PureClientContext(clientConfiguration(pki, { innerProtocols: ['h2'] }));
const serverContext = new PureServerContext(serverConfiguration(pki, { innerProtocols: ['h2'] }));
const retryClient = new PureClientContext(clientConfiguration(pki), { groups: [0x001d, 0x0017] });
const retryServer = new PureServerContext(serverConfiguration(pki), { groups: [0x0017] });

type Tamper = (bytes: Uint8Array, direction: 'c2s' | 's2c', offset: number) => Uint8Array[];

/**
 * Runs a handshake plus one message each way, moving bytes through `tamper` (which may split or
 * change them). Returns what happened on each side; bounded to 20 rounds.
 */
function exchange(client: TLSBuffer, server: TLSBuffer, tamper: Tamper) {
  const result = { client: null as unknown, server: null as unknown, received: [] as string[] };
  const offsets = { c2s: 0, s2c: 0 };
  const move = (from: TLSBuffer, to: TLSBuffer, direction: 'c2s' | 's2c') => {
    const n = from.outgoingBytesBuffered();
    if (n === 0) return;
    const bytes = from.processOutgoing(n);
    for (const piece of tamper(bytes, direction, offsets[direction])) to.processIncoming(piece);
    offsets[direction] += bytes.length;
  };
  const attempt = (side: 'client' | 'server', action: () => void) => {
    if (result[side] !== null) return;
    try {
      action();
    } catch (error) {
      if (!(error instanceof WantReadError)) result[side] = error;
    }
  };
  let sent = { client: false, server: false };
  for (let round = 0; round < 20 && result.received.length < 2; round++) {
    attempt('client', () => {
      client.doHandshake();
      if (!sent.client) (client.write(new TextEncoder().encode('from client')), (sent = { ...sent, client: true }));
      result.received.push(new TextDecoder().decode(client.read(100) as Uint8Array));
    });
    move(client, server, 'c2s');
    attempt('server', () => {
      server.doHandshake();
      if (!sent.server) (server.write(new TextEncoder().encode('from server')), (sent = { ...sent, server: true }));
      result.received.push(new TextDecoder().decode(server.read(100) as Uint8Array));
    });
    move(server, client, 's2c');
    if (result.client !== null && result.server !== null) break;
  }
  return result;
}

const pairs = [
  ['a full handshake', () => ({ client: clientContext.createBuffer('localhost'), server: serverContext.createBuffer() })],
  ['a HelloRetryRequest handshake', () => ({ client: retryClient.createBuffer('localhost'), server: retryServer.createBuffer() })],
] as const;

describe.each(pairs)('properties of %s', (_label, makePair) => {
  it('completes for any split of the byte streams into pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const { client, server } = makePair();
        let i = 0;
        const split: Tamper = (bytes) => {
          const pieces: Uint8Array[] = [];
          for (let at = 0; at < bytes.length; ) {
            const size = sizes[i++ % sizes.length]!;
            pieces.push(bytes.subarray(at, at + size));
            at += size;
          }
          return pieces;
        };
        const result = exchange(client, server, split);
        expect(result.client).toBeNull();
        expect(result.server).toBeNull();
        expect(result.received.sort()).toEqual(['from client', 'from server']);
      }),
      { numRuns: 60 },
    );
  });

  it('ends in a typed TLS error (or an intact exchange) whatever byte is corrupted', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat({ max: 3000 }), fc.integer({ min: 1, max: 255 }), (toServer, position, mask) => {
        const { client, server } = makePair();
        let corrupted = false;
        let lengthByte = false;
        const stream: number[] = [];
        const corrupt: Tamper = (bytes, direction, offset) => {
          if ((direction === 'c2s') !== toServer) return [bytes];
          stream.push(...bytes);
          if (position < offset || position >= offset + bytes.length) return [bytes];
          // Is `position` one of the two length bytes of a record header?
          for (let at = 0; at + 5 <= stream.length; at += 5 + ((stream[at + 3]! << 8) | stream[at + 4]!)) {
            // Length fields: a record header's, or (in a plaintext handshake record) a message's.
            if (position === at + 3 || position === at + 4) lengthByte = true;
            if (stream[at] === 22 && position >= at + 6 && position <= at + 8) lengthByte = true;
            if (at > position) break;
          }
          const copy = Uint8Array.from(bytes);
          copy[position - offset]! ^= mask;
          corrupted = true;
          return [copy];
        };
        const result = exchange(client, server, corrupt);
        for (const outcome of [result.client, result.server]) {
          if (outcome !== null) expect(outcome).toBeInstanceOf(TLSError);
        }
        if (corrupted && result.client === null && result.server === null) {
          // A longer record length leaves the receiver waiting for bytes that never come (a transport
          // timeout's job); otherwise only bytes outside every MAC and transcript (a record header's
          // version) may pass unnoticed.
          if (lengthByte && result.received.length < 2) expect(() => (toServer ? server : client).read(1)).toThrow(WantReadError);
          else expect(result.received.sort()).toEqual(['from client', 'from server']);
        }
        if (!corrupted) expect(result.received.length).toBe(2);
      }),
      { numRuns: 150 },
    );
  });
});

describe('corrupted application records', () => {
  it('always fail with bad_record_mac, and stay failed', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 3000 }), (where, mask, length) => {
        const client = clientContext.createBuffer('localhost');
        const server = serverContext.createBuffer();
        handshake(client, server);
        pump(server, client); // the ticket
        client.write(new Uint8Array(length).fill(1));
        const record = Uint8Array.from(client.processOutgoing(1 << 20));
        const at = 5 + (where % (record.length - 5)); // inside the protected payload
        record[at]! ^= mask;
        server.processIncoming(record);
        let error: unknown;
        try {
          server.read(10_000);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(TLSProtocolError);
        expect((error as TLSProtocolError).alert).toBe(20);
        expect(() => server.read(1)).toThrow(error as Error);
        const alert = server.processOutgoing(100);
        expect(alert.length).toBe(5 + 2 + 1 + 16); // one encrypted alert record
      }),
      { numRuns: 100 },
    );
  });
});
