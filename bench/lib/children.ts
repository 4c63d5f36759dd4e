// Processes the measuring process talks to: Node servers and Node client contenders forked with
// IPC (so their work is not done in, nor billed to, the measuring process; lib/remote.ts) and
// Python clients that time themselves.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serverBracket, type Sample, type ServerPids } from './clock.js';

/**
 * How long a child may take to answer one request. Every request is seconds of work; a child that
 * hangs (session 10: a tls-pure server deadlocked inside node:crypto on Node 20) must fail the run
 * with its name instead of leaving the bench waiting for ever.
 */
const REQUEST_DEADLINE_MS = 600_000;

export interface Child<Ready> {
  pid: number;
  /** The child's first message (its port, typically). */
  ready: Ready;
  /** Sends a message and resolves with the child's next one. */
  request<T>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Forks `bench/servers/<name>.ts` with tsx and `--expose-gc`; resolves once it sent its first message. */
export function forkChild<Ready>(name: string, args: string[]): Promise<Child<Ready>> {
  return forkModule(fileURLToPath(new URL(`../servers/${name}.ts`, import.meta.url)), args, ['--expose-gc']);
}

/**
 * Forks the module at `path` (TypeScript through tsx, or `loader` 'plain': JavaScript as it is) with
 * `flags` (Node's own flags);
 * resolves once it sent its first message. Its stdout goes to this process's stderr (stdout
 * carries the results' markdown). A request rejects if the child exits before it answers.
 */
export async function forkModule<Ready>(path: string, args: string[], flags: string[] = [], loader: 'tsx' | 'plain' = 'tsx'): Promise<Child<Ready>> {
  const child: ChildProcess = fork(path, args, { execArgv: [...(loader === 'tsx' ? ['--import', 'tsx'] : []), ...flags], stdio: ['ignore', 2, 'inherit', 'ipc'] });
  const name = path.split('/').slice(-2).join('/');
  const exited = once(child, 'exit');
  const died = exited.then(([code, signal]) => Promise.reject(new Error(`${name} exited (${signal ?? code}) before it answered`)));
  died.catch(() => {}); // only the requests racing it report it
  const next = async <T>() => ((await Promise.race([once(child, 'message'), died])) as [T])[0];
  return {
    pid: child.pid!,
    ready: await next<Ready>(),
    async request<T>(message: unknown) {
      const reply = next<T>();
      child.send(message as object);
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} ${args.join(' ')} did not answer ${JSON.stringify(message)} within ${REQUEST_DEADLINE_MS / 1000} s (hung?)`)), REQUEST_DEADLINE_MS);
      });
      try {
        return await Promise.race([reply, hung]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Runs `bench/python/<script>` and returns the Sample it reports. The script measures itself
 * between a `start` and a `stop` line (see benchclock.py); the server's CPU is sampled at exactly
 * those two points. With `expect`, the work's return value (bytes, messages) must equal it.
 */
export async function runPython(script: string, args: string[], serverPid?: ServerPids, expect?: number): Promise<Sample> {
  const path = fileURLToPath(new URL(`../python/${script}`, import.meta.url));
  const child = spawn('python3', [path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'close');
  const server = serverBracket(serverPid);
  let result: { seconds: number; cpu: number; units: unknown } | undefined;
  let serverCpu: number | null = null;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'start') server.start();
    else if (line === 'stop') serverCpu = server.stop();
    else if (line.startsWith('{')) result = JSON.parse(line) as typeof result;
    if (line === 'start' || line === 'stop') child.stdin.write('\n');
  }
  const [code] = await exited;
  if (code !== 0 || result === undefined) throw new Error(`python ${script}: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`);
  if (expect !== undefined && result.units !== expect) throw new Error(`python ${script}: did ${String(result.units)}, expected ${expect}`);
  return { seconds: result.seconds, cpu: result.cpu, serverCpu };
}
