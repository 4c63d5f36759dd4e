// Paired A/B of the tls-handshake row (bench/tls.ts: full handshakes, sequential, each until the
// server's greeting "k") between builds: for each pair, per engine, a fresh server process and a
// fresh client process per checkout, in alternating order (ABAB, then BABA), each resolving
// @unitls/* from its own checkout's node_modules (build each checkout first). The client warms up
// with WARMUP handshakes (the harness's 200), then times RUNS runs of N handshakes: its own CPU
// (process.cpuUsage) plus the server process's (lib/clock.ts), median per handshake. The raw
// node:tls floor (its own server and client, one shared secure context as in bench/lib/engines.ts)
// runs once per pair.
//
//   CHECKOUTS=/tmp/old,/work/wt/new PAIRS=5 RUNS=5 N=200 ENGINES=node,openssl \
//     node --import tsx bench/probes/handshake-ab.ts
//
// ALLOC=1: both processes also count the JavaScript they allocate over the measured runs (V8's
// sampling heap profiler, objects collected later kept: a figure a loaded machine does not move),
// per handshake, with the TOP functions by bytes (client and server apart).
// ENGINES=raw,node: raw also gets its allocation counts. ENGINES=raw-destroy,...: also raw node:tls closing
// with destroy() (no close_notify), the anchor before session 16 (raw closes as lib/raw-close.ts since).
// CHILD_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/x' passes Node flags to the server and client processes.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { endRaw } from '../lib/raw-close.js';

/** 'raw-destroy': raw node:tls closing with destroy() (no close_notify), the anchor before session 16. */
type Engine = 'raw' | 'raw-destroy' | 'node' | 'openssl' | 'pure';
type RawEngine = 'raw' | 'raw-destroy';
const isRaw = (engine: Engine): engine is RawEngine => engine === 'raw' || engine === 'raw-destroy';
/** A row's name in the output: raw rows once per pair, unitls rows per checkout. */
const rowName = (engine: Engine, checkout: string) => (engine === 'raw' ? 'raw node:tls' : engine === 'raw-destroy' ? 'raw node:tls (destroy)' : `tls-${engine} ${checkout}`);
interface Files {
  ca: string;
  cert: string;
  key: string;
}
interface Role {
  role: 'server' | 'client';
  checkout: string;
  engine: Engine;
  files: Files;
}

const ALLOC = process.env.ALLOC === '1';
const TOP = Number(process.env.TOP ?? 20);
const K = Buffer.from('k');
const AES_128_GCM = 0x1301;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The heap profiler of this process, started and stopped on request; its report per unit. */
function allocationCounter() {
  let session: import('node:inspector/promises').Session | null = null;
  return {
    async start() {
      if (!ALLOC) return;
      const { Session } = await import('node:inspector/promises');
      session = new Session();
      session.connect();
      await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    },
    async stop(units: number): Promise<string | null> {
      if (session === null) return null;
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      session = null;
      const byFunction = new Map<string, number>();
      let total = 0;
      type ProfileNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] };
      const walk = (node: ProfileNode) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}:${lineNumber + 1}`;
        byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
        total += node.selfSize;
        for (const child of node.children) walk(child);
      };
      walk(profile.head as ProfileNode);
      const lines = [`JS allocated per handshake: ${(total / units).toFixed(0)} B`];
      for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) lines.push(`  ${(bytes / units).toFixed(0).padStart(6)} B  ${key}`);
      return lines.join('\n');
    },
  };
}

/** The unitls packages of `checkout`. */
async function unitls(checkout: string, engine: Exclude<Engine, RawEngine>) {
  const load = async <T>(name: string): Promise<T> => import(pathToFileURL(createRequire(join(checkout, 'package.json')).resolve(name)).href) as Promise<T>;
  const core = await load<typeof import('@unitls/tls-core')>('@unitls/tls-core');
  const implementation = (await load<typeof import('@unitls/tls-node')>(`@unitls/tls-${engine}`)).implementation;
  return { core, implementation };
}

/** A server process: bench/servers/tls-server.ts's greet mode. IPC: {port}, then 'start'/'stop' for ALLOC. */
async function server({ checkout, engine, files }: Role): Promise<void> {
  const counter = allocationCounter();
  let port: number;
  if (isRaw(engine)) {
    const tlsServer = nodeTls.createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key), ciphers: 'TLS_AES_128_GCM_SHA256' }, (socket) => {
      socket.on('error', () => socket.destroy());
      socket.on('end', () => socket.end());
      socket.write(K);
      socket.resume();
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    port = (tlsServer.address() as { port: number }).port;
  } else {
    const { core, implementation } = await unitls(checkout, engine);
    const chain = new core.SigningChain([core.Certificate.fromBuffer(readFileSync(files.cert)), core.PrivateKey.fromBuffer(readFileSync(files.key))]);
    const configuration = new core.TLSServerConfiguration({ certificateChain: [chain], ciphers: [AES_128_GCM] });
    const listener = await new implementation.serverContext(configuration).connect({ host: '127.0.0.1', port: 0 });
    listener.listen(4096);
    const handle = async (socket: import('@unitls/tls-core').TLSSocket) => {
      try {
        await socket.send(K);
        while ((await socket.recv(1 << 16)).length > 0);
      } catch {
        // the client closed first: fine
      } finally {
        await socket.close(true).catch(() => {});
      }
    };
    void (async () => {
      for (;;) {
        const accepted = await listener.accept().catch(() => null);
        if (accepted !== null) void handle(accepted[0]);
      }
    })();
    port = listener.getsockname()!.port;
  }
  process.on('message', (message: { start?: true; stop?: number }) => {
    if (message.start) void counter.start().then(() => process.send!({ started: true }));
    if (message.stop !== undefined) void counter.stop(message.stop).then((report) => process.send!({ report }));
  });
  process.send!({ port });
}

interface Connection {
  recv(size: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** The client's connect, as bench/lib/engines.ts's dialer(engine, port, ca, 'shared'). */
async function dialer(checkout: string, engine: Engine, port: number, ca: Buffer): Promise<() => Promise<Connection>> {
  if (isRaw(engine)) {
    const secureContext = nodeTls.createSecureContext({ ca, ciphers: 'TLS_AES_128_GCM_SHA256' });
    return async () => {
      const socket = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
      await once(socket, 'secureConnect');
      return {
        async recv() {
          for (;;) {
            const chunk = socket.read(1) as Buffer | null;
            if (chunk !== null) return chunk;
            if (socket.readableEnded) return new Uint8Array(0);
            await once(socket, 'readable');
          }
        },
        close() {
          // As the unitls clients' close(true): close_notify and FIN (bench/lib/raw-close.ts).
          return engine === 'raw-destroy' ? Promise.resolve(void socket.destroy()) : endRaw(socket);
        },
      };
    };
  }
  const { core, implementation } = await unitls(checkout, engine);
  const context = new implementation.clientContext(new core.TLSClientConfiguration({ trustStore: core.TrustStore.fromBuffer(ca), ciphers: [AES_128_GCM] }));
  return async () => {
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    return {
      recv: (size) => socket.recv(size),
      close: () => socket.close(true),
    };
  };
}

/** A client process: warm up, then RUNS timed runs of N handshakes; prints {cpu} (µs per handshake, both processes). */
async function client(role: Role & { port: number; serverPid: number; n: number; runs: number; warmup: number }): Promise<void> {
  const { processTreeCpu } = await import('../lib/clock.js');
  const connect = await dialer(role.checkout, role.engine, role.port, readFileSync(role.files.ca));
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const c = await connect();
      const greeting = await c.recv(1);
      if (greeting.length !== 1) throw new Error('server closed before greeting');
      await c.close();
    }
  };
  await run(role.warmup);
  const counter = allocationCounter();
  await counter.start();
  const samples: { client: number; server: number }[] = [];
  for (let r = 0; r < role.runs; r++) {
    // (Not read while counting allocations: reading /proc allocates more than a handshake does.)
    const server = ALLOC ? 0 : processTreeCpu(role.serverPid);
    const cpu = process.cpuUsage();
    await run(role.n);
    const used = process.cpuUsage(cpu);
    samples.push({ client: (used.user + used.system) / role.n, server: ALLOC ? 0 : ((processTreeCpu(role.serverPid) - server) * 1e6) / role.n });
  }
  const report = await counter.stop(role.runs * role.n);
  process.send!({ client: median(samples.map((s) => s.client)), server: median(samples.map((s) => s.server)), total: median(samples.map((s) => s.client + s.server)), report });
}

function child(args: object): ChildProcess {
  const flags = (process.env.CHILD_FLAGS ?? '').split(' ').filter(Boolean);
  return fork(import.meta.filename, [JSON.stringify(args)], { execArgv: [...process.execArgv, ...flags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next<T>(process: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      process.off('message', onMessage);
      process.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before sending ${key}`));
    process.on('message', onMessage);
    process.once('exit', onExit);
  });
}

async function measure(checkout: string, engine: Engine, files: Files, settings: { n: number; runs: number; warmup: number }) {
  const serverProcess = child({ role: 'server', checkout, engine, files });
  try {
    const { port } = await next<{ port: number }>(serverProcess, 'port');
    const clientProcess = child({ role: 'client', checkout, engine, files, port, serverPid: serverProcess.pid, ...settings });
    const result = await next<{ client: number; server: number; total: number; report: string | null }>(clientProcess, 'client');
    await once(clientProcess, 'exit');
    return result;
  } finally {
    serverProcess.kill();
  }
}

async function allocations(checkout: string, engine: Engine, files: Files, settings: { n: number; runs: number; warmup: number }) {
  // The server's count: sampling started after a client's warm-up, stopped after its measured runs.
  const serverProcess = child({ role: 'server', checkout, engine, files });
  try {
    const { port } = await next<{ port: number }>(serverProcess, 'port');
    const warm = child({ role: 'client', checkout, engine, files, port, serverPid: serverProcess.pid, ...settings, runs: 1 });
    await next(warm, 'client');
    await once(warm, 'exit');
    serverProcess.send({ start: true });
    await next(serverProcess, 'started');
    const measured = child({ role: 'client', checkout, engine, files, port, serverPid: serverProcess.pid, ...settings, warmup: 0 });
    const result = await next<{ report: string | null }>(measured, 'client');
    await once(measured, 'exit');
    serverProcess.send({ stop: settings.runs * settings.n });
    const { report } = await next<{ report: string | null }>(serverProcess, 'report');
    return { client: result.report, server: report };
  } finally {
    serverProcess.kill();
  }
}

async function main() {
  const { createBenchPki } = await import('../lib/pki.js');
  const checkouts = (process.env.CHECKOUTS ?? '').split(',').filter(Boolean);
  if (checkouts.length === 0) throw new Error('CHECKOUTS=<dir>,<dir>...: the checkouts to compare, each built');
  const pairs = Number(process.env.PAIRS ?? 5);
  const settings = { n: Number(process.env.N ?? 200), runs: Number(process.env.RUNS ?? 5), warmup: Number(process.env.WARMUP ?? 200) };
  const engines = (process.env.ENGINES ?? 'node,openssl').split(',') as Engine[];
  if (!engines.includes('raw')) engines.unshift('raw');
  const pki = await createBenchPki();
  const files = { ca: pki.ca, cert: pki.cert, key: pki.key };
  try {
    if (ALLOC) {
      for (const engine of engines) {
        for (const checkout of isRaw(engine) ? [checkouts[0]!] : checkouts) {
          const { client: c, server: s } = await allocations(checkout, engine, files, settings);
          console.log(`== ${rowName(engine, checkout)} client\n${c}\n== ${rowName(engine, checkout)} server\n${s}`);
        }
      }
      return;
    }
    console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; ${pairs} pairs, ${settings.runs} runs of ${settings.n} handshakes per process after ${settings.warmup}`);
    const results = new Map<string, number[]>();
    for (let pair = 0; pair < pairs; pair++) {
      const order = pair % 2 === 0 ? checkouts : [...checkouts].reverse();
      for (const engine of engines) {
        for (const checkout of isRaw(engine) ? [checkouts[0]!] : order) {
          const { client: c, server: s, total } = await measure(checkout, engine, files, settings);
          const key = rowName(engine, checkout);
          results.set(key, [...(results.get(key) ?? []), total]);
          console.log(`pair ${pair + 1} ${key}: ${total.toFixed(0)} µs CPU per handshake (client ${c.toFixed(0)}, server ${s.toFixed(0)})`);
        }
      }
    }
    console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
    const raw = results.get('raw node:tls')!;
    for (const engine of engines) {
      const base = isRaw(engine) ? null : median(results.get(rowName(engine, checkouts[0]!))!);
      for (const checkout of isRaw(engine) ? [checkouts[0]!] : checkouts) {
        const key = rowName(engine, checkout);
        const values = results.get(key)!;
        // Per pair: the row's CPU over raw's in the same pair.
        const ratios = values.map((v, i) => v / raw[i]!);
        console.log(
          `${key}: median ${median(values).toFixed(0)} µs CPU/handshake (${values.map((v) => v.toFixed(0)).join(' ')}); per-pair ratio to raw median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(' ')})${base === null ? '' : `; ${(median(values) / base).toFixed(3)}x the first checkout`}`,
        );
      }
    }
  } finally {
    pki.remove();
  }
}

const role = process.argv[2] === undefined ? undefined : (JSON.parse(process.argv[2]) as Role & Parameters<typeof client>[0]);
if (role === undefined) await main();
else if (role.role === 'server') await server(role);
else {
  await client(role);
  process.disconnect();
}
