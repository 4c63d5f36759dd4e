import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { pki } from '../support/fixtures.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const run = async (...args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(leaf: 'server-ec' | 'expired' | 'wronghost', ...args: string[]): Promise<number> {
  const s = await startServer(['-cert', pki.path(leaf), '-cert_chain', pki.path('intermediate'), '-key', pki.path(leaf, 'key'), ...args]);
  servers.push(s);
  return s.port;
}

describe('unitls connect', () => {
  it('--demo works offline with no other arguments', async () => {
    const result = await run('connect', '--demo');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/version:\s+TLSv1\.3/);
    expect(result.stdout).toMatch(/cipher:\s+TLS_AES_256_GCM_SHA384 \(0x1302\)/);
    expect(result.stdout).toMatch(/ALPN:\s+h2/);
    expect(result.stdout).toMatch(/issuer:\s+CN=unitls demo CA/);
    expect(result.stdout).toMatch(/SANs:\s+DNS:localhost/);
    expect(result.stdout).toContain('verification: OK');
  });

  it('--implementation openssl runs the same report on tls-openssl', async () => {
    const result = await run('connect', '--demo', '--implementation', 'openssl');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('implementation: openssl');
    expect(result.stdout).toContain('verification: OK');
  });

  it('reports what it negotiated with openssl s_server, honouring --alpn, --max and --servername', async () => {
    const port = await server('server-ec', '-alpn', 'http/1.1');
    const result = await run('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', pki.path('root'), '--alpn', 'h2,http/1.1', '--max', '1.2');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/version:\s+TLSv1\.2/);
    expect(result.stdout).toMatch(/ALPN:\s+http\/1\.1/);
    expect(result.stdout).toMatch(/cipher:\s+TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
  });

  it('exits 1 with the reason when verification fails', async () => {
    const expired = await run('connect', `localhost:${await server('expired')}`, '--cafile', pki.path('root'));
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('verification: FAILED (expired, CERT_HAS_EXPIRED)');
    const wrong = await run('connect', `localhost:${await server('wronghost')}`, '--cafile', pki.path('root'));
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('verification: FAILED (hostname-mismatch');
    const system = await run('connect', `localhost:${await server('server-ec')}`);
    expect(system.code).toBe(1);
    expect(system.stdout).toContain('verification: FAILED (untrusted-issuer');
  });

  it('exits 1 when nothing listens, 2 for usage errors', async () => {
    const refused = await run('connect', '127.0.0.1:1', '--timeout', '2000');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('connection: FAILED');
    for (const args of [[], ['connect'], ['connect', 'nohostport'], ['connect', 'h:1', '--min', '1.1'], ['connect', 'h:1', '--cert', 'x'], ['connect', 'h:1', '--bogus']]) {
      const result = await run(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: unitls connect');
    }
  });
});
