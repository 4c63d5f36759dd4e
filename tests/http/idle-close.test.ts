/**
 * An idle kept-alive connection the server closed between two requests (as servers do after an idle
 * time), every way it can end: HTTP/1.1 with close_notify, with a bare FIN (no close_notify), with a
 * reset when the next request arrives; HTTP/2 with GOAWAY. An idempotent request goes out again on
 * a new connection (as node:http's agent and urllib3 do; http.client raises RemoteDisconnected); a
 * POST is not sent again and fails saying why. Found: a bare FIN said "what was read may be
 * truncated" (nothing had been read), and over HTTP/2 every request after the server's GOAWAY
 * failed for good with node:http2's raw "The session has been destroyed".
 */
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedH2Origin, scriptedOrigin, type OriginConnection } from './scripted-origin.js';

type Ending = 'closeNotify' | 'fin' | 'reset';

/** Sends one request (a POST carries 'data') and reads its response: "<version> <body>". */
async function ask(connection: HTTPSConnection, method: string, path: string): Promise<string> {
  connection.request(method, path, method === 'POST' ? 'data' : undefined);
  const response = await connection.getresponse();
  return `${response.version} ${Buffer.from(await response.read()).toString()}`;
}

describe.each(implementations.map((i) => [i.name, i] as const))('a kept-alive connection closed by the server while idle, over %s', (_, implementation) => {
  it.each(['closeNotify', 'fin', 'reset'] as const)('HTTP/1.1, ended by %s: a GET goes out again, a POST fails saying why', async (ending: Ending) => {
    const requests: string[] = [];
    let connections = 0;
    // Each connection answers one request as kept alive, then ends the way the case says (a reset
    // once the next request arrives, as a closed socket answers it).
    const end = async (c: OriginConnection) => {
      if (ending === 'reset') {
        const next = await c.head().catch(() => null);
        if (next !== null) requests.push(`${next.split(' ').slice(0, 2).join(' ')} (reset)`);
        c.reset();
      } else await c[ending]();
    };
    const origin = await scriptedOrigin(async (c) => {
      connections++;
      const head = await c.head();
      requests.push(head.split(' ').slice(0, 2).join(' '));
      await c.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      await end(c);
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    const get = async (path: string) => {
      connection.request('GET', path);
      const response = await connection.getresponse();
      return `${response.status} ${Buffer.from(await response.read()).toString()}`;
    };
    expect(await get('/a')).toBe('200 ok');
    if (ending !== 'reset') await origin.done();
    expect(await get('/b')).toBe('200 ok');
    expect(connections).toBe(2);
    if (ending !== 'reset') await origin.done();

    connection.request('POST', '/c', 'data');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect((error as HTTPException).code).toBe('ECONNRESET');
    expect((error as Error).message).toMatch(/closed|reset/);
    expect((error as Error).message).toContain('a POST is not sent again by itself (not idempotent, RFC 9110 §9.2.2)');
    expect((error as Error).message).not.toMatch(/truncated/);
    // No third connection: the POST was not sent again.
    expect(connections).toBe(2);
    expect(requests.filter((r) => !r.endsWith('(reset)'))).toEqual(['GET /a', 'GET /b']);
  });

  it('HTTP/2, ended by GOAWAY: the next requests go on a new connection', async () => {
    const seen = new Map<OriginConnection, number>();
    const origin = await scriptedH2Origin((stream, c) => {
      if (!seen.has(c)) seen.set(c, seen.size + 1);
      const which = seen.get(c)!;
      stream.respond({ ':status': 200 });
      stream.end(`on connection ${which}`);
      // The first connection serves one request: GOAWAY goes out with it (stream 1 finishes), then the connection closes.
      if (which === 1) stream.session?.close();
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    expect(await ask(connection, 'GET', '/a')).toBe('2.0 on connection 1');
    // At once: the GOAWAY may or may not have reached the client (then the server refuses the
    // stream, which the client sends again on a new connection): the same outcome either way.
    expect(await ask(connection, 'GET', '/b')).toBe('2.0 on connection 2');
    expect(await ask(connection, 'POST', '/c')).toBe('2.0 on connection 2');
    expect(seen.size).toBe(2);
  });

  // Review 9: any throw of session.request counted as "not processed", so a header node:http2
  // refuses (TE: gzip) closed a healthy session and failed again on a second connection.
  it('HTTP/2, a request node:http2 refuses for its headers fails once, on the same connection', async () => {
    const seen = new Set<OriginConnection>();
    const origin = await scriptedH2Origin((stream, c) => {
      seen.add(c);
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    expect(await ask(connection, 'GET', '/a')).toBe('2.0 ok');
    connection.request('GET', '/b', undefined, { TE: 'gzip' });
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect((error as HTTPException).code).toBe('ERR_HTTP2_INVALID_CONNECTION_HEADERS');
    expect(seen.size).toBe(1);
    // The session still serves the next request.
    expect(await ask(connection, 'GET', '/c')).toBe('2.0 ok');
    expect(seen.size).toBe(1);
  });

  it('HTTP/2, a request refused unprocessed (REFUSED_STREAM) goes out once more on a new connection, a POST too; refused again, it fails', async () => {
    const seen = new Map<OriginConnection, number>();
    const served: string[] = [];
    let refuseEverywhere = false;
    const origin = await scriptedH2Origin((stream, c) => {
      if (!seen.has(c)) seen.set(c, seen.size + 1);
      const which = seen.get(c)!;
      // The first connection serves its first request, then refuses every stream (RFC 9113 §8.7).
      if ((which === 1 && served.length > 0) || refuseEverywhere) {
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      served.push(`on ${which}`);
      stream.respond({ ':status': 200 });
      stream.end(`on connection ${which}`);
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    expect(await ask(connection, 'GET', '/a')).toBe('2.0 on connection 1');
    expect(await ask(connection, 'POST', '/b')).toBe('2.0 on connection 2');
    expect(served).toEqual(['on 1', 'on 2']);
    // Refused on the new connection too: once more only, then the refusal.
    refuseEverywhere = true;
    connection.request('GET', '/c');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect((error as Error).message).toMatch(/REFUSED_STREAM/);
    expect(seen.size).toBe(3);
  });
});
