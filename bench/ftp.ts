// Download and upload of one large file over explicit FTPS with PROT P from vsftpd
// (require_ssl_reuse=YES, started as in tests/; its processes are the server CPU): @unitls/ftp on
// tls-node and tls-openssl vs Python's ftplib (anchor; with the usual session-reusing subclass,
// which that server requires) and basic-ftp. Every client logs in untimed; only the transfer is measured.
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client as BasicFtp } from 'basic-ftp';
import { FTP_TLS } from '@unitls/ftp';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { FTP_PASSWORD, FTP_USER, startVsftpd, vsftpdUnavailable } from '../tests/support/vsftpd.js';
import { childPids, clock } from './lib/clock.js';
import { runPython } from './lib/children.js';
import { UNITLS } from './lib/engines.js';
import { runBench, type Contender } from './lib/harness.js';
import { RawFtpClient } from './lib/raw-ftp.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

type Direction = 'down' | 'up';
const MiB = 2 ** 20;
const PYTHON = 'Python ftplib';
const BASIC_FTP = 'basic-ftp';
/** The floor of the download: a bare node:tls client on the same data connection (bench/lib/raw-ftp.ts). */
const RAW = 'raw node:tls (bare FTP client)';

/** A sink that counts what it is given. */
function counter(): { sink: Writable; bytes(): number } {
  let bytes = 0;
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((bytes += chunk.length), done()) });
  return { sink, bytes: () => bytes };
}
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
      const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(pki.ca)) });
      const uploaded = () => {
        const got = statSync(join(server.home, 'up.bin')).size;
        if (got !== size) throw new Error(`uploaded ${got} bytes, not ${size}`);
      };

      const contenders = (direction: Direction): Contender[] => [
        { name: PYTHON, run: () => runPython('ftp_client.py', [String(port), pki.ca, direction, String(size), FTP_USER, FTP_PASSWORD], vsftpd, size) },
        ...(direction === 'down'
          ? [
              {
                name: RAW,
                anchors: [PYTHON],
                async run() {
                  const client = await RawFtpClient.login({ port, ca: readFileSync(pki.ca), user: FTP_USER, password: FTP_PASSWORD });
                  let bytes = 0;
                  const sample = await clock(() => client.retr('big.bin', (chunk) => void (bytes += chunk.length)), vsftpd);
                  await client.quit();
                  if (bytes !== size) throw new Error(`raw node:tls downloaded ${bytes} bytes`);
                  return sample;
                },
              },
            ]
          : []),
        {
          name: BASIC_FTP,
          async run() {
            const client = new BasicFtp(60_000);
            await client.access({ host: '127.0.0.1', port, user: FTP_USER, password: FTP_PASSWORD, secure: true, secureOptions: { ca: readFileSync(pki.ca), servername: 'localhost' } });
            const { sink, bytes } = counter();
            const sample = await clock(async () => {
              if (direction === 'down') await client.downloadTo(sink, 'big.bin');
              else await client.uploadFrom(Readable.from(zeros(size)), 'up.bin');
            }, vsftpd);
            client.close();
            if (direction === 'down' && bytes() !== size) throw new Error(`basic-ftp downloaded ${bytes()} bytes`);
            if (direction === 'up') uploaded();
            return sample;
          },
        },
        ...(['node', 'openssl'] as const).map((engine) => ({
          name: `@unitls/ftp on tls-${engine}`,
          anchors: direction === 'down' ? [PYTHON, BASIC_FTP, RAW] : [PYTHON, BASIC_FTP],
          async run() {
            const client = new FTP_TLS({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation: UNITLS[engine] as TLSImplementation, configuration });
            await client.connect();
            await client.login(FTP_USER, FTP_PASSWORD);
            const { sink, bytes } = counter();
            const sample = await clock(async () => {
              if (direction === 'down') await client.retrbinary('RETR big.bin', sink);
              else await client.storbinary('STOR up.bin', zeros(size));
            }, vsftpd);
            await client.quit();
            if (direction === 'down' && bytes() !== size) throw new Error(`@unitls/ftp downloaded ${bytes()} bytes`);
            if (direction === 'up') uploaded();
            return sample;
          },
        })),
      ];
      const anchors = [PYTHON, BASIC_FTP];
      const bench = (direction: Direction) =>
        runBench(
          { id: `ftp-${direction === 'down' ? 'download' : 'upload'}`, title: `FTPS ${direction === 'down' ? 'download' : 'upload'} of ${size / MiB} MiB, explicit TLS, PROT P, vsftpd`, unit: 'MiB', units: size / MiB, anchors, cpu: 'client', contenders: contenders(direction) },
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
