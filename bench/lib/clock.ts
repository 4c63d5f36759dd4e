// Wall time and CPU time of one measured section: the measuring process's own CPU
// (process.cpuUsage, microseconds) and, when a server process is named, the CPU of that process
// and all its descendants, because Dovecot, vsftpd and nginx do their work in forked children:
// nanoseconds on CPU of every living thread (/proc/PID/task/TID/schedstat), plus the clock ticks
// (10 ms at the usual 100 Hz) of children that exited and were reaped meanwhile.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** One measured run: seconds of wall time, CPU seconds of the client, and of the server (null: not measured). */
export interface Sample {
  seconds: number;
  cpu: number;
  serverCpu: number | null;
}

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** One process's parent and CPU seconds: its threads' time on CPU plus its reaped children's. */
function usage(pid: number): { ppid: number; seconds: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return { ppid: Number(fields[1]), seconds: ns / 1e9 + (Number(fields[13]) + Number(fields[14])) / TICKS };
  } catch {
    return null; // exited while being read
  }
}

/** CPU seconds used so far by the `roots` and every living descendant. */
export function processTreeCpu(roots: number | number[]): number {
  const rootSet = new Set(Array.isArray(roots) ? roots : [roots]);
  const all = new Map<number, { ppid: number; seconds: number }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const entry = usage(pid);
    if (entry !== null) all.set(pid, entry);
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = all.get(p)?.ppid ?? 0, hops++) if (rootSet.has(p)) return true;
    return false;
  };
  let total = 0;
  for (const [pid, entry] of all) if (inTree(pid)) total += entry.seconds;
  return total;
}

/** Server processes whose CPU to sample: one pid or several (a daemon started twice). */
export type ServerPids = number | number[] | undefined;

/** Our own children named `comm` (daemons the test helpers spawned: dovecot, vsftpd, nginx). */
export function childPids(comm: string): number[] {
  return readdirSync('/proc').flatMap((name) => {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === process.pid && stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

/** Hooks around a measured section, for work timed elsewhere (a Python child reports its own clock). */
export function serverBracket(serverPid: ServerPids): { start(): void; stop(): number | null } {
  let before = 0;
  return {
    start: () => void (before = serverPid === undefined ? 0 : processTreeCpu(serverPid)),
    stop: () => (serverPid === undefined ? null : processTreeCpu(serverPid) - before),
  };
}

/** Runs `work` and returns its wall time, this process's CPU time and the server's. */
export async function clock(work: () => Promise<void>, serverPid?: ServerPids): Promise<Sample> {
  const server = serverBracket(serverPid);
  server.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpu: (used.user + used.system) / 1e6, serverCpu: server.stop() };
}
