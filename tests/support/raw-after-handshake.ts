/** A node:tls TLS 1.3 server that sends raw bytes on its TCP socket after the handshake: hostile-record tests. */
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterEach } from 'vitest';
import { pki } from './fixtures.js';

/**
 * A `serverSending(raw)` for the calling test file: each server sends 'A' (TLS), then `raw` on its
 * TCP socket, and keeps the connection open; resolves with its port. Every server it starts is
 * closed after each test.
 */
export function useServersSendingRaw(): (raw: Buffer) => Promise<number> {
  const closers: Array<() => void> = [];
  afterEach(() => {
    closers.splice(0).forEach((close) => close());
  });
  return async (raw) => {
    const server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt'), minVersion: 'TLSv1.3' });
    const raws: net.Socket[] = [];
    server.on('connection', (socket: net.Socket) => {
      raws.push(socket);
      socket.on('error', () => {});
      server.once('secureConnection', (secure: tls.TLSSocket) => {
        secure.on('error', () => {});
        secure.write('A', () => socket.write(raw));
      });
    });
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => {
      raws.forEach((socket) => socket.destroy());
      server.close();
    });
    return (server.address() as net.AddressInfo).port;
  };
}
