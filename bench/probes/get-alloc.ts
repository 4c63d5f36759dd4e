// JavaScript allocated per keep-alive GET /hello (HTTPSConnection, or the raw node:tls floor), by
// V8's sampling heap profiler with the objects later collected by either GC kept in the profile:
// a count that does not depend on the machine's load, unlike CPU per GET. One nginx (tests/support);
// each checkout and engine in a fresh process that resolves @unitls/* from its own checkout's
// node_modules (build each checkout first), warms up with WARM GETs, then samples GETS GETs.
//
//   CHECKOUTS=/work/wt/old,/work/wt/new ENGINES=node,openssl,raw node --import tsx bench/probes/get-alloc.ts
//
// ENGINES also takes fetch-node, fetch-openssl (@unitls/http's createDispatcher under undici's fetch)
// and fetch-raw (undici's fetch on node:tls, its own Agent): the fetch row's pair.
// Prints, per process, bytes per GET and the TOP functions by bytes allocated per GET.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchDispatcher } from '../lib/fetch-dispatcher.js';

interface Target {
  checkout: string;
  engine: 'node' | 'openssl' | 'raw' | 'fetch-node' | 'fetch-openssl' | 'fetch-raw';
  port: number;
  caFile: string;
  gets: number;
  warm: number;
  top: number;
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function client({ checkout, engine, port, caFile, gets, warm, top }: Target) {
  const load = async <T>(name: string): Promise<T> => import(pathToFileURL(createRequire(join(checkout, 'package.json')).resolve(name)).href) as Promise<T>;
  let get: () => Promise<number>;
  let close: () => Promise<void>;
  if (engine.startsWith('fetch-')) {
    const { fetch, dispatcher } = await fetchDispatcher(load, engine, caFile);
    get = async () => {
      const body = (await fetch(`https://localhost:${port}/hello`, { dispatcher })).body!;
      let bytes = 0;
      for await (const chunk of body) bytes += chunk.length;
      return bytes;
    };
    close = () => dispatcher.close();
  } else if (engine === 'raw') {
    const { RawHttpsClient } = await import('../lib/raw-https.js');
    const raw = await RawHttpsClient.connect(port, readFileSync(caFile));
    get = () => raw.get('/hello');
    close = () => raw.close();
  } else {
    const { HTTPSConnection } = await load<typeof import('@unitls/http')>('@unitls/http');
    const { TLSClientConfiguration, TrustStore } = await load<typeof import('@unitls/tls-core')>('@unitls/tls-core');
    const tls = (await load<typeof import('@unitls/tls-node')>(`@unitls/tls-${engine}`)).implementation;
    const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)), innerProtocols: ['http/1.1'] });
    const connection = new HTTPSConnection('localhost', { port, implementation: tls, configuration });
    get = async () => {
      connection.request('GET', '/hello');
      let bytes = 0;
      for await (const chunk of await connection.getresponse()) bytes += chunk.length;
      return bytes;
    };
    close = () => connection.close();
  }
  for (let i = 0; i < warm; i++) await get();
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  let bytes = 0;
  for (let i = 0; i < gets; i++) bytes += await get();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  session.disconnect();
  await close();
  if (bytes !== gets * 'hello HTTP/1.1 TLSv1.3\n'.length) throw new Error(`read ${bytes} bytes for ${gets} GETs`);
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    const frame = node.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(packages|node_modules|bench)\//, '$1/')}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
  process.stdout.write(JSON.stringify({ perGet: total / gets, top: rows.map(([name, size]) => [name, Math.round(size / gets)]) }));
}

async function main() {
  const { createBenchPki } = await import('../lib/pki.js');
  const { startNginx } = await import('../../tests/support/nginx.js');
  const checkouts = (process.env.CHECKOUTS ?? '').split(',').filter(Boolean);
  if (checkouts.length === 0) throw new Error('CHECKOUTS=<dir>,<dir>...: the checkouts to compare, each built');
  const engines = (process.env.ENGINES ?? 'node,openssl').split(',') as Target['engine'][];
  const pki = await createBenchPki();
  const nginx = await startNginx({ cert: pki.cert, key: pki.key, clientCAs: [pki.ca] });
  try {
    for (const engine of engines) {
      for (const checkout of engine.endsWith('raw') ? [checkouts[0]!] : checkouts) {
        const target: Target = {
          checkout,
          engine,
          port: nginx.ports.h1,
          caFile: pki.ca,
          gets: Number(process.env.GETS ?? 2000),
          warm: Number(process.env.WARM ?? 5000),
          top: Number(process.env.TOP ?? 12),
        };
        const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, JSON.stringify(target)], { encoding: 'utf8' });
        const { perGet, top } = JSON.parse(out) as { perGet: number; top: Array<[string, number]> };
        const row = engine === 'raw' ? 'raw node:tls floor' : engine === 'fetch-raw' ? "undici's fetch on node:tls" : `${engine.startsWith('fetch-') ? 'fetch on ' : ''}tls-${engine.replace('fetch-', '')} ${checkout}`;
        console.log(`${row}: ${(perGet / 1024).toFixed(2)} KiB per GET`);
        for (const [name, size] of top) console.log(`  ${String(size).padStart(6)} B  ${name}`);
      }
    }
  } finally {
    await nginx.stop();
    pki.remove();
  }
}

if (process.argv[2] !== undefined) await client(JSON.parse(process.argv[2]) as Target);
else await main();
