// Pools several saved runs into one table per benchmark: `node --import tsx bench/combine.ts
// [--headline] bench/out/A.json bench/out/B.json ...` prints markdown (for RESULTS.md: the
// baseline, before/after); --headline prints only the compact table of unitls rows.
import { readFileSync } from 'node:fs';
import type { Outcome } from './lib/harness.js';
import { memoryTable } from './memory.js';
import { headline, table } from './lib/report.js';
import type { MemoryOutcome, Result } from './lib/suite.js';

interface Saved {
  note: string;
  rounds: number;
  results: Array<{ suite: string; outcomes: Result[]; skipped?: string }>;
}

const args = process.argv.slice(2);
const runs = args.filter((a) => a !== '--headline').map((file) => JSON.parse(readFileSync(file, 'utf8')) as Saved);
if (runs.length === 0) throw new Error('usage: combine.ts RUN.json [RUN.json ...]');
const byId = new Map<string, Result[]>();
for (const run of runs) for (const result of run.results) for (const outcome of result.outcomes) byId.set(outcome.id, [...(byId.get(outcome.id) ?? []), outcome]);

if (args.includes('--headline')) {
  console.log(headline([...byId.values()].filter((o): o is Outcome[] => o[0]!.kind !== 'memory')));
  const memory = [...byId.values()].find((o) => o[0]!.kind === 'memory') as MemoryOutcome[] | undefined;
  if (memory) console.log(`\n${memoryTable(poolMemory(memory))}`);
  process.exit(0);
}

function poolMemory(memory: MemoryOutcome[]): MemoryOutcome {
  const samples: MemoryOutcome['samples'] = {};
  for (const o of memory) for (const [name, s] of Object.entries(o.samples)) (samples[name] ??= []).push(...s);
  return { ...memory[0]!, samples };
}

const lines = [`${runs.length} runs pooled:`, '', ...runs.map((run, i) => `${i + 1}. ${run.note}`), ''];
for (const outcomes of byId.values()) {
  if (outcomes[0]!.kind === 'memory') {
    lines.push(memoryTable(poolMemory(outcomes as MemoryOutcome[])), '');
  } else lines.push(table(outcomes as Outcome[], runs[0]!.rounds), '');
}
console.log(lines.join('\n'));
