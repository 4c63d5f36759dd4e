/**
 * ClientContext.connect refuses option names it does not take (trial 8): `{ timout: 1000 }` was
 * silently ignored, so a connect to a server that never answers waited forever on tls-node and
 * tls-pure. Nothing may reach the network before the refusal.
 */
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
import { pki, serverConfig } from '../support/fixtures.js';
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
    // Trial 10 (finding 6): a RangeError "got 100" hid that the value was a string.
    [{ timeout: '100' }, /^ClientContext\.connect: timeout must be a number of milliseconds, got a string \('100'\)$/],
    [{ timeout: null }, /^ClientContext\.connect: timeout must be a number of milliseconds, got null$/],
  ])('refuses %o before any connection', async (options, message) => {
    const { port, connections } = await silentServer();
    const attempt = context().connect({ host: '127.0.0.1', port }, options as never);
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(message);
    // The probe is the listener's first connection: the refused connect opened none.
    expect(await probe(port, connections)).toBe(1);
  });

  // Trial 10 (finding 1): a timeout in the address was ignored, and a silent server held the connect for ever.
  it.each([
    [{ timeout: 1500 }, /^ClientContext\.connect: unknown key 'timeout' in the address \(it takes host and port only\); 'timeout' is an option: pass it in the options, connect\(address, \{ timeout \}\)$/],
    [{ signal: new AbortController().signal }, /unknown key 'signal' in the address .*connect\(address, \{ signal \}\)$/],
    [{ session: null }, /unknown key 'session' in the address .*connect\(address, \{ session \}\)$/],
    [{ servername: 'localhost' }, /unknown key 'servername' in the address .*connect\(address, \{ serverHostname \}\)$/],
    [{ family: 4 }, /^ClientContext\.connect: unknown key 'family' in the address \(it takes host and port only\)$/],
  ])('refuses the address key %o before any connection', async (extra, message) => {
    const { port, connections } = await silentServer();
    const attempt = context().connect({ host: '127.0.0.1', port, ...extra } as never);
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(message);
    expect(await probe(port, connections)).toBe(1);
  });

  it('ServerContext.connect refuses an address key other than host and port', async () => {
    const server = new implementation.serverContext(serverConfig());
    await expect(server.connect({ host: '127.0.0.1', port: 0, timeout: 100 } as never)).rejects.toThrow(/^ServerContext\.connect: unknown key 'timeout' in the address \(it takes host and port only\)$/);
  });

  it('refuses a negative or infinite timeout as a RangeError naming connect', async () => {
    for (const timeout of [-1, Number.NaN, Infinity]) {
      await expect(context().connect({ host: '127.0.0.1', port: 1 }, { timeout })).rejects.toThrow(new RangeError(`ClientContext.connect: timeout must be a non-negative finite number of milliseconds (leave it out for none), got ${timeout}`));
    }
  });

  it('refuses options that are not an object, and says which address name was meant', async () => {
    await expect(context().connect({ host: '127.0.0.1', port: 1 }, 1000 as never)).rejects.toThrow(/options must be an object such as \{ timeout: 10_000 \}, got 1000$/);
    await expect(context().connect({ hostname: 'localhost', port: 1 } as never)).rejects.toThrow(/address must be \{ host, port \} with a non-empty host \(it has 'hostname': did you mean 'host'\?\)$/);
  });

  it('still takes every option it documents', async () => {
    const { port } = await silentServer();
    const attempt = context().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost', signal: new AbortController().signal, timeout: 50, session: null });
    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
