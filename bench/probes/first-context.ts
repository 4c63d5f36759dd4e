// Issue #17 (tls-pure's TrustStore.system()): what the first client context and the first connect
// cost in a cold process, per engine. A node:tls server here; each sample is a fresh child
// process (first-context-child.ts) whose SSL_CERT_FILE is this machine's system bundle plus the
// probe's CA, so every engine reads a real-sized store and the connect verifies. Engines
// alternate (ABAB...) for PAIRS rounds; prints each sample and the medians.
// Env: PAIRS (5), ENGINES (node,pure,pure-noble,openssl; pure-b: tls-pure from PURE_B, the path
// of another build's mod.js), BUNDLE (/etc/ssl/certs/ca-certificates.crt).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createBenchPki } from '../lib/pki.js';

const env = process.env;
const PAIRS = Number(env.PAIRS ?? 5);
const ENGINES = (env.ENGINES ?? 'node,pure,pure-noble,openssl').split(',');
const pki = await createBenchPki();
const bundle = join(pki.dir, 'bundle.pem');
writeFileSync(bundle, readFileSync(env.BUNDLE ?? '/etc/ssl/certs/ca-certificates.crt', 'utf8') + readFileSync(pki.ca, 'utf8'));
const server = createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (socket) => socket.on('error', () => {}).end());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
const child = fileURLToPath(new URL('./first-context-child.ts', import.meta.url));
type Sample = Record<'import' | 'context' | 'firstConnect' | 'secondConnect', { wallMs: number; cpuMs: number }> & { engine: string };
const samples: Sample[] = [];
try {
  for (let round = 0; round < PAIRS; round++) {
    for (let i = 0; i < ENGINES.length; i++) {
      const engine = ENGINES[(round + i) % ENGINES.length]!;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, engine, String(port)], { env: { ...env, SSL_CERT_FILE: bundle } });
      const sample = JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
      console.log(JSON.stringify(sample));
      samples.push(sample);
    }
  }
} finally {
  server.close();
  pki.remove();
}
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log('\n| engine | import ms (CPU) | clientContext ms (CPU) | first connect ms (CPU) | second connect ms (CPU) |\n|---|---|---|---|---|');
for (const engine of ENGINES) {
  const mine = samples.filter((s) => s.engine === engine);
  const cell = (key: keyof Omit<Sample, 'engine'>) => `${median(mine.map((s) => s[key].wallMs)).toFixed(1)} (${median(mine.map((s) => s[key].cpuMs)).toFixed(1)})`;
  console.log(`| ${engine} | ${cell('import')} | ${cell('context')} | ${cell('firstConnect')} | ${cell('secondConnect')} |`);
}
