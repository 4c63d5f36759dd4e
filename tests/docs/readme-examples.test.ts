import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readmes = ['README.md', ...['tls-core', 'tls-node', 'tls-openssl', 'cli', 'demo-pki', 'insecure', 'ssl-compat', 'smtp', 'pop', 'imap', 'http', 'ftp', 'client-kit'].map((p) => `packages/${p}/README.md`)];

it('type-checks every TypeScript example in the READMEs against the built packages', { timeout: 120_000 }, async () => {
  const dir = `${root}tests/.readme-examples`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let count = 0;
  for (const readme of readmes) {
    const text = readFileSync(`${root}${readme}`, 'utf8');
    for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      // Each example is a module of its own (top-level await allowed).
      writeFileSync(`${dir}/example-${count++}.ts`, `${match[1]}\nexport {};\n`);
    }
  }
  writeFileSync(
    `${dir}/tsconfig.json`,
    JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, lib: ['ES2022', 'ESNext.Disposable', 'DOM'] }, include: ['*.ts'] }),
  );
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', `${dir}/tsconfig.json`]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
  rmSync(dir, { recursive: true, force: true });
  expect(count).toBeGreaterThanOrEqual(readmes.length);
  expect(result).toBe('');
});
