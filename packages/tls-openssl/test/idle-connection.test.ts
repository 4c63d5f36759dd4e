/**
 * What an idle tls-openssl connection holds (issue #16 item 3: memory per idle connection <= raw
 * node:tls's). Memory itself is measured in bench/memory.ts; this checks the structure behind it:
 * the TCP socket under each connection (tls-core's direct socket, reading into one shared buffer)
 * reads and hears its end through functions every connection shares, not closures of its own.
 */
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientContext, serverContext } from './fixtures.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** node:net's own symbol property of `socket` named `description` (its onread callback: kBufferCb). */
function symbolProperty(socket: Socket, description: string): unknown {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === description);
  return symbol === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[symbol];
}

describe('an idle tls-openssl connection', () => {
  it("shares its TCP socket's onread callback and end/close/error listeners across connections, client and server", async () => {
    // Every net.Socket that gets an 'error' listener while the connections are made.
    const sockets = new Set<Socket>();
    const on = Socket.prototype.on;
    vi.spyOn(Socket.prototype, 'on').mockImplementation(function (this: Socket, event: string | symbol, listener: (...args: never[]) => void) {
      if (event === 'error') sockets.add(this);
      return on.call(this, event, listener);
    });
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    listener.listen(8);
    const port = listener.getsockname()!.port;
    const pairs = [];
    try {
      for (let i = 0; i < 2; i++) {
        const accepting = listener.accept();
        const client = await clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
        const [server] = await accepting;
        await server.send(Buffer.from('ping'));
        expect(Buffer.from(await client.recv(4)).toString()).toBe('ping');
        pairs.push([client, server] as const);
      }
      // The direct sockets are the ones node:net reads into a caller's buffer (a kBufferCb).
      const direct = [...sockets].filter((socket) => typeof symbolProperty(socket, 'kBufferCb') === 'function' && !socket.destroyed);
      expect(direct.length).toBe(4); // two connections, each end
      const [first, ...others] = direct;
      for (const other of others) {
        expect(symbolProperty(other, 'kBufferCb')).toBe(symbolProperty(first!, 'kBufferCb'));
        for (const event of ['end', 'close', 'error']) {
          expect(first!.listeners(event).length).toBeGreaterThan(0);
          expect(other.listeners(event)).toEqual(first!.listeners(event));
        }
      }
      // Still read: a second round trip on each connection, then close.
      for (const [client, server] of pairs) {
        await client.send(Buffer.from('pong'));
        expect(Buffer.from(await server.recv(4)).toString()).toBe('pong');
        await Promise.all([client.close(true), server.close(true)]);
      }
    } finally {
      await listener.close();
    }
  });
});
