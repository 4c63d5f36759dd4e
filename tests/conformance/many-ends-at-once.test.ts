/**
 * breaker8 (session 7, after node-memory's 8a3d0ed shared node:tls's per-connection listeners on
 * the TCP socket and stopped caching the peer address): many server connections ending at once,
 * each a different way (close_notify and FIN, FIN alone, a reset, the client's close() right after
 * the handshake), plus connections lost during the handshake (a reset after half a ClientHello, a
 * FIN before any byte), on every implementation's server with node:tls raw clients. Every accepted
 * connection's recv settles (bytes, 0, RaggedEOF or an error: never a hang), the listener goes on
 * accepting, getpeername() is an address or null (never a throw), and nothing is unhandled.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TLSError, type TLSSocket } from '@unitls/tls-core';
import { serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const COUNT = 40;
const ENDINGS = ['end', 'destroy', 'reset', 'send-and-end'] as const;

/** A node:tls client over a TCP socket of our own (`tcp`), so that it can be reset. */
const tcpOf = new WeakMap<tls.TLSSocket, net.Socket>();
function rawClient(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const tcp = net.connect(port, '127.0.0.1');
    tcp.on('error', () => {});
    const socket = tls.connect({ socket: tcp, servername: 'localhost', rejectUnauthorized: false }, () => resolve(socket));
    tcpOf.set(socket, tcp);
    socket.on('error', reject);
  });
}

const HANG = Symbol('hang');
const settle = (p: Promise<unknown>) => Promise.race([p.then((v) => (v instanceof Uint8Array ? v.length : v), (e: unknown) => (e as Error).name), delay(8000).then(() => HANG)]);

describe.each(implementations.map((i) => [i.name, i] as const))('server connections ending at once (%s)', (_, implementation) => {
  it(`${COUNT} connections ending together in ${ENDINGS.length} ways, and handshakes lost halfway: every recv settles, the listener goes on`, async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    const port = listener.getsockname()!.port;
    const accepted: TLSSocket[] = [];
    const clients: tls.TLSSocket[] = [];
    try {
      // Lost during the handshake: half a ClientHello then a reset; a FIN before any byte.
      for (let i = 0; i < 5; i++) {
        const half = net.connect(port, '127.0.0.1');
        half.on('error', () => {});
        await once(half, 'connect');
        half.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
        half.resetAndDestroy();
        const fin = net.connect(port, '127.0.0.1');
        fin.on('error', () => {});
        await once(fin, 'connect');
        fin.end();
      }
      // accept() rejects for each connection whose handshake failed (TLSListener, as Python's
      // accept with do_handshake_on_connect): taken until a handshaken one comes.
      const acceptOne = async () => {
        for (let failures = 0; ; failures++) {
          try {
            return (await listener.accept())[0];
          } catch (error) {
            expect(error).toBeInstanceOf(TLSError);
            expect(failures).toBeLessThan(10);
          }
        }
      };
      for (let i = 0; i < COUNT; i++) {
        const [client, socket] = await Promise.all([rawClient(port), acceptOne()]);
        client.on('error', () => {});
        clients.push(client);
        accepted.push(socket);
      }
      const reads = accepted.map((socket) => settle(socket.recv(1024)));
      clients.forEach((client, i) => {
        const how = ENDINGS[i % ENDINGS.length]!;
        if (how === 'end') client.end();
        else if (how === 'destroy') client.destroy();
        else if (how === 'reset') tcpOf.get(client)!.resetAndDestroy();
        else client.end('last words');
      });
      const outcomes = await Promise.all(reads);
      expect(outcomes.filter((o) => o === HANG)).toEqual([]);
      for (const socket of accepted) {
        const peer = socket.getpeername();
        expect(peer === null || typeof peer.port === 'number').toBe(true);
      }
      // The listener still works.
      const [last, socket] = await Promise.all([rawClient(port), acceptOne()]);
      await socket.send(Buffer.from('still here'));
      const [data] = await once(last, 'data');
      expect(String(data)).toBe('still here');
      last.destroy();
      await socket.close(true);
    } finally {
      for (const client of clients) client.destroy();
      await Promise.all(accepted.map((socket) => socket.close(true).catch(() => {})));
      await listener.close();
    }
  });
});
