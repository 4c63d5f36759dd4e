// JavaScript allocated per MiB of a download (issue #16, node-down): V8's sampling heap profiler,
// objects collected by minor and major GCs included, over the downloads after three warm-up ones,
// each row in a process of its own. Allocation per MiB is repeatable on a loaded machine where CPU
// per MiB is not, and it is what grows V8's new space and sets off the download rows' GC modes
// (RESULTS.md "FTPS download floors"). Rows: the raw node:tls bare GET (bench/lib/raw-https.ts, the
// http suite's floor) and HTTPSConnection on tls-node iterating a 32 MiB body from nginx, and
// ClientConnection.recv (client-kit, implicit TLS on tls-node: the read under every mail and FTP
// client) over a node:tls server sending 32 MiB. BASE=/path/to/another/checkout adds the same
// rows from that checkout's built packages (a paired A/B).
// `node --import tsx bench/probes/download-alloc.ts` (env N, default 6 measured downloads per row)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import * as tls from 'node:tls';
import { startNginx } from '../../tests/support/nginx.js';
import { createBenchPki } from '../lib/pki.js';

const MiB = 2 ** 20;
const SIZE = 32 * MiB;
const env = process.env;

interface Job {
  row: 'raw' | 'https' | 'recv';
  base?: string | undefined;
  port: number;
  ca: string;
}

if (env.ALLOC_JOB !== undefined) await child(JSON.parse(env.ALLOC_JOB) as Job);
else await main();

async function main(): Promise<void> {
  const pki = await createBenchPki();
  const nginx = await startNginx({ cert: pki.cert, key: pki.key, clientCAs: [pki.ca], files: { 'big.bin': randomBytes(SIZE) } });
  const block = Buffer.alloc(MiB, 7);
  const sender = tls.createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (socket) => {
    let left = SIZE / MiB;
    socket.on('error', () => {});
    const pump = (): void => {
      while (left > 0) {
        left--;
        if (!socket.write(block)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
  sender.listen(0, '127.0.0.1');
  await once(sender, 'listening');
  try {
    const jobs: Job[] = [];
    for (const base of [undefined, ...(env.BASE ? [env.BASE] : [])]) {
      jobs.push({ row: 'raw', port: nginx.ports.h1, ca: pki.ca }, { row: 'https', base, port: nginx.ports.h1, ca: pki.ca }, { row: 'recv', base, port: (sender.address() as { port: number }).port, ca: pki.ca });
    }
    for (const job of env.BASE ? jobs.filter((j, i) => j.row !== 'raw' || i === 0) : jobs) {
      const worker = fork(new URL(import.meta.url).pathname, [], { env: { ...env, ALLOC_JOB: JSON.stringify(job) }, execArgv: ['--import', 'tsx'] });
      const [code] = (await once(worker, 'exit')) as [number];
      if (code !== 0) throw new Error(`${job.row} exited with ${code}`);
    }
  } finally {
    sender.close();
    await nginx.stop();
    pki.remove();
  }
}

/** One row: three unmeasured downloads, then N measured with the sampling heap profiler on. */
async function child(job: Job): Promise<void> {
  const from = (pkg: string) => (job.base === undefined ? `@unitls/${pkg}` : `${job.base}/packages/${pkg}/dist/mod.js`);
  const core = (await import(from('tls-core'))) as typeof import('@unitls/tls-core');
  const tlsNode = (await import(from('tls-node'))) as typeof import('@unitls/tls-node');
  const ca = readFileSync(job.ca);
  let download: () => Promise<number>;
  if (job.row === 'raw') {
    const { RawHttpsClient } = await import('../lib/raw-https.js');
    const client = await RawHttpsClient.connect(job.port, ca);
    download = () => client.get('/big.bin');
  } else if (job.row === 'https') {
    const http = (await import(from('http'))) as typeof import('@unitls/http');
    const configuration = new core.TLSClientConfiguration({ trustStore: core.TrustStore.fromBuffer(ca), innerProtocols: ['http/1.1'] });
    const connection = new http.HTTPSConnection('localhost', { port: job.port, implementation: tlsNode.implementation, configuration });
    download = async () => {
      connection.request('GET', '/big.bin');
      let bytes = 0;
      for await (const chunk of await connection.getresponse()) bytes += chunk.length;
      return bytes;
    };
  } else {
    const kit = (await import(from('client-kit'))) as typeof import('@unitls/client-kit');
    const configuration = new core.TLSClientConfiguration({ trustStore: core.TrustStore.fromBuffer(ca) });
    download = async () => {
      const connection = new kit.ClientConnection({ client: {}, errors: kit.clientErrors, context: () => new tlsNode.implementation.clientContext(configuration), serverHostname: 'localhost' });
      await connection.open('127.0.0.1', job.port, 'implicit');
      let bytes = 0;
      for (let data = await connection.recv(); data.length > 0; data = await connection.recv()) bytes += data.length;
      await connection.close(true);
      return bytes;
    };
  }
  for (let i = 0; i < 3; i++) await download();
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) => new Promise<T>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
  await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const n = Number(env.N ?? 6);
  let bytes = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) bytes += await download();
  const used = process.cpuUsage(cpu);
  type Node = { selfSize: number; children: Node[] };
  const { profile } = await post<{ profile: { head: Node } }>('HeapProfiler.stopSampling');
  let allocated = 0;
  const walk = (node: Node): void => {
    allocated += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  if (bytes !== n * SIZE) throw new Error(`${job.row}: ${bytes} bytes, expected ${n * SIZE}`);
  const name = { raw: 'raw node:tls (bare GET)', https: 'HTTPSConnection on tls-node', recv: 'ClientConnection.recv on tls-node' }[job.row];
  console.log(`${name}${job.base === undefined ? '' : ' (base)'}: ${(allocated / (bytes / MiB) / 1024).toFixed(1)} KiB of JavaScript per MiB, client CPU ${((used.user + used.system) / 1e3 / (bytes / MiB)).toFixed(2)} ms/MiB`);
  process.exit(0);
}
