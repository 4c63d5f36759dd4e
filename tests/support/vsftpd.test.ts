/**
 * The vsftpd fixture itself: several instances of one test run (tests/ftp, tests/cli, tests/smoke
 * start their own at the same time, with the same account) must not break each other. Python's
 * ftplib logs in over the control connection only, so the check owes nothing to our clients.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pki } from './fixtures.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from './vsftpd.js';

/** Logs in on the explicit FTPS port and returns SIZE of `name` (or the server's error). */
function sizeOf(server: Vsftpd, name: string): string {
  const script = `
import ftplib, ssl, sys
ftp = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=sys.argv[1]))
ftp.connect("localhost", int(sys.argv[2]), timeout=10)
try:
    ftp.login("${FTP_USER}", "${FTP_PASSWORD}")
    ftp.voidcmd("TYPE I")
    print(ftp.size(sys.argv[3]))
except ftplib.all_errors as e:
    print("failed:", e)
`;
  return execFileSync('python3', ['-c', script, pki.path('root'), String(server.ports.explicit), name], { timeout: 30_000 }).toString().trim();
}

describe('vsftpd fixture', () => {
  it('keeps an instance working after another one of the same account started and stopped', async () => {
    const why = vsftpdUnavailable();
    if (why !== null) throw new Error(why);
    const first = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
    try {
      putFile(first, 'first.bin', new Uint8Array(3));
      const second = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
      putFile(second, 'second.bin', new Uint8Array(5));
      expect(sizeOf(second, 'second.bin')).toBe('5');
      await second.stop(); // deletes its folders
      // Each instance serves its own files, and logging in to the first still works.
      expect(sizeOf(first, 'first.bin')).toBe('3');
      expect(sizeOf(first, 'second.bin')).toMatch(/^failed: 550/);
    } finally {
      await first.stop();
    }
  });
});
