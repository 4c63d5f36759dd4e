// The shared harness: every contender is warmed, then measured over several rounds in an order
// rotated each round; each row is summarised as paired per-round ratios to its anchor (median and
// interquartile range), for the rate and for CPU time per unit of work.
import type { Sample } from './clock.js';

export interface Contender {
  name: string;
  /** Names of the contenders this row is compared with; default: the benchmark's anchors. */
  anchors?: string[];
  /** One run over `units` units of work: setup untimed, the work itself measured (see clock()). */
  run(units: number): Promise<Sample>;
  /** Frees what the runs kept (a contender's own process, lib/remote.ts); called once, after the last round. */
  close?(): Promise<void>;
  /** The same client measured in the measuring process, as its own row beside this one (BENCH_CLIENTS=both, lib/remote.ts). */
  twin?: Contender;
}

export interface Bench {
  /** Short stable id, e.g. `tls-bulk-4`, used to combine several runs. */
  id: string;
  title: string;
  /** What one unit of work is: `MiB`, `message`, `request`, `handshake`. */
  unit: string;
  units: number;
  /** Units of each unmeasured warm-up run every contender gets first; default `units`. */
  warmupUnits?: number;
  /** Unmeasured warm-up runs of every contender; default 1 (`BENCH_WARMUPS` overrides every benchmark's). */
  warmupRuns?: number;
  anchors: string[];
  /** Whose CPU the CPU ratio compares: the client's alone (the server is the same program for every row) or both ends'. */
  cpu: 'client' | 'client+server';
  contenders: Contender[];
}

/** What a run of one benchmark produced; plain data, so several runs can be pooled later. */
export interface Outcome {
  kind?: undefined;
  id: string;
  title: string;
  unit: string;
  units: number;
  cpu: Bench['cpu'];
  rows: Array<{ name: string; anchors: string[] }>;
  /** Per contender, one entry per round (null: that run failed). */
  samples: Record<string, Array<Sample | null>>;
  errors: Record<string, string>;
}

/** Unmeasured runs of every contender before the rounds, for experiments: overrides each benchmark's `warmupRuns`. */
export const WARMUPS = process.env.BENCH_WARMUPS ? Number(process.env.BENCH_WARMUPS) : undefined;

const rotate = <T>(items: T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);

export async function runBench(given: Bench, rounds: number, log: (line: string) => void): Promise<Outcome> {
  const bench = { ...given, contenders: given.contenders.flatMap((c) => (c.twin ? [c, c.twin] : [c])) };
  const outcome: Outcome = {
    id: bench.id,
    title: bench.title,
    unit: bench.unit,
    units: bench.units,
    cpu: bench.cpu,
    rows: bench.contenders.map((c) => ({ name: c.name, anchors: c.anchors ?? bench.anchors })),
    samples: Object.fromEntries(bench.contenders.map((c) => [c.name, Array<Sample | null>(rounds).fill(null)])),
    errors: {},
  };
  const attempt = async (contender: Contender, units: number): Promise<Sample | null> => {
    if (contender.name in outcome.errors) return null;
    try {
      return await contender.run(units);
    } catch (error) {
      outcome.errors[contender.name] = String((error as Error).message ?? error).split('\n')[0]!.slice(0, 160);
      log(`  ${contender.name} fails: ${outcome.errors[contender.name]}`);
      return null;
    }
  };
  try {
    log(`${bench.id}: warm-up`);
    for (const contender of bench.contenders) for (let i = 0; i < (WARMUPS ?? bench.warmupRuns ?? 1); i++) await attempt(contender, bench.warmupUnits ?? bench.units);
    for (let round = 0; round < rounds; round++) {
      log(`${bench.id}: round ${round + 1}/${rounds}`);
      for (const contender of rotate(bench.contenders, round)) outcome.samples[contender.name]![round] = await attempt(contender, bench.units);
    }
  } finally {
    await Promise.all(bench.contenders.map((c) => c.close?.()));
  }
  return outcome;
}

/** Median, quartiles (linear interpolation) and extremes. */
export interface Stat {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
}

export function stat(values: number[]): Stat | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = q * (sorted.length - 1);
    const lo = Math.floor(i);
    return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (i - lo);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), min: sorted[0]!, max: sorted.at(-1)! };
}

export interface Row {
  name: string;
  anchor: string;
  /** Units per second, the median over rounds. */
  rate: Stat | null;
  /** Paired per-round ratios of rates (higher is better) and of CPU per unit (lower is better). */
  ratio: Stat | null;
  cpuRatio: Stat | null;
  /** Median CPU seconds per unit, the client's and the server's (null: not measured). */
  clientCpu: number | null;
  serverCpu: number | null;
  error?: string;
}

/** One row per (contender, anchor). */
export function summarize(outcome: Outcome): Row[] {
  const rate = (s: Sample) => outcome.units / s.seconds;
  const cost = (s: Sample) => (s.cpu + (outcome.cpu === 'client+server' ? (s.serverCpu ?? 0) : 0)) / outcome.units;
  const pairs = (a: string, b: string) =>
    outcome.samples[a]!.flatMap((s, i) => {
      const t = outcome.samples[b]![i];
      return s && t ? [[s, t] as const] : [];
    });
  const rows: Row[] = [];
  for (const { name, anchors } of outcome.rows) {
    const own = outcome.samples[name]!.filter((s): s is Sample => s !== null);
    const serverCpus = own.flatMap((s) => (s.serverCpu === null ? [] : [s.serverCpu / outcome.units]));
    // An anchor gets its own row (ratio 1) and rows against the anchors listed before it.
    const index = anchors.indexOf(name);
    for (const anchor of index < 0 ? anchors : [name, ...anchors.slice(0, index)]) {
      const paired = pairs(name, anchor);
      rows.push({
        name,
        anchor,
        rate: stat(own.map(rate)),
        ratio: stat(paired.map(([s, t]) => rate(s) / rate(t))),
        cpuRatio: stat(paired.map(([s, t]) => cost(s) / cost(t))),
        clientCpu: stat(own.map((s) => s.cpu / outcome.units))?.median ?? null,
        serverCpu: stat(serverCpus)?.median ?? null,
        ...(name in outcome.errors || outcome.errors[anchor] ? { error: outcome.errors[name] ?? `anchor fails: ${outcome.errors[anchor]}` } : {}),
      });
    }
  }
  return rows;
}

/** Several runs of the same benchmark as one: their rounds side by side. A contender missing from a run (added later) counts as failed in that run's rounds. */
export function pool(outcomes: Outcome[]): Outcome {
  const [first] = outcomes;
  if (first === undefined) throw new Error('pool() needs at least one outcome');
  if (outcomes.some((o) => o.units !== first.units)) throw new Error(`${first.id}: runs of different workloads (--scale) cannot be pooled`);
  const rows = [...new Map(outcomes.flatMap((o) => o.rows.map((r) => [r.name, r] as const))).values()];
  const rounds = (o: Outcome) => Object.values(o.samples)[0]?.length ?? 0;
  return {
    ...first,
    rows,
    samples: Object.fromEntries(rows.map(({ name }) => [name, outcomes.flatMap((o) => o.samples[name] ?? Array<Sample | null>(rounds(o)).fill(null))])),
    errors: Object.assign({}, ...outcomes.map((o) => o.errors)),
  };
}
