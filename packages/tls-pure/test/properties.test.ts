/**
 * Properties over random input: any split of the byte streams still handshakes; any corrupted
 * byte ends in a typed TLS error on at least one side (never a crash, never a hang); a corrupted
 * encrypted record always ends in bad_record_mac.
 *
 * The right alert (issue #17): a side that fails sends the alert its TLSProtocolError names, and the
 * peer that reads it fails with TLSPeerAlertError carrying that number; a byte corrupted inside an
 * encrypted record's payload ends in bad_record_mac (20) on the side that reads it. Every handshake
 * shape, so every handshake message: TLS 1.3 full, HelloRetryRequest, with a client certificate
 * (CertificateRequest, the client's Certificate and CertificateVerify) and resumed (PSK binders);
 * TLS 1.2 (RFC 5246) with ECDSA and RSA server keys, a client certificate and a resumed ticket.
 * Until session 15 only the TLS 1.3 full and HelloRetryRequest handshakes were corrupted, and only
 * "some TLSError" was asked of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TLSError, WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { PureClientContext, PureServerContext, TLSPeerAlertError, TLSProtocolError } from '../src/mod.js';
import { chain, clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const clientContext = new PureClientContext(clientConfiguration(pki, { innerProtocols: ['h2'] }));
const serverContext = new PureServerContext(serverConfiguration(pki, { innerProtocols: ['h2'] }));
const retryClient = new PureClientContext(clientConfiguration(pki), { groups: [0x001d, 0x0017] });
const retryServer = new PureServerContext(serverConfiguration(pki), { groups: [0x0017] });
const twelve = { highestSupportedVersion: 'TLSv1.2' as const };
const clientAuth = { certificateChain: chain(pki.client, pki) };
const requireClient = { trustStore: clientConfiguration(pki).trustStore };
const authClient = new PureClientContext(clientConfiguration(pki, clientAuth));
const authServer = new PureServerContext(serverConfiguration(pki, requireClient));
const client12 = new PureClientContext(clientConfiguration(pki, twelve));
const rsaServer = new PureServerContext(serverConfiguration(pki, {}, pki.serverRsa));
const authClient12 = new PureClientContext(clientConfiguration(pki, { ...twelve, ...clientAuth }));

/** A session from one full handshake of `client` with `server`, for resumed pairs. */
function sessionOf(client: PureClientContext, server: PureServerContext) {
  const [c, s] = [client.createBuffer('localhost'), server.createBuffer()];
  handshake(c, s);
  pump(s, c); // TLS 1.3 tickets come after the handshake
  expect(() => c.read(10)).toThrow(WantReadError); // reads the ticket
  const session = c.session!();
  expect(session).not.toBeNull();
  return session!;
}

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
  ['a TLS 1.3 handshake with a client certificate', () => ({ client: authClient.createBuffer('localhost'), server: authServer.createBuffer() })],
  ['a resumed TLS 1.3 handshake (PSK)', () => ({ client: clientContext.createBuffer('localhost', { session: session13() }), server: serverContext.createBuffer() })],
  ['a TLS 1.2 handshake (ECDSA)', () => ({ client: client12.createBuffer('localhost'), server: serverContext.createBuffer() })],
  ['a TLS 1.2 handshake (RSA)', () => ({ client: client12.createBuffer('localhost'), server: rsaServer.createBuffer() })],
  ['a TLS 1.2 handshake with a client certificate', () => ({ client: authClient12.createBuffer('localhost'), server: authServer.createBuffer() })],
  ['a resumed TLS 1.2 handshake (ticket)', () => ({ client: client12.createBuffer('localhost', { session: session12() }), server: serverContext.createBuffer() })],
] as const;

let sessions: { tls13?: ReturnType<typeof sessionOf>; tls12?: ReturnType<typeof sessionOf> } = {};
function session13() {
  return (sessions.tls13 ??= sessionOf(clientContext, serverContext));
}
function session12() {
  return (sessions.tls12 ??= sessionOf(client12, serverContext));
}

/**
 * Where `position` lies in a byte stream of records: inside the payload of an encrypted record
 * (TLS 1.3: content type 23, a middlebox change_cipher_spec changes nothing; TLS 1.2: any record
 * after the sender's change_cipher_spec), or not.
 */
function inEncryptedPayload(stream: readonly number[], position: number, tls12: boolean): boolean {
  let afterChangeCipherSpec = false;
  for (let at = 0; at + 5 <= stream.length; at += 5 + ((stream[at + 3]! << 8) | stream[at + 4]!)) {
    const end = at + 5 + ((stream[at + 3]! << 8) | stream[at + 4]!);
    if (position < at) return false;
    if (position < end) return position >= at + 5 && (stream[at] === 23 || (afterChangeCipherSpec && stream[at] !== 20));
    if (stream[at] === 20 && tls12) afterChangeCipherSpec = true;
  }
  return false;
}

/**
 * Is `position` a length field: a record header's, or a plaintext handshake message's (messages are
 * walked across the plaintext handshake records: in TLS 1.2 those before the sender's
 * change_cipher_spec)? A longer
 * length leaves the reader waiting for bytes that never come: a transport timeout's job.
 */
function isLengthByte(stream: readonly number[], position: number, tls12: boolean): boolean {
  const handshakeBytes: number[] = []; // stream positions of plaintext handshake payload bytes
  let afterChangeCipherSpec = false;
  for (let at = 0; at + 5 <= stream.length; at += 5 + ((stream[at + 3]! << 8) | stream[at + 4]!)) {
    if (position === at + 3 || position === at + 4) return true;
    const end = Math.min(stream.length, at + 5 + ((stream[at + 3]! << 8) | stream[at + 4]!));
    if (stream[at] === 22 && !afterChangeCipherSpec) for (let i = at + 5; i < end; i++) handshakeBytes.push(i);
    if (stream[at] === 20 && tls12) afterChangeCipherSpec = true;
  }
  for (let k = 0; k + 4 <= handshakeBytes.length; ) {
    if (handshakeBytes.slice(k + 1, k + 4).includes(position)) return true;
    k += 4 + ((stream[handshakeBytes[k + 1]!]! << 16) | (stream[handshakeBytes[k + 2]!]! << 8) | stream[handshakeBytes[k + 3]!]!);
  }
  return false;
}

describe.each(pairs)('properties of %s', (label, makePair) => {
  const tls12 = label.includes('TLS 1.2');
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
          lengthByte = isLengthByte(stream, position, tls12);
          const copy = Uint8Array.from(bytes);
          copy[position - offset]! ^= mask;
          corrupted = true;
          return [copy];
        };
        const result = exchange(client, server, corrupt);
        for (const outcome of [result.client, result.server]) {
          if (outcome !== null) expect(outcome).toBeInstanceOf(TLSError);
        }
        // The right alert: what one side sent is what the other read.
        const [reader, writer] = toServer ? ([result.server, result.client] as const) : ([result.client, result.server] as const);
        if (reader instanceof TLSProtocolError && writer instanceof TLSPeerAlertError) expect(writer.alert).toBe(reader.alert);
        if (writer instanceof TLSProtocolError && reader instanceof TLSPeerAlertError) expect(reader.alert).toBe(writer.alert);
        // A byte of an encrypted record's payload: the reader's AEAD refuses it (RFC 8446 §5.2, RFC 5246 §6.2.3.3).
        if (corrupted && inEncryptedPayload(stream, position, tls12)) {
          expect(reader).toBeInstanceOf(TLSProtocolError);
          expect((reader as TLSProtocolError).alert).toBe(20);
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
