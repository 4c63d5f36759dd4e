// The Node client contenders' processes run plain JavaScript, not TypeScript through tsx: tsx's
// loader keeps ~2.2 MB in the heap of the process it loads into (5.1 MB used after a GC with
// `--import tsx`, 2.9 MB without), which a user's compiled program does not carry, and in a small
// client process that much decides whether V8 collects received memory with scavenges or with
// full mark-compacts (RESULTS.md "FTPS download: the heap window", issue #16). The Python anchors
// carry no such loader either. So the contender modules (bench/contenders/, with the bench/lib/
// and bench/*.ts modules they import) are transpiled, each file on its own (TypeScript's transpileModule: types
// erased, nothing bundled, relative `./x.js` imports kept), into .bench-child/ at the top of the
// checkout, a sibling of bench/: each file at the same depth as its source, so the paths the modules
// resolve against import.meta.url (`../../packages/...`) and the installed packages are found as
// from bench/.
// `BENCH_CHILD=tsx` runs the children through tsx as before session 11, for comparison.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How contender children load their code: `plain` (default) or `tsx`. */
export const CHILD_LOADER = process.env.BENCH_CHILD ?? 'plain';
if (!['plain', 'tsx'].includes(CHILD_LOADER)) throw new Error(`BENCH_CHILD=${CHILD_LOADER}: choose plain or tsx`);

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const OUT = fileURLToPath(new URL('../../.bench-child/', import.meta.url));
/** The folders whose modules a contender child imports (contender-child.ts, the factories, bench/tls-buffer-pair.ts). */
const FOLDERS = ['', 'lib', 'contenders'];

let built = false;

/**
 * The plain JavaScript twin of `path` (a .ts file under bench/lib or bench/contenders), every file
 * of those folders transpiled on first call (once per measuring process: a run sees one version).
 */
export function plainTwin(path: string): string {
  if (!built) {
    const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'package.json'), '{ "private": true, "type": "module" }\n');
    for (const folder of FOLDERS) {
      mkdirSync(join(OUT, folder), { recursive: true });
      for (const file of readdirSync(join(BENCH, folder)).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(BENCH, folder, file), 'utf8');
        const { outputText } = ts.transpileModule(source, {
          fileName: file,
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false },
        });
        writeFileSync(join(OUT, folder, file.replace(/\.ts$/, '.js')), outputText);
      }
    }
    built = true;
  }
  const relative = path.slice(BENCH.length);
  const folder = relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '';
  if (!path.startsWith(BENCH) || !FOLDERS.includes(folder)) throw new Error(`plainTwin: ${path} is not a module of bench/, bench/lib or bench/contenders`);
  return join(OUT, relative.replace(/\.ts$/, '.js'));
}
