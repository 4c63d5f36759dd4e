/**
 * A body left by `break` against nginx (brief polish11, with tests/http/h2-break's scripted origin
 * for the stream's CANCEL itself). HTTP/2 with SETTINGS_MAX_CONCURRENT_STREAMS 2: three 1 MiB bodies
 * left after their first chunk, then one more request is answered. Before the fix the abandoned
 * streams held both of nginx's slots (nginx had no window to finish them) and the fourth request
 * waited until its timeout. HTTP/1.1 (unchanged, by decision: the body stays readable until the
 * next request): the request after a break gets its own answer, not the rest of the left body (the
 * connection with unread body bytes in it is not reused).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPSConnection } from '@unitls/http';
import { clientConfig, pki } from '../support/fixtures.js';
import { nginxUnavailable, startNginx, type Nginx } from '../support/nginx.js';
import { implementations } from '../conformance/implementations.js';

const MAX_STREAMS = 2;
let nginx: Nginx;

beforeAll(async () => {
  const why = nginxUnavailable();
  if (why !== null) throw new Error(why);
  nginx = await startNginx({ cert: pki.path('server-ec', 'chain.crt'), key: pki.path('server-ec', 'key'), clientCAs: [pki.path('root')], files: { '1mb.bin': randomBytes(1 << 20) }, maxConcurrentStreams: MAX_STREAMS });
}, 60_000);
afterAll(async () => {
  await nginx?.stop();
});

describe.each(implementations.map((i) => [i.name, i] as const))('a body left by break, nginx (%s)', (_, implementation) => {
  const connect = (port: number) => new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig(), timeout: 5000 });

  /** GET /1mb.bin, one chunk read, then break; the response's protocol. */
  async function leftAfterOneChunk(connection: HTTPSConnection): Promise<string> {
    connection.request('GET', '/1mb.bin');
    const response = await connection.getresponse();
    for await (const chunk of response) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    return response.protocol;
  }

  it(`HTTP/2, ${MAX_STREAMS} concurrent streams: ${MAX_STREAMS + 1} bodies left after one chunk, then one more request is answered`, async () => {
    await using connection = connect(nginx.ports.streams!);
    for (let i = 0; i < MAX_STREAMS + 1; i++) expect(await leftAfterOneChunk(connection)).toBe('h2');
    connection.request('GET', '/hello');
    const response = await connection.getresponse();
    expect([response.status, Buffer.from(await response.read()).toString()]).toEqual([200, 'hello HTTP/2.0 TLSv1.3\n']);
  });

  it('HTTP/1.1: after a body left by break, the next request gets its own answer (not the left body)', async () => {
    await using connection = connect(nginx.ports.h1);
    expect(await leftAfterOneChunk(connection)).toBe('http/1.1');
    connection.request('GET', '/hello');
    const response = await connection.getresponse();
    expect([response.status, Buffer.from(await response.read()).toString()]).toEqual([200, 'hello HTTP/1.1 TLSv1.3\n']);
  });
});
