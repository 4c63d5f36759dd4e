// Runs the benchmarks: `npm run bench [-- tls smtp ...] [--rounds 5] [--scale 1] [--quick]`
// (or BENCH=tls,smtp). Prints one table per benchmark, saves the raw samples and tables in
// bench/out/, and a full default run (every suite, scale 1) also rewrites the "Latest full run"
// section of bench/RESULTS.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ftp } from './ftp.js';
import { http } from './http.js';
import { WARMUPS } from './lib/harness.js';
import { createBenchPki } from './lib/pki.js';
import { clientsNote } from './lib/remote.js';
import { load, machine, table } from './lib/report.js';
import type { Result, Suite } from './lib/suite.js';
import { mail } from './mail.js';
import { memory, memoryTable } from './memory.js';
import { smtp } from './smtp.js';
import { tls } from './tls.js';

const SUITES: Suite[] = [tls, memory, smtp, mail, ftp, http];
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' }, scale: { type: 'string', default: '1' }, quick: { type: 'boolean', default: false } },
});
const wanted = [...positionals, ...(process.env.BENCH?.split(',').filter(Boolean) ?? [])];
const unknown = wanted.filter((name) => !SUITES.some((s) => s.name === name));
if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${SUITES.map((s) => s.name).join(', ')}`);
const suites = wanted.length === 0 ? SUITES : SUITES.filter((s) => wanted.includes(s.name));
const rounds = values.quick ? 2 : Number(values.rounds);
const scale = values.quick ? 0.1 : Number(values.scale);
const log = (line: string) => process.stderr.write(`${line}\n`);

const pki = await createBenchPki();
const started = new Date();
const loadAtStart = load();
const results: Array<{ suite: string; outcomes: Result[]; skipped?: string }> = [];
try {
  for (const suite of suites) {
    const why = suite.unavailable?.() ?? null;
    if (why !== null) {
      log(`${suite.name}: skipped: ${why}`);
      results.push({ suite: suite.name, outcomes: [], skipped: why });
      continue;
    }
    results.push({ suite: suite.name, outcomes: await suite.run({ pki, rounds, scale, log }) });
  }
} finally {
  pki.remove();
}
const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(1);
const note = `${started.toISOString()}, ${minutes} min; ${machine()}; load average (1/5/15 min) ${loadAtStart} at start, ${load()} at end; rounds ${rounds}, scale ${scale}; ${clientsNote()}${WARMUPS === undefined ? '' : `, BENCH_WARMUPS=${WARMUPS}`}`;
const markdown = [
  `Run: ${note}.`,
  ...results.flatMap((r) => (r.skipped ? [`### ${r.suite}: skipped (${r.skipped})`] : r.outcomes.map((o) => (o.kind === 'memory' ? memoryTable(o) : table([o], rounds))))),
].join('\n\n');
console.log(markdown);

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
mkdirSync(here('out'), { recursive: true });
const stamp = started.toISOString().replaceAll(':', '-').slice(0, 19);
const name = `${stamp}-${suites.map((s) => s.name).join('-')}`;
writeFileSync(here(`out/${name}.json`), JSON.stringify({ note, rounds, scale, results }, null, 1));
writeFileSync(here(`out/${name}.md`), `${markdown}\n`);
log(`saved bench/out/${name}.json and .md`);
if (wanted.length === 0 && scale === 1 && !values.quick) {
  const results = here('RESULTS.md');
  const [before, rest] = readFileSync(results, 'utf8').split('<!-- latest:begin -->');
  const after = rest?.split('<!-- latest:end -->')[1];
  if (before === undefined || after === undefined) throw new Error('bench/RESULTS.md lacks the <!-- latest:begin --> / <!-- latest:end --> markers');
  writeFileSync(results, `${before}<!-- latest:begin -->\n${markdown}\n<!-- latest:end -->${after}`);
  log('updated bench/RESULTS.md (latest full run)');
}
