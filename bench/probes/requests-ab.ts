// Paired A/B of HTTPSConnection's client CPU per keep-alive GET /hello (bench/http.ts's
// http-requests row) between builds: one nginx (tests/support), then for each pair a fresh client
// process per checkout and engine, in alternating order (ABAB, then BABA), each resolving @unitls/*
// from its own checkout's node_modules (build each checkout first). Each process warms up as the
// harness does (five connections of 1,000 GETs), then times RUNS connections of 1,000 GETs
// (process.cpuUsage, all threads) and reports its median CPU per GET. CPU per GET is far steadier
// than the rate on a shared machine (RESULTS.md "HTTPS requests vs http.client: the session 8 -> 10
// fall is the machine, not a commit").
//
//   CHECKOUTS=/work/wt/old,/work/wt/new PAIRS=6 RUNS=5 ENGINES=node,openssl \
//     node --import tsx bench/probes/requests-ab.ts
//
// ENGINES=fetch-node,fetch-openssl,fetch-raw: @unitls/http's fetch row and its anchor (undici's fetch on
// node:tls, once per pair), the same GETs.
// ENGINES=raw,... adds the floor, bench/lib/raw-https.ts's bare node:tls client (once per pair).
// PYTHON=1 adds, once per pair, RUNS runs of Python's http.client (bench/python/http_client.py, the
// row's anchor): the CPU ratio on this machine.
// CLIENT_FLAGS='--single-threaded-gc' passes Node/V8 flags to the client processes.
// WRAP='strace -f -c -o /tmp/x' runs each client process under that command.
// IDLE=<ms> leaves each client process idle that long before each timed run, as the harness's
// children are while the other contenders run.
// Prints one line per process and, per engine, each checkout's median and its ratio to the first.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchDispatcher } from '../lib/fetch-dispatcher.js';

interface Target {
  checkout: string;
  /**
   * `raw`: bench/lib/raw-https.ts's bare node:tls client (this file's checkout), the row's floor;
   * `fetch-node`, `fetch-openssl`: @unitls/http's createDispatcher under undici's fetch (the
   * http-requests fetch row); `fetch-raw`: undici's fetch on node:tls, its own Agent (its anchor).
   */
  engine: 'node' | 'openssl' | 'raw' | 'fetch-node' | 'fetch-openssl' | 'fetch-raw';
  port: number;
  caFile: string;
  runs: number;
  idleMs: number;
}

/** The anchors, run once per pair from this file's checkout: not builds to compare. */
const once = (engine: Target['engine']) => engine === 'raw' || engine === 'fetch-raw';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One client process: warm up, then `runs` timed connections; prints { cpu, wall } per request (µs). */
async function client({ checkout, engine, port, caFile, runs, idleMs }: Target) {
  const load = async <T>(name: string): Promise<T> => import(pathToFileURL(createRequire(join(checkout, 'package.json')).resolve(name)).href) as Promise<T>;
  const connect = async (): Promise<{
    get(): Promise<number>;
    close(): Promise<void>;
  }> => {
    if (engine === 'raw') {
      const { RawHttpsClient } = await import('../lib/raw-https.js');
      const raw = await RawHttpsClient.connect(port, readFileSync(caFile));
      return { get: () => raw.get('/hello'), close: () => raw.close() };
    }
    if (engine.startsWith('fetch-')) {
      const { fetch, dispatcher } = await fetchDispatcher(load, engine, caFile);
      const get = async () => {
        let bytes = 0;
        for await (const chunk of (await fetch(`https://localhost:${port}/hello`, { dispatcher })).body!) bytes += chunk.length;
        return bytes;
      };
      return { get, close: () => dispatcher.close() };
    }
    const { HTTPSConnection } = await load<typeof import('@unitls/http')>('@unitls/http');
    const { TLSClientConfiguration, TrustStore } = await load<typeof import('@unitls/tls-core')>('@unitls/tls-core');
    const tls = (await load<typeof import('@unitls/tls-node')>(`@unitls/tls-${engine}`)).implementation;
    const configuration = new TLSClientConfiguration({
      trustStore: TrustStore.fromBuffer(readFileSync(caFile)),
      innerProtocols: ['http/1.1'],
    });
    const connection = new HTTPSConnection('localhost', {
      port,
      implementation: tls,
      configuration,
    });
    const get = async () => {
      connection.request('GET', '/hello');
      let bytes = 0;
      for await (const chunk of await connection.getresponse()) bytes += chunk.length;
      return bytes;
    };
    return { get, close: () => connection.close() };
  };
  const run = async (count: number) => {
    const connection = await connect();
    await connection.get();
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < count; i++) bytes += await connection.get();
    const wall = Number(process.hrtime.bigint() - start) / 1e3;
    const used = process.cpuUsage(cpu);
    await connection.close();
    if (bytes !== count * 'hello HTTP/1.1 TLSv1.3\n'.length) throw new Error(`read ${bytes} bytes for ${count} GETs`);
    return { cpu: (used.user + used.system) / count, wall: wall / count };
  };
  const idle = () => new Promise((resolve) => setTimeout(resolve, idleMs));
  for (let i = 0; i < 5; i++) await run(1000);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    await idle();
    samples.push(await run(1000));
  }
  process.stdout.write(
    JSON.stringify({
      cpu: median(samples.map((s) => s.cpu)),
      wall: median(samples.map((s) => s.wall)),
    }),
  );
}

async function main() {
  const { createBenchPki } = await import('../lib/pki.js');
  const { startNginx } = await import('../../tests/support/nginx.js');
  const { runPython } = await import('../lib/children.js');
  const checkouts = (process.env.CHECKOUTS ?? '').split(',').filter(Boolean);
  if (checkouts.length === 0) throw new Error('CHECKOUTS=<dir>,<dir>...: the checkouts to compare, each built');
  const pairs = Number(process.env.PAIRS ?? 5);
  const engines = (process.env.ENGINES ?? 'node,openssl').split(',') as Target['engine'][];
  const runs = Number(process.env.RUNS ?? 5);
  const idleMs = Number(process.env.IDLE ?? 0);
  const wrap = (process.env.WRAP ?? '').split(' ').filter(Boolean);
  const flags = (process.env.CLIENT_FLAGS ?? '').split(' ').filter(Boolean);
  const pki = await createBenchPki();
  const nginx = await startNginx({
    cert: pki.cert,
    key: pki.key,
    clientCAs: [pki.ca],
  });
  const results = new Map<string, number[]>();
  try {
    console.log(
      `load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start; ${pairs} pairs, ${runs} runs of 1,000 GETs per process, ${idleMs} ms idle before each`,
    );
    for (let pair = 0; pair < pairs; pair++) {
      const order = pair % 2 === 0 ? checkouts : [...checkouts].reverse();
      if (process.env.PYTHON === '1') {
        const samples = [];
        for (let i = 0; i < runs; i++) samples.push(await runPython('http_client.py', [String(nginx.ports.h1), pki.ca, '/hello', '1000']));
        const cpu = median(samples.map((s) => (s.cpu * 1e6) / 1000));
        results.set('python', [...(results.get('python') ?? []), cpu]);
        console.log(`pair ${pair + 1} Python http.client: ${cpu.toFixed(1)} µs CPU, ${median(samples.map((s) => (s.seconds * 1e6) / 1000)).toFixed(1)} µs wall per GET`);
      }
      for (const engine of engines) {
        for (const checkout of once(engine) ? [checkouts[0]!] : order) {
          const target: Target = {
            checkout,
            engine,
            port: nginx.ports.h1,
            caFile: pki.ca,
            runs,
            idleMs,
          };
          const command = [...wrap, process.execPath, ...flags, ...process.execArgv, import.meta.filename, JSON.stringify(target)];
          const out = execFileSync(command[0]!, command.slice(1), {
            encoding: 'utf8',
          });
          const { cpu, wall } = JSON.parse(out) as {
            cpu: number;
            wall: number;
          };
          const key = `${engine} ${checkout}`;
          results.set(key, [...(results.get(key) ?? []), cpu]);
          console.log(`pair ${pair + 1} ${engine === 'raw' ? 'raw node:tls floor' : engine === 'fetch-raw' ? 'undici fetch on node:tls' : key}: ${cpu.toFixed(1)} µs CPU, ${wall.toFixed(1)} µs wall per GET`);
        }
      }
    }
    console.log(
      `load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at end`,
    );
    const python = results.get('python');
    if (python !== undefined) console.log(`Python http.client: median ${median(python).toFixed(1)} µs CPU/GET (${python.map((v) => v.toFixed(1)).join(' ')})`);
    for (const engine of engines) {
      const base = median(results.get(`${engine} ${checkouts[0]}`)!);
      for (const checkout of once(engine) ? [checkouts[0]!] : checkouts) {
        const values = results.get(`${engine} ${checkout}`)!;
        const anchor = python === undefined ? '' : `, ${(median(values) / median(python)).toFixed(2)}x http.client's CPU`;
        const row = engine === 'raw' ? 'raw node:tls floor' : engine === 'fetch-raw' ? 'undici fetch on node:tls' : `${engine.startsWith('fetch-') ? 'fetch on ' : ''}tls-${engine.replace('fetch-', '')} ${checkout}`;
        console.log(`${row}: median ${median(values).toFixed(1)} µs CPU/GET (${values.map((v) => v.toFixed(1)).join(' ')}), ${(median(values) / base).toFixed(3)}x${anchor}`);
      }
    }
  } finally {
    await nginx.stop();
    pki.remove();
  }
}

if (process.argv[2] !== undefined) await client(JSON.parse(process.argv[2]) as Target);
else await main();
