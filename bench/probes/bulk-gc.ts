// Bulk transfer of one tls-suite engine, this process the client, to a sink server child (as
// bench/tls.ts's bulk rows), printing per run the rate, client and server CPU per MiB and both
// ends' GCs by kind (issue #17: where the CPU and the garbage go per 16 KiB record; V8's
// mark-compact "mode", bench/RESULTS.md session 10). Each process makes one unmeasured run first.
//   ENGINE=pure CONNECTIONS=16 MIB=128 RUNS=3 node --import tsx bench/probes/bulk-gc.ts
// SERVER=<engine> picks the server (default: ENGINE's, as the tls suite); SINK=recv has a unitls server
// read with recv instead of recvInto (servers/tls-server.ts's sink-recv mode); SERVER_FLAGS adds Node flags
// to it (e.g. --trace-gc); PERF=<file> records `perf record -g` of both processes over the first
// measured run's transfer (after its connections are up).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { transfer } from '../contenders/tls.js';
import { forkModule } from '../lib/children.js';
import { clock } from '../lib/clock.js';
import { dialer, serverEngine, type Engine } from '../lib/engines.js';
import { createBenchPki } from '../lib/pki.js';
import { preloadFor } from '../lib/preload.js';
import { gcCounter } from './gc-counts.js';

const env = process.env;
const engine = (env.ENGINE ?? 'pure') as Engine;
const connections = Number(env.CONNECTIONS ?? 16);
const mib = Number(env.MIB ?? 64);
const runs = Number(env.RUNS ?? 3);
const CHUNK = 64 * 1024;

const counter = gcCounter();

const pki = await createBenchPki();
const serverPath = fileURLToPath(new URL('../servers/tls-server.ts', import.meta.url));
const gcCounts = fileURLToPath(new URL('./gc-counts.ts', import.meta.url));
const serverFlags = ['--expose-gc', '--import', gcCounts, ...(env.SERVER_FLAGS?.split(' ').filter(Boolean) ?? [])];
process.env.BENCH_GC_SIGNAL = '1'; // the server child's gc-counts.ts answers SIGUSR2
const server = await forkModule<{ port: number }>(serverPath, [serverEngine((env.SERVER ?? engine) as Engine), env.SINK === 'recv' ? 'sink-recv' : 'sink', pki.cert, pki.key], serverFlags);
await preloadFor(engine);
const connect = dialer(engine, server.ready.port, pki.ca);
let perf: ChildProcess | null = null;
try {
  for (let run = 0; run <= runs; run++) {
    const perConnection = Math.ceil(((run === 0 ? Math.min(mib, 64) : mib) * 2 ** 20) / connections / CHUNK) * CHUNK;
    const open = await Promise.all(Array.from({ length: connections }, () => connect()));
    if (run === 1 && env.PERF !== undefined) {
      perf = spawn('perf', ['record', '-F', '1999', '-g', '-p', `${process.pid},${server.pid}`, '-o', env.PERF], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 1000)); // perf attaching
    }
    counter.reset();
    process.kill(server.pid, 'SIGUSR2'); // the server's count starts (probes/gc-counts.ts)
    const sample = await clock(() => transfer(open, perConnection), server.pid);
    await new Promise((resolve) => setImmediate(resolve)); // the GC observer's last entries
    const clientGcs = counter.describe();
    process.kill(server.pid, 'SIGUSR2'); // and ends: its line goes to stderr
    if (perf !== null) {
      perf.kill('SIGINT');
      await once(perf, 'exit');
      perf = null;
    }
    await Promise.all(open.map((c) => c.close()));
    if (run === 0) continue;
    const total = (perConnection * connections) / 2 ** 20;
    const perMiB = (seconds: number | null) => `${(((seconds ?? 0) * 1e3) / total).toFixed(2)} ms/MiB`;
    console.log(`${engine} x${connections} run ${run}: ${(total / sample.seconds).toFixed(0)} MiB/s, client ${perMiB(sample.cpu)}, server ${perMiB(sample.serverCpu)}, client GC ${clientGcs}`);
  }
} finally {
  perf?.kill('SIGINT');
  await server.stop();
  pki.remove();
}
