/** Helpers for tests that start real servers from Debian: free ports and waiting for them. */
import { createServer } from 'node:net';

/**
 * Ports handed out for daemons to bind: below Linux's ephemeral range (32768-60999 by default),
 * so that neither the kernel's choice for a `listen(0)` nor the local port of an outgoing
 * connection can take one between our probe and the daemon's bind. A port from `listen(0)` would
 * go back into that pool and be reused first: then a daemon failed to bind, and the test talked to
 * another test's server (seen as a certificate from another test PKI).
 */
const DAEMON_PORTS = { first: 20000, count: 12768 } as const;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().listen(port, '127.0.0.1');
    probe.once('listening', () => probe.close(() => resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

/** A TCP port free on 127.0.0.1 at the time of asking, for a daemon to bind (see DAEMON_PORTS). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = DAEMON_PORTS.first + Math.floor(Math.random() * DAEMON_PORTS.count);
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free TCP port in ${DAEMON_PORTS.first}-${DAEMON_PORTS.first + DAEMON_PORTS.count - 1} on 127.0.0.1 after 200 tries`);
}

/** Resolves once something listens on 127.0.0.1:`port` (polls; daemons give no other signal). */
export async function waitForPort(port: number, what = 'server'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await bindable(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} port ${port} did not come up`);
}
