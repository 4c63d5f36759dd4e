/**
 * Leaving an HTTP/1.1 body's iterator early (`break`) closes the connection (as HTTP/2 cancels the
 * stream): the rest of the body cannot be read (UNITLS_HTTP_STATE), and the next request goes out
 * on a new connection and reads its own response, never the old body's rest. A `break` once the
 * body was read to its end keeps the connection.
 */
import { once } from 'node:events';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection } from '@unitls/http';
import { clientConfig, pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const BIG = Buffer.alloc(4 << 20, 0x62);
let server: https.Server;
let port: number;
/** Server-side sockets in accepting order. */
const accepted: Socket[] = [];

beforeAll(async () => {
  // HTTP/1.1 only (no ALPN offered by the server); /big is 4 MiB, anything else its own path.
  server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (request, response) => {
    if (request.url === '/big') response.end(BIG);
    else response.end(`path ${request.url}`);
  });
  server.keepAliveTimeout = 60_000;
  server.on('secureConnection', (socket: Socket) => accepted.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** `promise`, or a failure once `ms` passed (a guard against a hang, not a timing assertion). */
function guard<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe.each(implementations.map((i) => [i.name, i] as const))('break out of an HTTP/1.1 body over %s', (_, implementation) => {
  it('closes the connection; the rest cannot be read; the next request reads its own response on a new connection', async () => {
    await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });
    const before = accepted.length;
    connection.request('GET', '/big');
    const response = await connection.getresponse();
    expect(response.protocol).toBe('http/1.1');
    let seen = 0;
    for await (const chunk of response) {
      seen += chunk.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(BIG.length);
    // The server sees the connection end now, not at the next request (old code: kept open).
    const first = accepted[before]!;
    if (!first.destroyed) await guard(once(first, 'close'), 20_000, 'the server-side socket closing');
    const rest = await response.read().then(
      () => null,
      (error: unknown) => error,
    );
    expect(rest).toBeInstanceOf(HTTPException);
    expect((rest as HTTPException).code).toBe('UNITLS_HTTP_STATE');
    connection.request('GET', '/next');
    const next = await connection.getresponse();
    expect(Buffer.from(await next.read()).toString()).toBe('path /next');
    expect(accepted.length).toBe(before + 2);
  }, 60_000);

  it('a break once the body was read to its end keeps the connection', async () => {
    await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });
    const before = accepted.length;
    connection.request('GET', '/small');
    const response = await connection.getresponse();
    const parts: Uint8Array[] = [];
    for await (const chunk of response) {
      parts.push(chunk);
      if (Buffer.concat(parts).toString() === 'path /small') break;
    }
    connection.request('GET', '/again');
    expect(Buffer.from(await (await connection.getresponse()).read()).toString()).toBe('path /again');
    expect(accepted.length).toBe(before + 1);
  }, 60_000);
});
