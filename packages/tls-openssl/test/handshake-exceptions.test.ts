/**
 * A connection's handshake and close build no exception object (issue #16): BufferSocket drives
 * tls-openssl's handshakeStep / shutdownStep, which answer "want input" with a status, where
 * PEP 748's doHandshake and shutdown throw WantReadError (a TLSError with its stack trace: one per
 * flight of the handshake and one per close, on every connection). The public TLSBuffer methods
 * still throw as PEP 748 says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READ_WANT_READ, STEP_DONE, TLSError, WantReadError, type TLSSocket } from '@unitls/tls-core';
import { clientContext, pump, serverContext } from './fixtures.js';
import type { OpenSSLBuffer } from '../src/mod.js';

/**
 * Counts every TLSError (subclasses included) built from now until `stop()`: TLSError's constructor
 * assigns `this.name`, which reaches a setter on the prototype (the instance gets its own `name`,
 * as the plain assignment gave it).
 */
function countTlsErrors(): { built: () => number; stop: () => void } {
  let built = 0;
  Object.defineProperty(TLSError.prototype, 'name', {
    configurable: true,
    get(): string {
      return 'TLSError';
    },
    set(this: TLSError, value: string) {
      built++;
      Object.defineProperty(this, 'name', { value, writable: true, enumerable: true, configurable: true });
    },
  });
  return {
    built: () => built,
    stop: () => void delete (TLSError.prototype as { name?: string }).name,
  };
}

/**
 * A tls-openssl server and client in this process: the client connects, reads the server's "k" and
 * closes. Returns what `built` says once both ends closed (the listener's close builds its own
 * TLSError, for the accept() calls it ends: not one per connection).
 */
async function connection(close: (socket: TLSSocket) => Promise<void>, built: () => number): Promise<number> {
  const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
  try {
    const served = (async () => {
      const [socket] = await listener.accept();
      try {
        await socket.send(new Uint8Array([0x6b]));
        expect((await socket.recv(16)).length).toBe(0); // the client's close_notify
      } finally {
        await socket.close(true);
      }
    })();
    const socket = await clientContext().connect({ host: '127.0.0.1', port: listener.getsockname()!.port }, { serverHostname: 'localhost' });
    expect([...(await socket.recv(16))]).toEqual([0x6b]);
    await close(socket);
    await served;
    return built();
  } finally {
    await listener.close();
  }
}

describe('handshake and close on tls-openssl build no TLSError', () => {
  let counter: ReturnType<typeof countTlsErrors>;
  beforeEach(() => {
    counter = countTlsErrors();
  });
  afterEach(() => counter.stop());

  it('the counter sees a WantReadError built (it would see the old code path)', () => {
    expect(new WantReadError()).toBeInstanceOf(TLSError);
    expect(counter.built()).toBe(1);
  });

  it('connect, accept, one byte each way, close(true) on both ends: none built', async () => {
    expect(await connection((socket) => socket.close(true), counter.built)).toBe(0);
  });

  it('with close() waiting for the peer close_notify: none built', async () => {
    expect(await connection((socket) => socket.close(), counter.built)).toBe(0);
  });
});

describe('handshakeStep / shutdownStep answer with statuses; doHandshake / shutdown still throw (PEP 748)', () => {
  it('a handshake and close in memory, through the status methods', () => {
    const client = clientContext().createBuffer('localhost') as OpenSSLBuffer;
    const server = serverContext().createBuffer() as OpenSSLBuffer;
    expect(client.handshakeStep()).toBe(READ_WANT_READ);
    pump(client, server);
    expect(server.handshakeStep()).toBe(READ_WANT_READ);
    pump(server, client);
    expect(client.handshakeStep()).toBe(STEP_DONE);
    pump(client, server);
    expect(server.handshakeStep()).toBe(STEP_DONE);
    expect(client.negotiatedTlsVersion).toBe('TLSv1.3');
    expect(client.shutdownStep()).toBe(READ_WANT_READ);
    pump(client, server);
    expect(server.shutdownStep()).toBe(STEP_DONE);
    pump(server, client);
    expect(client.shutdownStep()).toBe(STEP_DONE);
  });

  it('the PEP 748 methods throw WantReadError where the steps say READ_WANT_READ', () => {
    const client = clientContext().createBuffer('localhost');
    const server = serverContext().createBuffer();
    expect(() => client.doHandshake()).toThrow(WantReadError);
    pump(client, server);
    expect(() => server.doHandshake()).toThrow(WantReadError);
    pump(server, client);
    client.doHandshake();
    pump(client, server);
    server.doHandshake();
    expect(() => client.shutdown()).toThrow(WantReadError);
    pump(client, server);
    server.shutdown();
    pump(server, client);
    client.shutdown();
  });
});
