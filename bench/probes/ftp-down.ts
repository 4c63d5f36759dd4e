// The FTPS download row and its floors side by side, outside the suite, for short paired A/B runs:
// `node --import tsx bench/probes/ftp-down.ts` (env ROUNDS, default 5; MIB, default 64; ENGINES=
// node,openssl; BASE=/path/to/another/build/of/ftp/dist/mod.js adds "@unitls/ftp (base)" rows, the
// same client from that build in processes of their own; PYTHON=0 leaves ftplib out). Rows: Python
// ftplib, the raw node:tls FTP client, the bare TLSSocket of each engine (bench/contenders/ftp.ts
// unitlsSocket), @unitls/ftp on each engine; every row's ratios against the floor of its engine
// too. Prints the harness's table (RESULTS.md "FTPS download floors").
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FTP_PASSWORD, FTP_USER, startVsftpd } from '../../tests/support/vsftpd.js';
import { runPython } from '../lib/children.js';
import { childPids } from '../lib/clock.js';
import { runBench, type Contender } from '../lib/harness.js';
import { createBenchPki } from '../lib/pki.js';
import { contendersIn } from '../lib/remote.js';
import { load, table } from '../lib/report.js';

const env = process.env;
const MiB = 2 ** 20;
const size = Number(env.MIB ?? 64) * MiB;
const rounds = Number(env.ROUNDS ?? 5);
const engines = (env.ENGINES ?? 'node,openssl').split(',') as Array<'node' | 'openssl'>;
const PYTHON = 'Python ftplib';
const RAW = 'raw node:tls (bare FTP client)';
const node = contendersIn<typeof import('../contenders/ftp.js')>('ftp');
const log = (line: string) => process.stderr.write(`${line}\n`);

const pki = await createBenchPki();
const server = await startVsftpd(pki.cert, pki.key);
const started = load();
try {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), Buffer.alloc(16));
  const zeros = function* () {
    for (let left = size; left > 0; left -= MiB) yield cipher.update(Buffer.alloc(Math.min(MiB, left)));
  };
  await pipeline(Readable.from(zeros()), createWriteStream(join(server.home, 'big.bin')));
  execFileSync('chown', [`${FTP_USER}:${FTP_USER}`, join(server.home, 'big.bin')]);
  const vsftpd = childPids('vsftpd');
  const port = server.ports.explicit;
  const target = { port, caFile: pki.ca, user: FTP_USER, password: FTP_PASSWORD, direction: 'down' as const, size, home: server.home, serverPids: vsftpd };
  const python = env.PYTHON === '0' ? [] : [PYTHON];
  const contenders: Contender[] = [
    ...(env.PYTHON === '0' ? [] : [{ name: PYTHON, run: () => runPython('ftp_client.py', [String(port), pki.ca, 'down', String(size), FTP_USER, FTP_PASSWORD], vsftpd, size) }]),
    node('raw', target, { name: RAW, anchors: python }),
    ...engines.flatMap((engine) => {
      const floor = `TLSSocket of tls-${engine} (bare read loop)`;
      return [
        node('unitlsSocket', { ...target, engine }, { name: floor, anchors: [...python, RAW] }),
        node('unitls', { ...target, engine }, { name: `@unitls/ftp on tls-${engine}`, anchors: [...python, RAW, floor] }),
        ...(env.BASE ? [node('unitls', { ...target, engine, ftpModule: env.BASE }, { name: `@unitls/ftp (base) on tls-${engine}`, anchors: [...python, RAW, floor, `@unitls/ftp on tls-${engine}`] })] : []),
      ];
    }),
  ];
  const outcome = await runBench({ id: 'ftp-download-floors', title: `FTPS download of ${size / MiB} MiB and its floors, vsftpd, PROT P`, unit: 'MiB', units: size / MiB, anchors: python.length > 0 ? python : [RAW], cpu: 'client', contenders }, rounds, log);
  for (const contender of contenders) await contender.close?.();
  console.log(`load ${started} at start, ${load()} at end\n\n${table([outcome], rounds)}`);
  for (const [name, samples] of Object.entries(outcome.samples)) console.log(`${name}: CPU ms/MiB ${samples.map((s) => (s === null ? '-' : ((s.cpu * 1e3) / (size / MiB)).toFixed(2))).join(' ')}`);
} finally {
  await server.stop();
  pki.remove();
}
