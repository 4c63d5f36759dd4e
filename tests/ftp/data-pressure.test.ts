/**
 * FTP data connections under the recv rule of session 6 (one recv at a time; close() ends a
 * waiting recv with RECV_ENDED_BY_CLOSE), against vsftpd (PROT P, require_ssl_reuse) on every
 * implementation: a download read by a slow callback (the reader lags behind the network),
 * ftp.abort() (ABOR) in the middle of a 16 MiB download, an upload stopped by its signal half-way;
 * after each the control connection serves the next transfer with the bytes intact (SHA-256).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP_TLS } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

let server: Vsftpd;
const MiB = 1 << 20;
const BIG = Buffer.from(Array.from({ length: 16 * MiB }, (_, i) => (i * 29 + (i >> 13)) & 0xff));
const SMALL = BIG.subarray(0, MiB);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  putFile(server, 'big.bin', BIG);
  putFile(server, 'small.bin', SMALL);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe.each(implementations.map((each) => [each.name, each] as const))('FTP data connections under pressure on %s', (_, implementation) => {
  const open = async () => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: server.ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };
  const download = async (ftp: FTP_TLS, name: string) => {
    const parts: Buffer[] = [];
    expect(await ftp.retrbinary(`RETR ${name}`, (chunk) => void parts.push(Buffer.from(chunk)))).toMatch(/^226 /);
    return sha(Buffer.concat(parts));
  };

  it('a slow callback (awaits the event loop after each chunk) gets 16 MiB intact', async () => {
    await using ftp = await open();
    const parts: Buffer[] = [];
    const reply = await ftp.retrbinary('RETR big.bin', async (chunk) => {
      parts.push(Buffer.from(chunk));
      await turns(parts.length % 16 === 0 ? 30 : 1);
    });
    expect(reply).toMatch(/^226 /);
    expect(sha(Buffer.concat(parts))).toBe(sha(BIG));
  });

  it('ftp.abort() (ABOR) after the first MiB of a 16 MiB download: the download stops, the next one is intact', async () => {
    await using ftp = await open();
    let received = 0;
    let aborting: Promise<void> | undefined;
    const outcome = await ftp
      .retrbinary('RETR big.bin', (chunk) => {
        received += chunk.length;
        if (received >= MiB && aborting === undefined) aborting = ftp.abort();
      })
      .then((reply) => reply, (error: unknown) => error);
    await aborting;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('AbortError');
    expect(received).toBeLessThan(BIG.length);
    expect(await download(ftp, 'small.bin')).toBe(sha(SMALL));
    expect(await ftp.pwd()).toBe('/');
  });

  it('an upload stopped by its signal half-way rejects with the reason; the next upload and download are intact', async () => {
    await using ftp = await open();
    const controller = new AbortController();
    const reason = new Error('stop the upload');
    async function* slices() {
      for (let offset = 0; offset < BIG.length; offset += 256 * 1024) {
        if (offset === 4 * MiB) controller.abort(reason);
        yield BIG.subarray(offset, offset + 256 * 1024);
      }
    }
    await expect(ftp.storbinary('STOR partial.bin', slices(), { signal: controller.signal })).rejects.toBe(reason);
    expect(await ftp.storbinary('STOR whole.bin', SMALL)).toMatch(/^226 /);
    expect(sha(readFileSync(join(server.home, 'whole.bin')))).toBe(sha(SMALL));
    expect(await download(ftp, 'small.bin')).toBe(sha(SMALL));
  });
});
