// JavaScript allocated per client connection while the memory benchmark's clients connect
// (servers/tls-client.ts's dialer, greet-mode servers/tls-server.ts in a child): V8's sampling heap
// profiler, objects collected by minor and major GCs included, over N connections after 20 warm-up
// ones, and the scavenges and new-space size over them. What a connect allocates is what grows V8's
// young generation, which the memory suite's "RSS after GC" counts.
// `node --expose-gc --import tsx bench/probes/connect-alloc.ts` (env N, default 500; ENGINES, default raw,node)
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { forkChild } from '../lib/children.js';
import { dialer, type Connection, type Engine } from '../lib/engines.js';
import { createBenchPki } from '../lib/pki.js';
import { preloadFor } from '../lib/preload.js';

const env = process.env;
const N = Number(env.N ?? 500);
const engines = (env.ENGINES ?? 'raw,node').split(',') as Engine[];
const engine = env.CONNECT_ALLOC_ENGINE as Engine | undefined;

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

interface ProfileNode {
  selfSize: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}:${lineNumber + 1}`;
}

/** Self bytes by allocating function (name, file and line; with CALLERS=k, its k callers too), largest first. */
function byFunction(node: ProfileNode, out = new Map<string, number>(), stack: string[] = []): Map<string, number> {
  const frames = [frameName(node), ...stack];
  const key = frames.slice(0, 1 + Number(env.CALLERS ?? 0)).join(' < ');
  out.set(key, (out.get(key) ?? 0) + node.selfSize);
  for (const child of node.children) byFunction(child, out, frames);
  return out;
}

function total(node: ProfileNode): number {
  return node.selfSize + node.children.reduce((sum, child) => sum + total(child), 0);
}

const young = () => getHeapSpaceStatistics().filter((s) => s.space_name === 'new_space').reduce((sum, s) => sum + s.space_size, 0);

if (engine !== undefined) {
  const [port, ca] = [Number(env.PORT), env.CA!];
  await preloadFor(engine);
  const connect = dialer(engine, port, ca, 'shared');
  const held: Connection[] = [];
  const open = async (n: number) => {
    for (let left = n; left > 0; left -= 25) {
      held.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(25, left) }, async () => {
            const c = await connect();
            await c.recv(1);
            return c;
          }),
        )),
      );
    }
  };
  await open(20);
  globalThis.gc!();
  const session = new Session();
  session.connect();
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 1) scavenges++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const youngBefore = young();
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await open(N);
  const { profile } = await post<{ profile: { head: ProfileNode } }>(session, 'HeapProfiler.stopSampling');
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  console.log(`${engine.padEnd(6)} allocated ${(total(profile.head) / N).toFixed(0)} B/conn, ${scavenges} scavenges over ${N}, new space ${(youngBefore / 1024).toFixed(0)} -> ${(young() / 1024).toFixed(0)} KiB`);
  const top = [...byFunction(profile.head)].sort((a, b) => b[1] - a[1]).slice(0, Number(env.TOP ?? 0));
  for (const [key, bytes] of top) console.log(`${(bytes / N).toFixed(0).padStart(7)} B  ${key}`);
  for (const c of held) await c.close();
  process.exit(0);
} else {
  const pki = await createBenchPki();
  try {
    for (const e of engines) {
      const server = await forkChild<{ port: number }>('tls-server', [e, 'greet', pki.cert, pki.key]);
      try {
        const { fork } = await import('node:child_process');
        const child = fork(new URL(import.meta.url).pathname, [], { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...env, CONNECT_ALLOC_ENGINE: e, PORT: String(server.ready.port), CA: pki.ca } });
        await new Promise((resolve) => child.on('exit', resolve));
      } finally {
        await server.stop();
      }
    }
  } finally {
    pki.remove();
  }
}
