/**
 * Every README example runs against local servers (see examples.ts for how an example names what
 * it needs), and every TypeScript example type-checks against the built packages.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pki } from '../support/fixtures.js';
import type { LocalServers } from '../support/local-servers.js';
import { allExamples, readmes } from './examples.js';
import { fixtureFolder, runReadmeExample, startExampleServers } from './examples/harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = join(root, 'tests/.readme-examples');
const examples = allExamples(root);

it('finds the examples of every README that shows code', () => {
  // Every README is read (a new package's README joins by itself); each example block is counted.
  const readmeList = readmes(root);
  expect(readmeList).toContain('packages/tls-core/README.md');
  for (const readme of readmeList) {
    const fences = (readFileSync(join(root, readme), 'utf8').match(/^```(ts|js)$/gm) ?? []).length;
    expect(examples.filter((e) => e.readme === readme).length, readme).toBe(fences);
  }
  expect(examples.length).toBeGreaterThanOrEqual(30);
});

// Trial 8: a TypeScript example copied into example.ts and run with `npx tsx example.ts` in a fresh
// project (no "type": "module") failed on its top-level await. The runner below runs each as
// example.mts, as the READMEs tell.
it('every README with a TypeScript example says how to run one with tsx (.mts or "type": "module")', () => {
  const withTs = [...new Set(examples.filter((e) => e.lang === 'ts').map((e) => e.readme))];
  expect(withTs.length).toBeGreaterThan(10);
  for (const readme of withTs) {
    const text = readFileSync(join(root, readme), 'utf8');
    expect(text, readme).toMatch(/save it as `example\.mts` \(or give your package\.json\s+`"type": "module"`\) and run\s+`npx tsx example\.mts`/);
  }
});

it('type-checks every TypeScript example against the built packages', { timeout: 180_000 }, async () => {
  const dir = join(work, 'typecheck');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ts = examples.filter((e) => e.lang === 'ts');
  // Each example is a module of its own (top-level await allowed).
  ts.forEach((example, i) => writeFileSync(join(dir, `example-${i}.ts`), `${example.code}\nexport {};\n`));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.base.json', compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, lib: ['ES2022', 'ESNext.Disposable', 'DOM'] }, include: ['*.ts'] }),
  );
  const result = await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
  rmSync(dir, { recursive: true, force: true });
  expect(result).toBe('');
});

describe('README examples run against local servers', () => {
  let servers: LocalServers;

  beforeAll(async () => {
    servers = await startExampleServers(examples, pki);
  }, 180_000);
  afterAll(async () => {
    await servers?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it.each(examples.map((e, i) => [`${e.readme}:${e.line} (${e.lang})`, e, i] as const))('%s', { timeout: 120_000 }, async (_, example, i) => {
    const dir = join(work, `run-${i}`);
    rmSync(dir, { recursive: true, force: true });
    const result = await runReadmeExample(example, fixtureFolder(dir, pki), servers);
    const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.finished, output).toBe(true);
    expect(result.code, output).toBe(0);
    for (const text of example.expect) expect(result.stdout, output).toContain(text);
    rmSync(dir, { recursive: true, force: true });
  });
});
