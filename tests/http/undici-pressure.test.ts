/**
 * undici over unitls under the recv rule of session 6 (one recv at a time, CONCURRENT_RECV; close()
 * ends a waiting recv with RECV_ENDED_BY_CLOSE): the reads undici makes through TLSSocketStream
 * when the caller reads slowly, aborts a body half-way, or puts two requests on one connection
 * (HTTP/1.1 pipelining, and two HTTP/2 streams at once), on every implementation. Each asserts
 * the bytes (SHA-256) and that the dispatcher stays usable; none waits on time.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '@unitls/http';
import { fetch, request } from 'undici';
import { clientConfig, pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** 4 MiB that are not all one byte, so a reordered or repeated chunk shows in the hash. */
const BIG = Buffer.from(Array.from({ length: 4 << 20 }, (_, i) => (i * 7 + (i >> 16)) & 0xff));
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** An HTTPS/1.1 origin: `/big` sends BIG, `/echo` sends back the request body, `/n` says which connection. */
async function origin() {
  const sockets = new Set<Socket>();
  const connectionOf = new WeakMap<Socket, number>();
  let connections = 0;
  const server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (req, res) => {
    res.on('error', () => {});
    if (req.url === '/big') res.end(BIG);
    else if (req.url === '/echo') req.pipe(res);
    else req.resume().on('end', () => res.end(`${req.url} on connection ${connectionOf.get(req.socket)}`));
  });
  server.on('secureConnection', (socket: Socket) => {
    connectionOf.set(socket, ++connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `https://localhost:${(server.address() as { port: number }).port}`, open: () => sockets.size };
}

describe.each(implementations.map((each) => [each.name, each] as const))('undici under pressure on %s', (_, implementation) => {
  function dispatcher(agent: NonNullable<Parameters<typeof createDispatcher>[0]>['agent'] = {}) {
    const created = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false, ...agent } });
    closers.push(() => created.close());
    return created;
  }

  it('a slow body reader (one chunk, then the event loop runs on) gets the 4 MiB intact, then the connection serves again', async () => {
    const server = await origin();
    const agent = dispatcher({ connections: 1 });
    const response = await fetch(`${server.url}/big`, { dispatcher: agent });
    const reader = response.body!.getReader();
    const parts: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      parts.push(next.value);
      // The reader lags: undici's buffer fills, the stream stops pulling, then resumes.
      await turns(parts.length % 8 === 0 ? 50 : 1);
    }
    expect(sha(Buffer.concat(parts))).toBe(sha(BIG));
    await turns(1);
    expect(await (await fetch(`${server.url}/again`, { dispatcher: agent })).text()).toBe('/again on connection 1');
  });

  it('an aborted body (after its first chunk) rejects the read with the reason, and the dispatcher serves the next request', async () => {
    const server = await origin();
    const agent = dispatcher({ connections: 1 });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/big`, { dispatcher: agent, signal: controller.signal });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })()).rejects.toBe(reason);
    const next = await fetch(`${server.url}/after-abort`, { dispatcher: agent });
    expect(await next.text()).toMatch(/^\/after-abort on connection \d$/);
  });

  it('an upload of 4 MiB echoed back while it is still being sent', async () => {
    const server = await origin();
    const agent = dispatcher({ connections: 1 });
    const { body } = await request(`${server.url}/echo`, { dispatcher: agent, method: 'POST', body: BIG });
    expect(sha(Buffer.from(await body.arrayBuffer()))).toBe(sha(BIG));
  });

  it('two requests pipelined on one connection (HTTP/1.1 pipelining 2): both answers, in order, on connection 1', async () => {
    const server = await origin();
    const agent = dispatcher({ connections: 1, pipelining: 2 });
    // Each body is read as its head arrives: the second head comes after the first body (in order).
    const [bigBody, smallBody] = await Promise.all([
      request(`${server.url}/big`, { dispatcher: agent }).then((response) => response.body.arrayBuffer()),
      request(`${server.url}/second`, { dispatcher: agent }).then((response) => response.body.text()),
    ]);
    expect(sha(Buffer.from(bigBody))).toBe(sha(BIG));
    expect(smallBody).toBe('/second on connection 1');
  });

  it('two HTTP/2 streams at once on one connection, one read slowly, both intact', async () => {
    // HTTP/2 only (no allowHTTP1): both answers can only come over h2.
    const server = http2.createSecureServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') });
    let sessions = 0;
    server.on('session', () => sessions++);
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      stream.end(headers[':path'] === '/big' ? BIG : 'small');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    // One connection, several streams on it (undici counts HTTP/2 streams against `pipelining`).
    const agent = createDispatcher({ implementation, configuration: clientConfig(), agent: { connections: 1, pipelining: 10 } });
    closers.push(() => agent.close());
    const url = `https://localhost:${(server.address() as { port: number }).port}`;
    const [big, small] = await Promise.all([fetch(`${url}/big`, { dispatcher: agent }), fetch(`${url}/small`, { dispatcher: agent })]);
    const reader = big.body!.getReader();
    const parts: Uint8Array[] = [];
    const bigDone = (async () => {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        parts.push(next.value);
        await turns(parts.length % 8 === 0 ? 20 : 1);
      }
    })();
    expect(await small.text()).toBe('small');
    await bigDone;
    expect(sha(Buffer.concat(parts))).toBe(sha(BIG));
    expect(sessions).toBe(1);
  });
});
