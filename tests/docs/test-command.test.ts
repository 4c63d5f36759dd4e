/**
 * The README's test command on a fresh machine: the Debian peers come from one list
 * (tests/support/peers.mjs), a missing peer is one clear line, and the closing summary counts a
 * test that did not run as failed, never as skipped.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PEERS, missingPeers, peerMissing } from '../support/peers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const peersScript = join(root, 'tests/support/peers.mjs');

describe('tests/support/peers.mjs', () => {
  it('every peer is installed here and is the Debian package it names (npm test ran it first)', () => {
    expect(missingPeers()).toEqual([]);
    for (const [pkg] of PEERS) {
      const status = execFileSync('dpkg-query', ['-W', '-f', '${Status}', pkg]).toString();
      expect(status, pkg).toBe('install ok installed');
    }
  });

  it('is what npm test and .ci/run both run', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.pretest).toBe('node tests/support/peers.mjs');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^node tests\/support\/peers\.mjs$/m);
  });

  it('names what to install in one line when a peer is missing', async () => {
    // curl's probe is a command: with an empty PATH it is not found.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', `import { peerMissing } from ${JSON.stringify(peersScript)}; console.log(peerMissing(['curl', 'nginx']));`],
      { env: { PATH: '/nonexistent' } },
    );
    expect(stdout.trim()).toBe('missing Debian package(s) curl: run `node tests/support/peers.mjs` as root (npm test does), or apt-get install curl');
    expect(peerMissing(['curl', 'nginx'])).toBeNull();
  });

  it('refuses a package that is not in the list (a typo would otherwise pass as installed)', () => {
    expect(() => peerMissing(['ngnix'])).toThrow('not in tests/support/peers.mjs PEERS: ngnix');
  });

  it('--check lists nothing missing here and installs nothing', () => {
    expect(execFileSync(process.execPath, [peersScript, '--check']).toString()).toBe('peers: all installed\n');
  });
});

describe('.ci/summary.mjs', () => {
  const summarize = async (report: unknown, status = '1') => {
    const dir = mkdtempSync(join(tmpdir(), 'unitls-summary-'));
    try {
      writeFileSync(join(dir, 'r.json'), JSON.stringify(report));
      return await promisify(execFile)(process.execPath, [join(root, '.ci/summary.mjs'), join(dir, 'r.json'), status]).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('counts tests that did not run (a failed beforeAll reports them "skipped") as failed, with the reason', async () => {
    const result = await summarize({
      testResults: [
        { name: 'nginx.test.ts', status: 'failed', message: 'missing Debian package(s) nginx: run ...', assertionResults: [{ status: 'skipped' }, { status: 'skipped' }] },
        { name: 'ok.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'todo' }] },
      ],
    });
    expect(result.stdout).toContain('not run: nginx.test.ts: 2 test(s) did not run (missing Debian package(s) nginx: run ...)');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 passed, 3 failed');
    expect(result.code).toBe(1);
  });

  it('counts a file that failed to load or failed after its tests, and a failed run with no report', async () => {
    const result = await summarize({ testResults: [{ name: 'a.test.ts', status: 'failed', assertionResults: [] }, { name: 'b.test.ts', status: 'failed', assertionResults: [{ status: 'passed' }] }] });
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 passed, 2 failed');
    const none = await summarize({ testResults: [] }, '0');
    expect(none).toEqual({ code: 0, stdout: '0 passed, 0 failed\n' });
  });
});
