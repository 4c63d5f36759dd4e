/**
 * Promises per recv and send (issue #16 item 2): on every implementation a recv that waits for the
 * peer, a recv that finds bytes already decryptable and a send of one piece each make exactly one
 * promise (before: tls-core BufferSocket's read and write lanes made 7 per waiting recv on
 * tls-openssl and tls-pure; ~15 of the 24 per POP3 RETR were theirs), and sends still go out in
 * call order whichever way each is written (one piece at once, or queued and in pieces). The same
 * on a connection upgraded by startTls (SMTP/IMAP STARTTLS, POP3 STLS, FTP AUTH TLS), over a
 * node:net socket and over a plain JavaScript Duplex (before: 7 per waiting recv on tls-openssl and
 * tls-pure, whose pulled intake could not answer synchronously). One recv at a time and close()
 * ending a waiting recv: tests/conformance/recv-and-close.test.ts.
 */
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { SEND_PIECE_SIZE, startTls, type TLSSocket } from '@unitls/tls-core';
import { promisesCreatedBy } from '../support/promise-count.js';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { connectPair, jsTransport } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const text = (value: string): Uint8Array => Buffer.from(value);
const str = (bytes: Uint8Array): string => Buffer.from(bytes).toString();

/** Reads exactly `count` bytes. */
async function receive(socket: TLSSocket, count: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let total = 0; total < count; ) {
    const chunk = await socket.recv(65_536);
    if (chunk.length === 0) throw new Error(`the stream ended after ${total} of ${count} bytes`);
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts);
}

describe.each(implementations.map((i) => [i.name, i] as const))('promises per recv and send (%s)', (_, implementation) => {
  it('a waiting recv, a one-piece send and a recv of bytes already decryptable are one promise each, both ways', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      for (const [reader, writer] of [
        [pair.server, pair.client],
        [pair.client, pair.server],
      ] as const) {
        const waiting = promisesCreatedBy(() => reader.recv(10));
        expect(waiting.promises).toBe(1);
        const sending = promisesCreatedBy(() => writer.send(text('hello')));
        expect(sending.promises).toBe(1);
        expect(await sending.result).toBe(5);
        expect(str(await waiting.result)).toBe('hello');
        // Two records in one send: a recv of 1 leaves the rest decryptable for the next.
        await writer.send(text('xy'));
        expect(str(await reader.recv(1))).toBe('x');
        const ready = promisesCreatedBy(() => reader.recv(10));
        expect(ready.promises).toBe(1);
        expect(str(await ready.result)).toBe('y');
      }
    } finally {
      await pair.close();
    }
  });

  it('sends go out in call order whether written at once or queued and in pieces', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      const big = Buffer.alloc(SEND_PIECE_SIZE * 4 + 7, 1);
      const receiving = receive(pair.server, 2 * big.length + 1 + 70_000 + 1 + 9_000 + 1);
      // A one-piece send first (written at once), then a large one and small ones queued behind it.
      const sent = await Promise.all([
        pair.client.send(Buffer.alloc(9_000, 5)),
        pair.client.send(big),
        pair.client.send(Buffer.from([2])),
        pair.client.send(Buffer.alloc(70_000, 3)),
      ]);
      expect(sent).toEqual([9_000, big.length, 1, 70_000]);
      // A large send first, then one-piece sends made while it runs.
      const after = await Promise.all([pair.client.send(big), pair.client.send(Buffer.from([4])), pair.client.send(Buffer.from([6]))]);
      expect(after).toEqual([big.length, 1, 1]);
      const expected = Buffer.concat([Buffer.alloc(9_000, 5), big, Buffer.from([2]), Buffer.alloc(70_000, 3), big, Buffer.from([4]), Buffer.from([6])]);
      expect((await receiving).equals(expected)).toBe(true);
      // Nothing is left over: the next bytes are the next send's.
      await pair.client.send(text('end'));
      expect(str(await pair.server.recv(10))).toBe('end');
    } finally {
      await pair.close();
    }
  });
});

/** A plain server that says one line, then starts TLS (node:tls) as a STARTTLS server does. */
async function upgradingServer(): Promise<{ server: Server; peers: Promise<tls.TLSSocket> }> {
  let upgraded!: (peer: tls.TLSSocket) => void;
  const peers = new Promise<tls.TLSSocket>((resolve) => (upgraded = resolve));
  const secureContext = tls.createSecureContext({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt') });
  const server = createServer((raw) => {
    raw.on('error', () => {});
    raw.write('220 ready for TLS\r\n');
    const peer = new tls.TLSSocket(raw, { isServer: true, secureContext });
    peer.on('error', () => {});
    peer.once('secure', () => upgraded(peer));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, peers };
}

describe.each(implementations.map((i) => [i.name, i] as const))('promises per recv and send after startTls (%s)', (_, implementation) => {
  // A send over a JavaScript Duplex takes the queued path (the pooled one-piece send writes to
  // node:net sockets only): its count is not pinned here.
  it.each(['a node:net socket', 'a JavaScript Duplex'] as const)('over %s: a waiting recv, a one-piece send (node:net) and a recv of bytes already decryptable are one promise each', async (over) => {
    const { server, peers } = await upgradingServer();
    let tcp: Socket | null = null;
    let client: TLSSocket | null = null;
    try {
      tcp = netConnect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
      const [line] = (await once(tcp, 'data')) as [Buffer];
      tcp.pause();
      expect(line.toString()).toBe('220 ready for TLS\r\n');
      const transport: Socket | Duplex = over === 'a node:net socket' ? tcp : jsTransport(tcp);
      const upgrading = startTls(new implementation.clientContext(clientConfig()), transport as Socket, { serverHostname: 'localhost' });
      const [socket, peer] = await Promise.all([upgrading, peers]);
      client = socket;
      const waiting = promisesCreatedBy(() => socket.recv(10));
      expect(waiting.promises).toBe(1);
      peer.write('hello');
      expect(str(await waiting.result)).toBe('hello');
      const received = once(peer, 'data');
      const sending = promisesCreatedBy(() => socket.send(text('ping')));
      if (over === 'a node:net socket') expect(sending.promises).toBe(1);
      expect(await sending.result).toBe(4);
      expect(((await received) as [Buffer])[0].toString()).toBe('ping');
      // Two records in one write: a recv of 1 leaves the rest decryptable for the next.
      peer.write('xy');
      expect(str(await socket.recv(1))).toBe('x');
      const ready = promisesCreatedBy(() => socket.recv(10));
      expect(ready.promises).toBe(1);
      expect(str(await ready.result)).toBe('y');
      // The peer's close_notify still ends the stream.
      peer.end();
      expect((await socket.recv(10)).length).toBe(0);
    } finally {
      await client?.close(true);
      tcp?.destroy();
      server.close();
    }
  });
});
