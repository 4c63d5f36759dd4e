/** Helpers for tests that start real servers from Debian: free ports and waiting for them. */
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 at the time of asking. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something listens on 127.0.0.1:`port` (polls; daemons give no other signal). */
export async function waitForPort(port: number, what = 'server'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const inUse = await new Promise<boolean>((resolve) => {
      const probe = createServer().listen(port, '127.0.0.1');
      probe.once('listening', () => probe.close(() => resolve(false)));
      probe.once('error', () => resolve(true));
    });
    if (inUse) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} port ${port} did not come up`);
}
