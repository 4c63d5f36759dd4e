import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateVerificationError } from '@unitls/tls-core';
import { HTTPConnection, HTTPException, HTTPSConnection } from '@unitls/http';
import { clientConfig, pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function track<T extends http.Server>(server: T): T {
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return server;
}

async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** An HTTPS origin with the given certificate, answering with what it saw. */
async function origin(leaf: 'server-ec' | 'beta-ec' = 'server-ec', secure = true): Promise<number> {
  const handler: http.RequestListener = (request, response) => {
    response.end(`origin saw ${request.method} ${request.url} host=${request.headers.host}`);
  };
  const server = secure ? https.createServer({ cert: pki.pem(leaf, 'chain.crt'), key: pki.pem(leaf, 'key') }, handler) : http.createServer(handler);
  return listen(track(server));
}

/**
 * A CONNECT proxy (plain, or HTTPS with the alpha.test certificate) that relays bytes and keeps
 * a copy of what the client sent through the tunnel.
 */
async function proxy(options: { secure?: boolean; answer?: string } = {}) {
  const seen: { connects: Array<{ target?: string; headers: http.IncomingHttpHeaders }>; relayed: Buffer[] } = { connects: [], relayed: [] };
  const server = options.secure
    ? https.createServer({ cert: pki.pem('alpha-rsa', 'chain.crt'), key: pki.pem('alpha-rsa', 'key') })
    : http.createServer();
  const upstreams: Socket[] = []; // and the client sides
  server.on('connect', (request: http.IncomingMessage, client: Socket, head: Buffer) => {
    seen.connects.push({ target: request.url, headers: request.headers });
    client.on('error', () => {});
    upstreams.push(client); // hijacked sockets are no longer the server's to close
    if (options.answer !== undefined) {
      client.end(options.answer);
      return;
    }
    const [host, port] = [request.url!.slice(0, request.url!.lastIndexOf(':')), Number(request.url!.slice(request.url!.lastIndexOf(':') + 1))];
    const upstream = netConnect({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => seen.relayed.push(chunk));
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => client.destroy());
    upstreams.push(upstream);
  });
  const port = await listen(track(server));
  closers.push(async () => upstreams.forEach((socket) => socket.destroy()));
  return { port, seen };
}

describe.each(implementations.map((i) => [i.name, i] as const))('setTunnel over %s', (_, implementation) => {
  it('tunnels HTTPS through a plain proxy, verifying the origin and hiding the request from the proxy', async () => {
    const originPort = await origin();
    const { port, seen } = await proxy();
    await using connection = new HTTPSConnection('127.0.0.1', { port, implementation, configuration: clientConfig() });
    connection.setTunnel('localhost', originPort, { 'Proxy-Authorization': 'Basic dXNlcjpwYXNz' });
    connection.request('GET', '/secret-path');
    const response = await connection.getresponse();
    expect(Buffer.from(await response.read()).toString()).toBe(`origin saw GET /secret-path host=localhost:${originPort}`);
    expect(seen.connects).toEqual([{ target: `localhost:${originPort}`, headers: expect.objectContaining({ host: `localhost:${originPort}`, 'proxy-authorization': 'Basic dXNlcjpwYXNz' }) }]);
    expect(Buffer.concat(seen.relayed).includes('secret-path')).toBe(false);
  });

  it('runs TLS inside TLS through an HTTPS proxy (the proxy and the origin each verified by their own name)', async () => {
    const originPort = await origin();
    const { port, seen } = await proxy({ secure: true });
    await using connection = new HTTPSConnection('127.0.0.1', { port, implementation, configuration: clientConfig() });
    connection.setTunnel('localhost', originPort, {}, { proxyTLS: { serverHostname: 'alpha.test' } });
    connection.request('GET', '/inner');
    const first = await connection.getresponse();
    expect(Buffer.from(await first.read()).toString()).toBe(`origin saw GET /inner host=localhost:${originPort}`);
    expect(first.protocol).toBe('http/1.1'); // node:https origins speak HTTP/1.1 only
    connection.request('GET', '/again');
    expect(Buffer.from(await (await connection.getresponse()).read()).toString()).toContain('GET /again');
    expect(seen.connects).toHaveLength(1);
  });

  it("checks the origin's certificate, not the proxy's", async () => {
    const wrongOrigin = await origin('beta-ec'); // valid chain, but for beta.test
    const { port } = await proxy({ secure: true });
    await using connection = new HTTPSConnection('127.0.0.1', { port, implementation, configuration: clientConfig() });
    connection.setTunnel('localhost', wrongOrigin, {}, { proxyTLS: { serverHostname: 'alpha.test' } });
    connection.request('GET', '/');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateVerificationError);
    expect(error).toMatchObject({ reason: 'hostname-mismatch' });
    expect((error as Error).message).toContain('"localhost"');
  });

  it("checks the HTTPS proxy's certificate against the proxy's name", async () => {
    const originPort = await origin();
    const { port, seen } = await proxy({ secure: true });
    await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });
    connection.setTunnel('localhost', originPort, {}, { proxyTLS: true }); // the proxy presents alpha.test
    connection.request('GET', '/');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateVerificationError);
    expect(error).toMatchObject({ reason: 'hostname-mismatch' });
    expect(seen.connects).toHaveLength(0);
  });

  it.each([
    ['a 407 answer', 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n', 'UNITLS_HTTP_TUNNEL_REFUSED'],
    ['bytes smuggled after the 200', 'HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil', 'UNITLS_HTTP_TUNNEL_INJECTION'],
  ])('refuses a tunnel on %s', async (_label, answer, code) => {
    const { port } = await proxy({ answer });
    await using connection = new HTTPSConnection('127.0.0.1', { port, implementation, configuration: clientConfig() });
    connection.setTunnel('localhost', 443);
    connection.request('GET', '/');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code });
  });
});

describe('setTunnel', () => {
  it('tunnels plain HTTP through a proxy', async () => {
    const originPort = await origin('server-ec', false);
    const { port, seen } = await proxy();
    await using connection = new HTTPConnection('127.0.0.1', { port });
    connection.setTunnel('127.0.0.1', originPort);
    connection.request('GET', '/plain');
    expect(Buffer.from(await (await connection.getresponse()).read()).toString()).toBe(`origin saw GET /plain host=127.0.0.1:${originPort}`);
    expect(seen.connects.map((c) => c.target)).toEqual([`127.0.0.1:${originPort}`]);
  });

  it('refuses CR/LF in the tunnel host and headers, and a tunnel set after the first request', async () => {
    const connection = new HTTPSConnection('127.0.0.1', { port: 1 });
    expect(() => connection.setTunnel('origin\r\nX-Evil: 1', 443)).toThrow(/CR, LF or NUL/);
    expect(() => connection.setTunnel('origin', 443, { 'X-A': 'b\r\nX-Evil: 1' })).toThrow(/CR, LF or NUL/);
    expect(() => connection.setTunnel('origin', 70000)).toThrow(/invalid tunnel port/);
    connection.request('GET', '/');
    await connection.getresponse().catch(() => {});
    expect(() => connection.setTunnel('origin', 443)).toThrow(/before the first request/);
    await connection.close();
  });
});
