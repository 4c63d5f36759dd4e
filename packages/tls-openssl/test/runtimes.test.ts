/**
 * #19 item 3: on Bun and Deno (which do not export Node's OpenSSL) importing the package throws a
 * catchable ConfigurationError "not available on this runtime", and even the addon file loaded
 * directly fails catchably (its symbols resolve at load time: -z now), never killing the process.
 * The runtimes come from npm, installed once per machine by tests/smoke/runtimes.mjs.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRuntimes } from '../../../tests/smoke/runtimes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const probes = {
  import: join(root, '.runtime-probe-import.mjs'),
  dlopen: join(root, '.runtime-probe-dlopen.cjs'),
};
let runtimes: Array<{ name: string; command: string; args: string[] }> = [];

beforeAll(() => {
  runtimes = installRuntimes().filter((runtime) => runtime.name === 'bun' || runtime.name === 'deno');
  writeFileSync(
    probes.import,
    `try {
  await import('@unitls/tls-openssl');
  console.log(JSON.stringify({ status: 'loaded' }));
} catch (error) {
  console.log(JSON.stringify({ status: 'caught', name: error.name, code: error.code, message: error.message }));
}
console.log(JSON.stringify({ status: 'alive' }));
`,
  );
  writeFileSync(
    probes.dlopen,
    `try {
  require(${JSON.stringify(join(root, 'build', 'Release', 'tls_openssl.node'))});
  console.log(JSON.stringify({ status: 'loaded' }));
} catch (error) {
  console.log(JSON.stringify({ status: 'caught', message: error.message }));
}
console.log(JSON.stringify({ status: 'alive' }));
`,
  );
}, 600_000);

afterAll(() => {
  for (const file of Object.values(probes)) rmSync(file, { force: true });
});

function run(runtime: { command: string; args: string[] }, probe: string): { exit: number | null; lines: Array<Record<string, string>> } {
  const result = spawnSync(runtime.command, [...runtime.args, probe], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const lines = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, string>);
  return { exit: result.status, lines };
}

describe.each(['bun', 'deno'])('on %s', (name) => {
  const runtime = () => runtimes.find((r) => r.name === name)!;

  it('importing the package throws ConfigurationError "not available on this runtime" and the process lives on', () => {
    const { exit, lines } = run(runtime(), probes.import);
    expect(exit).toBe(0);
    expect(lines[0]).toMatchObject({ status: 'caught', name: 'ConfigurationError', code: 'UNITLS_CONFIGURATION' });
    expect(lines[0]!['message']).toMatch(new RegExp(`not available on this runtime \\(${name === 'bun' ? 'Bun' : 'Deno'}`, 'i'));
    expect(lines[1]).toEqual({ status: 'alive' });
  });

  it('loading the addon file itself fails with a catchable error (symbols resolved at load time)', () => {
    const { exit, lines } = run(runtime(), probes.dlopen);
    expect(exit).toBe(0);
    expect(lines[0]).toMatchObject({ status: 'caught', message: expect.stringMatching(/undefined symbol/) });
    expect(lines[1]).toEqual({ status: 'alive' });
  });
});
