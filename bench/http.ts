// Keep-alive GETs and a large download from nginx over HTTPS (HTTP/1.1 port, TLS 1.3, started as
// in tests/; its processes are the server CPU). HTTPSConnection on tls-node and tls-openssl vs
// Python's http.client and node:https; @unitls/http's fetch (undici's fetch over a unitls
// dispatcher) vs undici's fetch on raw node:tls; every Node client in its own process
// (lib/remote.ts). Every client connects with an untimed GET /hello.
import { randomBytes } from 'node:crypto';
import { nginxUnavailable, startNginx } from '../tests/support/nginx.js';
import { childPids } from './lib/clock.js';
import { runPython } from './lib/children.js';
import { runBench, type Contender } from './lib/harness.js';
import { contendersIn } from './lib/remote.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

const node = contendersIn<typeof import('./contenders/http.js')>('http');
const PYTHON = 'Python http.client';
const NODE_HTTPS = 'node:https (keep-alive agent)';
const UNDICI = 'undici fetch on raw node:tls';
/** The floor: a bare node:tls connection writing GETs and counting bodies (bench/lib/raw-https.ts). */
const RAW = 'raw node:tls (bare GET)';

export const http: Suite = {
  name: 'http',
  unavailable: nginxUnavailable,
  async run(context: Context) {
    const { pki } = context;
    const size = scaled(context, 32) * 2 ** 20;
    const nginx = await startNginx({ cert: pki.cert, key: pki.key, clientCAs: [pki.ca], files: { 'big.bin': randomBytes(size) } });
    try {
      const pids = childPids('nginx');
      const port = nginx.ports.h1;
      const contenders = (path: string, perUnit: boolean, bytes: number): Contender[] => {
        const target = { port, caFile: pki.ca, path, bytes, perUnit, serverPids: pids };
        return [
          { name: PYTHON, run: (units) => runPython('http_client.py', [String(port), pki.ca, path, String(perUnit ? units : 1)], pids, bytes * (perUnit ? units : 1)) },
          node('nodeHttps', target, { name: NODE_HTTPS, anchors: [PYTHON, NODE_HTTPS] }),
          node('undici', target, { name: UNDICI, anchors: [PYTHON, UNDICI] }),
          node('raw', target, { name: RAW, anchors: [PYTHON] }),
          ...(['node', 'openssl'] as const).flatMap((engine) => [
            node('connection', { ...target, engine }, { name: `HTTPSConnection on tls-${engine}`, anchors: [PYTHON, NODE_HTTPS, RAW] }),
            node('fetch', { ...target, engine }, { name: `@unitls/http fetch on tls-${engine}`, anchors: [UNDICI, PYTHON] }),
          ]),
        ];
      };
      const hello = 'hello HTTP/1.1 TLSv1.3\n'.length; // what tests/support/nginx.ts answers on /hello
      const anchors = [PYTHON, NODE_HTTPS];
      // Warm-ups as SMTP's (smtp.ts): 5,000 requests, since each client compiles its per-request
      // path in its own process, over five connections (a client's second connection deoptimises
      // what its first compiled: RESULTS.md "The lone client (session 8)"). The download: eight runs
      // (256 MiB) for every contender, by when each one's per-download CPU has flattened
      // (bench/probes/download-curve.ts: tls-openssl's per-read path, 64 KiB reads, 4x fewer calls
      // per MiB than node:tls's 16 KiB records, is compiled by V8 over its first ~8 downloads, the
      // others by their 3rd-5th; Python's http.client needs none). RESULTS.md "The HTTPS download's
      // warm-up (session 10)".
      // BENCH_HTTP=requests (or download) runs one benchmark only, for short A/B runs.
      const wanted = (id: 'requests' | 'download') => [undefined, '', id].includes(process.env.BENCH_HTTP);
      const outcomes = [];
      if (wanted('requests')) {
        outcomes.push(
          await runBench(
            { id: 'http-requests', title: 'HTTPS keep-alive GET /hello, sequential, one connection, nginx (HTTP/1.1, TLS 1.3)', unit: 'request', units: scaled(context, 1000, 20), warmupUnits: scaled(context, 1000, 10), warmupRuns: 5, anchors, cpu: 'client', contenders: contenders('/hello', true, hello) },
            context.rounds,
            context.log,
          ),
        );
      }
      if (wanted('download')) {
        outcomes.push(
          await runBench({ id: 'http-download', title: `HTTPS download of ${size / 2 ** 20} MiB, one connection, nginx (HTTP/1.1, TLS 1.3)`, unit: 'MiB', units: size / 2 ** 20, warmupRuns: 8, anchors, cpu: 'client', contenders: contenders('/big.bin', false, size) }, context.rounds, context.log),
        );
      }
      return outcomes;
    } finally {
      await nginx.stop();
    }
  },
};
