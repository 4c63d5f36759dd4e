/**
 * `unitls` loads what a subcommand needs and nothing more (trial 8: `unitls --version` took 2.3 s on
 * a loaded machine, because bin.js imported the demo PKI, @peculiar/x509 and the connect code up
 * front). Which modules a run loads is recorded by a module hook; no time is measured here (the
 * before/after figures are in the commit and the session report).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}packages/cli/dist/bin.js`;
const hook = fileURLToPath(new URL('./fixtures/import-log.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'unitls-import-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
/** Runs `unitls ...args`; its exit code, stderr and the URLs of the modules it loaded. */
function run(...args: string[]): Promise<{ code: number; stderr: string; loaded: string[] }> {
  const log = join(dir, `run-${++runs}.log`);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', hook, bin, ...args], { timeout: 60_000, env: { ...process.env, UNITLS_IMPORT_LOG: log } }, (error, _stdout, stderr) => {
      const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr, loaded });
    });
  });
}

const heavy = ['/demo-pki/', '/@peculiar/', '/reflect-metadata/', '/tls-node/', '/cli/dist/connect.js', '/cli/dist/demo.js'];
const loadedOf = (loaded: string[], parts: string[]) => parts.filter((part) => loaded.some((url) => url.includes(part)));

describe('unitls loads only what the subcommand needs', () => {
  it('--version, --help and a mistyped command load no connect code, implementation or demo PKI', async () => {
    for (const args of [['--version'], ['--help'], ['conect', 'h:1']]) {
      const result = await run(...args);
      expect(result.loaded.some((url) => url.endsWith('/cli/dist/bin.js')), args.join(' ')).toBe(true);
      expect(loadedOf(result.loaded, heavy), args.join(' ')).toEqual([]);
    }
  });

  it('connect HOST:PORT loads the connect code and the implementation, not the demo PKI', async () => {
    const result = await run('connect', '127.0.0.1:1', '--timeout', '2000');
    expect(result.code).toBe(4);
    expect(loadedOf(result.loaded, heavy)).toEqual(['/tls-node/', '/cli/dist/connect.js']);
  });

  it('connect --demo loads the demo PKI', async () => {
    const result = await run('connect', '--demo', '--wait', '0');
    expect(result.code, result.stderr).toBe(0);
    expect(loadedOf(result.loaded, heavy)).toEqual(heavy);
  });
});

describe('an unknown command', () => {
  it('names the command meant when one is close, and is a usage error', async () => {
    const typo = await run('conect', 'example.org:443');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("unitls: unknown command 'conect'; did you mean 'connect'?\nusage: unitls connect HOST:PORT [options] | unitls connect --demo (see unitls --help)\n");
    const far = await run('frobnicate');
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/^unitls: unknown command 'frobnicate'\nusage: /);
  });
});
