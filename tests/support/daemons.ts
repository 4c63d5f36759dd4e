/** Helpers for tests that start real servers from Debian: free ports and waiting for them. */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Ports handed out for daemons to bind: below Linux's ephemeral range (32768-60999 by default),
 * so that neither the kernel's choice for a `listen(0)` nor the local port of an outgoing
 * connection can take one between our probe and the daemon's bind. A port from `listen(0)` would
 * go back into that pool and be reused first: then a daemon failed to bind, and the test talked to
 * another test's server (seen as a certificate from another test PKI).
 */
const DAEMON_PORTS = { first: 20000, count: 12768 } as const;
const handedOut = new Set<number>();

/**
 * The slice of DAEMON_PORTS a vitest worker slot draws from. Test files run in parallel (the root
 * vitest.config.ts's maxWorkers), each in its own process with its own `handedOut`; vitest gives each
 * running file a distinct VITEST_POOL_ID (1..maxWorkers), so each worker slot of one checkout draws
 * from its own slice and two of its files starting daemons at the same moment can never both probe
 * one port free and then race to bind it (399 ports each; a file takes at most ~10). Checkouts on
 * one machine (git worktrees, several engineers' runs at once) number their slots alike: each
 * checkout's slots start at a slice picked by a hash of its path, so slot 1 of two checkouts shares
 * a slice only one time in SLICES (and then still draws at random within it), while one clone (CI)
 * gets the same slices on every run. Slots above SLICES share slices again. Outside vitest (bench,
 * scripts: `slot` undefined) the whole range.
 */
const SLICES = 32;
/** This checkout's root: the repository folder two levels above tests/support. */
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));

export function portSlice(slot: number | undefined, checkout: string = CHECKOUT): { first: number; count: number } {
  if (slot === undefined || !Number.isInteger(slot) || slot < 1) return DAEMON_PORTS;
  const count = Math.floor(DAEMON_PORTS.count / SLICES);
  const start = createHash('sha256').update(checkout).digest().readUInt32BE(0) % SLICES;
  return { first: DAEMON_PORTS.first + ((start + slot - 1) % SLICES) * count, count };
}

function daemonPorts(): { first: number; count: number } {
  const id = process.env['VITEST_POOL_ID'];
  return portSlice(id === undefined ? undefined : Number(id));
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().listen(port, '127.0.0.1');
    probe.once('listening', () => probe.close(() => resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

/** A TCP port free on 127.0.0.1 at the time of asking, for a daemon to bind (see DAEMON_PORTS). */
export async function freePort(): Promise<number> {
  const range = daemonPorts();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = range.first + Math.floor(Math.random() * range.count);
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free TCP port in ${range.first}-${range.first + range.count - 1} on 127.0.0.1 after 200 tries`);
}

/** Resolves once something listens on 127.0.0.1:`port` (polls; daemons give no other signal). */
export async function waitForPort(port: number, what = 'server'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await bindable(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} port ${port} did not come up`);
}

/** A daemon that did not come up; `exited` when it ended first (a port taken meanwhile, a bad config). */
export class DaemonStartError extends Error {
  constructor(
    message: string,
    readonly exited: boolean,
  ) {
    super(message);
    this.name = 'DaemonStartError';
  }
}

/** The last 4 KiB a child printed on stdout and stderr (spawned with pipes), for a start-up error. */
export function capturedOutput(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

/**
 * Whether process `pid` holds the listening socket on 127.0.0.1:`port` (Linux's /proc: the socket's
 * inode in /proc/net/tcp among the process's open files). Only "something listens" was asked before,
 * and a port taken by someone else between freePort's probe and the daemon's bind looked like the
 * daemon up, until the daemon, unable to bind, exited.
 */
function listensOn(pid: number, port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address, st (0A: LISTEN), inode.
    if (fields[1] === local && fields[3] === '0A' && fields[9] !== undefined) inodes.add(`socket:[${fields[9]}]`);
  }
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false; // closed meanwhile
      }
    });
  } catch {
    return false; // the process is gone
  }
}

/**
 * Resolves once `child` itself listens on every one of `ports` (where /proc tells; elsewhere once
 * something does). Fails at once, with what it printed, when it exits first; after 30 s, with the
 * same. waitForPort alone polled on for 10 s after a daemon had died, and said nothing of why (CI at
 * ad2cabf: "vsftpd port 25893 did not come up": 108 tests did not run).
 */
export async function waitForDaemon(child: ChildProcess, ports: readonly number[], what: string, output: () => string = () => ''): Promise<void> {
  const said = () => (output() === '' ? '' : `: ${output()}`);
  const pid = child.pid;
  const owned = existsSync('/proc/net/tcp') && pid !== undefined ? (port: number) => Promise.resolve(listensOn(pid, port)) : async (port: number) => !(await bindable(port));
  const deadline = Date.now() + 30_000;
  for (const port of ports) {
    while (!(await owned(port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new DaemonStartError(`${what} exited (${child.exitCode ?? child.signalCode}) before listening on port ${port}${said()}`, true);
      }
      if (Date.now() > deadline) throw new DaemonStartError(`${what} did not listen on port ${port} within 30 s${said()}`, false);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Starts a daemon on fresh free ports until it comes up, at most `attempts` times: a port probed free
 * can still be taken before the daemon binds it (by a process of another checkout, or a child
 * process of a test that draws from the same slice), and the daemon then exits. `launch` gets the
 * attempt's ports and returns the child and a way to read its output; a failed attempt's child is
 * killed.
 */
export async function startOnFreePorts<T extends { child: ChildProcess; output: () => string }>(
  what: string,
  portCount: number,
  launch: (ports: number[]) => T | Promise<T>,
  attempts = 3,
): Promise<T & { ports: number[] }> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < portCount; i++) ports.push(await freePort());
    const started = await launch(ports);
    try {
      await waitForDaemon(started.child, ports, what, started.output);
      return { ...started, ports };
    } catch (error) {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
      if (!(error instanceof DaemonStartError) || !error.exited) throw error;
      failures.push(`attempt ${attempt}: ${error.message}`);
    }
  }
  throw new Error(`${what} did not start in ${attempts} attempts:\n${failures.join('\n')}`);
}
