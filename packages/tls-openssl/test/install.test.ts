/**
 * #19 item 2: installing @unitls/tls-openssl never fails. The packed tarballs (tls-core, tls-node,
 * tls-openssl) go into a fresh project by `npm install` with no compiler, make or Python on PATH:
 * the prebuilt linux-x64 addon inside the package is used and works; on a platform without a
 * prebuild (npm_config_arch=arm64) the install step still succeeds, saying what is missing, and
 * importing throws a ConfigurationError that says the same.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packages = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const project = mkdtempSync(join(tmpdir(), 'unitls-install-'));
const bin = join(project, 'bin');

/** The environment of a machine without build tools: only node and sh on PATH, no npm_* leftovers. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key) && key !== 'PATH' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, PATH: bin, ...extra };
}

const PROBE = `
try {
  const { TLSClientConfiguration, WantReadError } = await import('@unitls/tls-core');
  const { implementation, opensslVersion } = await import('@unitls/tls-openssl');
  const buffer = new implementation.clientContext(new TLSClientConfiguration()).createBuffer('example.org');
  try { buffer.doHandshake(); } catch (error) { if (!(error instanceof WantReadError)) throw error; }
  console.log(JSON.stringify({ status: 'ok', opensslVersion, clientHello: buffer.outgoingBytesBuffered() }));
} catch (error) {
  console.log(JSON.stringify({ status: 'error', name: error.name, message: error.message }));
}
`;

function probe(extra: Record<string, string> = {}): { status: string; name?: string; message?: string; clientHello?: number } {
  const result = spawnSync(join(bin, 'node'), ['probe.mjs'], { cwd: project, env: bareEnv(extra), encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { status: string };
}

let installOutput = '';

beforeAll(() => {
  for (const name of ['tls-core', 'tls-node', 'tls-openssl']) {
    execFileSync(process.execPath, [npmCli, 'pack', '--pack-destination', project, '--loglevel=error'], { cwd: join(packages, name), stdio: 'ignore' });
  }
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  writeFileSync(join(project, 'probe.mjs'), PROBE);
  const tarballs = readdirSync(project).filter((file) => file.endsWith('.tgz'));
  const install = spawnSync(
    join(bin, 'node'),
    [npmCli, 'install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', ...tarballs.map((file) => `./${file}`)],
    { cwd: project, env: bareEnv(), encoding: 'utf8' },
  );
  installOutput = `${install.stdout}\n${install.stderr}`;
  expect(install.status, installOutput).toBe(0);
}, 300_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('npm install from the packed tarball, no compiler on PATH', () => {
  it('has no build tool to fall back on', () => {
    for (const tool of ['cc', 'gcc', 'g++', 'clang', 'make', 'python3', 'python']) expect(existsSync(join(bin, tool))).toBe(false);
  });

  it('succeeds with the prebuilt addon, which drives the OpenSSL of this node', () => {
    expect(installOutput).toContain('using the prebuilt addon prebuilds/linux-x64/node.napi.glibc.node');
    expect(existsSync(join(project, 'node_modules', '@unitls', 'tls-openssl', 'build'))).toBe(false);
    const result = probe();
    expect(result).toMatchObject({ status: 'ok', opensslVersion: expect.stringContaining(process.versions.openssl.replace(/\+.*$/, '')) });
    expect(result.clientHello).toBeGreaterThan(100);
  });

  it('without a prebuild for the platform: the install step succeeds and says what is missing', () => {
    const step = spawnSync(join(bin, 'node'), ['scripts/install.mjs'], {
      cwd: join(project, 'node_modules', '@unitls', 'tls-openssl'),
      env: bareEnv({ npm_config_arch: 'arm64' }),
      encoding: 'utf8',
    });
    expect(step.status).toBe(0);
    expect(step.stdout).toMatch(/no prebuilt addon for linux-arm64 and no build \(missing on PATH: a C compiler .*make, Python 3/);
  });

  it('without a prebuild for the platform: importing throws a ConfigurationError saying what is missing', () => {
    expect(probe({ npm_config_arch: 'arm64' })).toMatchObject({
      status: 'error',
      name: 'ConfigurationError',
      message: expect.stringMatching(/no prebuilt addon ships for linux-arm64 and none was built at install \(building needs a C compiler, make and Python 3/),
    });
  });
});
