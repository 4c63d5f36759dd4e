// The warm-up curve of the 64 MiB FTPS download (issue #16 item 2), as download-curve.ts is the
// HTTPS download's: @unitls/ftp on tls-openssl and tls-node, each in fresh plain-node processes
// (ftp-curve-child.mjs), downloads RUNS times (default 8) after one login, and the table gives per
// download the median over PAIRS processes (default 4) of its client CPU per MiB and its minor page
// faults; Python ftplib (a process per download, as in the suite: no JIT, its first download is its
// steady state) runs once beside each Node process. The suite's measured rounds are the downloads
// after its warm-up runs (bench/ftp.ts). BASE=<checkout> adds that checkout's rows (its built
// packages) for a paired A/B. DIRECTION=up: the 64 MiB upload (storbinary of 1 MiB zero chunks, as
// the suite; ftplib's STOR beside). FLOOR=1 adds each engine's floor: the data connection's TLSSocket
// driven bare (ftp-curve-child.mjs socket-down / socket-up). vsftpd of tests/support, PROT P.
// `PAIRS=4 RUNS=8 nice -n 5 node --import tsx bench/probes/ftp-curve.ts`
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { FTP_PASSWORD, FTP_USER, startVsftpd } from '../../tests/support/vsftpd.js';
import { createBenchPki } from '../lib/pki.js';

const env = process.env;
const MiB = 2 ** 20;
const SIZE = 64 * MiB;
const RUNS = Number(env.RUNS ?? 8);
const PAIRS = Number(env.PAIRS ?? 4);
const DIRECTION = env.DIRECTION === 'up' ? 'up' : 'down';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Download {
  cpu: number;
  faults: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const pki = await createBenchPki();
const server = await startVsftpd(pki.cert, pki.key);
try {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), Buffer.alloc(16));
  const blocks = function* () {
    for (let left = SIZE; left > 0; left -= MiB) yield cipher.update(Buffer.alloc(Math.min(MiB, left)));
  };
  await pipeline(Readable.from(blocks()), createWriteStream(join(server.home, 'big.bin')));
  execFileSync('chown', [`${FTP_USER}:${FTP_USER}`, join(server.home, 'big.bin')]);
  const target = { port: server.ports.explicit, ca: pki.ca, user: FTP_USER, password: FTP_PASSWORD, size: SIZE };
  const python = (): number => {
    const args = [String(target.port), pki.ca, DIRECTION, String(SIZE), FTP_USER, FTP_PASSWORD];
    const lines = execFileSync('python3', ['ftp_client.py', ...args], { cwd: join(HERE, '../python'), input: '\n\n' }).toString().trim().split('\n');
    return (JSON.parse(lines.at(-1)!).cpu * 1000) / (SIZE / MiB);
  };
  const mode = DIRECTION;
  const rows = [
    { name: '@unitls/ftp on tls-openssl', root: ROOT, engine: 'openssl', mode },
    { name: '@unitls/ftp on tls-node', root: ROOT, engine: 'node', mode },
    ...(env.BASE ? [{ name: '@unitls/ftp (base) on tls-openssl', root: env.BASE, engine: 'openssl', mode }, { name: '@unitls/ftp (base) on tls-node', root: env.BASE, engine: 'node', mode }] : []),
    ...(env.FLOOR === '1' ? (['openssl', 'node'] as const).map((engine) => ({ name: `TLSSocket of tls-${engine} (bare ${DIRECTION === 'up' ? 'send' : 'read'} loop)`, root: ROOT, engine, mode: `socket-${DIRECTION}` })) : []),
  ];
  const results = new Map<string, Download[][]>(rows.map((row) => [row.name, []]));
  const pythons: number[] = [];
  const loadAtStart = loadavg()[0]!.toFixed(1);
  for (let pair = 0; pair < PAIRS; pair++) {
    // Rotated order, so no row always runs right after another.
    for (const row of [...rows.slice(pair % rows.length), ...rows.slice(0, pair % rows.length)]) {
      const child = execFileSync(process.execPath, [join(HERE, 'ftp-curve-child.mjs'), row.root, row.engine, String(RUNS), row.mode], { env: { ...env, FTP_CURVE: JSON.stringify(target) } });
      results.get(row.name)!.push(JSON.parse(child.toString()) as Download[]);
      pythons.push(python());
    }
  }
  const header = Array.from({ length: RUNS }, (_, i) => `${DIRECTION === 'up' ? 'up' : 'dl'} ${i + 1}`);
  console.log(`load ${loadAtStart} at start, ${loadavg()[0]!.toFixed(1)} at end; ${PAIRS} processes per row; ${DIRECTION}load, client CPU ms/MiB (minor page faults), medians\n`);
  console.log(`| row | ${header.join(' | ')} |\n|---|${header.map(() => '---|').join('')}`);
  console.log(`| Python ftplib (a process per ${DIRECTION === 'up' ? 'upload' : 'download'}) | ${median(pythons).toFixed(2)} (each) |${header.slice(1).map(() => ' |').join('')}`);
  for (const [name, processes] of results) {
    const cells = header.map((_, i) => `${median(processes.map((p) => p[i]!.cpu)).toFixed(2)} (${Math.round(median(processes.map((p) => p[i]!.faults)))})`);
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
} finally {
  await server.stop();
  pki.remove();
}
