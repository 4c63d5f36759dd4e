// Download and upload of one large file over explicit FTPS with PROT P from vsftpd
// (require_ssl_reuse=YES, started as in tests/; its processes are the server CPU): @unitls/ftp on
// tls-node and tls-openssl vs Python's ftplib (anchor; with the usual session-reusing subclass,
// which that server requires) and basic-ftp, every Node client in its own process (lib/remote.ts).
// The download also has its floors: a bare node:tls client, and the bare TLSSocket of each engine.
// Every client logs in untimed; only the transfer is measured.
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FTP_PASSWORD, FTP_USER, startVsftpd, vsftpdUnavailable } from '../tests/support/vsftpd.js';
import { childPids } from './lib/clock.js';
import { runPython } from './lib/children.js';
import { runBench, type Contender } from './lib/harness.js';
import { contendersIn } from './lib/remote.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

type Direction = 'down' | 'up';
const MiB = 2 ** 20;
const PYTHON = 'Python ftplib';
const BASIC_FTP = 'basic-ftp';
/** The floor of the download: a bare node:tls client on the same data connection (bench/lib/raw-ftp.ts). */
const RAW = 'raw node:tls (bare FTP client)';
/**
 * The floor of the download on each unitls engine: the data connection's TLSSocket read bare
 * (recv until the end) between ntransfercmd and the 226 (contenders/ftp.ts unitlsSocket): what
 * any client on that engine pays, so the client's own cost is its ratio to this row.
 */
const floor = (engine: 'node' | 'openssl') => `TLSSocket of tls-${engine} (bare read loop)`;
const node = contendersIn<typeof import('./contenders/ftp.js')>('ftp');
/**
 * Unmeasured 64 MiB transfers of every contender before the rounds (256 MiB, as the HTTPS
 * download's eight of 32 MiB), each direction.
 */
const WARMUPS = 4;

const zeros = function* (size: number) {
  for (let left = size; left > 0; left -= MiB) yield Buffer.alloc(Math.min(MiB, left));
};

export const ftp: Suite = {
  name: 'ftp',
  unavailable: vsftpdUnavailable,
  async run(context: Context) {
    const { pki } = context;
    const size = scaled(context, 64) * MiB;
    const server = await startVsftpd(pki.cert, pki.key);
    try {
      // Random content (an AES-CTR keystream), written in pieces so it is never held in memory.
      const cipher = createCipheriv('aes-128-ctr', randomBytes(16), Buffer.alloc(16));
      await pipeline(Readable.from((function* () { for (const zero of zeros(size)) yield cipher.update(zero); })()), createWriteStream(join(server.home, 'big.bin')));
      execFileSync('chown', [`${FTP_USER}:${FTP_USER}`, join(server.home, 'big.bin')]);
      const vsftpd = childPids('vsftpd');
      const port = server.ports.explicit;
      const contenders = (direction: Direction): Contender[] => {
        const target = { port, caFile: pki.ca, user: FTP_USER, password: FTP_PASSWORD, direction, size, home: server.home, serverPids: vsftpd };
        return [
          { name: PYTHON, run: () => runPython('ftp_client.py', [String(port), pki.ca, direction, String(size), FTP_USER, FTP_PASSWORD], vsftpd, size) },
          ...(direction === 'down' ? [node('raw', target, { name: RAW, anchors: [PYTHON] })] : []),
          node('basicFtp', target, { name: BASIC_FTP }),
          ...(['node', 'openssl'] as const).flatMap((engine) =>
            direction === 'down'
              ? [
                  node('unitlsSocket', { ...target, engine }, { name: floor(engine), anchors: [PYTHON, RAW] }),
                  node('unitls', { ...target, engine }, { name: `@unitls/ftp on tls-${engine}`, anchors: [PYTHON, BASIC_FTP, RAW, floor(engine)] }),
                ]
              : [node('unitls', { ...target, engine }, { name: `@unitls/ftp on tls-${engine}`, anchors: [PYTHON, BASIC_FTP] })],
          ),
        ];
      };
      const anchors = [PYTHON, BASIC_FTP];
      // The download's warm-up is the HTTPS download's 256 MiB (http.ts): four runs. After one, a Node
      // client's next three downloads (the measured rounds) still fall, from its page faults and
      // compilation, while ftplib, a process per run, has no warm-up to do (bench/probes/ftp-curve.ts,
      // RESULTS.md "Session 12: download floor"). The upload likewise: a Node client's first two
      // uploads cost 2-6x its later ones (ftp-curve DIRECTION=up, session 15), which one warm-up
      // run left to the measured rounds.
      const bench = (direction: Direction) =>
        runBench(
          { id: `ftp-${direction === 'down' ? 'download' : 'upload'}`, title: `FTPS ${direction === 'down' ? 'download' : 'upload'} of ${size / MiB} MiB, explicit TLS, PROT P, vsftpd`, unit: 'MiB', units: size / MiB, warmupRuns: WARMUPS, anchors, cpu: 'client', contenders: contenders(direction) },
          context.rounds,
          context.log,
        );
      // BENCH_FTP=down (or up) runs one direction only, for short A/B runs.
      const directions = (['down', 'up'] as const).filter((d) => [undefined, '', d].includes(process.env.BENCH_FTP));
      const outcomes = [];
      for (const direction of directions) outcomes.push(await bench(direction));
      return outcomes;
    } finally {
      await server.stop();
    }
  },
};
