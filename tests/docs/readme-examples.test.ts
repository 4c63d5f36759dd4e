/**
 * Every README example runs against local servers (see examples.ts for how an example names what
 * it needs), and every TypeScript example type-checks against the built packages.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pki } from '../support/fixtures.js';
import { groupOf, startLocalServers, type LocalServers } from '../support/local-servers.js';
import { allExamples, readmes, type Example } from './examples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = join(root, 'tests/.readme-examples');
const examples = allExamples(root);

/** Credentials the examples use, given to the local servers. */
const EXAMPLE_PASSWORD = 'secret';

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
  const bigFile = randomBytes(1 << 20);

  beforeAll(async () => {
    const groups = new Set(examples.flatMap((e) => Object.values(e.routes).map(groupOf)));
    servers = await startLocalServers(groups, {
      pki,
      leaf: 'examples',
      mailPasswords: { alice: EXAMPLE_PASSWORD, bob: EXAMPLE_PASSWORD },
      ftpAccount: { user: 'alice', password: EXAMPLE_PASSWORD },
      files: { 'big.iso': bigFile },
      // The proxy's tunnels go where the examples' routes say.
      route: (host, port) => ({ host: '127.0.0.1', port: portFor(`${host}:${port}`) ?? port }),
    });
  }, 180_000);
  afterAll(async () => {
    await servers?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const allRoutes = Object.assign({}, ...examples.map((e) => e.routes)) as Record<string, string>;
  const portFor = (target: string) => (allRoutes[target] === undefined ? undefined : servers.port(allRoutes[target]));

  /** The files examples read from their working folder. */
  function fixtureFolder(name: string): string {
    const dir = join(work, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files: Record<string, string> = {
      'server.pem': pki.path('examples', 'chain.crt'),
      'server.key': pki.path('examples', 'key'),
      'test-server.pem': pki.path('examples'),
      'client.pem': pki.path('client'),
      'client.key': pki.path('client', 'key'),
    };
    for (const [file, from] of Object.entries(files)) copyFileSync(from, join(dir, file));
    writeFileSync(join(dir, 'ca.pem'), pki.pem('root') + pki.pem('intermediate'));
    writeFileSync(join(dir, 'big.iso'), bigFile);
    return dir;
  }

  function run(example: Example, dir: string): Promise<{ stdout: string; stderr: string; code: number | null; finished: boolean }> {
    const file = join(dir, example.lang === 'ts' ? 'example.mts' : 'example.mjs');
    writeFileSync(file, example.code);
    const routes = Object.fromEntries(Object.entries(example.routes).map(([target, server]) => [target, servers.port(server)]));
    const child = spawn(
      process.execPath,
      [...(example.lang === 'ts' ? ['--import', 'tsx'] : []), '--import', join(root, 'tests/docs/examples/route.mjs'), join(root, 'tests/docs/examples/run.mjs'), file],
      {
        cwd: dir,
        env: { ...process.env, SSL_CERT_FILE: join(dir, 'ca.pem'), SSL_CERT_DIR: '', UNITLS_EXAMPLE_ROUTES: JSON.stringify(routes), UNITLS_EXAMPLE_LISTEN: JSON.stringify(example.listen) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    return new Promise((resolve) => {
      const done = (code: number | null) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve({ stdout, stderr, code, finished: stdout.includes('[example finished]') });
      };
      // Sockets an example leaves open keep it alive: it is over once it finished and printed what it should.
      const check = () => {
        if (stdout.includes('[example finished]') && example.expect.every((text) => stdout.includes(text))) done(0);
      };
      const timer = setTimeout(() => done(null), 90_000);
      child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), check()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => setImmediate(() => done(code)));
    });
  }

  it.each(examples.map((e, i) => [`${e.readme}:${e.line} (${e.lang})`, e, i] as const))('%s', { timeout: 120_000 }, async (_, example, i) => {
    const dir = fixtureFolder(`run-${i}`);
    const result = await run(example, dir);
    const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.finished, output).toBe(true);
    expect(result.code, output).toBe(0);
    for (const text of example.expect) expect(result.stdout, output).toContain(text);
    rmSync(dir, { recursive: true, force: true });
  });
});
