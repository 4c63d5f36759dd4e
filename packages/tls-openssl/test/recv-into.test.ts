/**
 * Issue #16 item 2: tls-openssl's recvInto decrypts straight into the caller's memory. Every read
 * of a recvInto (the buffer's readAvailable, which hands its target to the addon's readInto, i.e.
 * SSL_read, as it is) targets a view of the caller's ArrayBuffer, never the socket's scratch or a
 * fresh one, and the bytes are the bytes sent: over a node:net socket (tls-core's direct reads)
 * and over a JavaScript Duplex (startTls). recv, by contrast, reads into memory of its own (the
 * control case: the spy tells the two apart). The addon's own functions cannot be spied on (N-API
 * properties are not configurable), hence the buffer's method. The conformance suite
 * (tests/conformance/recv-into.test.ts) holds recvInto's rules on every implementation.
 */
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTls, type TLSSocket } from '@unitls/tls-core';
import { jsTransport } from '../../../tests/support/sockets.js';
import { clientContext, serverContext } from './fixtures.js';

const DATA = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13 + (i >> 9)) & 0xff));

type Open = (port: number) => Promise<TLSSocket>;
const transports: ReadonlyArray<readonly [string, Open]> = [
  ['node:net', (port) => clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' })],
  [
    'a JavaScript Duplex',
    async (port) => {
      const tcp = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
      await once(tcp, 'connect');
      return startTls(clientContext(), jsTransport(tcp), { serverHostname: 'localhost' });
    },
  ],
];

/** A client of `open` and its accepted server side, the server having sent DATA and its close_notify. */
async function receiving(open: Open): Promise<{ client: TLSSocket; done: () => Promise<void> }> {
  const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
  const [client, [server]] = await Promise.all([open(listener.getsockname()!.port), listener.accept()]);
  const sent = (async () => {
    for (let offset = 0; offset < DATA.length; offset += 50_000) await server.send(DATA.subarray(offset, offset + 50_000));
    await server.shutdown!();
  })();
  return {
    client,
    done: async () => {
      await sent;
      await Promise.all([client.close(true), server.close(true)]);
      await listener.close();
    },
  };
}

/** The class of tls-openssl's TLSBuffer, whose readAvailable BufferSocket calls. */
const bufferPrototype = Object.getPrototypeOf(clientContext().createBuffer('localhost')) as { readAvailable(target: Uint8Array): number };

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(transports)('tls-openssl recvInto over %s', (_, open) => {
  it('decrypts into the caller’s ArrayBuffer: every SSL_read targets it, and the bytes are those sent', async () => {
    const { client, done } = await receiving(open);
    try {
      const readInto = vi.spyOn(bufferPrototype, 'readAvailable');
      // A view in the middle of a larger ArrayBuffer, as a framer's reused memory would be.
      const backing = new ArrayBuffer(100_000);
      const memory = new Uint8Array(backing, 1_000, 64 * 1024);
      const parts: Buffer[] = [];
      for (;;) {
        const count = await client.recvInto!(memory);
        if (count === 0) break;
        parts.push(Buffer.from(memory.subarray(0, count)));
      }
      expect(Buffer.concat(parts).equals(DATA)).toBe(true);
      expect(readInto.mock.calls.length).toBeGreaterThan(0);
      for (const [target] of readInto.mock.calls) {
        expect(target.buffer).toBe(backing);
        expect(target.byteOffset).toBe(1_000);
        expect(target.length).toBe(memory.length);
      }
    } finally {
      await done();
    }
  });

  it('recv (the control case) reads into memory of its own, which the spy tells apart', async () => {
    const { client, done } = await receiving(open);
    try {
      const readInto = vi.spyOn(bufferPrototype, 'readAvailable');
      const parts: Uint8Array[] = [];
      for (;;) {
        const chunk = await client.recv(64 * 1024);
        if (chunk.length === 0) break;
        parts.push(Uint8Array.from(chunk));
      }
      expect(Buffer.concat(parts).equals(DATA)).toBe(true);
      expect(readInto.mock.calls.length).toBeGreaterThan(0);
      const caller = new Set(parts.map((part) => part.buffer));
      for (const [target] of readInto.mock.calls) expect(caller.has(target.buffer)).toBe(false);
    } finally {
      await done();
    }
  });
});
