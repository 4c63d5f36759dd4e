// The warm-up curve of the mail suite's IMAP 20 MiB row (imap-fetch-big, issue #16 item 2), as
// ftp-curve.ts is the FTPS download's: @unitls/imap fetch() and fetchEach into, on tls-openssl and
// tls-node, each in fresh plain-node processes (imap-curve-child.mjs) fetching the one 20 MiB message
// RUNS times (default 8, a connection per fetch as in the suite); the table gives per fetch the median
// over PAIRS processes (default 4) of its client CPU per MiB and its minor page faults. Python imaplib
// (a process per fetch, as in the suite: no JIT) runs once beside each Node process. The suite's
// measured rounds are the fetches after its warm-up runs (bench/mail.ts). BASE=<checkout> adds that
// checkout's rows (its built packages) for a paired A/B; ROWS=fetch,into and ENGINES=openssl,node keep some.
// Dovecot of tests/support, implicit TLS, bob's Big mailbox seeded as the suite seeds it.
// `PAIRS=4 RUNS=8 nice -n 5 node --import tsx bench/probes/imap-curve.ts`
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMailServers } from '../../tests/support/mail-servers.js';
import { runPython } from '../lib/children.js';
import { createBenchPki } from '../lib/pki.js';
import { seed } from '../mail.js';

const env = process.env;
const MiB = 2 ** 20;
const RUNS = Number(env.RUNS ?? 8);
const PAIRS = Number(env.PAIRS ?? 4);
const MODES = (env.ROWS ?? 'fetch,into').split(',');
const ENGINES = (env.ENGINES ?? 'openssl,node').split(',');
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Fetch {
  cpu: number;
  faults: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const pki = await createBenchPki();
const servers = await startMailServers(pki.cert, pki.key);
try {
  const sizes = seed(join(servers.dir, 'dovecot', 'home', 'bob', 'Maildir'), 20, 20 * MiB);
  const target = { port: servers.ports.imaps, ca: pki.ca, bytes: sizes.big };
  const python = async (): Promise<number> => {
    const sample = await runPython('imap_client.py', [String(target.port), pki.ca, 'Big'], undefined, sizes.big);
    return (sample.cpu * 1000) / (sizes.big / MiB);
  };
  const label = { fetch: 'fetch()', into: 'fetchEach into' } as Record<string, string>;
  const rows = [ROOT, ...(env.BASE ? [env.BASE] : [])].flatMap((root) =>
    ENGINES.flatMap((engine) => MODES.map((mode) => ({ name: `@unitls/imap ${label[mode]}${root === ROOT ? '' : ' (base)'} on tls-${engine}`, root, engine, mode }))),
  );
  const results = new Map<string, Fetch[][]>(rows.map((row) => [row.name, []]));
  const pythons: number[] = [];
  const loadAtStart = loadavg()[0]!.toFixed(1);
  for (let pair = 0; pair < PAIRS; pair++) {
    // Rotated order, so no row always runs right after another.
    for (const row of [...rows.slice(pair % rows.length), ...rows.slice(0, pair % rows.length)]) {
      const child = execFileSync(process.execPath, [join(HERE, 'imap-curve-child.mjs'), row.root, row.engine, row.mode, String(RUNS)], { env: { ...env, IMAP_CURVE: JSON.stringify(target) } });
      results.get(row.name)!.push(JSON.parse(child.toString()) as Fetch[]);
      pythons.push(await python());
    }
  }
  const header = Array.from({ length: RUNS }, (_, i) => `fetch ${i + 1}`);
  console.log(`load ${loadAtStart} at start, ${loadavg()[0]!.toFixed(1)} at end; ${PAIRS} processes per row; client CPU ms/MiB (minor page faults), medians\n`);
  console.log(`| row | ${header.join(' | ')} |\n|---|${header.map(() => '---|').join('')}`);
  console.log(`| Python imaplib (a process per fetch) | ${median(pythons).toFixed(2)} (each) |${header.slice(1).map(() => ' |').join('')}`);
  for (const [name, processes] of results) {
    const cells = header.map((_, i) => `${median(processes.map((p) => p[i]!.cpu)).toFixed(2)} (${Math.round(median(processes.map((p) => p[i]!.faults)))})`);
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  if (env.RAW === '1') console.log(JSON.stringify({ pythons, results: Object.fromEntries(results) }));
} finally {
  await servers.stop();
  pki.remove();
}
