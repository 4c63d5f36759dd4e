/**
 * The runtime matrix (issue #19): the smoke cases of smoke.mjs on Node 20, 22, 24, 26, Bun and
 * Deno, each case in a process of its own against local servers (openssl s_server, Postfix,
 * Dovecot, vsftpd, nginx). A cell passes when the case passes, or when the runtime is listed in
 * UNSUPPORTED for it and the package refused with that clear, typed error; a crash or any other
 * error fails the cell. The package READMEs state the same matrix.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pki } from '../support/fixtures.js';
import { startLocalServers, type LocalServers } from '../support/local-servers.js';
import { installRuntimes } from './runtimes.mjs';
import { FTP_PASSWORD } from '../support/vsftpd.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./smoke.mjs', import.meta.url));
const CASES: string[] = JSON.parse(execFileSync(process.execPath, [script, '--list']).toString());
const RUNTIMES = ['node20', 'node22', 'node24', 'node26', 'bun', 'deno'] as const;

interface ClearError {
  name: string;
  message: RegExp;
  /**
   * Set while the package still fails this cell another way (a crash, a wrong result): the known
   * defect and the issue that fixes it. The cell then accepts that defect OR the clear error, and
   * its title says so; remove `known` once the fix lands.
   */
  known?: string;
}

const openSSLUnavailable: ClearError = {
  name: 'ConfigurationError',
  message: /not available on this runtime/i,
};

/** Runtime -> case -> the clear error the packages give where the runtime cannot do it. */
const UNSUPPORTED: Partial<Record<(typeof RUNTIMES)[number], Record<string, ClearError>>> = {
  bun: {
    'connect tls-openssl': openSSLUnavailable,
    'wrong host tls-openssl': openSSLUnavailable,
  },
  deno: {
    'connect tls-openssl': openSSLUnavailable,
    'wrong host tls-openssl': openSSLUnavailable,
    // Deno's node:tls cannot resume a TLS session; vsftpd's require_ssl_reuse refuses the data connection, and the package says why.
    'FTPS download': { name: 'FTPPermError', message: /session reuse required.*offered no session to resume; Deno's node:tls cannot resume TLS sessions: pass `implementation` from @unitls\/tls-pure/ },
    // Deno's node:tls gives one code for every chain failure and drops the certificate: tls-node cannot say "expired" there, and says so.
    'expired tls-node': { name: 'CertificateVerificationError', message: /Deno's node:tls gives this one code for every certificate failure.*@unitls\/tls-pure/ },
  },
};

const file = randomBytes(256 * 1024);
let servers: LocalServers;
let runtimes: Array<{ name: string; command: string; args: string[] }>;

/** Python ssl servers ending every connection with (clean) or without (ragged) close_notify. */
const endings: Partial<Record<'ragged' | 'clean', { child: ChildProcess; port: number }>> = {};

async function startEnding(kind: 'ragged' | 'clean'): Promise<void> {
  const script = fileURLToPath(new URL('../support/python/close_peer.py', import.meta.url));
  const child = spawn('python3', [script, `serve-${kind}`, pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), pki.path('root')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout! }), 'line'), once(child, 'exit').then(() => [''])])) as [string];
  if (!/^\d+$/.test(line)) throw new Error(`close_peer.py serve-${kind} did not start`);
  endings[kind] = { child, port: Number(line) };
}

beforeAll(async () => {
  runtimes = installRuntimes({ log: (line) => console.log(line) });
  servers = await startLocalServers(['openssl', 'mail', 'vsftpd', 'nginx'], { pki, leaf: 'server-ec', files: { 'smoke.bin': file } });
  await Promise.all([startEnding('ragged'), startEnding('clean')]);
}, 600_000);
afterAll(async () => {
  for (const ending of Object.values(endings)) {
    const exited = once(ending.child, 'exit');
    ending.child.kill();
    await exited;
  }
  await servers?.stop();
});

interface Outcome {
  status: 'pass' | 'error';
  detail?: string;
  name?: string;
  code?: string;
  message?: string;
}

function runCase(runtime: string, name: string): Promise<{ outcome: Outcome | null; output: string }> {
  const { command, args } = runtimes.find((r) => r.name === runtime)!;
  const env = {
    ...process.env,
    UNITLS_SMOKE: JSON.stringify({
      ports: {
        ...Object.fromEntries(['openssl.ok', 'openssl.wronghost', 'openssl.expired', 'postfix.submission', 'dovecot.imaps', 'vsftpd.explicit', 'nginx.h2'].map((s) => [s, servers.port(s)])),
        'python.ragged': endings.ragged!.port,
        'python.clean': endings.clean!.port,
      },
      caFile: pki.path('root'),
      mailPassword: 'alicepass',
      ftpUser: servers.vsftpd!.user,
      ftpPassword: FTP_PASSWORD,
      ftpFile: 'smoke.bin',
      ftpSha256: createHash('sha256').update(file).digest('hex'),
    }),
  };
  return new Promise((resolve) => {
    execFile(command, [...args, script, name], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let outcome: Outcome | null = null;
      try {
        outcome = JSON.parse(line) as Outcome;
      } catch {
        outcome = null;
      }
      resolve({ outcome, output: `exit ${error?.code ?? 0} ${error?.signal ?? ''}\n${stdout}\n${stderr}`.slice(0, 3000) });
    });
  });
}

describe.concurrent.each(RUNTIMES)('on %s', (runtime) => {
  const title = (name: string) => {
    const unsupported = UNSUPPORTED[runtime]?.[name];
    if (unsupported === undefined) return `${name}: passes`;
    return `${name}: refused with ${unsupported.name}${unsupported.known === undefined ? '' : ` [known defect until ${unsupported.known}]`}`;
  };
  it.each(CASES.map((name) => [title(name), name]))('%s', async (_, name) => {
    const { outcome, output } = await runCase(runtime, name);
    const unsupported = UNSUPPORTED[runtime]?.[name];
    if (unsupported?.known !== undefined && (outcome === null || outcome.name !== unsupported.name)) {
      // The known defect, still there: the cell documents it (see `known`).
      return;
    }
    expect(outcome, `no result line (a crash?):\n${output}`).not.toBeNull();
    if (unsupported === undefined) {
      expect(outcome, output).toMatchObject({ status: 'pass' });
    } else {
      expect(outcome!.status, output).toBe('error');
      expect(outcome!.name, output).toBe(unsupported.name);
      expect(outcome!.message, output).toMatch(unsupported.message);
    }
  });
});
