import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const run = (cwd: string, command: string, args: string[]) =>
  promisify(execFile)(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } }).then(
    ({ stdout }) => ({ ok: true, output: stdout }),
    (error: { stdout: string; stderr: string }) => ({ ok: false, output: `${error.stdout}\n${error.stderr}` }),
  );

describe.each(['tls-core', 'tls-node', 'tls-openssl', 'cli', 'demo-pki', 'insecure', 'ssl-compat', 'smtp', 'pop', 'imap', 'http', 'ftp', 'client-kit'])('package @unitls/%s', (name) => {
  const cwd = `${root}packages/${name}`;
  it('passes publint --strict', { timeout: 60_000 }, async () => {
    const result = await run(cwd, bin('publint'), ['--strict']);
    expect(result.output).toContain('All good!');
    expect(result.ok).toBe(true);
  });

  it('passes attw with the esm-only profile', { timeout: 60_000 }, async () => {
    const result = await run(cwd, bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'json']);
    expect(result.ok, result.output.slice(0, 2000)).toBe(true);
  });
});
