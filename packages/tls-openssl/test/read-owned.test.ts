/**
 * Issue #16 item 1: OpenSSLBuffer.readOwned (BufferSocket's recv path for tls-openssl) decrypts
 * every record already complete straight into memory of exactly the size it returns, which the
 * caller then owns: no shared scratch handed over (a 64 KiB allocation for a 40 KiB read), no copy,
 * and nothing later reads change. Records not complete yet are not counted (the chunk BIO gives
 * OpenSSL whole records only), and what a small `max` leaves of a record comes next.
 */
import { createHook } from 'node:async_hooks';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BufferSocket,
  CipherSuite,
  READ_WANT_READ,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TrustStore,
  type TLSBuffer,
  type TLSBufferFastPath,
  type TLSVersion,
} from '@unitls/tls-core';
import { OpenSSLClientContext, OpenSSLServerContext } from '../src/mod.js';
import { ca, clientContext, connectedPair, serverConfiguration, serverContext } from './fixtures.js';

type Fast = TLSBuffer & TLSBufferFastPath;

const DATA = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 11 + (i >> 8)) & 0xff));

/** Setups whose record overhead readableBound knows exactly (TLS 1.2 AES-GCM's explicit nonce it does not: a view there). */
const SETUPS: Array<{ name: string; version: TLSVersion; ciphers: CipherSuite[] }> = [
  { name: 'TLS 1.3 AES-128-GCM', version: 'TLSv1.3', ciphers: [CipherSuite.TLS_AES_128_GCM_SHA256] },
  { name: 'TLS 1.3 ChaCha20-Poly1305', version: 'TLSv1.3', ciphers: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] },
  {
    name: 'TLS 1.2 ECDHE ChaCha20-Poly1305',
    version: 'TLSv1.2',
    ciphers: [CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256],
  },
];

function pairFor(version: TLSVersion, ciphers: CipherSuite[]): { client: Fast; server: Fast } {
  const client = new OpenSSLClientContext(
    new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem), ciphers, lowestSupportedVersion: version, highestSupportedVersion: version }),
  );
  const base = serverConfiguration();
  const server = new OpenSSLServerContext(new TLSServerConfiguration({ certificateChain: base.certificateChain, ciphers }));
  const pair = connectedPair({ client, server }) as { client: Fast; server: Fast };
  expect(pair.server.negotiatedTlsVersion).toBe(version);
  return pair;
}

/** The ciphertext of DATA's bytes from `from` on, written as one record per size in `sizes`. */
function records(client: Fast, sizes: number[], from = 0): Buffer {
  let offset = from;
  for (const size of sizes) {
    expect(client.write(DATA.subarray(offset, (offset += size)))).toBe(size);
  }
  return Buffer.from(client.processOutgoing(client.outgoingBytesBuffered()));
}

/** A result the caller owns whole: its own ArrayBuffer, of exactly its length. */
function expectExact(owned: Uint8Array | number): Uint8Array {
  expect(typeof owned).not.toBe('number');
  const bytes = owned as Uint8Array;
  expect(bytes.byteOffset).toBe(0);
  expect(bytes.buffer.byteLength).toBe(bytes.length);
  return bytes;
}

describe('OpenSSLBuffer.readOwned', () => {
  it.each(SETUPS)('$name: every complete record in one allocation of exactly its size, owned by the caller', ({ version, ciphers }) => {
    const { client, server } = pairFor(version, ciphers);
    const sizes = [1, 1000, 16_384, 5000, 16_384, 16_384, 16_384, 777];
    const total = sizes.reduce((sum, n) => sum + n, 0);
    server.processIncoming(records(client, sizes));
    const first = expectExact(server.readOwned!(65_536));
    expect(first.length).toBe(65_536);
    const copy = Buffer.from(first);
    const second = expectExact(server.readOwned!(65_536));
    expect(second.length).toBe(total - 65_536);
    expect(second.buffer).not.toBe(first.buffer);
    expect(server.readOwned!(65_536)).toBe(READ_WANT_READ);
    // Later reads leave what the caller holds as it was.
    server.processIncoming(records(client, [16_384]));
    expectExact(server.readOwned!(65_536));
    expect(Buffer.from(first).equals(copy)).toBe(true);
    expect(Buffer.concat([first, second]).equals(DATA.subarray(0, total))).toBe(true);
  });

  it.each(SETUPS)('$name: a record not complete yet is not counted, and comes whole once its last byte arrives', ({ version, ciphers }) => {
    const { client, server } = pairFor(version, ciphers);
    const complete = records(client, [10_000, 20_000]);
    const stream = Buffer.concat([complete, records(client, [16_384], 30_000)]);
    const last = stream.length - 30; // the third record minus its last 30 bytes
    server.processIncoming(stream.subarray(0, last));
    expect(expectExact(server.readOwned!(1 << 20)).equals(DATA.subarray(0, 30_000))).toBe(true);
    expect(server.readOwned!(1 << 20)).toBe(READ_WANT_READ);
    // OpenSSL took none of the third record (not even its header): it waits whole in the queue.
    expect(server.incomingBytesBuffered()).toBe(last - complete.length);
    for (let at = last; at < stream.length - 1; at++) {
      server.processIncoming(stream.subarray(at, at + 1));
      expect(server.readOwned!(1 << 20)).toBe(READ_WANT_READ);
      expect(server.incomingBytesBuffered()).toBe(at + 1 - complete.length);
    }
    server.processIncoming(stream.subarray(stream.length - 1));
    expect(expectExact(server.readOwned!(1 << 20)).equals(DATA.subarray(30_000, 46_384))).toBe(true);
  });

  it('a max smaller than a record: max bytes, then the rest of the record, each exact', () => {
    const { client, server } = connectedPair() as { client: Fast; server: Fast };
    server.processIncoming(records(client, [16_384, 100]));
    const parts = [expectExact(server.readOwned!(100)), expectExact(server.readOwned!(10_000)), expectExact(server.readOwned!(65_536))];
    expect(parts.map((part) => part.length)).toEqual([100, 10_000, 6384]);
    expect(Buffer.concat(parts).equals(DATA.subarray(0, 16_484))).toBe(true);
  });

  it('TLS 1.2 AES-GCM (an explicit nonce it does not subtract): the same bytes, within 8 per record of the memory', () => {
    const { client, server } = pairFor('TLSv1.2', [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]);
    server.processIncoming(records(client, [16_384, 16_384, 1000]));
    const owned = server.readOwned!(1 << 20) as Uint8Array;
    expect(Buffer.from(owned).equals(DATA.subarray(0, 33_768))).toBe(true);
    expect(owned.buffer.byteLength - owned.length).toBe(3 * 8);
  });
});

describe('a tls-openssl TLSSocket', () => {
  it('recv(65536) of a 40,000-byte send returns memory of its own size (no 64 KiB scratch handed over)', async () => {
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    try {
      const port = listener.getsockname()!.port;
      const [client, [server]] = await Promise.all([clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }), listener.accept()]);
      try {
        // A first byte, so the session tickets (records that hold no data) are read.
        await server.send(DATA.subarray(0, 1));
        expect(expectExact(await client.recv(1)).length).toBe(1);
        await server.send(DATA.subarray(0, 40_000));
        const parts: Uint8Array[] = [];
        for (let got = 0; got < 40_000; ) {
          const chunk = await client.recv(65_536);
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.buffer.byteLength).toBe(chunk.length);
          parts.push(chunk);
          got += chunk.length;
        }
        expect(Buffer.concat(parts).equals(DATA.subarray(0, 40_000))).toBe(true);
      } finally {
        await Promise.all([client.close(true), server.close(true)]);
      }
    } finally {
      await listener.close();
    }
  });
});

/** Promises made while `action` runs and settles. */
async function promisesMadeBy(action: () => Promise<unknown>): Promise<number> {
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') made++;
    },
  }).enable();
  try {
    await action();
  } finally {
    hook.disable();
  }
  return made;
}

describe('a recv whose bytes are already decryptable', () => {
  /**
   * A socket over a transport that delivers `ciphertext` at once, its buffer's handshake done in
   * memory; readOwned hidden when `hideReadOwned` (the read lane's path, as before).
   */
  async function socketHolding(sizes: number[], hideReadOwned: boolean) {
    const { client, server } = connectedPair() as { client: Fast; server: Fast };
    const transport = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
    transport.push(records(server, sizes));
    const buffer = hideReadOwned
      ? (new Proxy(client, {
          get: (target, key) => {
            if (key === 'readOwned') return undefined;
            const value = Reflect.get(target, key, target) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as Fast)
      : client;
    const socket = await BufferSocket.open(buffer, transport);
    // The first recv waits for the transport; every record is decryptable after it.
    expect(Buffer.from(await socket.recv(1)).equals(DATA.subarray(0, 1))).toBe(true);
    return { socket, close: () => socket.close(true) };
  }

  it('is taken at once, outside the read lane: fewer promises (no async task, no lane hand-off), the same bytes', async () => {
    const sizes = [16_384, 16_384, 16_384];
    const counts: number[] = [];
    for (const hide of [true, false]) {
      const { socket, close } = await socketHolding(sizes, hide);
      try {
        let chunk: Uint8Array = new Uint8Array(0);
        counts.push(await promisesMadeBy(async () => void (chunk = await socket.recv(20_000))));
        expect(Buffer.from(chunk).equals(DATA.subarray(1, 20_001))).toBe(true);
        const rest = await socket.recv(65_536);
        expect(Buffer.from(rest).equals(DATA.subarray(20_001, 49_152))).toBe(true);
      } finally {
        await close();
      }
    }
    const [lane, ready] = counts as [number, number];
    expect(ready).toBeLessThan(lane);
  });

  it('a recv waiting in the read lane is not overtaken by a later one', async () => {
    const { client, server } = connectedPair() as { client: Fast; server: Fast };
    const transport = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
    const socket = await BufferSocket.open(client, transport);
    try {
      const first = socket.recv(100);
      const second = socket.recv(100);
      transport.push(records(server, [150]));
      expect(Buffer.from(await first).equals(DATA.subarray(0, 100))).toBe(true);
      expect(Buffer.from(await second).equals(DATA.subarray(100, 150))).toBe(true);
    } finally {
      await socket.close(true);
    }
  });
});
