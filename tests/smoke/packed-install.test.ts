/**
 * What a user gets from npm (new-user finding: `npm pack --workspaces` fails on the private
 * workspaces). The root script `npm run pack` packs exactly the public packages; each tarball
 * holds its package.json, README, LICENSE, dist and the sources its maps name, every `exports` and
 * `bin` target, and nothing of the tests, benchmarks or build leftovers. The tarballs install into
 * a fresh project outside the repository with `npm install --prefer-offline` (the @unitls packages from
 * the tarballs, their dependencies from npm's cache at the lockfile's versions), and there every
 * package's ESM entry imports and the installed `unitls` command runs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const work = mkdtempSync(join(tmpdir(), 'unitls-packed-'));
const packs = join(work, 'packs');
const project = join(work, 'project');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
/** The environment without the npm_* variables of the `npm test` this may run under. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const run = (command: string, args: string[], cwd: string) => promisify(execFile)(command, args, { cwd, env, maxBuffer: 64 << 20 });

const workspaces = readdirSync(join(root, 'packages')).map((dir) => ({ dir, manifest: read<Manifest>(join(root, 'packages', dir, 'package.json')) }));
const published = workspaces.filter(({ manifest }) => manifest.private !== true);

/** Every path a package.json's `exports` names (the leaves of its conditions). */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** The dependencies' versions in the repository's lockfile, where it holds one version of a name. */
function lockedVersions(): Record<string, string> {
  const lock = read<{ packages: Record<string, { version?: string; link?: boolean }> }>(join(root, 'package-lock.json'));
  const versions = new Map<string, Set<string>>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || entry.version === undefined) continue;
    const name = path.slice(at + 'node_modules/'.length);
    if (!name.startsWith('@unitls/')) versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
  }
  return Object.fromEntries([...versions].filter(([, set]) => set.size === 1).map(([name, set]) => [name, [...set][0]!]));
}

const contents = new Map<string, string[]>();

beforeAll(async () => {
  mkdirSync(packs);
  mkdirSync(project);
  // The documented command, as a user runs it from the root (the build in it is a cache hit here).
  await run(process.execPath, [npmCli, 'run', '--silent', 'pack', '--', '--pack-destination', packs], root);
  for (const file of readdirSync(packs)) {
    const { stdout } = await run('tar', ['-tzf', join(packs, file)], packs);
    contents.set(file, stdout.split('\n').filter(Boolean).map((path) => path.replace(/^package\//, '')));
  }
  const dependencies = Object.fromEntries(published.map(({ dir, manifest }) => [manifest.name, `file:${join(packs, `unitls-${dir}-${manifest.version}.tgz`)}`]));
  // Pinned to the lockfile: npm ci fetched exactly these tarballs, so they come from its cache;
  // npm ci fetches no packuments, which install still resolves with (a fresh machine's cache has
  // none: ENOTCACHED under --offline), so those may come from the registry.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module', dependencies, overrides: lockedVersions() }, null, 2));
  await run(process.execPath, [npmCli, 'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run pack', () => {
  it('packs every public workspace and nothing else (not tests, not bench)', () => {
    expect([...contents.keys()].sort()).toEqual(published.map(({ dir, manifest }) => `unitls-${dir}-${manifest.version}.tgz`).sort());
    expect(published.map(({ manifest }) => manifest.name)).toContain('@unitls/tls-core');
  });

  describe.each(published.map(({ dir, manifest }) => [manifest.name, dir, manifest] as const))('%s', (_name, dir, manifest) => {
    const files = () => contents.get(`unitls-${dir}-${manifest.version}.tgz`)!;

    it('holds package.json, README.md, LICENSE (the root one) and dist', () => {
      expect(files()).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/mod.js', 'dist/mod.d.ts']));
      expect(readFileSync(join(project, 'node_modules', manifest.name, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    });

    it('holds every exports and bin target, and every source its maps name', () => {
      const have = new Set(files());
      const targets = [...exportTargets(manifest.exports), ...Object.values(manifest.bin ?? {})].map((target) => posix.normalize(target));
      expect(targets.length).toBeGreaterThan(1);
      for (const target of targets) expect(have, target).toContain(target);
      for (const map of files().filter((path) => path.endsWith('.map'))) {
        const { sources } = read<{ sources: string[] }>(join(project, 'node_modules', manifest.name, map));
        for (const source of sources) expect(have, `${map} names ${source}`).toContain(posix.join(posix.dirname(map), source));
      }
    });

    it('holds no tests, benchmarks, build leftovers or hidden files', () => {
      const stray = files().filter((path) => /(^|\/)(test|tests|bench|build|node_modules|coverage)\/|\.test\.|\.tsbuildinfo$|(^|\/)\.|(^|\/)tsconfig|vitest\.config/.test(path));
      expect(stray).toEqual([]);
    });
  });
});

describe('the tarballs installed into a fresh project with npm install --prefer-offline', () => {
  it("import each package's ESM entry from the project's own node_modules", async () => {
    const probe = `
      const found = {};
      for (const name of ${JSON.stringify(published.map(({ manifest }) => manifest.name))}) {
        const module = await import(name);
        found[name] = { exports: Object.keys(module).length, from: import.meta.resolve(name) };
      }
      console.log(JSON.stringify(found));
    `;
    writeFileSync(join(project, 'probe.mjs'), probe);
    const { stdout } = await run(process.execPath, ['probe.mjs'], project);
    const found = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, { exports: number; from: string }>;
    for (const { manifest } of published) {
      expect(found[manifest.name]!.exports, manifest.name).toBeGreaterThan(0);
      expect(found[manifest.name]!.from, manifest.name).toContain(`/project/node_modules/${manifest.name}/dist/`);
    }
  });

  it('the installed unitls command runs', async () => {
    const { stdout } = await run(join(project, 'node_modules', '.bin', 'unitls'), ['--version'], project);
    expect(stdout).toBe(`unitls ${read<Manifest>(join(root, 'packages', 'cli', 'package.json')).version}\n`);
  });
});
