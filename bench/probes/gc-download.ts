// V8's major GCs during bulk downloads in one process (issue #16, young-gen): a node:tls server
// child sends MIB MiB (default 64) per connection, this process downloads TRANSFERS times (default
// 8) and prints, per transfer, the Mark-Compacts and scavenges (PerformanceObserver 'gc'), the
// client CPU per MiB and V8's new space size after it (v8.getHeapSpaceStatistics), then the
// Mark-Compacts and mean CPU of all but the first. ENGINE: node | openssl | pure (the TLSSocket,
// recv(64 KiB) until the end), raw (bench/lib/engines.ts's pull loop over node:tls) or data (node:tls
// consumed through its 'data' events, as the raw FTP client). Run each in several processes: the
// same code lands in a small-new-space state (no Mark-Compacts) or a 16 MiB-semi-space one (one or
// more per transfer) by the process's GC history (RESULTS.md "Major GCs of downloads").
// `ENGINE=node TRANSFERS=5 nice -n 5 node --import tsx bench/probes/gc-download.ts`
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { getHeapSpaceStatistics } from 'node:v8';
import { dialer, type Connection, type Engine } from '../lib/engines.js';
import { createBenchPki } from '../lib/pki.js';

const env = process.env;
const MiB = 2 ** 20;
const READ = 64 * 1024;

if (env.GC_SERVER !== undefined) serve(env.GC_SERVER);
else await download();

/** The server child: `cert|key|size`, every connection gets `size` bytes then the end. */
function serve(spec: string): void {
  const [cert, key, size] = spec.split('|');
  const block = Buffer.alloc(MiB, 1);
  const server = tls.createServer({ cert: readFileSync(cert!), key: readFileSync(key!) }, (socket) => {
    let left = Number(size);
    const pump = (): void => {
      while (left > 0) {
        left -= MiB;
        if (!socket.write(block)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    socket.on('error', () => {});
    pump();
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
}

/** node:tls through its 'data' events: recv() gives the whole count at the end, as an empty array of that length. */
function dataEvents(port: number, ca: Buffer): () => Promise<Connection> {
  return () =>
    new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ciphers: 'TLS_AES_128_GCM_SHA256' }, () => {
        let total = 0;
        socket.on('data', (chunk: Buffer) => void (total += chunk.length));
        const ended = once(socket, 'end');
        let given = false;
        resolve({
          send: () => Promise.reject(new Error('download only')),
          recv: async () => {
            if (given) return new Uint8Array(0);
            given = true;
            await ended;
            return new Uint8Array(total);
          },
          close: async () => void socket.destroy(),
        });
      });
    });
}

async function download(): Promise<void> {
  const engine = env.ENGINE ?? 'node';
  const transfers = Number(env.TRANSFERS ?? 8);
  const size = Number(env.MIB ?? 64) * MiB;
  const pki = await createBenchPki();
  const child = fork(new URL(import.meta.url).pathname, [], { env: { ...env, GC_SERVER: `${pki.cert}|${pki.key}|${size}` }, execArgv: ['--import', 'tsx'] });
  try {
    const [port] = (await once(child, 'message')) as [number];
    let majors = 0;
    let minors = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail: { kind: number } }).detail.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
        else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minors++;
      }
    }).observe({ entryTypes: ['gc'] });
    const connect = engine === 'data' ? dataEvents(port, readFileSync(pki.ca)) : dialer(engine as Engine, port, pki.ca);
    const newSpace = (): string => `${((getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / MiB).toFixed(0)}M`;
    const rows = [`new space ${newSpace()}`];
    let laterMajors = 0;
    let laterCpu = 0;
    for (let t = 0; t < transfers; t++) {
      const c = await connect();
      const [m0, s0, before] = [majors, minors, process.cpuUsage()];
      let bytes = 0;
      for (let chunk = await c.recv(READ); chunk.length > 0; chunk = await c.recv(READ)) bytes += chunk.length;
      const cpu = process.cpuUsage(before);
      await c.close();
      // The observer's entries of this transfer arrive in a later turn.
      await new Promise((resolve) => setImmediate(resolve));
      if (bytes !== size) throw new Error(`transfer ${t + 1}: got ${bytes} of ${size} bytes`);
      const ms = (cpu.user + cpu.system) / 1e3 / (size / MiB);
      if (t > 0) {
        laterMajors += majors - m0;
        laterCpu += ms;
      }
      rows.push(`${majors - m0}MC/${minors - s0}sc ${ms.toFixed(2)} ${newSpace()}`);
    }
    console.log(`${engine}: after the first, ${laterMajors} Mark-Compacts, ${(laterCpu / (transfers - 1)).toFixed(2)} ms/MiB | ${rows.join(' | ')}`);
  } finally {
    child.kill();
    pki.remove();
  }
}
