#!/usr/bin/env -S npx tsx
// Keep-alive requests per second and a 100 MiB download from nginx over HTTPS (HTTP/1.1 port,
// started here as in tests/): @unitls/http's HTTPSConnection and fetch on tls-node and
// tls-openssl vs node:https and undici on raw node:tls, one run, ratios against node:https.
// Needs the Debian package nginx. Usage: npx tsx bench/http.ts [--requests 3000] [--mib 100]
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { HTTPSConnection, createDispatcher } from '@unitls/http';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { startNginx } from '../tests/support/nginx.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, mib: { type: 'string', default: '100' } } });
const REQUESTS = Number(values.requests);
const SIZE = Number(values.mib) * 2 ** 20;

const ca = await createAuthority({ name: 'bench CA' });
const leaf = await issueCertificate(ca, { names: ['localhost', '127.0.0.1'] });
const work = mkdtempSync(join(tmpdir(), 'unitls-httpbench-'));
chmodSync(work, 0o755);
for (const [name, pem] of [['ca.pem', ca.certPem], ['server.crt', leaf.certPem], ['server.key', leaf.keyPem]] as const) writeFileSync(join(work, name), pem);
const nginx = await startNginx({ cert: join(work, 'server.crt'), key: join(work, 'server.key'), clientCAs: [join(work, 'ca.pem')], files: { 'big.bin': randomBytes(SIZE) } });
const origin = `https://localhost:${nginx.ports.h1}`;
const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem), innerProtocols: ['http/1.1'] });

interface Client {
  get(path: string): Promise<number>;
  close(): Promise<void>;
}

function nodeHttps(): Client {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.certPem });
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        https.get(`${origin}${path}`, { agent }, (response) => {
          let bytes = 0;
          response.on('data', (chunk: Buffer) => (bytes += chunk.length));
          response.on('end', () => resolve(bytes));
          response.on('error', reject);
        }).on('error', reject);
      }),
    close: async () => agent.destroy(),
  };
}

async function drain(body: ReadableStream<Uint8Array> | null): Promise<number> {
  let bytes = 0;
  if (body !== null) for await (const chunk of body) bytes += chunk.length;
  return bytes;
}

function undiciRaw(): Client {
  const dispatcher = new Agent({ connections: 1, connect: { ca: ca.certPem } });
  return { get: async (path) => drain((await undiciFetch(`${origin}${path}`, { dispatcher })).body), close: () => dispatcher.close() };
}

function oursFetch(implementation: TLSImplementation): Client {
  const dispatcher = createDispatcher({ implementation, configuration, agent: { connections: 1 } });
  return { get: async (path) => drain((await undiciFetch(`${origin}${path}`, { dispatcher })).body), close: () => dispatcher.close() };
}

function oursConnection(implementation: TLSImplementation): Client {
  const connection = new HTTPSConnection('localhost', { port: nginx.ports.h1, implementation, configuration });
  return {
    async get(path) {
      connection.request('GET', path);
      let bytes = 0;
      for await (const chunk of await connection.getresponse()) bytes += chunk.length;
      return bytes;
    },
    close: () => connection.close(),
  };
}

const clients: Array<[string, () => Client]> = [
  ['node:https, keep-alive agent (anchor)', nodeHttps],
  ['undici fetch on raw node:tls', undiciRaw],
  ['HTTPSConnection on tls-node', () => oursConnection(node)],
  ['HTTPSConnection on tls-openssl', () => oursConnection(openssl)],
  ['@unitls/http fetch on tls-node', () => oursFetch(node)],
  ['@unitls/http fetch on tls-openssl', () => oursFetch(openssl)],
];

async function measure(make: () => Client, path: string, times: number): Promise<{ seconds: number; bytes: number }> {
  const client = make();
  await client.get('/hello'); // connect and warm up outside the timing
  const start = performance.now();
  let bytes = 0;
  for (let i = 0; i < times; i++) bytes += await client.get(path);
  const seconds = (performance.now() - start) / 1000;
  await client.close();
  return { seconds, bytes };
}

try {
  console.log(`\nKeep-alive GET /hello, ${REQUESTS} sequential requests on one connection (nginx, HTTP/1.1, TLS 1.3, loopback)`);
  console.log('| client | req/s | vs anchor |');
  console.log('|---|---|---|');
  let anchor = 0;
  for (const [name, make] of clients) {
    const { seconds } = await measure(make, '/hello', REQUESTS);
    const rate = REQUESTS / seconds;
    anchor ||= rate;
    console.log(`| ${name} | ${rate.toFixed(0)} | ${(rate / anchor).toFixed(2)} |`);
  }
  console.log(`\nDownload of ${SIZE / 2 ** 20} MiB (same setup)`);
  console.log('| client | MiB/s | vs anchor |');
  console.log('|---|---|---|');
  anchor = 0;
  for (const [name, make] of clients) {
    const { seconds, bytes } = await measure(make, '/big.bin', 1);
    if (bytes !== SIZE) throw new Error(`${name} got ${bytes} bytes, not ${SIZE}`);
    const rate = bytes / 2 ** 20 / seconds;
    anchor ||= rate;
    console.log(`| ${name} | ${rate.toFixed(0)} | ${(rate / anchor).toFixed(2)} |`);
  }
} finally {
  await nginx.stop();
}
