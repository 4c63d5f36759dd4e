/**
 * Interop with vsftpd from Debian with require_ssl_reuse=YES (every PROT P data connection must
 * resume the control connection's TLS session), explicit and implicit, on every implementation;
 * Python's ftplib against the same server as a second client.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateVerificationError } from '@unitls/tls-core';
import { FTP_TLS, FTPPermError, FTPUsageError, type TransferProgress } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

let server: Vsftpd;
const MiB = 1 << 20;

/** Deterministic pseudo-random bytes (an AES-CTR keystream), in blocks so 64 MiB never sits in memory at once. */
function* blocks(size: number, seed: number): Generator<Buffer> {
  const key = createHash('sha256').update(String(seed)).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  for (let offset = 0; offset < size; offset += MiB) yield cipher.update(Buffer.alloc(Math.min(MiB, size - offset)));
}
const hashOf = (size: number, seed: number) => {
  const hash = createHash('sha256');
  for (const block of blocks(size, seed)) hash.update(block);
  return hash.digest('hex');
};
const hashFile = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (c) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });

const SIZES = [0, 1, MiB, 64 * MiB] as const;

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  for (const size of SIZES) {
    const parts = [...blocks(size, size + 7)];
    putFile(server, `file-${size}.bin`, Buffer.concat(parts));
  }
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const cases = implementations.flatMap((implementation) => (['explicit', 'implicit'] as const).map((mode) => [`${implementation.name}, ${mode}`, implementation, mode] as const));

describe.each(cases)('vsftpd (require_ssl_reuse) over %s', (_, implementation, mode) => {
  const open = async (options: Partial<ConstructorParameters<typeof FTP_TLS>[0]> = {}) => {
    const ftp = new FTP_TLS({
      host: '127.0.0.1',
      port: mode === 'explicit' ? server.ports.explicit : server.ports.implicit,
      implicit: mode === 'implicit',
      serverHostname: 'localhost',
      implementation,
      configuration: clientConfig(),
      ...options,
    });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };

  it.each(SIZES)('downloads %i bytes over PROT P with the SHA-256 intact, resuming the session', async (size) => {
    await using ftp = await open();
    expect([ftp.secure, ftp.dataProtected]).toEqual([true, true]);
    const hash = createHash('sha256');
    const progress: TransferProgress[] = [];
    const reply = await ftp.retrbinary(`RETR file-${size}.bin`, (chunk) => void hash.update(chunk), { onProgress: (p) => progress.push(p) });
    expect(reply).toMatch(/^226 /);
    expect(hash.digest('hex')).toBe(hashOf(size, size + 7));
    expect(progress.at(-1) ?? { bytes: 0, total: size }).toEqual({ bytes: size, total: size });
  });

  it.each(SIZES)('uploads %i bytes from a stream with the SHA-256 intact', async (size) => {
    await using ftp = await open();
    const name = `up-${mode}-${implementation.name}-${size}.bin`;
    const reply = await ftp.storbinary(`STOR ${name}`, blocks(size, size + 11), { total: size });
    expect(reply).toMatch(/^226 /);
    expect(statSync(join(server.home, name)).size).toBe(size);
    expect(await hashFile(join(server.home, name))).toBe(hashOf(size, size + 11));
    expect(await ftp.size(name)).toBe(size);
    await ftp.delete(name);
  });

  it('resumes a download and an upload with REST', async () => {
    await using ftp = await open();
    const original = readFileSync(join(server.home, `file-${MiB}.bin`));
    const tail: Buffer[] = [];
    await ftp.retrbinary(`RETR file-${MiB}.bin`, (chunk) => void tail.push(Buffer.from(chunk)), { rest: 1000 });
    expect(Buffer.concat(tail).equals(original.subarray(1000))).toBe(true);
    const name = `resume-${mode}-${implementation.name}.bin`;
    await ftp.storbinary(`STOR ${name}`, original.subarray(0, 4096));
    await ftp.storbinary(`STOR ${name}`, original.subarray(4096), { rest: 4096 });
    expect(readFileSync(join(server.home, name)).equals(original)).toBe(true);
    await ftp.delete(name);
  });

  it('lists, makes and removes directories, renames, and reads sizes and times', async () => {
    await using ftp = await open();
    const dir = `dir-${mode}-${implementation.name}`;
    expect(await ftp.pwd()).toBe('/');
    expect(await ftp.mkd(dir)).toBe(`/${dir}`);
    await ftp.cwd(dir);
    expect(await ftp.pwd()).toBe(`/${dir}`);
    await ftp.storlines('STOR notes.txt', 'line one\nline two\n');
    expect(readFileSync(join(server.home, dir, 'notes.txt'), 'utf8')).toBe('line one\r\nline two\r\n'); // sent as CRLF; vsftpd stores ASCII uploads as received
    const lines: string[] = [];
    await ftp.retrlines('RETR notes.txt', (line) => void lines.push(line));
    expect(lines).toEqual(['line one', 'line two']);
    await ftp.rename('notes.txt', 'renamed.txt');
    expect(await ftp.nlst()).toEqual(['renamed.txt']);
    const listing = await ftp.dir();
    expect(listing).toHaveLength(1);
    expect(listing[0]).toMatch(/^-rw-r--r-- .* renamed\.txt$/);
    expect(await ftp.size('renamed.txt')).toBe(20);
    expect(Math.abs((await ftp.mdtm('renamed.txt')).getTime() - statSync(join(server.home, dir, 'renamed.txt')).mtimeMs)).toBeLessThan(1000);
    await ftp.delete('renamed.txt');
    await ftp.cwd('..');
    await ftp.rmd(dir);
    expect(await ftp.nlst()).not.toContain(dir);
    await expect(ftp.size('missing.bin')).rejects.toBeInstanceOf(FTPPermError);
    expect(await ftp.quit()).toMatch(/^221/);
  });

  it('transfers in active mode (EPRT) too, the server connecting back, with TLS resumed', async () => {
    await using ftp = await open({ passive: false });
    const hash = createHash('sha256');
    await ftp.retrbinary(`RETR file-${MiB}.bin`, (chunk) => void hash.update(chunk));
    expect(hash.digest('hex')).toBe(hashOf(MiB, MiB + 7));
    expect(await ftp.nlst()).toContain(`file-${MiB}.bin`);
  });

  it('streams into a Node Writable and aborts a transfer cleanly, leaving the connection usable', async () => {
    await using ftp = await open();
    const sink = new PassThrough();
    let received = 0;
    sink.on('data', (chunk: Buffer) => (received += chunk.length));
    await ftp.retrbinary(`RETR file-${MiB}.bin`, sink);
    expect(received).toBe(MiB);
    const controller = new AbortController();
    const error = await ftp
      .retrbinary(`RETR file-${64 * MiB}.bin`, () => controller.abort(new Error('enough')), { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('enough');
    expect(await ftp.pwd()).toBe('/');
  });

  it('refuses CR/LF in arguments before sending, and a certificate for another name', async () => {
    await using ftp = await open();
    await expect(ftp.cwd('x\r\nDELE file-1.bin')).rejects.toBeInstanceOf(FTPUsageError);
    await expect(ftp.retrbinary('RETR a\nDELE file-1.bin', () => {})).rejects.toBeInstanceOf(FTPUsageError);
    expect(statSync(join(server.home, 'file-1.bin')).size).toBe(1);
    const wrong = new FTP_TLS({ host: '127.0.0.1', port: mode === 'explicit' ? server.ports.explicit : server.ports.implicit, implicit: mode === 'implicit', serverHostname: 'wrong.test', implementation, configuration: clientConfig() });
    await expect(wrong.connect()).rejects.toBeInstanceOf(CertificateVerificationError);
    await wrong.close();
  });
});

describe('Python ftplib against the same vsftpd', () => {
  it('fails PROT P transfers that require session reuse, where ours pass (see the README)', () => {
    const script = `
import ftplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ftp = ftplib.FTP_TLS(context=ctx)
ftp.connect("localhost", int(sys.argv[2]), timeout=10)
ftp.login("${FTP_USER}", "${FTP_PASSWORD}")
ftp.prot_p()
try:
    ftp.retrbinary("RETR file-1.bin", lambda b: None)
    print("ok")
except ftplib.all_errors as e:
    print("failed:", e)
`;
    const out = execFileSync('python3', ['-c', script, pki.path('root'), String(server.ports.explicit)], { timeout: 30_000 }).toString().trim();
    expect(out).toMatch(/^failed: 522 .*session reuse required/i);
  });
});
