/**
 * HTTP/2 GOAWAY and its last stream ID (RFC 9113 §6.8): streams above it were not processed and
 * go out again on a new connection, whatever the method; streams at or below it may have been
 * processed and fail saying so, never sent again silently. Requests cut off together share one new
 * connection. Found: a GOAWAY with an error code failed every open stream alike (node:http2 ends
 * them all with ERR_HTTP2_SESSION_ERROR), those the server never took included; and two requests
 * refused by one GOAWAY each left "the current" connection, so the second closed or replaced the
 * new connection the first had opened (one connection per refused request, all but one leaked).
 */
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedH2Origin, type OriginConnection } from './scripted-origin.js';

const { NGHTTP2_NO_ERROR, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

/**
 * An h2 origin whose first connection holds its first four streams (IDs 1, 3, 5, 7), then sends
 * GOAWAY(`code`, last stream 3); with NO_ERROR it then answers streams 1 and 3 (a graceful
 * shutdown, as nginx's after keepalive_requests). Later connections answer at once. `served`
 * lists "<connection> <method> <path>" for every request answered.
 */
async function goawayOrigin(code: number) {
  const connections = new Map<OriginConnection, number>();
  const served: string[] = [];
  const held: Array<{ stream: http2.ServerHttp2Stream; request: string }> = [];
  const answer = (stream: http2.ServerHttp2Stream, which: number, request: string) => {
    served.push(`${which} ${request}`);
    stream.respond({ ':status': 200 });
    stream.end(`connection ${which}`);
  };
  const origin = await scriptedH2Origin((stream, c, headers) => {
    if (!connections.has(c)) connections.set(c, connections.size + 1);
    const which = connections.get(c)!;
    const request = `${headers[':method']} ${headers[':path']}`;
    if (which > 1) return answer(stream, which, request);
    held.push({ stream, request });
    if (held.length < 4) return;
    stream.session!.goaway(code, 3);
    if (code === NGHTTP2_NO_ERROR) for (const h of held.filter((h) => h.stream.id! <= 3)) answer(h.stream, 1, h.request);
  });
  return { port: origin.port, served, connections: () => connections.size };
}

/** Four requests at once on one connection: POST /a, GET /b, POST /c, GET /d (streams 1, 3, 5, 7). */
async function fourAtOnce(connection: HTTPSConnection): Promise<Record<string, string>> {
  const pending = (['POST /a', 'GET /b', 'POST /c', 'GET /d'] as const).map((request) => {
    const [method, path] = request.split(' ') as [string, string];
    connection.request(method, path, method === 'POST' ? 'data' : undefined);
    return connection.getresponse().then(
      async (response) => `${response.status} ${Buffer.from(await response.read()).toString()}`,
      (error: unknown) => (error instanceof HTTPException ? `error: ${error.message}` : `unexpected: ${String(error)}`),
    );
  });
  const [a, b, c, d] = await Promise.all(pending);
  return { a: a!, b: b!, c: c!, d: d! };
}

describe.each(implementations.map((i) => [i.name, i] as const))('HTTP/2 GOAWAY with a last stream ID, over %s', (_, implementation) => {
  it('graceful (NO_ERROR): streams at or below it are answered there; those above go out once more, together, on one new connection', async () => {
    const origin = await goawayOrigin(NGHTTP2_NO_ERROR);
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    expect(await fourAtOnce(connection)).toEqual({ a: '200 connection 1', b: '200 connection 1', c: '200 connection 2', d: '200 connection 2' });
    // Each request answered exactly once; two connections, not one per refused request.
    expect(origin.served.sort()).toEqual(['1 GET /b', '1 POST /a', '2 GET /d', '2 POST /c']);
    expect(origin.connections()).toBe(2);
  });

  it('with an error code: streams above it go out once more (a POST too); those at or below fail saying they may have been processed', async () => {
    const origin = await goawayOrigin(NGHTTP2_ENHANCE_YOUR_CALM);
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    const results = await fourAtOnce(connection);
    expect(results.c).toBe('200 connection 2');
    expect(results.d).toBe('200 connection 2');
    for (const [name, stream] of [['a', 1], ['b', 3]] as const) {
      expect(results[name]).toMatch(
        new RegExp(`GOAWAY \\(ENHANCE_YOUR_CALM, last stream 3\\) ended the connection while this request \\(stream ${stream}\\) was open; the server may have processed it, so it is not sent again`),
      );
    }
    expect(origin.served.sort()).toEqual(['2 GET /d', '2 POST /c']);
    expect(origin.connections()).toBe(2);
  });
});
