// GC counts by kind (node:perf_hooks 'gc' entries), for bench/probes/bulk-gc.ts. Preloaded into a
// server child (`--import` after tsx, with BENCH_GC_SIGNAL=1 in its environment) it counts between two
// SIGUSR2s: the first starts a count, the second prints it to stderr as one line.
import { PerformanceObserver, constants } from 'node:perf_hooks';

const KIND: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };

/** Counts this process's GCs from now on: `describe()` says how many of each kind ("none"), `reset()` starts again. */
export function gcCounter(): { describe(): string; reset(): void } {
  let counts = new Map<string, number>();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = KIND[(entry as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    describe: () => [...counts].map(([kind, n]) => `${kind} ${n}`).join(' ') || 'none',
    reset: () => void (counts = new Map()),
  };
}

if (process.env.BENCH_GC_SIGNAL === '1') {
  const counter = gcCounter();
  let counting = false;
  process.on('SIGUSR2', () => {
    if (counting) process.stderr.write(`server GC ${counter.describe()}\n`);
    counting = !counting;
    counter.reset();
  });
}
