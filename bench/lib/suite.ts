// What every benchmark module exports, and what the runner hands it.
import type { BenchPki } from './pki.js';
import type { Outcome } from './harness.js';

export interface Context {
  pki: BenchPki;
  rounds: number;
  /** Multiplies every workload size (0.1 for a quick smoke run). */
  scale: number;
  log(line: string): void;
}

/** KiB per idle connection on each side, one round (see memory.ts). */
export interface MemorySample {
  /** RSS after GC. */
  client: number;
  server: number;
  /** RSS after GC without V8's young generation (absent in runs saved before it was measured). */
  clientWithoutYoung?: number;
  serverWithoutYoung?: number;
  /** Live JavaScript heap (absent in older runs, as above). */
  clientHeap?: number;
  serverHeap?: number;
}

/** KiB per idle connection, per engine, one entry per round (see memory.ts). */
export interface MemoryOutcome {
  kind: 'memory';
  id: string;
  title: string;
  connections: number;
  samples: Record<string, MemorySample[]>;
}

export type Result = Outcome | MemoryOutcome;

export interface Suite {
  name: string;
  /** Why this suite cannot run on this machine, or null. */
  unavailable?(): string | null;
  run(context: Context): Promise<Result[]>;
}

/** `n` scaled, at least `min`. */
export const scaled = (context: Context, n: number, min = 1): number => Math.max(min, Math.round(n * context.scale));
