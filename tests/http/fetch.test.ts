import { once } from 'node:events';
import * as https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateVerificationError } from '@unitls/tls-core';
import { createDispatcher } from '@unitls/http';
import { fetch } from 'undici';
import { clientConfig, pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const servers: https.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function origin(leaf: 'server-ec' | 'expired' | 'wronghost' = 'server-ec') {
  let connections = 0;
  const server = https.createServer({ cert: pki.pem(leaf, 'chain.crt'), key: pki.pem(leaf, 'key') }, (request, response) => {
    const body: Buffer[] = [];
    request.on('data', (chunk: Buffer) => body.push(chunk));
    request.on('end', () => {
      const socket = request.socket as import('node:tls').TLSSocket;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ method: request.method, url: request.url, body: Buffer.concat(body).toString(), tls: socket.getProtocol() }));
    });
  });
  server.on('secureConnection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `https://localhost:${(server.address() as { port: number }).port}`, connections: () => connections };
}

describe.each(implementations.map((i) => [i.name, i] as const))('fetch over %s', (_, implementation) => {
  it('GETs and POSTs over HTTPS, reusing one kept-alive connection', async () => {
    const server = await origin();
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    const get = await fetch(`${server.url}/hello?x=1`, { dispatcher });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ method: 'GET', url: '/hello?x=1', body: '', tls: 'TLSv1.3' });
    // undici frees the connection for the next request once it has processed the end of this one.
    await new Promise((resolve) => setImmediate(resolve));
    const post = await fetch(`${server.url}/submit`, { dispatcher, method: 'POST', body: 'payload' });
    expect(await post.json()).toMatchObject({ method: 'POST', body: 'payload' });
    expect(server.connections()).toBe(1);
    await dispatcher.close();
  });

  it("rejects an origin whose certificate fails, with the implementation's reason as the cause", async () => {
    for (const [leaf, reason] of [['expired', 'expired'], ['wronghost', 'hostname-mismatch']] as const) {
      const server = await origin(leaf);
      const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
      const error = await fetch(server.url, { dispatcher }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError); // fetch's network error
      expect((error as Error).cause).toBeInstanceOf(CertificateVerificationError);
      expect((error as Error).cause).toMatchObject({ reason });
      await dispatcher.close();
    }
  });

  it('streams a 16 MiB response body intact', async () => {
    const big = Buffer.alloc(16 << 20, 0x61);
    const server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (_request, response) => response.end(big));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    const response = await fetch(`https://localhost:${(server.address() as { port: number }).port}/`, { dispatcher });
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(big.length);
    expect(body.equals(big)).toBe(true);
    await dispatcher.close();
  });

  it('speaks HTTP/2 when the server picks h2 by ALPN, HTTP/1.1 when told to', async () => {
    const http2 = await import('node:http2');
    const server = http2.createSecureServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key'), allowHTTP1: true }, (request, response) => {
      response.end(`version ${request.httpVersion}`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sessions: import('node:http2').ServerHttp2Session[] = [];
    server.on('session', (session) => sessions.push(session));
    const url = `https://localhost:${(server.address() as { port: number }).port}/`;
    try {
      const h2 = createDispatcher({ implementation, configuration: clientConfig() });
      expect(await (await fetch(url, { dispatcher: h2 })).text()).toBe('version 2.0');
      await h2.close();
      const h1 = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false } });
      expect(await (await fetch(url, { dispatcher: h1 })).text()).toBe('version 1.1');
      await h1.close();
    } finally {
      sessions.forEach((session) => session.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("applies undici's header timeout to a server that never answers", async () => {
    const tls = await import('node:tls');
    const held: import('node:net').Socket[] = [];
    const server = tls.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (socket) => held.push(socket.on('error', () => {})));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const dispatcher = createDispatcher({ implementation, configuration: clientConfig(), agent: { headersTimeout: 200 } });
      const error = await fetch(`https://localhost:${(server.address() as { port: number }).port}/`, { dispatcher }).catch((e: unknown) => e);
      expect((error as Error).cause).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
      await dispatcher.destroy();
    } finally {
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("decompresses gzip bodies (undici's), over the implementation's TLS", async () => {
    const { gzipSync } = await import('node:zlib');
    const text = 'compressible '.repeat(1000);
    const server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (request, response) => {
      response.setHeader('content-encoding', 'gzip');
      response.setHeader('x-accept-encoding', String(request.headers['accept-encoding']));
      response.end(gzipSync(text));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    const response = await fetch(`https://localhost:${(server.address() as { port: number }).port}/`, { dispatcher });
    expect(response.headers.get('x-accept-encoding')).toMatch(/gzip/);
    expect(await response.text()).toBe(text);
    await dispatcher.close();
  });
});
