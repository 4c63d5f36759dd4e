/**
 * An HTTP/1.1 response that comes while the request body is still going out (RFC 9112 §9.5): the
 * client reads while it sends, so the caller gets the server's answer (a 413; curl does too), not
 * a send stuck until the timeout or failing with EPIPE/ECONNRESET; the connection is not reused.
 * A server that closes without any response during the upload gives a clear typed error.
 */
import { once } from 'node:events';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection, createDispatcher, fetch } from '@unitls/http';
import { clientConfig, pki } from '../support/fixtures.js';
import { nginxUnavailable, startNginx, type Nginx } from '../support/nginx.js';
import { implementations } from '../conformance/implementations.js';

/** Far more than the socket buffers hold. */
const BODY = Buffer.alloc(32 << 20, 0x61);

/**
 * A TLS server (node:tls) that answers a POST with 413 and Connection: close as soon as its head
 * arrived, then reads no more of the connection (its receive window stays shut: a client that
 * only reads after sending waits until its timeout); any other request gets 200 "ok". `connections`
 * counts the connections it accepted.
 */
async function refusingServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<tls.TLSSocket>();
  let connections = 0;
  const server = tls.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (head.startsWith('POST ')) {
        socket.off('data', onData);
        socket.pause();
        socket.write('HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large');
      } else {
        head = head.slice(end + 4);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
let nginx: Nginx;

beforeAll(async () => {
  const why = nginxUnavailable();
  if (why !== null) throw new Error(why);
  nginx = await startNginx({ cert: pki.path('server-ec', 'chain.crt'), key: pki.path('server-ec', 'key'), clientCAs: [pki.path('root')] });
}, 60_000);
afterAll(async () => {
  await nginx?.stop();
});

describe.each(implementations.map((i) => [i.name, i] as const))('an early response during an upload, over %s', (_, implementation) => {
  const https = (port: number, timeout?: number) => new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig(), ...(timeout === undefined ? {} : { timeout }) });

  it('a 413 sent while the body goes out, the server reading no more: returned at once; the next request takes a new connection', async () => {
    const server = await refusingServer();
    try {
      // Old code: stuck in the send until this timeout (ETIMEDOUT "the server took none of the request").
      await using connection = https(server.port, 20_000);
      connection.request('POST', '/upload', BODY);
      const response = await connection.getresponse();
      expect(response.status).toBe(413);
      expect(Buffer.from(await response.read()).toString()).toBe('too large');
      connection.request('GET', '/next');
      const next = await connection.getresponse();
      expect([next.status, Buffer.from(await next.read()).toString()]).toEqual([200, 'ok']);
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("nginx's 413 (client_max_body_size, lingering close) is returned with its body; the next request takes a new connection", async () => {
    await using connection = https(nginx.ports.h1);
    connection.request('POST', '/upload-limit', BODY);
    const response = await connection.getresponse();
    expect(response.status).toBe(413);
    expect(Buffer.from(await response.read()).toString()).toMatch(/413 Request Entity Too Large/);
    connection.request('GET', '/hello');
    const next = await connection.getresponse();
    expect(next.status).toBe(200);
    expect(Buffer.from(await next.read()).toString()).toMatch(/^hello HTTP\/1.1/);
  }, 60_000);

  // nginx answers a Content-Length over client_max_body_size at once: HEADERS 413, its body with
  // END_STREAM, then RST_STREAM NO_ERROR (probed with node:http2). The 20 MiB body went to
  // node:http2 as one write (HTTPSConnection's stream.end(body), undici's for fetch's one chunk),
  // over node:http2's session memory (10 MB), so node:http2 reset the stream with
  // ENHANCE_YOUR_CALM as the 413's headers arrived: "fetch failed", and a hint about header sizes.
  it("HTTP/2: nginx's 413 for a 20 MiB POST (client_max_body_size) is returned by HTTPSConnection", async () => {
    await using connection = https(nginx.ports.h2);
    connection.request('POST', '/upload-limit', Buffer.alloc(20 << 20, 0x61));
    const response = await connection.getresponse();
    expect([response.version, response.status]).toEqual(['2.0', 413]);
    expect(Buffer.from(await response.read()).toString()).toMatch(/413 Request Entity Too Large/);
  }, 60_000);

  it("HTTP/2: nginx's 413 for a 20 MiB POST is returned by fetch", async () => {
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    try {
      const response = await fetch(`https://localhost:${nginx.ports.h2}/upload-limit`, { method: 'POST', body: Buffer.alloc(20 << 20, 0x61), dispatcher });
      expect(response.status).toBe(413);
      expect(await response.text()).toMatch(/413 Request Entity Too Large/);
    } finally {
      await dispatcher.close();
    }
  }, 60_000);

  it('a body under the limit still goes out whole and the connection is kept', async () => {
    await using connection = https(nginx.ports.h1);
    connection.request('POST', '/method', Buffer.alloc(200_000, 0x62));
    const response = await connection.getresponse();
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.read()).toString()).toBe('POST 200000\n');
    connection.request('GET', '/method');
    expect(Buffer.from(await (await connection.getresponse()).read()).toString()).toBe('GET \n');
  }, 60_000);

  it('a server that closes without a response during the upload: a typed error, nothing unhandled', async () => {
    const server = tls.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (socket) => {
      socket.on('error', () => {});
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        // The head read, the body coming: closed unanswered (the rest of the body then meets a reset).
        if (head.includes('\r\n\r\n')) socket.destroy();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await using connection = https((server.address() as { port: number }).port);
      connection.request('PUT', '/upload', BODY);
      const failure = await connection.getresponse().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(HTTPException);
      expect((failure as HTTPException).code).toMatch(/^(ECONNRESET|UNITLS_HTTP_TRUNCATED)$/); // a reset, or an end without close_notify;
      expect((failure as Error).message).toMatch(/while the request body was being sent .*without a response/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
