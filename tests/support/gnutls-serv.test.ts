/**
 * startGnutlsServ (gnutls-serv.ts): up only once gnutls-serv says it listens, and on a port taken
 * by another process ("bind() failed"; GnuTLS 3.7 then stays up listening on nothing) it is killed
 * and a new port is tried, three in all. The taken port is held by this process's own listener,
 * handed to the helper as its first port.
 */
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './daemons.js';
import { pki } from './fixtures.js';
import { startGnutlsServ, type GnutlsServ } from './gnutls-serv.js';
import { peerMissing } from './peers.mjs';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A port this process listens on (every address), so gnutls-serv cannot bind it. */
async function takenPort(): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy()).listen(0);
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

const args = () => ['--x509certfile', pki.path('server-ec', 'chain.crt'), '--x509keyfile', pki.path('server-ec', 'key')];

async function started(server: Promise<GnutlsServ>): Promise<GnutlsServ> {
  const s = await server;
  cleanups.push(() => s.close());
  return s;
}

describe('startGnutlsServ', () => {
  beforeAll(() => {
    const missing = peerMissing(['gnutls-bin']);
    if (missing !== null) throw new Error(missing);
  });

  it('a first port taken by another process: gnutls-serv cannot bind it, and it listens on the next port tried', async () => {
    const taken = await takenPort();
    const ports = [taken, await freePort()];
    const tried: number[] = [];
    const server = await started(startGnutlsServ(args(), { port: async () => (tried.push(ports[tried.length]!), ports[tried.length - 1]!) }));
    expect(tried).toEqual(ports);
    expect(server.port).toBe(ports[1]);
    // Listening when it resolves: a TCP connect succeeds at once.
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.destroy();
  });

  it('every port taken: fails after three tries, with what gnutls-serv said', async () => {
    const taken = await takenPort();
    let tries = 0;
    const error = await startGnutlsServ(args(), { port: async () => (tries++, taken) }).catch((e: unknown) => e);
    expect(tries).toBe(3);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^gnutls-serv did not start on 3 ports:/);
    expect((error as Error).message).toContain(`port ${taken}: could not listen: bind() failed`);
  });
});
