/**
 * #14 item 15: connect({ timeout }) bounds the TCP connect and the handshake together, and
 * `signal` ends either wait with its reason, an already-aborted one before any connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blackhole as holdBlackhole, silentServer as listenSilently } from '../../../tests/support/silent-server.js';
import { clientContext } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The port of a peer whose accept queue is full: a TCP connect to it never completes. */
async function blackhole(): Promise<number> {
  const hole = await holdBlackhole();
  cleanups.push(() => hole.close());
  return hole.port;
}

/** A TCP server that accepts and never says a word; counts its connections. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  const server = await listenSilently();
  cleanups.push(() => server.close());
  return { port: server.port, connections: () => server.held.length };
}

describe('connect deadlines', () => {
  it('timeout covers the TCP connect (a peer whose accept queue is full)', async () => {
    const port = await blackhole();
    await expect(clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', timeout: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('timeout covers the handshake (a server that accepts TCP and never answers)', async () => {
    const { port } = await silentServer();
    await expect(clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', timeout: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('signal ends the TCP connect with its reason', async () => {
    const port = await blackhole();
    const controller = new AbortController();
    const connecting = clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', signal: controller.signal });
    const reason = new Error('the user gave up');
    controller.abort(reason);
    await expect(connecting).rejects.toBe(reason);
  });

  it('signal ends the handshake with its reason', async () => {
    const { port, connections } = await silentServer();
    const controller = new AbortController();
    const connecting = clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', signal: controller.signal });
    while (connections() === 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('the user gave up');
    controller.abort(reason);
    await expect(connecting).rejects.toBe(reason);
  });

  it('an already-aborted signal rejects with its reason before any TCP connection', async () => {
    const { port, connections } = await silentServer();
    const reason = new Error('aborted before the call');
    await expect(clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const blackholed = await blackhole();
    await expect(clientContext().connect({ host: '127.0.0.1', port: blackholed }, { serverHostname: 'localhost', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(connections()).toBe(0);
  });

  it('refuses a negative timeout with a RangeError before connecting', async () => {
    const { port, connections } = await silentServer();
    await expect(clientContext().connect({ host: '127.0.0.1', port }, { timeout: -1 })).rejects.toBeInstanceOf(RangeError);
    expect(connections()).toBe(0);
  });
});
