/**
 * node:http and node:http2 through ssl-compat's stream (TLSSocketStream) under the recv rule of
 * session 6, on every implementation: a request body uploaded while the response streams back
 * (reads and writes interleaved on one connection), two pipelined requests written at once (the
 * second answer read after a 4 MiB first one), and an HTTP/2 server push beside the response.
 * Each asserts the bytes (SHA-256). And a response that ends a connection not kept alive while the
 * server drops its socket at once: node:http's destroySoon() ends the stream without an 'error',
 * as over node:tls (before, the stream had no destroySoon: node:http called end(), the stream
 * went on reading, got the server's reset for its close_notify and emitted ECONNRESET, which
 * node:http passed to the request as an unhandled 'error').
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnect } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const BIG = Buffer.from(Array.from({ length: 4 << 20 }, (_, i) => (i * 13 + (i >> 15)) & 0xff));
const tlsFiles = () => ({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') });

async function listening<T extends { listen(port: number, host: string): unknown; address(): unknown; close(callback: () => void): unknown }>(server: T): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server as never, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe.each(implementations.map((each) => [each.name, each] as const))('node:http and http2 over ssl-compat on %s', (_, implementation) => {
  const connect = createConnect(implementation);
  const open = (port: number, alpn?: string[]): Duplex =>
    connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root'), ...(alpn === undefined ? {} : { ALPNProtocols: alpn }) });

  it('uploads 4 MiB while the server streams it back (node:http request on the stream)', async () => {
    const server = https.createServer(tlsFiles(), (req, res) => req.pipe(res));
    closers.push(async () => void server.closeAllConnections());
    const port = await listening(server);
    const request = http.request({ method: 'POST', path: '/echo', createConnection: () => open(port) as never });
    const response = once(request, 'response');
    // 64 KiB writes, each after the previous one was taken: the answer flows back meanwhile.
    const writing = (async () => {
      for (let offset = 0; offset < BIG.length; offset += 64 * 1024) {
        if (!request.write(BIG.subarray(offset, offset + 64 * 1024))) await once(request, 'drain');
      }
      request.end();
    })();
    const [res] = (await response) as [http.IncomingMessage];
    const parts: Buffer[] = [];
    for await (const chunk of res) parts.push(chunk as Buffer);
    await writing;
    expect(sha(Buffer.concat(parts))).toBe(sha(BIG));
  });

  it('two pipelined requests written at once: the 4 MiB answer, then the second, in order', async () => {
    const server = https.createServer(tlsFiles(), (req, res) => res.end(req.url === '/big' ? BIG : 'second'));
    closers.push(async () => void server.closeAllConnections());
    const port = await listening(server);
    const socket = open(port);
    await once(socket, 'secureConnect');
    socket.write('GET /big HTTP/1.1\r\nHost: localhost\r\n\r\nGET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    await once(socket, 'close');
    const all = Buffer.concat(parts);
    const split = all.indexOf('\r\n\r\n') + 4;
    const length = Number(/content-length: (\d+)/i.exec(all.subarray(0, split).toString())![1]);
    expect(length).toBe(BIG.length);
    expect(sha(all.subarray(split, split + length))).toBe(sha(BIG));
    const second = all.subarray(split + length).toString();
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(second.endsWith('\r\n\r\nsecond')).toBe(true);
  });

  it('an HTTP/2 server push (1 MiB) beside a 4 MiB response, both intact', async () => {
    const pushed = BIG.subarray(0, 1 << 20);
    const server = http2.createSecureServer(tlsFiles());
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.pushStream({ ':path': '/pushed' }, (error, push) => {
        if (error) return stream.destroy(error);
        push.on('error', () => {});
        push.respond({ ':status': 200 });
        push.end(pushed);
        stream.respond({ ':status': 200 });
        stream.end(BIG);
      });
    });
    const sessions: http2.ServerHttp2Session[] = [];
    server.on('session', (session) => sessions.push(session));
    closers.push(async () => sessions.forEach((session) => session.destroy()));
    const port = await listening(server);
    const client = http2.connect(`https://localhost:${port}`, { createConnection: () => open(port, ['h2']) as never });
    closers.push(async () => void client.destroy());
    const pushes: Promise<Buffer>[] = [];
    client.on('stream', (push, headers) => {
      expect(headers[':path']).toBe('/pushed');
      pushes.push((async () => Buffer.concat(await push.toArray()))());
    });
    const request = client.request({ ':path': '/' });
    const body = Buffer.concat(await request.toArray());
    expect(sha(body)).toBe(sha(BIG));
    expect(pushes).toHaveLength(1);
    expect(sha(await pushes[0]!)).toBe(sha(pushed));
  });

  it('a response on a connection not kept alive, the server dropping its socket: no error, as over node:tls', async () => {
    const server = https.createServer(tlsFiles(), (req, res) => {
      req.resume().on('end', () => res.end(`bye ${req.url}`));
    });
    closers.push(async () => void server.closeAllConnections());
    const port = await listening(server);
    const viaNodeTls = () => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root') });
    for (const [name, create] of [['node:tls', viaNodeTls], [implementation.name, () => open(port)]] as const) {
      for (let round = 0; round < 5; round++) {
        const events: string[] = [];
        let socket!: Duplex;
        const request = http.request({ method: 'POST', path: `/${round}`, createConnection: () => (socket = create()) as never });
        request.on('error', (error) => events.push(`request error ${error.message}`));
        request.end(BIG.subarray(0, 256 * 1024));
        const [res] = (await once(request, 'response')) as [http.IncomingMessage];
        res.setEncoding('latin1');
        let body = '';
        for await (const chunk of res) body += chunk as string;
        // The server drops the connection, idle now, at once (as server.close() does).
        server.closeIdleConnections();
        socket.on('error', (error: Error) => events.push(`socket error ${error.message}`));
        if (!socket.destroyed) await once(socket, 'close');
        expect({ name, body, events }).toEqual({ name, body: `bye /${round}`, events: [] });
      }
    }
  });
});
