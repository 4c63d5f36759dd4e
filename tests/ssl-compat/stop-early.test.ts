/**
 * Callers who stop early over the ssl-compat Duplex (break16): `for await` over the socket left by
 * break or by a throw after the first chunk, and the connect's signal aborted mid-stream, on every
 * implementation beside node:tls itself. The socket is destroyed and closed, the server sees it
 * close, the loop gets the caller's error or the abort, and nothing is unhandled.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import { expectNoStrayErrors } from '../support/stray-errors.js';
import { createConnect } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const servers: tls.Server[] = [];
expectNoStrayErrors();

/** A node:tls server that keeps sending 16 KiB writes until its client leaves; `closed()` once it has. */
async function endlessServer(): Promise<{ port: number; closed: () => boolean }> {
  let open = 0;
  let seen = 0;
  const server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt') }, (peer) => {
    seen++;
    open++;
    peer.on('error', () => {});
    peer.on('close', () => open--);
    const chunk = Buffer.alloc(16 * 1024, 7);
    const pump = () => {
      while (!peer.destroyed && peer.write(chunk));
    };
    peer.on('drain', pump);
    pump();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, closed: () => seen > 0 && open === 0 };
}

type Connect = (port: number, signal?: AbortSignal) => Duplex;
const viaNodeTls: Connect = (port, signal) => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root'), ...(signal ? { signal } : {}) } as tls.ConnectionOptions);
const via = (each: (typeof implementations)[number]): Connect => (port, signal) => createConnect(each)({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root'), ...(signal ? { signal } : {}) });
const cases: Array<[string, Connect]> = [['node:tls itself', viaNodeTls], ...implementations.map((each): [string, Connect] => [`ssl-compat over ${each.name}`, via(each)])];

describe.each(cases)('for await over the socket, left early: %s', (_, connect) => {
  it('break after the first chunk: the socket is destroyed, the server sees it close', async () => {
    const server = await endlessServer();
    const socket = connect(server.port);
    socket.on('error', () => {});
    for await (const _chunk of socket) break;
    expect(socket.destroyed).toBe(true);
    await vi.waitFor(() => expect(server.closed()).toBe(true));
  });

  it('a throw after the first chunk: the loop rejects with it, the socket is destroyed, the server sees it close', async () => {
    const server = await endlessServer();
    const socket = connect(server.port);
    const mine = new Error('mine');
    await expect(
      (async () => {
        for await (const _chunk of socket) throw mine;
      })(),
    ).rejects.toBe(mine);
    expect(socket.destroyed).toBe(true);
    await vi.waitFor(() => expect(server.closed()).toBe(true));
  });

  it("the connect's signal aborted after the first chunk: the loop rejects with an AbortError, the server sees the close", async () => {
    const server = await endlessServer();
    const controller = new AbortController();
    const socket = connect(server.port, controller.signal);
    const error = await (async () => {
      for await (const _chunk of socket) controller.abort();
      return 'ended';
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(socket.destroyed).toBe(true);
    await vi.waitFor(() => expect(server.closed()).toBe(true));
  });
});
