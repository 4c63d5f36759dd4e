/** Helpers for tests that start real servers from Debian: free ports and waiting for them. */
import { createHash } from 'node:crypto';
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
