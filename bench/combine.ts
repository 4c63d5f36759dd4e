// Pools several saved runs into one table per benchmark: `node --import tsx bench/combine.ts
// bench/out/A.json bench/out/B.json ...` prints markdown (for RESULTS.md: the baseline, before/after).
import { readFileSync } from 'node:fs';
import type { Outcome } from './lib/harness.js';
import { memoryTable } from './memory.js';
import { table } from './lib/report.js';
import type { MemoryOutcome, Result } from './lib/suite.js';

interface Saved {
  note: string;
  rounds: number;
  results: Array<{ suite: string; outcomes: Result[]; skipped?: string }>;
}

const runs = process.argv.slice(2).map((file) => JSON.parse(readFileSync(file, 'utf8')) as Saved);
if (runs.length === 0) throw new Error('usage: combine.ts RUN.json [RUN.json ...]');
const byId = new Map<string, Result[]>();
for (const run of runs) for (const result of run.results) for (const outcome of result.outcomes) byId.set(outcome.id, [...(byId.get(outcome.id) ?? []), outcome]);

const lines = [`${runs.length} runs pooled:`, '', ...runs.map((run, i) => `${i + 1}. ${run.note}`), ''];
for (const outcomes of byId.values()) {
  if (outcomes[0]!.kind === 'memory') {
    const memory = outcomes as MemoryOutcome[];
    const samples: MemoryOutcome['samples'] = {};
    for (const o of memory) for (const [name, s] of Object.entries(o.samples)) (samples[name] ??= []).push(...s);
    lines.push(memoryTable({ ...memory[0]!, samples }), '');
  } else lines.push(table(outcomes as Outcome[], runs[0]!.rounds), '');
}
console.log(lines.join('\n'));
