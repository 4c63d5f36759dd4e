// Node client contenders in processes of their own. Each contender's child is forked at its first
// run (the harness's unmeasured warm-up, so V8 compiles the client's path there), keeps its client
// code and heap for the whole benchmark, and does each measured run when asked: set-up untimed,
// the work clocked with the child's own process.cpuUsage(). No contender runs on a heap another
// one grew, nor pays for another's garbage. Default Node flags (users run default Node).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { forkModule, type Child } from './children.js';
import { CHILD_LOADER, plainTwin } from './plain-child.js';
import type { Sample } from './clock.js';
import type { Contender } from './harness.js';

/** What one measured run of `units` units does, built once in the child. */
export type Run = (units: number) => Promise<Sample>;
/** Builds a contender's run from plain (JSON) parameters; a module of bench/contenders/ exports these. */
export type Factory<P> = (params: P) => Run | Promise<Run>;

/** What the child answers: a sample, or why the run failed. */
export type Reply = { sample: Sample } | { error: string };

const CHILD = fileURLToPath(new URL('./contender-child.ts', import.meta.url));
/** Node flags for the children, for experiments only (`BENCH_CLIENT_FLAGS=--no-memory-reducer`); default none. */
const FLAGS = process.env.BENCH_CLIENT_FLAGS?.split(' ').filter(Boolean) ?? [];

/**
 * `BENCH_CLIENTS=shared` builds every such contender in the measuring process instead, as before
 * session 7 (for comparison); `both` measures each both ways, side by side in the same rounds (the
 * row in the measuring process named `<name> [shared process]`).
 */
const MODE = process.env.BENCH_CLIENTS ?? 'own';
if (!['own', 'shared', 'both'].includes(MODE)) throw new Error(`BENCH_CLIENTS=${MODE}: choose own, shared or both`);
/** Where the Node client contenders run, for a run's note. */
export const clientsNote = (): string =>
  (MODE === 'own' ? `every Node client contender in its own process (${CHILD_LOADER === 'plain' ? 'plain JavaScript' : 'through tsx'})` : `BENCH_CLIENTS=${MODE}`) +
  (FLAGS.length > 0 ? `, client flags ${FLAGS.join(' ')}` : '');

/** A contender whose factory runs here, in the measuring process. */
function shared(module: string, factory: string, params: unknown, row: { name: string; anchors?: string[] }): Contender {
  let run: Promise<Run> | null = null;
  return {
    ...row,
    async run(units) {
      run ??= (async () => ((await import(module)) as Record<string, Factory<unknown>>)[factory]!(params))();
      return (await run)(units);
    },
  };
}

/**
 * Contenders built by the factories of `bench/contenders/<file>.ts` (type `M`: that module), each
 * in a child of its own: `contendersIn<typeof import('./contenders/smtp.js')>('smtp')('unitls', params, row)`.
 */
export function contendersIn<M>(file: string) {
  const module = new URL(`../contenders/${file}.ts`, import.meta.url).href;
  return <K extends keyof M & string>(factory: K, params: M[K] extends Factory<infer P> ? P : never, row: { name: string; anchors?: string[] }): Contender => {
    if (MODE === 'shared') return shared(module, factory, params, row);
    const twin = MODE === 'both' ? { twin: shared(module, factory, params, { ...row, name: `${row.name} [shared process]` }) } : {};
    let child: Promise<Child<{ ready: true }>> | null = null;
    return {
      ...row,
      ...twin,
      async run(units) {
        child ??=
          CHILD_LOADER === 'plain'
            ? forkModule<{ ready: true }>(plainTwin(CHILD), [pathToFileURL(plainTwin(fileURLToPath(module))).href, factory, JSON.stringify(params)], FLAGS, 'plain')
            : forkModule<{ ready: true }>(CHILD, [module, factory, JSON.stringify(params)], FLAGS);
        const reply = await (await child).request<Reply>({ units });
        if ('error' in reply) throw new Error(reply.error);
        return reply.sample;
      },
      async close() {
        const started = child;
        child = null;
        await (await started?.catch(() => null))?.stop();
      },
    };
  };
}
