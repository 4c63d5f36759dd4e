// Pools saved runs (bench/out/*.json, bench/baseline/*.json) into tables:
//   node --import tsx bench/combine.ts RUN.json ...              every row, runs pooled
//   node --import tsx bench/combine.ts --headline RUN.json ...   the unitls rows only, compact
//   node --import tsx bench/combine.ts --compare BEFORE.json ... -- AFTER.json ...   before/after
import { readFileSync } from 'node:fs';
import type { Outcome } from './lib/harness.js';
import { memoryTable } from './memory.js';
import { compare, headline, table } from './lib/report.js';
import type { MemoryOutcome, Result } from './lib/suite.js';

interface Saved {
  note: string;
  rounds: number;
  results: Array<{ suite: string; outcomes: Result[]; skipped?: string }>;
}

/** The runs in `files`, and their outcomes grouped by benchmark id. */
function load(files: string[]): { runs: Saved[]; byId: Map<string, Result[]> } {
  const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Saved);
  if (runs.length === 0) throw new Error('usage: combine.ts [--headline] RUN.json ... | --compare BEFORE.json ... -- AFTER.json ...');
  const byId = new Map<string, Result[]>();
  for (const run of runs) for (const result of run.results) for (const outcome of result.outcomes) byId.set(outcome.id, [...(byId.get(outcome.id) ?? []), outcome]);
  return { runs, byId };
}

const timed = (byId: Map<string, Result[]>) => [...byId.values()].filter((o): o is Outcome[] => o[0]!.kind !== 'memory');
const memoryOf = (byId: Map<string, Result[]>) => [...byId.values()].find((o) => o[0]!.kind === 'memory') as MemoryOutcome[] | undefined;

function poolMemory(memory: MemoryOutcome[]): MemoryOutcome {
  const samples: MemoryOutcome['samples'] = {};
  for (const o of memory) for (const [name, s] of Object.entries(o.samples)) (samples[name] ??= []).push(...s);
  return { ...memory[0]!, samples };
}

const args = process.argv.slice(2);
if (args[0] === '--compare') {
  const split = args.indexOf('--');
  const before = load(args.slice(1, split < 0 ? undefined : split));
  const after = load(split < 0 ? [] : args.slice(split + 1));
  console.log(compare(timed(before.byId), timed(after.byId)));
  for (const [label, side] of [['Before', before], ['After', after]] as const) {
    const memory = memoryOf(side.byId);
    if (memory) console.log(`\n${label}:\n\n${memoryTable(poolMemory(memory))}`);
  }
} else if (args[0] === '--headline') {
  const { byId } = load(args.slice(1));
  console.log(headline(timed(byId)));
  const memory = memoryOf(byId);
  if (memory) console.log(`\n${memoryTable(poolMemory(memory))}`);
} else {
  const { runs, byId } = load(args);
  const lines = [`${runs.length} runs pooled:`, '', ...runs.map((run, i) => `${i + 1}. ${run.note}`), ''];
  for (const outcomes of byId.values()) lines.push(outcomes[0]!.kind === 'memory' ? memoryTable(poolMemory(outcomes as MemoryOutcome[])) : table(outcomes as Outcome[], runs[0]!.rounds), '');
  console.log(lines.join('\n'));
}
