/**
 * A peer that does not speak TLS gets one message per situation on every implementation (tls-core
 * NOT_TLS, RECORD_OVERFLOW): a client whose server answered in plain text is asked "is this a TLS
 * port?"; a server whose client sent plain text (HTTP) is told so, without that advice (it is the
 * TLS port); after the handshake, non-TLS bytes say the connection is corrupted and an oversized
 * record header says record_overflow.
 *
 * Before: a server got "http request" (tls-node, tls-openssl) or tls-pure's "is this a TLS port?";
 * tls-openssl called an oversized record after the handshake "the peer did not answer with TLS
 * (wrong version number): is this a TLS port?" (OpenSSL's "packet length too long"), tls-node
 * "encrypted length too long", and each implementation worded the rest its own way.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NOT_TLS, RECORD_OVERFLOW, TLSError } from '@unitls/tls-core';
import { conformanceImplementations } from './implementations.js';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { useServersSendingRaw } from '../support/raw-after-handshake.js';

const closers: Array<() => void> = [];
afterEach(() => {
  closers.splice(0).forEach((close) => close());
});

/** A plain-text server answering its first bytes as an HTTP server would. */
async function plainHttpServer(): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    sockets.forEach((socket) => socket.destroy());
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

const serverSending = useServersSendingRaw();

describe.each(conformanceImplementations.map((i) => [i.name, i] as const))('a peer that does not speak TLS (%s)', (_, implementation) => {
  /** What a listener's accept() gives for a client that sends `bytes` instead of a ClientHello. */
  async function acceptAfter(bytes: string | Buffer): Promise<unknown> {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    const tcp = net.connect(listener.getsockname()!.port, '127.0.0.1');
    try {
      tcp.on('error', () => {});
      tcp.resume();
      await once(tcp, 'connect');
      tcp.write(bytes);
      return await listener.accept().catch((error: unknown) => error);
    } finally {
      tcp.destroy();
      await listener.close();
    }
  }

  it('a server given a plain HTTP request says the client did not speak TLS (no "is this a TLS port?")', async () => {
    const outcome = await acceptAfter('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(outcome).toBeInstanceOf(TLSError);
    expect((outcome as Error).message).toContain(`TLS handshake failed: ${NOT_TLS.fromClient}`);
    expect((outcome as Error).message).not.toMatch(/TLS port\?/);
  });

  it('a server given an SSL 2.0-format ClientHello says no TLS version is in common (not "plain text")', async () => {
    // RFC 5246 E.2's SSLv2-compatible CLIENT-HELLO (version 3.1, one cipher spec, a 16-byte
    // challenge), as SSL 3.0-era clients sent it; RFC 8446 D.5: not to be accepted.
    const hello = Buffer.from('801c0103010003000000100000 2f'.replace(/ /g, '') + '11'.repeat(16), 'hex');
    const outcome = await acceptAfter(hello);
    expect(outcome).toBeInstanceOf(TLSError);
    expect((outcome as Error).message).toContain('TLS handshake failed: no TLS version in common with the peer');
    expect((outcome as Error).message).not.toContain(NOT_TLS.fromClient);
  });

  it('a client answered in plain text asks whether this is a TLS port', async () => {
    const port = await plainHttpServer();
    const outcome = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(TLSError);
    // The same words on every implementation, "TLS handshake failed:" first (tls-pure lacked it).
    expect((outcome as Error).message).toContain(`TLS handshake failed: ${NOT_TLS.fromServer}`);
  });

  it.each([
    ['plain text ("GET /")', '474554202f', NOT_TLS.afterHandshake],
    ['an application_data header announcing 16641 bytes', '1703034101', RECORD_OVERFLOW],
    ['an application_data header announcing 65535 bytes', '170303ffff', RECORD_OVERFLOW],
  ])('after the handshake, %s: recv says so, not "is this a TLS port?"', async (_, hex, phrase) => {
    const port = await serverSending(Buffer.from(hex, 'hex'));
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(new TextDecoder().decode(await socket.recv(1))).toBe('A');
      const outcome = await socket.recv(100).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(TLSError);
      expect((outcome as Error).message).toContain(phrase);
      expect((outcome as Error).message).not.toMatch(/TLS port\?/);
    } finally {
      await socket.close(true);
    }
  });
});
