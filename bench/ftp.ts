#!/usr/bin/env -S npx tsx
// Download and upload throughput of one large file over explicit FTPS (PROT P) from vsftpd with
// require_ssl_reuse=YES (started here, as in tests/): @unitls/ftp on tls-node and tls-openssl vs
// basic-ftp vs curl vs Python ftplib (which cannot resume the session, so it is reported as
// failing). One run, ratios against basic-ftp. Needs root and the Debian package vsftpd.
// Usage: npx tsx bench/ftp.ts [--mib 256]
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Client as BasicFtp } from 'basic-ftp';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { FTP_TLS } from '@unitls/ftp';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { FTP_PASSWORD, FTP_USER, startVsftpd } from '../tests/support/vsftpd.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' } } });
const SIZE = Number(values.mib) * 2 ** 20;

const ca = await createAuthority({ name: 'bench CA' });
const leaf = await issueCertificate(ca, { names: ['localhost', '127.0.0.1'] });
const work = mkdtempSync(join(tmpdir(), 'unitls-ftpbench-'));
chmodSync(work, 0o755);
for (const [name, pem] of [['ca.pem', ca.certPem], ['server.crt', leaf.certPem], ['server.key', leaf.keyPem]] as const) writeFileSync(join(work, name), pem);
const server = await startVsftpd(join(work, 'server.crt'), join(work, 'server.key'));
// The file is written by streaming a keystream, so the benchmark never holds it in memory.
await new Promise<void>((resolve, reject) => {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), Buffer.alloc(16));
  const out = createWriteStream(join(server.home, 'big.bin'));
  Readable.from((function* () { for (let left = SIZE; left > 0; left -= 2 ** 20) yield cipher.update(Buffer.alloc(Math.min(2 ** 20, left))); })()).pipe(out).on('finish', resolve).on('error', reject);
});
execFileSync('chown', [`${FTP_USER}:${FTP_USER}`, join(server.home, 'big.bin')]);
const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem) });
const nullSink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
const zeros = function* () { for (let left = SIZE; left > 0; left -= 2 ** 20) yield Buffer.alloc(Math.min(2 ** 20, left)); };

type Run = (direction: 'down' | 'up') => Promise<void>;

function ours(implementation: TLSImplementation): Run {
  return async (direction) => {
    await using ftp = new FTP_TLS({ host: '127.0.0.1', port: server.ports.explicit, serverHostname: 'localhost', implementation, configuration });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    if (direction === 'down') await ftp.retrbinary('RETR big.bin', nullSink());
    else await ftp.storbinary('STOR up.bin', zeros());
    await ftp.quit();
  };
}

const basic: Run = async (direction) => {
  const client = new BasicFtp(60_000);
  await client.access({ host: '127.0.0.1', port: server.ports.explicit, user: FTP_USER, password: FTP_PASSWORD, secure: true, secureOptions: { ca: ca.certPem, servername: 'localhost' } });
  if (direction === 'down') await client.downloadTo(nullSink(), 'big.bin');
  else await client.uploadFrom(Readable.from(zeros()), 'up.bin');
  client.close();
};

const curl: Run = async (direction) => {
  const url = `ftp://localhost:${server.ports.explicit}/${direction === 'down' ? 'big.bin' : 'up.bin'}`;
  const common = ['-sS', '--ssl-reqd', '--cacert', join(work, 'ca.pem'), '-u', `${FTP_USER}:${FTP_PASSWORD}`, '--connect-to', `localhost:${server.ports.explicit}:127.0.0.1:${server.ports.explicit}`];
  if (direction === 'down') execFileSync('curl', [...common, '-o', '/dev/null', url]);
  else {
    writeFileSync(join(work, 'up.bin'), Buffer.alloc(0));
    execFileSync('sh', ['-c', `head -c ${SIZE} /dev/zero | curl ${common.map((a) => `'${a}'`).join(' ')} -T - '${url}'`]);
  }
};

const ftplib: Run = async (direction) => {
  const script = `
import ftplib, io, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ftp = ftplib.FTP_TLS(context=ctx)
ftp.connect("localhost", int(sys.argv[2]), timeout=60)
ftp.login("${FTP_USER}", "${FTP_PASSWORD}")
ftp.prot_p()
if sys.argv[3] == "down":
    ftp.retrbinary("RETR big.bin", lambda b: None, blocksize=65536)
else:
    ftp.storbinary("STOR up.bin", io.BytesIO(bytes(${SIZE})), blocksize=65536)
ftp.quit()
`;
  execFileSync('python3', ['-c', script, join(work, 'ca.pem'), String(server.ports.explicit), direction], { stdio: ['ignore', 'ignore', 'pipe'] });
};

const clients: Array<[string, Run]> = [
  ['basic-ftp (anchor)', basic],
  ['@unitls/ftp on tls-node', ours(node)],
  ['@unitls/ftp on tls-openssl', ours(openssl)],
  ['curl', curl],
  ['Python ftplib', ftplib],
];

try {
  for (const direction of ['down', 'up'] as const) {
    console.log(`\n${direction === 'down' ? 'Download' : 'Upload'} of ${SIZE / 2 ** 20} MiB over explicit FTPS, PROT P, vsftpd require_ssl_reuse=YES (loopback)`);
    console.log('| client | MiB/s | vs anchor |');
    console.log('|---|---|---|');
    let anchor = 0;
    for (const [name, run] of clients) {
      const start = performance.now();
      try {
        await run(direction);
      } catch (error) {
        const text = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim().split('\n').at(-1);
        console.log(`| ${name} | fails: ${text} | - |`);
        continue;
      }
      const rate = SIZE / 2 ** 20 / ((performance.now() - start) / 1000);
      if (direction === 'up' && statSync(join(server.home, 'up.bin')).size !== SIZE) throw new Error(`${name} uploaded a short file`);
      anchor ||= rate;
      console.log(`| ${name} | ${rate.toFixed(0)} | ${(rate / anchor).toFixed(2)} |`);
    }
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
