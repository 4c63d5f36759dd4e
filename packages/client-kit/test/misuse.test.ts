/**
 * A careless or hostile caller of the kit (the breaker's findings): timeouts the runtime cannot
 * hold, two opens at once, close() while an open or a read is in progress, one call at a time
 * (CallGate), SASL credentials of the wrong type and servers that ask for challenge after challenge.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TLSClientConfiguration } from '@unitls/tls-core';
import { implementation } from '@unitls/tls-node';
import {
  CallGate,
  ClientConnection,
  ClientConnectionError,
  ClientProtocolError,
  ClientUsageError,
  LineReader,
  OperationDeadline,
  clientErrors,
  mechanismFor,
  MAX_SASL_ROUNDS,
} from '../src/mod.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback server that answers each line with "ok"; resolves with its port. */
async function echoServer(): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => socket.write('ok\r\n'));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const connection = (extra: Partial<ConstructorParameters<typeof ClientConnection>[0]> = {}) =>
  new ClientConnection({ client: {}, errors: clientErrors, context: () => new implementation.clientContext(new TLSClientConfiguration()), ...extra });

async function ping(c: ClientConnection): Promise<string> {
  const reader = new LineReader({ maxLineLength: 100 });
  return c.run(async () => {
    await c.send(Buffer.from('ping\r\n'));
    for (;;) {
      const line = reader.readLine();
      if (line !== null) return line.toString('latin1');
      const data = await c.recv();
      if (data.length === 0) throw new Error('closed');
      reader.push(data);
    }
  });
}

describe('timeouts the caller may pass', () => {
  it('a timeout above 2^31-1 ms arms a timer the runtime can hold (it used to expire at once, after 1 ms)', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const expired = vi.fn();
    const deadline = new OperationDeadline(3_000_000_000, expired);
    deadline.begin();
    const delays = timers.mock.calls.map((call) => call[1]);
    deadline.dispose();
    expect(delays.length).toBeGreaterThan(0);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(deadline.timeout).toBe(3_000_000_000);

    const port = await echoServer();
    const c = connection({ timeout: 3_000_000_000 });
    await c.open('127.0.0.1', port, 'plaintext');
    expect(await ping(c)).toBe('ok');
    await c.close();
    expect(expired).not.toHaveBeenCalled();
  });

  it.each([-1, Number.NaN, '5'])('an invalid timeout (%s) is the family usage error, not a RangeError', (timeout) => {
    expect(() => connection({ timeout: timeout as number })).toThrow(ClientUsageError);
  });
});

describe('open and close from a careless caller', () => {
  it('refuses a host with a control character or a port that is not an integer before any lookup or connect (a NUL host used to reach DNS)', async () => {
    const c = connection({ transport: () => Promise.reject(new Error('must not be called')) });
    await expect(c.open('local\0host', 25, 'plaintext')).rejects.toThrow(ClientUsageError);
    await expect(c.open('local\0host', 25, 'plaintext')).rejects.toThrow(/control character \(U\+0000 at index 5\)/);
    await expect(c.open('mail.example\r\n', 25, 'plaintext')).rejects.toThrow(/U\+000D at index 12/);
    await expect(c.open('', 25, 'plaintext')).rejects.toThrow(ClientUsageError);
    await expect(c.open('localhost', '25' as unknown as number, 'plaintext')).rejects.toThrow(/got a string \('25'\)/);
    for (const port of [-1, 65536, 1.5, Number.NaN]) await expect(c.open('localhost', port, 'plaintext')).rejects.toThrow(ClientUsageError);
    expect(c.connected).toBe(false);
  });

  it('refuses a second open while one is in progress (the first used to be leaked, its socket left open)', async () => {
    const port = await echoServer();
    const c = connection();
    const [first, second] = await Promise.allSettled([c.open('127.0.0.1', port, 'plaintext'), c.open('127.0.0.1', port, 'plaintext')]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(ClientUsageError);
    expect(await ping(c)).toBe('ok');
    await c.close();
    await vi.waitFor(() => expect(sockets.size).toBe(0));
  });

  it('close() during open ends the open: it rejects with the connection error and no connection is left (it used to complete after close)', async () => {
    const port = await echoServer();
    const c = connection();
    const opening = c.open('127.0.0.1', port, 'plaintext');
    const rejected = expect(opening).rejects.toBeInstanceOf(ClientConnectionError);
    await c.close();
    await rejected;
    await expect(opening).rejects.toThrow(/close\(\)/);
    expect(c.connected).toBe(false);
    await vi.waitFor(() => expect(sockets.size).toBe(0));
  });

  it('close() while a read waits rejects that read with a clear "closed by close()" error, not "the server closed"', async () => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const c = connection();
    await c.open('127.0.0.1', (server.address() as { port: number }).port, 'plaintext');
    const reading = c.recv(); // outside an operation, as IMAP IDLE waits
    // The read rejects while close() runs: its handler is attached first.
    const rejected = expect(reading).rejects.toBeInstanceOf(ClientConnectionError);
    await c.close();
    await rejected;
    await expect(reading).rejects.toThrow(/close\(\)/);
  });
});

describe('CallGate: one call at a time', () => {
  it('refuses a second call while one runs, with a usage error naming both; steps of the running call pass', async () => {
    const gate = new CallGate(clientErrors);
    let release!: () => void;
    const first = gate.run('select', {}, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return 'selected';
    });
    await expect(gate.run('fetch', {}, async () => 'fetched')).rejects.toThrow(ClientUsageError);
    await expect(gate.run('fetch', undefined, async () => 'fetched')).rejects.toThrow(/fetch\(\) was called while select\(\) is still running/);
    expect(gate.holder).toBe('select');
    const step = gate.inside({ signal: undefined });
    await expect(gate.run('capability', step, async () => 'step')).resolves.toBe('step');
    release();
    await expect(first).resolves.toBe('selected');
    expect(gate.holder).toBeNull();
    await expect(gate.run('fetch', {}, async () => 'fetched')).resolves.toBe('fetched');
  });

  it('is released when the call fails, and a mark from another gate does not open it', async () => {
    const gate = new CallGate(clientErrors);
    await expect(gate.run('noop', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.holder).toBeNull();
    gate.enter('idle');
    await expect(gate.run('noop', new CallGate(clientErrors).inside({}), async () => 'x')).rejects.toThrow(ClientUsageError);
    gate.leave();
    await expect(gate.run('noop', {}, async () => 'x')).resolves.toBe('x');
  });
});

describe('SASL from a careless caller or a hostile server', () => {
  it.each([undefined, null, 42])('a user name that is not a string (%s) is a usage error (PLAIN used to send "undefined")', (user) => {
    for (const name of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256']) {
      expect(() => mechanismFor(name, { user: user as unknown as string, password: 'p' })).toThrow(ClientUsageError);
    }
    expect(() => mechanismFor('XOAUTH2', { user: user as unknown as string, accessToken: 't' })).toThrow(ClientUsageError);
  });

  it('a password or token that is not a string is a usage error', () => {
    expect(() => mechanismFor('PLAIN', { user: 'u', password: 42 as unknown as string })).toThrow(ClientUsageError);
    expect(() => mechanismFor('XOAUTH2', { user: 'u', accessToken: {} as unknown as string })).toThrow(ClientUsageError);
  });

  it.each(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'])('%s answers at most MAX_SASL_ROUNDS challenges, then a protocol error (a server sending "+" for ever)', (name) => {
    const m = mechanismFor(name, { user: 'u', password: 'p', accessToken: 't' })!;
    m.initialResponse();
    for (let i = 0; i < MAX_SASL_ROUNDS; i++) m.respond(new Uint8Array(0));
    expect(() => m.respond(new Uint8Array(0))).toThrow(ClientProtocolError);
    expect(() => m.respond(new Uint8Array(0))).toThrow(/more than 10 SASL challenges/);
  });
});
