/**
 * Padded TLS 1.3 records from a foreign stack (RFC 8446 5.4: TLSInnerPlaintext's zeros after the
 * content type, which the receiver strips): `openssl s_server -record_padding` sending to the
 * tls-pure client and `openssl s_client -record_padding` sending to the tls-pure server. A relay
 * between them reads the record layer (5-byte headers only) of the OpenSSL side, so each test also
 * shows the padding was really on the wire: OpenSSL pads the inner plaintext to a multiple of the
 * block, so its encrypted records are 16 (the AEAD tag) plus a multiple of BLOCK bytes long.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TLSSocket } from '@unitls/tls-core';
import { runClient, startServer, type OpenSSLServer } from '../../../tests/support/openssl.js';
import { PureClientContext, PureServerContext } from '../src/mod.js';
import { clientConfiguration, pkiFiles, serverConfiguration, testPki } from './support.js';

const BLOCK = 512;
const TAG = 16;
const APPLICATION_DATA = 23;

const pki = await testPki();
const { root, serverCert, intermediate, serverKey, remove } = pkiFiles(pki, 'tls-pure-padding-');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(remove);

/**
 * A TCP relay to 127.0.0.1:target that records the length of every encrypted record (outer type
 * application_data) the target sends (`fromTarget`) or the dialler sends (`toTarget`).
 */
async function recordRelay(target: number): Promise<{ port: number; fromTarget: number[]; toTarget: number[] }> {
  const fromTarget: number[] = [];
  const toTarget: number[] = [];
  const sockets = new Set<net.Socket>();
  const watch = (lengths: number[]) => {
    let held = Buffer.alloc(0);
    return (chunk: Buffer) => {
      held = Buffer.concat([held, chunk]);
      while (held.length >= 5 && held.length >= 5 + held.readUInt16BE(3)) {
        const length = held.readUInt16BE(3);
        if (held[0] === APPLICATION_DATA) lengths.push(length);
        held = held.subarray(5 + length);
      }
    };
  };
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.on('data', watch(toTarget));
    outbound.on('data', watch(fromTarget));
    inbound.pipe(outbound).pipe(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, fromTarget, toTarget };
}

async function readLine(socket: TLSSocket): Promise<string> {
  let received = '';
  while (!received.includes('\n')) {
    const chunk = await socket.recv(4096);
    if (chunk.length === 0) break;
    received += Buffer.from(chunk).toString();
  }
  return received;
}

const padded = (length: number) => length >= TAG + BLOCK && (length - TAG) % BLOCK === 0;

describe('tls-pure reads records OpenSSL pads (RFC 8446 5.4)', () => {
  it(`as a client: s_server -record_padding ${BLOCK}`, async () => {
    const server: OpenSSLServer = await startServer(['-cert', serverCert, '-cert_chain', intermediate, '-key', serverKey, '-tls1_3', '-record_padding', String(BLOCK), '-rev']);
    cleanups.push(() => server.close());
    const relay = await recordRelay(server.port);
    const socket = await new PureClientContext(clientConfiguration(pki)).connect({ host: 'localhost', port: relay.port });
    try {
      await socket.send(new TextEncoder().encode('padded hello\n'));
      // -rev answers the line reversed: the content, not the zeros after it.
      expect(await readLine(socket)).toBe('olleh deddap\n');
      expect(socket.negotiatedTlsVersion).toBe('TLSv1.3');
    } finally {
      await socket.close(true);
    }
    // s_server's encrypted records (its handshake flight and the answer) were padded: the test read them.
    expect(relay.fromTarget.length).toBeGreaterThan(0);
    expect(relay.fromTarget.filter(padded)).toEqual(relay.fromTarget);
  });

  it(`as a server: s_client -record_padding ${BLOCK}`, async () => {
    const context = new PureServerContext(serverConfiguration(pki));
    const listener = await context.connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    const accepted = listener.accept().then(async ([socket]) => {
      const line = await readLine(socket);
      await socket.send(new TextEncoder().encode('got it\n'));
      return { socket, line };
    });
    const relay = await recordRelay(listener.getsockname()!.port);
    const client = runClient(relay.port, ['-brief', '-tls1_3', '-CAfile', root, '-servername', 'localhost', '-record_padding', String(BLOCK)], 'padded ping\n', /got it/);
    const { socket, line } = await accepted;
    const run = await client;
    await socket.close(true);
    expect(line).toBe('padded ping\n');
    expect(run.output).toContain('got it');
    expect(relay.toTarget.length).toBeGreaterThan(0);
    expect(relay.toTarget.filter(padded)).toEqual(relay.toTarget);
  });
});
