/**
 * Interop with npm's ftp-srv (a server nobody here wrote): plain FTP, and implicit FTPS on every
 * implementation. Its explicit AUTH TLS is racy (see ../shared/interop), so vsftpd covers that.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP, FTPPermError, FTP_TLS } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { freePort } from '../support/daemons.js';
import { implementations } from '../conformance/implementations.js';

const root = mkdtempSync(join(tmpdir(), 'unitls-ftpsrv-'));
const blob = randomBytes(1 << 20);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const servers: FtpSrv[] = [];
const ports = { plain: 0, implicit: 0 };

async function start(secure: boolean): Promise<number> {
  const port = await freePort();
  const server = new FtpSrv({
    url: `${secure ? 'ftps' : 'ftp'}://127.0.0.1:${port}`,
    pasv_url: '127.0.0.1',
    pasv_min: 1024,
    anonymous: false,
    greeting: 'ftp-srv here',
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } as never,
    ...(secure ? { tls: { cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') } } : {}),
  });
  server.on('login', ({ username, password }, resolve, reject) => (username === 'carol' && password === 'carolpass' ? resolve({ root }) : reject(new Error('bad login'))));
  await server.listen();
  servers.push(server);
  return port;
}

beforeAll(async () => {
  writeFileSync(join(root, 'blob.bin'), blob);
  ports.plain = await start(false);
  ports.implicit = await start(true);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(root, { recursive: true, force: true });
});

async function exercise(ftp: FTP | FTP_TLS, tag: string) {
  await ftp.connect();
  await ftp.login('carol', 'carolpass');
  const parts: Buffer[] = [];
  await ftp.retrbinary('RETR blob.bin', (chunk) => void parts.push(Buffer.from(chunk)));
  expect(sha256(Buffer.concat(parts))).toBe(sha256(blob));
  await ftp.storbinary(`STOR ${tag}.bin`, blob);
  expect(sha256(readFileSync(join(root, `${tag}.bin`)))).toBe(sha256(blob));
  expect(await ftp.size(`${tag}.bin`)).toBe(blob.length);
  expect((await ftp.nlst()).sort()).toEqual(expect.arrayContaining(['blob.bin', `${tag}.bin`]));
  expect((await ftp.dir()).some((line) => line.endsWith(` ${tag}.bin`))).toBe(true);
  await ftp.delete(`${tag}.bin`);
  await expect(ftp.size(`${tag}.bin`)).rejects.toBeInstanceOf(FTPPermError);
  expect(await ftp.quit()).toMatch(/^221/);
}

describe('ftp-srv', () => {
  it('plain FTP: download, upload, size, listings, delete (password allowed in clear explicitly)', async () => {
    await using ftp = new FTP({ host: '127.0.0.1', port: ports.plain, allowPlaintextAuth: true });
    await exercise(ftp, 'plain');
    expect(ftp.welcome).toBe('220-ftp-srv here\n220 Ready'); // a multi-line greeting
  });

  it.each(implementations.map((i) => [i.name, i] as const))('implicit FTPS over %s: the same over PROT P', async (name, implementation) => {
    await using ftp = new FTP_TLS({ host: '127.0.0.1', port: ports.implicit, implicit: true, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await exercise(ftp, `implicit-${name}`);
  });
});
