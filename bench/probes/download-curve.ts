// The warm-up curve of a 32 MiB HTTPS download (issue #16 item 2): each row in a fresh process of
// its own downloads RUNS times (default 10) over one keep-alive connection from the bench's nginx
// and reports, per download, its client CPU per MiB, the chunks it was handed (reads) and V8's
// Mark-Compacts. Rows: raw node:tls's bare GET (the http suite's floor), node:https (keep-alive
// agent), HTTPSConnection iterating the body on tls-node and tls-openssl; Python http.client (a
// process per download, as in the suite: it never warms, it has no JIT) as the anchor.
// PAIRS processes per row (default 3), rows alternating in rotated order; the table gives the
// median per download number over the processes, and the main thread's CPU alone (the rest is
// V8's concurrent compiler and GC threads). BASE=<checkout> adds that checkout's
// HTTPSConnection rows (its built packages) for a paired A/B; ROWS=raw,node,openssl,... keeps some.
// What the harness's warm-up leaves to the measured rounds shows as the fall after its last warm-up
// download (8 since session 10, 3 before); the same bytes warm every contender (RESULTS.md "The
// HTTPS download's warm-up (session 10)").
// CURVE_FLAGS='--trace-opt --trace-deopt' passes V8 flags to the Node rows and keeps each one's
// output (download markers between) in CURVE_OUT-<row>-<n>.txt (default /tmp/download-curve).
// `PAIRS=5 RUNS=10 nice -n 5 node --import tsx bench/probes/download-curve.ts`
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startNginx } from '../../tests/support/nginx.js';
import { createBenchPki } from '../lib/pki.js';

const MiB = 2 ** 20;
const SIZE = 32 * MiB;
const env = process.env;
const RUNS = Number(env.RUNS ?? 10);
/** Trace files written (CURVE_FLAGS). */
let traces = 0;

type Row = 'python' | 'raw' | 'https' | 'node' | 'openssl' | 'node-base' | 'openssl-base';
interface Job {
  row: Row;
  port: number;
  ca: string;
}
/** One download: client CPU ms/MiB, chunks handed out, Mark-Compacts during it. */
interface Point {
  cpu: number;
  /** The main thread's alone (the rest: V8's compiler and GC threads). */
  main: number;
  reads: number;
  majors: number;
}

if (env.CURVE_JOB !== undefined) await child(JSON.parse(env.CURVE_JOB) as Job);
else await main();

async function main(): Promise<void> {
  const pki = await createBenchPki();
  const nginx = await startNginx({ cert: pki.cert, key: pki.key, clientCAs: [pki.ca], files: { 'big.bin': randomBytes(SIZE) } });
  const all: Row[] = ['python', 'raw', 'https', 'node', 'openssl', ...(env.BASE ? (['node-base', 'openssl-base'] as const) : [])];
  const rows = env.ROWS ? all.filter((row) => env.ROWS!.split(',').includes(row)) : all;
  const pairs = Number(env.PAIRS ?? 3);
  const curves = new Map<Row, Point[][]>(rows.map((row) => [row, []]));
  const load = [loadavg()[0]!];
  try {
    for (let p = 0; p < pairs; p++) {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[(i + p) % rows.length]!;
        const job: Job = { row, port: nginx.ports.h1, ca: pki.ca };
        curves.get(row)!.push(row === 'python' ? await python(job) : await fork1(job));
      }
      load.push(loadavg()[0]!);
    }
  } finally {
    await nginx.stop();
    pki.remove();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`client CPU ms/MiB per download (median of ${pairs} processes), load ${load.map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`| row | ${Array.from({ length: RUNS }, (_, i) => i + 1).join(' | ')} | reads/dl | majors 4+ |`);
  console.log(`|---|${'---|'.repeat(RUNS + 2)}`);
  for (const [row, processes] of curves) {
    const cells = Array.from({ length: RUNS }, (_, i) => median(processes.map((points) => points[i]!.cpu)).toFixed(2));
    const reads = median(processes.map((points) => points[RUNS - 1]!.reads));
    const majors = processes.map((points) => points.slice(3).reduce((sum, point) => sum + point.majors, 0)).join('/');
    console.log(`| ${row} | ${cells.join(' | ')} | ${reads} | ${majors} |`);
    if (row !== 'python') console.log(`| ${row} main thread | ${Array.from({ length: RUNS }, (_, i) => median(processes.map((points) => points[i]!.main)).toFixed(2)).join(' | ')} | | |`);
  }
  if (env.VERBOSE) for (const [row, processes] of curves) for (const points of processes) console.log(row, points.map((point) => point.cpu.toFixed(2)).join(' '));
}

async function fork1(job: Job): Promise<Point[]> {
  const worker = fork(fileURLToPath(import.meta.url), [], { env: { ...env, CURVE_JOB: JSON.stringify(job) }, execArgv: ['--import', 'tsx', ...(env.CURVE_FLAGS ? env.CURVE_FLAGS.split(' ') : [])], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  worker.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  const [code] = (await once(worker, 'exit')) as [number];
  if (code !== 0) throw new Error(`${job.row} exited with ${code}`);
  // CURVE_FLAGS (V8 tracing, say): the child's output, download markers included, kept in a file.
  if (env.CURVE_FLAGS) writeFileSync(`${env.CURVE_OUT ?? '/tmp/download-curve'}-${job.row}-${++traces}.txt`, out);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Point[];
}

/** Python http.client, one process per download (bench/python/http_client.py), as the suite runs it. */
async function python(job: Job): Promise<Point[]> {
  const points: Point[] = [];
  const script = fileURLToPath(new URL('../python/http_client.py', import.meta.url));
  for (let i = 0; i < RUNS; i++) {
    const child = spawn('python3', [script, String(job.port), job.ca, '/big.bin', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    // benchclock.measure prints 'start' and 'stop' and waits for a line after each, then its JSON.
    // Answered after those two lines only (as lib/children.ts): a line written after the JSON could
    // reach a Python that had exited, and the EPIPE ended this probe.
    let seen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const lines = out.split('\n');
      for (; seen < lines.length - 1; seen++) if (lines[seen] === 'start' || lines[seen] === 'stop') child.stdin.write('\n');
    });
    await once(child, 'exit');
    const sample = JSON.parse(out.trim().split('\n').at(-1)!) as { cpu: number };
    points.push({ cpu: (sample.cpu * 1e3) / (SIZE / MiB), main: NaN, reads: SIZE / 65536, majors: 0 });
  }
  return points;
}

/** CPU nanoseconds of this process's main thread (Linux schedstat); NaN elsewhere. */
function mainThreadNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0]);
  } catch {
    return NaN;
  }
}

async function child(job: Job): Promise<void> {
  const ca = readFileSync(job.ca);
  let majors = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  }).observe({ entryTypes: ['gc'] });
  let reads = 0;
  let download: () => Promise<number>;
  if (job.row === 'raw') {
    const { RawHttpsClient } = await import('../lib/raw-https.js');
    const client = await RawHttpsClient.connect(job.port, ca);
    await client.get('/hello');
    download = () => client.get('/big.bin');
  } else if (job.row === 'https') {
    const https = await import('node:https');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    download = () =>
      new Promise<number>((resolve, reject) => {
        https
          .get(`https://localhost:${job.port}/big.bin`, { agent }, (response) => {
            let bytes = 0;
            response.on('data', (chunk: Buffer) => {
              reads++;
              bytes += chunk.length;
            });
            response.on('end', () => resolve(bytes));
            response.on('error', reject);
          })
          .on('error', reject);
      });
  } else {
    const base = job.row.endsWith('-base') ? env.BASE : undefined;
    const engine = job.row.startsWith('node') ? 'tls-node' : 'tls-openssl';
    const from = (pkg: string) => (base === undefined ? `@unitls/${pkg}` : `${base}/packages/${pkg}/dist/mod.js`);
    const core = (await import(from('tls-core'))) as typeof import('@unitls/tls-core');
    const { implementation } = (await import(from(engine))) as typeof import('@unitls/tls-node');
    const http = (await import(from('http'))) as typeof import('@unitls/http');
    const configuration = new core.TLSClientConfiguration({ trustStore: core.TrustStore.fromBuffer(ca), innerProtocols: ['http/1.1'] });
    const connection = new http.HTTPSConnection('localhost', { port: job.port, implementation, configuration });
    const get = async (path: string) => {
      connection.request('GET', path);
      let bytes = 0;
      for await (const chunk of await connection.getresponse()) {
        reads++;
        bytes += chunk.length;
      }
      return bytes;
    };
    await get('/hello');
    download = () => get('/big.bin');
  }
  const points: Point[] = [];
  for (let i = 0; i < RUNS; i++) {
    reads = 0;
    if (env.CURVE_FLAGS) console.log(`--- download ${i + 1} pid ${process.pid} at ${process.hrtime.bigint()}`);
    const before = majors;
    const cpu = process.cpuUsage();
    const mainBefore = mainThreadNs();
    const bytes = await download();
    const used = process.cpuUsage(cpu);
    const main = mainThreadNs() - mainBefore;
    if (bytes !== SIZE) throw new Error(`${job.row}: ${bytes} bytes, expected ${SIZE}`);
    // GC entries are queued: let the observer see this download's before counting.
    await new Promise((resolve) => setImmediate(resolve));
    points.push({ cpu: (used.user + used.system) / 1e3 / (SIZE / MiB), main: main / 1e6 / (SIZE / MiB), reads, majors: majors - before });
  }
  console.log(JSON.stringify(points));
  process.exit(0);
}
