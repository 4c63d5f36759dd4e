/**
 * Trial 12: a script that forgets quit() / logout() / close() still exits once its last line ran,
 * on SMTP, IMAP4, POP3 and FTP_TLS, over every implementation and over plain TCP, against the real
 * Debian servers (Postfix, Dovecot, vsftpd), whose idle timeouts are minutes long. A child still
 * alive after HANG_MS is killed and fails the test: that bound only catches a real hang, it is
 * not a timing assertion. A script in the middle of an operation (IMAP IDLE waiting for updates,
 * with nothing else keeping the process alive) is not cut short.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { FTP_PASSWORD, FTP_USER, useVsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

const child = fileURLToPath(new URL('./forgotten-quit-child.mjs', import.meta.url));
const HANG_MS = 25_000;

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
const ftpServer = useVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

interface Ended {
  killed: boolean;
  code: number | null;
  result: unknown;
  output: string;
}

/** Runs the child script; resolves with how it ended and its result line. */
function run(scenario: string, implementation: string, port: number): Promise<Ended> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SSL_CERT_FILE: pki.path('root'), FTP_USER, FTP_PASSWORD };
    delete env['SSL_CERT_DIR'];
    execFile(process.execPath, [child, scenario, implementation, String(port)], { env, timeout: HANG_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let result: unknown = null;
      try {
        result = JSON.parse(line);
      } catch {
        result = null;
      }
      const failure = error as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({
        killed: failure?.killed === true,
        code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
        result,
        output: `${stdout}\n${stderr}`.slice(0, 2000),
      });
    });
  });
}

async function expectExits(scenario: string, implementation: string, port: number, result: Record<string, unknown>): Promise<void> {
  const ended = await run(scenario, implementation, port);
  expect(ended.killed, `${scenario} on ${implementation}: still running after ${HANG_MS} ms:\n${ended.output}`).toBe(false);
  expect(ended.code, ended.output).toBe(0);
  expect(ended.result, ended.output).toMatchObject(result);
}

describe.each(implementations.map((i) => [i.name] as const))('a script that forgets quit() exits by itself (%s)', (name) => {
  const ports = () => ({ ...mailServers().ports, ftp: ftpServer().ports.explicit, ftps: ftpServer().ports.implicit });
  it.each([
    ['smtp', 'submission', { secure: true, code: 250 }],
    ['smtps', 'smtps', { secure: true, code: 250 }],
    ['imap', 'imap', { secure: true, exists: 3 }],
    ['imaps', 'imaps', { secure: true, exists: 3 }],
    ['pop3', 'pop3', { secure: true, count: 3 }],
    ['pop3s', 'pop3s', { secure: true, count: 3 }],
    ['ftp', 'ftp', { secure: true, pwd: '/' }],
    ['ftps', 'ftps', { secure: true, pwd: '/' }],
    ['ftp nlst', 'ftp', { secure: true, listed: true }],
    ['imap idle', 'imaps', { secure: true, idled: true }],
  ] as const)('%s', async (scenario, port, result) => {
    await expectExits(scenario, name, ports()[port], result);
  }, 60_000);
});

describe('a script that forgets quit() exits by itself (plain TCP)', () => {
  it.each([
    ['smtp plain', 'smtp', { secure: false, code: 250 }],
    ['imap plain', 'imap', { secure: false }],
    ['pop3 plain', 'pop3', { secure: false, count: 0 }],
  ] as const)('%s', async (scenario, port, result) => {
    await expectExits(scenario, 'node', mailServers().ports[port], result);
  }, 60_000);
});
