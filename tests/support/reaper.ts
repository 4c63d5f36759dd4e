/**
 * Daemons die with the test process. A test that starts Postfix (which detaches), Dovecot, nginx
 * or vsftpd stops them in its afterAll, but a test process that is killed (vitest interrupted,
 * SIGKILL, a crashed worker) runs no hook, and the daemons stayed up on their ports for ever.
 * `reapOnDeath` records how to stop a daemon with the process's reaper (reaper.mjs): a small
 * process of its own session whose stdin only this process holds; when this process ends, however
 * it ends, the reaper's stdin closes and it carries out what is still recorded. A daemon stopped
 * normally is forgotten first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One way to stop a daemon: signal a process, run a command (`postfix -c DIR stop`), remove a folder. */
export type ReapAction = { kill: number; signal?: NodeJS.Signals } | { run: string[] } | { remove: string };

const REAPER = fileURLToPath(new URL('./reaper.mjs', import.meta.url));
let reaper: ChildProcess | null = null;
let next = 0;

function started(): ChildProcess {
  if (reaper !== null) return reaper;
  // detached: its own session, so a Ctrl-C or a signal to the test's process group does not reach it.
  reaper = spawn(process.execPath, [REAPER], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  reaper.unref();
  // Neither the reaper nor the pipe to it keeps the test process alive.
  (reaper.stdin as unknown as { unref(): void }).unref();
  reaper.stdin!.on('error', () => {});
  return reaper;
}

/** The reaper's process id (tests). */
export function reaperPid(): number | undefined {
  return started().pid;
}

/**
 * Has `actions` carried out, in order, if this process ends before the returned `forget` is
 * called; call it once the daemon was stopped normally.
 */
export function reapOnDeath(...actions: ReapAction[]): () => void {
  const stdin = started().stdin!;
  const ids = actions.map((action) => {
    const id = ++next;
    stdin.write(`${JSON.stringify({ add: id, action })}\n`);
    return id;
  });
  return () => {
    for (const id of ids.splice(0)) stdin.write(`${JSON.stringify({ forget: id })}\n`);
  };
}
