/**
 * ClientContext.connect refuses option names it does not take (trial 8): `{ timout: 1000 }` was
 * silently ignored, so a connect to a server that never answers waited forever on tls-node and
 * tls-pure. Nothing may reach the network before the refusal.
 */
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
import { pki } from '../support/fixtures.js';
import { conformanceImplementations } from './implementations.js';

let server: Server | undefined;
const accepted: Socket[] = [];
afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy();
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

/** A TCP listener that accepts and never answers; counts the connections it gets. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  server = createServer((socket) => {
    count++;
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, connections: () => count };
}

/** Resolves once the listener has seen one more connection than `before` (a plain probe connect). */
async function probe(port: number, connections: () => number): Promise<number> {
  const socket = netConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  while (connections() === 0) await new Promise((resolve) => setImmediate(resolve));
  socket.destroy();
  return connections();
}

describe.each(conformanceImplementations.map((i) => [i.name, i] as const))('ClientContext.connect options over %s', (_, implementation) => {
  const context = () => new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(pki.pem('root')) }));

  it.each([
    [{ timout: 1000 }, /^ClientContext\.connect: unknown option 'timout'; did you mean 'timeout'\?$/],
    [{ Timeout: 1000 }, /did you mean 'timeout'\?$/],
    [{ servername: 'localhost' }, /unknown option 'servername'; the options are serverHostname, signal, timeout, session$/],
    [{ rejectUnauthorized: false }, /unknown option 'rejectUnauthorized'; the options are serverHostname, signal, timeout, session$/],
  ])('refuses %o before any connection', async (options, message) => {
    const { port, connections } = await silentServer();
    const attempt = context().connect({ host: '127.0.0.1', port }, options as never);
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(message);
    // The probe is the listener's first connection: the refused connect opened none.
    expect(await probe(port, connections)).toBe(1);
  });

  it('refuses options that are not an object, and says which address name was meant', async () => {
    await expect(context().connect({ host: '127.0.0.1', port: 1 }, 1000 as never)).rejects.toThrow(/options must be an object such as \{ timeout: 10_000 \}, got number/);
    await expect(context().connect({ hostname: 'localhost', port: 1 } as never)).rejects.toThrow(/address must be \{ host, port \} with a non-empty host \(it has 'hostname': did you mean 'host'\?\)$/);
  });

  it('still takes every option it documents', async () => {
    const { port } = await silentServer();
    const attempt = context().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', signal: new AbortController().signal, timeout: 50, session: null });
    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
