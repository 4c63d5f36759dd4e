/**
 * Callers who stop early over HTTP (break16): an HTTPResponse iterated whose loop body throws,
 * closes the connection or aborts the connection's signal while the rest of the body is already
 * received, on every implementation. The rest is not handed over as if the body went on; the
 * next read says why; no rejection unhandled. And a fetch() body (undici over createDispatcher)
 * left by break, by a throw, or by the request's signal after its first chunk: the server sees
 * that connection close and the dispatcher serves the next request.
 */
import { once } from 'node:events';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { expectNoStrayErrors } from '../support/stray-errors.js';
import { fetch } from 'undici';
import { HTTPException, HTTPSConnection, createDispatcher } from '@unitls/http';
import { clientConfig, pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

expectNoStrayErrors();

/** A chunked body of three chunks, all sent at once with the head. */
const chunked = () =>
  scriptedOrigin(async (c) => {
    await c.head();
    await c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n');
  });

describe.each(implementations.map((i) => [i.name, i] as const))('an iterated response body left by its loop body, over %s', (_, implementation) => {
  it('a throw: the caller gets its own error; the rest of the body is cancelled (a later read fails)', async () => {
    const origin = await chunked();
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const mine = new Error('mine');
    await expect(
      (async () => {
        for await (const _chunk of response) throw mine;
      })(),
    ).rejects.toBe(mine);
    await expect(response.read()).rejects.toBeInstanceOf(HTTPException);
  });

  it('close() in the loop body: the next step rejects, the rest is not handed over', async () => {
    const origin = await chunked();
    const connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of response) {
        seen.push(Buffer.from(chunk).toString());
        await connection.close();
      }
      return 'ended';
    })().catch((e: unknown) => e);
    expect(seen.join('')).not.toBe('onetwothree');
    expect(error).toBeInstanceOf(HTTPException);
  });

  it("the connection's signal aborted in the loop body: the next step rejects with ABORT_ERR", async () => {
    const origin = await chunked();
    const controller = new AbortController();
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), signal: controller.signal });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of response) {
        seen.push(Buffer.from(chunk).toString());
        controller.abort(new Error('enough'));
      }
      return 'ended';
    })().catch((e: unknown) => e);
    expect(seen.join('')).not.toBe('onetwothree');
    expect(error).toMatchObject({ code: 'ABORT_ERR' });
  });
});

/** An HTTPS/1.1 origin: `/big` sends 8 MiB, anything else a short text; counts the sockets still open. */
async function bigOrigin() {
  const sockets = new Set<Socket>();
  const server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (req, res) => {
    res.on('error', () => {});
    if (req.url === '/big') res.end(Buffer.alloc(8 << 20, 7));
    else res.end('small');
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://localhost:${(server.address() as { port: number }).port}`,
    open: () => sockets.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.each(implementations.map((i) => [i.name, i] as const))('a fetch() body left early, over %s', (_, implementation) => {
  const leavers: Record<string, (body: AsyncIterable<Uint8Array>, controller: AbortController) => Promise<unknown>> = {
    break: async (body) => {
      for await (const _chunk of body) break;
    },
    throw: async (body) => {
      for await (const _chunk of body) throw new Error('mine');
    },
    'the signal': async (body, controller) => {
      for await (const _chunk of body) controller.abort(new Error('enough'));
    },
  };
  it.each(Object.keys(leavers))('%s: that connection closes, the next request is answered', async (how) => {
    const origin = await bigOrigin();
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false, connections: 1 } });
    try {
      const controller = new AbortController();
      const response = await fetch(`${origin.url}/big`, { dispatcher, signal: controller.signal });
      const outcome = await leavers[how]!(response.body!, controller).then(
        () => 'left',
        (e: unknown) => (e as Error).message,
      );
      expect(outcome).toBe({ break: 'left', throw: 'mine', 'the signal': 'enough' }[how]);
      await vi.waitFor(() => expect(origin.open()).toBe(0));
      expect(await (await fetch(`${origin.url}/next`, { dispatcher })).text()).toBe('small');
    } finally {
      await dispatcher.close();
      await origin.close();
    }
  });
});
