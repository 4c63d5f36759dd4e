/**
 * Interop with nginx from Debian (h2+http/1.1, http/1.1 only, client certificates, redirects),
 * on every implementation, with curl and Python's http.client as independent second clients.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TLSVersion } from '@unitls/tls-core';
import { HTTPConnection, HTTPSConnection, createDispatcher } from '@unitls/http';
import { fetch } from 'undici';
import { chainOf, clientConfig, pki } from '../support/fixtures.js';
import { nginxUnavailable, startNginx, type Nginx } from '../support/nginx.js';
import { implementations } from '../conformance/implementations.js';

const blob = randomBytes(1 << 20);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
let nginx: Nginx;

beforeAll(async () => {
  const why = nginxUnavailable();
  if (why !== null) throw new Error(why);
  nginx = await startNginx({ cert: pki.path('server-ec', 'chain.crt'), key: pki.path('server-ec', 'key'), clientCAs: [pki.path('root'), pki.path('intermediate')], files: { '1mb.bin': blob }, requestsPerConnection: 4 });
}, 60_000);
afterAll(async () => {
  await nginx?.stop();
});

const text = (data: Uint8Array) => Buffer.from(data).toString();

/** What curl sees: status, the headers we compare, the body's SHA-256. */
function curl(url: string, extra: string[] = []) {
  const headerFile = `${nginx.dir}/curl-headers`;
  const body = execFileSync('curl', ['-sS', '--cacert', pki.path('root'), '-D', headerFile, ...extra, url], { maxBuffer: 64 << 20 });
  const lines = execFileSync('cat', [headerFile]).toString().trim().split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    headers[name] = headers[name] === undefined ? line.slice(i + 1).trim() : `${headers[name]}, ${line.slice(i + 1).trim()}`;
  }
  return { status: Number(lines[0]!.split(' ')[1]), headers, sha256: sha256(body) };
}

/** What Python's http.client sees on the same URL (HTTP/1.1 only; it has no h2). */
function python(port: number, path: string) {
  const script = `
import hashlib, http.client, json, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
c = http.client.HTTPSConnection("localhost", int(sys.argv[2]), context=ctx)
c.request("GET", sys.argv[3])
r = c.getresponse()
body = r.read()
print(json.dumps({"status": r.status, "reason": r.reason, "version": r.version, "headers": {k.lower(): r.getheader(k) for k in r.headers.keys()}, "sha256": hashlib.sha256(body).hexdigest()}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, pki.path('root'), String(port), path]).toString()) as { status: number; reason: string; version: number; headers: Record<string, string>; sha256: string };
}

const STABLE = ['content-type', 'content-length', 'etag', 'last-modified', 'x-multi'];
const stable = (headers: Record<string, unknown>) => Object.fromEntries(STABLE.filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]]));

describe.each(implementations.map((i) => [i.name, i] as const))('nginx over %s', (_, implementation) => {
  const https = (port: number, options: ConstructorParameters<typeof HTTPSConnection>[1] = {}) =>
    new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig(), ...options });

  it('h2+http/1.1 port: ALPN picks h2 for both APIs; several requests share one connection', async () => {
    await using connection = https(nginx.ports.h2);
    for (const path of ['/hello', '/hello', '/method']) {
      connection.request('GET', path);
      const response = await connection.getresponse();
      expect([response.status, response.protocol, response.version]).toEqual([200, 'h2', '2.0']);
      expect(text(await response.read())).toBe(path === '/method' ? 'GET \n' : 'hello HTTP/2.0 TLSv1.3\n');
    }
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    expect(await (await fetch(`https://localhost:${nginx.ports.h2}/hello`, { dispatcher })).text()).toBe('hello HTTP/2.0 TLSv1.3\n');
    await dispatcher.close();
  });

  it('http/1.1-only port: both APIs fall back to HTTP/1.1; TLS 1.2 when the configuration caps it', async () => {
    await using connection = https(nginx.ports.h1);
    connection.request('GET', '/hello');
    const response = await connection.getresponse();
    expect([response.status, response.reason, response.protocol, response.version]).toEqual([200, 'OK', 'http/1.1', '1.1']);
    expect(text(await response.read())).toBe('hello HTTP/1.1 TLSv1.3\n');
    await using capped = https(nginx.ports.h1, { configuration: clientConfig({ highestSupportedVersion: TLSVersion.TLSv1_2 }) });
    capped.request('GET', '/hello');
    expect(text(await (await capped.getresponse()).read())).toBe('hello HTTP/1.1 TLSv1.2\n');
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    expect(await (await fetch(`https://localhost:${nginx.ports.h1}/hello`, { dispatcher })).text()).toBe('hello HTTP/1.1 TLSv1.3\n');
    await dispatcher.close();
  });

  it('a 1 MiB file, POST and repeated headers agree with curl and Python http.client', async () => {
    for (const port of [nginx.ports.h2, nginx.ports.h1]) {
      await using connection = https(port);
      connection.request('GET', '/1mb.bin');
      const response = await connection.getresponse();
      const body = await response.read();
      expect(sha256(body)).toBe(sha256(blob));
      const viaCurl = curl(`https://localhost:${port}/1mb.bin`);
      expect([response.status, viaCurl.status]).toEqual([200, 200]);
      expect(viaCurl.sha256).toBe(sha256(blob));
      expect(stable(response.headers)).toEqual(stable(viaCurl.headers));
      connection.request('GET', '/headers');
      const multi = await connection.getresponse();
      await multi.read();
      expect([multi.status, multi.getheader('X-Multi')]).toEqual([204, 'one, two']);
      expect(curl(`https://localhost:${port}/headers`).headers['x-multi']).toBe('one, two');
      connection.request('POST', '/method', 'payload', { 'Content-Type': 'text/plain' });
      expect(text(await (await connection.getresponse()).read())).toBe('POST 7\n');
    }
    await using h1 = https(nginx.ports.h1);
    h1.request('GET', '/1mb.bin');
    const ours = await h1.getresponse();
    const viaPython = python(nginx.ports.h1, '/1mb.bin');
    expect({ status: ours.status, reason: ours.reason, headers: stable(ours.headers), sha256: sha256(await ours.read()) }).toEqual({
      status: viaPython.status,
      reason: viaPython.reason,
      headers: stable(viaPython.headers),
      sha256: viaPython.sha256,
    });
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    const viaFetch = await fetch(`https://localhost:${nginx.ports.h2}/1mb.bin`, { dispatcher });
    expect(sha256(new Uint8Array(await viaFetch.arrayBuffer()))).toBe(sha256(blob));
    expect(viaFetch.headers.get('etag')).toBe(ours.getheader('etag'));
    await dispatcher.close();
  });

  it('redirects: http.client style hands back the 302; fetch follows it', async () => {
    await using connection = https(nginx.ports.h1);
    connection.request('GET', '/redirect');
    const response = await connection.getresponse();
    await response.read();
    expect([response.status, response.getheader('location')]).toEqual([302, `https://localhost:${nginx.ports.h1}/hello`]);
    expect(curl(`https://localhost:${nginx.ports.h1}/redirect`).headers.location).toBe(response.getheader('location'));
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    const followed = await fetch(`https://localhost:${nginx.ports.h2}/redirect`, { dispatcher });
    expect([followed.status, followed.redirected, await followed.text()]).toEqual([200, true, 'hello HTTP/2.0 TLSv1.3\n']);
    await dispatcher.close();
  });

  it('client-certificate port: accepted with the client chain, 403 without one', async () => {
    await using withCert = https(nginx.ports.mtls, { configuration: clientConfig({ certificateChain: chainOf('client') }) });
    withCert.request('GET', '/hello');
    const accepted = await withCert.getresponse();
    expect([accepted.status, accepted.protocol, text(await accepted.read())]).toEqual([200, 'h2', 'hello CN=unitls test client\n']);
    await using without = https(nginx.ports.mtls);
    without.request('GET', '/hello');
    const refused = await without.getresponse();
    expect([refused.status, text(await refused.read())]).toEqual([403, 'no client certificate: NONE\n']);
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig({ certificateChain: chainOf('client') }) });
    expect(await (await fetch(`https://localhost:${nginx.ports.mtls}/hello`, { dispatcher })).text()).toBe('hello CN=unitls test client\n');
    await dispatcher.close();
  });

  // RFC 9113 §6.8: nginx takes 4 streams per connection (keepalive_requests 4), sends GOAWAY with
  // the last one it took and skips the rest; those were not processed and go out again, once.
  it('keepalive_requests 4 (GOAWAY after 4 streams): 6 requests at once all succeed, the 2 past it together on one new connection, each sent once', async () => {
    const tag = `${implementation.name}-${randomBytes(4).toString('hex')}`;
    await using connection = https(nginx.ports.limited!);
    const requests = [0, 1, 2, 3, 4, 5].map((i) => ({ method: i % 2 === 0 ? 'GET' : 'POST', path: `/${i % 2 === 0 ? 'hello' : 'method'}?run=${tag}&i=${i}` }));
    const pending = requests.map(({ method, path }) => {
      connection.request(method, path, method === 'POST' ? 'data' : undefined);
      return connection.getresponse();
    });
    const responses = await Promise.all(pending);
    const bodies = await Promise.all(responses.map(async (r) => `${r.status} ${r.protocol} ${text(await r.read())}`));
    expect(bodies).toEqual(requests.map(({ method }) => (method === 'GET' ? '200 h2 hello HTTP/2.0 TLSv1.3\n' : '200 h2 POST 4\n')));
    // nginx logs each request as it ends: wait for all six lines (the responses may come first).
    const served = () => nginx.limitedLog().filter((line) => line.includes(`run=${tag}&`));
    await vi.waitFor(() => expect(served()).toHaveLength(6), { timeout: 10_000, interval: 20 });
    const lines = served().map((line) => line.split(' ') as [string, string, string]);
    expect(lines.map(([, method, uri]) => `${method} ${uri}`).sort()).toEqual(requests.map(({ method, path }) => `${method} ${path}`).sort());
    // Two connections: 4 requests on the first, the 2 it left out on the second.
    const perConnection = [...lines.reduce((count, [id]) => count.set(id, (count.get(id) ?? 0) + 1), new Map<string, number>()).values()];
    expect(perConnection.sort()).toEqual([2, 4]);
  });
});

describe('nginx over plain HTTP', () => {
  it('HTTPConnection speaks HTTP/1.1 in the clear, agreeing with curl', async () => {
    await using connection = new HTTPConnection('127.0.0.1', { port: nginx.ports.http });
    connection.request('GET', '/1mb.bin');
    const response = await connection.getresponse();
    expect([response.status, response.protocol]).toEqual([200, 'http/1.1']);
    expect(sha256(await response.read())).toBe(sha256(blob));
    expect(stable(response.headers)).toEqual(stable(curl(`http://127.0.0.1:${nginx.ports.http}/1mb.bin`).headers));
    const dispatcher = createDispatcher();
    expect(await (await fetch(`http://127.0.0.1:${nginx.ports.http}/hello`, { dispatcher })).text()).toBe('hello HTTP/1.1 \n');
    await dispatcher.close();
  });
});
