/**
 * vsftpd's require_ssl_reuse over TLS 1.2: vsftpd negotiates TLS 1.3 when allowed, so the main
 * suite (vsftpd.test.ts) resumes TLS 1.3 tickets; a client limited to TLS 1.2 must resume the
 * control connection's TLS 1.2 session (session id or RFC 5077 ticket) on every PROT P data
 * connection, or vsftpd answers 522. Every implementation, explicit and implicit.
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
const content = new Uint8Array(256 * 1024).map((_, i) => (i * 31) % 251);

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  putFile(server, 'tls12.bin', content);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const cases = implementations.flatMap((implementation) => (['explicit', 'implicit'] as const).map((mode) => [`${implementation.name}, ${mode}`, implementation, mode] as const));

describe.each(cases)('vsftpd (require_ssl_reuse) over TLS 1.2 only, %s', (_, implementation, mode) => {
  it('downloads and uploads over PROT P, each data connection resuming the TLS 1.2 session', async () => {
    await using ftp = new FTP_TLS({
      host: '127.0.0.1',
      port: mode === 'explicit' ? server.ports.explicit : server.ports.implicit,
      implicit: mode === 'implicit',
      serverHostname: 'localhost',
      implementation,
      configuration: clientConfig({ highestSupportedVersion: 'TLSv1.2' }),
    });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    const hash = createHash('sha256');
    expect(await ftp.retrbinary('RETR tls12.bin', (chunk) => void hash.update(chunk))).toMatch(/^226 /);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    const name = `tls12-${mode}-${implementation.name}.bin`;
    expect(await ftp.storbinary(`STOR ${name}`, content.subarray(0, 4096))).toMatch(/^226 /);
    expect(readFileSync(join(server.home, name)).equals(content.subarray(0, 4096))).toBe(true);
    await ftp.delete(name);
  });
});
