import { getEventListeners, once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer as createTlsServer } from 'node:tls';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { TLSClientConfiguration, TrustStore, type TLSSession } from '@unitls/tls-core';
import { implementation } from '@unitls/tls-node';
import { ClientConnection, ClientConnectionError, ClientUsageError, clientErrors, diagnostics, encodeCommand, LineReader } from '../src/mod.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback TCP server running `script` per connection; resolves with its port. */
async function serve(script: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    script(socket);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const connection = (extra: Partial<ConstructorParameters<typeof ClientConnection>[0]> = {}) =>
  new ClientConnection({ client: {}, errors: clientErrors, context: () => new implementation.clientContext(new TLSClientConfiguration()), ...extra });

/** Reads one line as one operation. */
async function readLine(c: ClientConnection, reader: LineReader, signal?: AbortSignal): Promise<string | null> {
  return c.run(async () => {
    for (;;) {
      const line = reader.readLine();
      if (line !== null) return line.toString('latin1');
      const data = await c.recv();
      if (data.length === 0) return null;
      reader.push(data);
    }
  }, signal);
}

describe('ClientConnection', () => {
  it('bounds a whole reply by the timeout: a server dripping a byte every 20 ms cannot keep it pending', async () => {
    let closed = false;
    const port = await serve((socket) => {
      // A reply that never ends, one byte at a time, far quicker than the timeout per byte.
      const timer = setInterval(() => socket.write('x'), 20);
      socket.on('close', () => {
        clearInterval(timer);
        closed = true;
      });
    });
    const c = connection({ timeout: 300 });
    await c.open('127.0.0.1', port, 'plaintext');
    await expect(readLine(c, new LineReader({ maxLineLength: 1_000_000 }))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(c.connected).toBe(false);
    await vi.waitFor(() => expect(closed).toBe(true));
  });

  it('ends a wait when the per-call signal aborts, and closes', async () => {
    const port = await serve(() => {});
    const c = connection();
    await c.open('127.0.0.1', port, 'plaintext');
    const controller = new AbortController();
    const pending = readLine(c, new LineReader({ maxLineLength: 100 }), controller.signal);
    controller.abort(new Error('stop now'));
    await expect(pending).rejects.toThrow('stop now');
    expect(c.connected).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('refuses to start an operation with an aborted signal, and closes', async () => {
    let received = 0;
    const port = await serve((socket) => socket.on('data', (data) => (received += data.length)));
    const c = connection();
    await c.open('127.0.0.1', port, 'plaintext');
    await expect(c.run(() => c.send(encodeCommand('NOOP')), AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    expect(c.connected).toBe(false);
    await expect(c.open('127.0.0.1', port, 'plaintext', AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(c.connected).toBe(false);
    expect(received).toBe(0);
  });

  it('ends an unbounded wait (no operation) when the connection signal aborts', async () => {
    const port = await serve(() => {});
    const controller = new AbortController();
    const c = connection({ signal: controller.signal });
    await c.open('127.0.0.1', port, 'plaintext');
    const pending = c.recv();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends an open in progress when the connection signal aborts', async () => {
    const controller = new AbortController();
    const c = connection({
      signal: controller.signal,
      // A transport that never connects on its own: only the abort can end the attempt.
      transport: (_address, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    });
    const pending = c.open('mail.invalid', 25, 'plaintext');
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(c.connected).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('composes no signal per read and keeps at most one listener on a long-lived signal (no leak)', async () => {
    const port = await serve((socket) => {
      socket.on('data', (data) => {
        for (let i = 0; i < data.length / 6; i++) socket.write('+OK\r\n');
      });
    });
    const session = new AbortController();
    const perCall = new AbortController();
    const any = vi.spyOn(AbortSignal, 'any');
    const timeout = vi.spyOn(AbortSignal, 'timeout');
    try {
      const c = connection({ signal: session.signal });
      await c.open('127.0.0.1', port, 'plaintext');
      const reader = new LineReader({ maxLineLength: 100 });
      for (let i = 0; i < 500; i++) {
        await c.send(encodeCommand('NOOP '));
        expect(await readLine(c, reader, perCall.signal)).toBe('+OK');
        expect(getEventListeners(session.signal, 'abort')).toHaveLength(1);
      }
      expect(getEventListeners(perCall.signal, 'abort')).toHaveLength(0);
      await c.close();
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
      expect(any).not.toHaveBeenCalled();
      expect(timeout).not.toHaveBeenCalled();
    } finally {
      any.mockRestore();
      timeout.mockRestore();
    }
  });

  it('wraps a transport failure in the family connection error with its cause, and closes', async () => {
    const port = await serve((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const c = connection();
    await c.open('127.0.0.1', port, 'plaintext');
    await c.send(encodeCommand('QUIT'));
    const error = await c.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientConnectionError);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(c.connected).toBe(false);
    await expect(c.send(Buffer.from('x'))).rejects.toThrow(/not connected/);
  });

  it.each([
    ['a connection with replies: the write is dropped, the next read (no reply came) fails with the write\'s error', true],
    ['a connection without a greeting (an FTP data connection): the write fails', false],
  ] as const)('wraps a failed write in the family connection error with its cause, and closes: %s', async (_name, greets) => {
    const port = await serve(() => {});
    let transport: Socket | null = null;
    const c = connection({
      greets,
      transport: async () => {
        transport = connect(port, '127.0.0.1');
        await once(transport, 'connect');
        return transport;
      },
    });
    await c.open('127.0.0.1', port, 'plaintext');
    transport!.destroy();
    // break14: a reply the server sent before the write failed is read first (the client's core
    // may hold it already), so a connection with replies reports the failure at the next read.
    const error = greets ? await c.send(Buffer.from('x')).then(() => c.recv()).catch((e: unknown) => e) : await c.send(Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientConnectionError);
    expect((error as Error).message).toMatch(/while sending/);
    expect((error as Error).cause).toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
    expect(c.connected).toBe(false);
  });

  it('a read or write that finished is not "in progress": close() afterwards is a plain close', async () => {
    const port = await serve((socket) => socket.on('data', () => socket.write('+OK\r\n')));
    const c = connection();
    await c.open('127.0.0.1', port, 'plaintext');
    // Outside any operation (no deadline): each settles, and must leave nothing to reject.
    await c.send(encodeCommand('NOOP'));
    expect(Buffer.from(await c.recv()).toString()).toBe('+OK\r\n');
    await c.close();
    const after = c.closedError();
    expect(after.message).toBe('not connected: the connection was closed (by quit(), logout() or close(), or after a failure); run connect() to open it again');
    expect(after.cause).toBeUndefined();
  });

  it('a read ended by the timeout that fails late on its old channel leaves the connection opened since alone', async () => {
    // A TLS socket whose pending read fails only when the test says so (after the reopen).
    let failLate!: (error: Error) => void;
    const socket = {
      recv: () => new Promise<Uint8Array>((_resolve, reject) => (failLate = reject)),
      send: async (bytes: Uint8Array) => bytes.length,
      close: async () => {},
    };
    const plainPort = await serve((s) => s.on('data', () => s.write('+OK\r\n')));
    const c = connection({ timeout: 100, context: () => ({ connect: async () => socket }) as never });
    await c.open('127.0.0.1', 995, 'implicit');
    await expect(readLine(c, new LineReader({ maxLineLength: 100 }))).rejects.toMatchObject({ name: 'TimeoutError' });
    await c.open('127.0.0.1', plainPort, 'plaintext');
    failLate(new Error('the old socket failed late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.connected).toBe(true);
    await c.send(encodeCommand('NOOP'));
    expect(await readLine(c, new LineReader({ maxLineLength: 100 }))).toBe('+OK');
    await c.close();
  });

  it('a read ended by the timeout whose old channel delivers late does not settle the read waiting on the connection opened since', async () => {
    // Reads share their handlers per channel (issue #16): the old channel's late bytes must not
    // reach a read of the new one.
    let deliverLate!: (bytes: Uint8Array) => void;
    const socket = {
      recv: () => new Promise<Uint8Array>((resolve) => (deliverLate = resolve)),
      send: async (bytes: Uint8Array) => bytes.length,
      close: async () => {},
    };
    const plainPort = await serve((s) => s.on('data', () => s.write('+OK\r\n')));
    const c = connection({ timeout: 100, context: () => ({ connect: async () => socket }) as never });
    await c.open('127.0.0.1', 995, 'implicit');
    await expect(readLine(c, new LineReader({ maxLineLength: 100 }))).rejects.toMatchObject({ name: 'TimeoutError' });
    await c.open('127.0.0.1', plainPort, 'plaintext');
    // A read waits on the new connection (its server answers only once it gets a command).
    const line = readLine(c, new LineReader({ maxLineLength: 100 }));
    deliverLate(Buffer.from('STALE\r\n'));
    await new Promise((resolve) => setImmediate(resolve));
    await c.send(encodeCommand('NOOP'));
    expect(await line).toBe('+OK');
    expect(c.connected).toBe(true);
    await c.close();
  });

  it('a write ended by the timeout whose old channel takes it late does not settle the write waiting on the connection opened since', async () => {
    // Writes share their handlers per channel (issue #16), as reads do: the old channel's late
    // answer must neither resolve nor fail a write of the new one.
    const pending: { resolve: (n: number) => void; reject: (error: Error) => void }[] = [];
    const fake = () => ({
      recv: () => new Promise<Uint8Array>(() => {}),
      send: (bytes: Uint8Array) => new Promise<number>((resolve, reject) => pending.push({ resolve: () => resolve(bytes.length), reject })),
      close: async () => {},
    });
    const c = connection({ timeout: 100, context: () => ({ connect: async () => fake() }) as never });
    await c.open('127.0.0.1', 995, 'implicit');
    await expect(c.run(() => c.send(encodeCommand('NOOP')))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(c.connected).toBe(false);
    await c.open('127.0.0.1', 995, 'implicit');
    let settled: string | null = null;
    const write = c.send(encodeCommand('NOOP')).then(
      () => (settled = 'resolved'),
      (error: Error) => (settled = `rejected: ${error.message}`),
    );
    expect(pending).toHaveLength(2);
    pending[0]!.resolve(6);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeNull();
    pending[0]!.reject(new Error('the old socket failed late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeNull();
    expect(c.connected).toBe(true);
    pending[1]!.resolve(6);
    await write;
    expect(settled).toBe('resolved');
    // Two writes at once (the second while the first is pending), then the usual one: all resolve.
    const both = Promise.all([c.send(encodeCommand('NOOP')), c.send(encodeCommand('NOOP'))]);
    expect(pending).toHaveLength(4);
    pending[2]!.resolve(6);
    pending[3]!.resolve(6);
    await both;
    const third = c.send(encodeCommand('NOOP'));
    pending[4]!.resolve(6);
    await third;
    expect(c.busy).toBe(false);
    await c.close();
  });

  it('wraps a refused connection, and uses an injected transport', async () => {
    const port = await serve((socket) => socket.end('hello\r\n'));
    const dead = await serve(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(connection().open('127.0.0.1', dead, 'plaintext')).rejects.toMatchObject({ name: 'ClientConnectionError', cause: { code: 'ECONNREFUSED' } });
    const asked: string[] = [];
    const c = connection({
      transport: async ({ host, port: p }) => {
        asked.push(`${host}:${p}`);
        const socket = connect(port, '127.0.0.1');
        await once(socket, 'connect');
        return socket;
      },
    });
    await c.open('mail.invalid', 25, 'plaintext');
    expect(asked).toEqual(['mail.invalid:25']);
    expect(await readLine(c, new LineReader({ maxLineLength: 100 }))).toBe('hello');
    await c.close();
  });

  it('refuses to upgrade when bytes came before the handshake', async () => {
    const port = await serve((socket) => socket.write('220 go\r\ninjected\r\n'));
    const c = connection();
    await c.open('127.0.0.1', port, 'starttls');
    const reader = new LineReader({ maxLineLength: 100 });
    expect(await readLine(c, reader)).toBe('220 go');
    await expect(c.upgrade(reader.buffered)).rejects.toMatchObject({ name: 'StartTlsInjectionError' });
    expect(c.connected).toBe(false);
    await expect(c.open('127.0.0.1', port, 'plaintext').then(() => c.open('127.0.0.1', port, 'plaintext'))).rejects.toBeInstanceOf(ClientUsageError);
    await c.close();
  });

  it('offers the session option at each handshake, implicit and upgraded (FTP data connections resume their control session)', async () => {
    const root = await createAuthority({ name: 'kit test root' });
    const leaf = await issueCertificate(root, { names: ['localhost'] });
    // One tls.Server for every connection, so its session tickets can be redeemed. Both security
    // modes look alike to it: the client's first bytes are its ClientHello.
    const server = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.write('hello\r\n');
      socket.on('data', () => socket.write('bye\r\n'));
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(root.certPem)) });
    const open = async (security: 'implicit' | 'starttls', session: TLSSession | null) => {
      const c = connection({ serverHostname: 'localhost', context: () => new implementation.clientContext(configuration), session: () => session });
      await c.open('127.0.0.1', port, security);
      if (security === 'starttls') await c.upgrade(0);
      // TLS 1.3 tickets come after the handshake (after "hello", here): an exchange takes them in.
      const lines = new LineReader({ maxLineLength: 100 });
      expect(await readLine(c, lines)).toBe('hello');
      await c.send(encodeCommand('QUIT'));
      expect(await readLine(c, lines)).toBe('bye');
      const reused = c.tlsSocket!.sessionReused;
      const next = c.tlsSocket!.session!();
      await c.close();
      return { reused, next };
    };
    const first = await open('implicit', null);
    expect(first.reused).toBe(false);
    expect(first.next).not.toBeNull();
    expect((await open('implicit', first.next)).reused).toBe(true);
    expect((await open('starttls', first.next)).reused).toBe(true);
  });

  it('drives a sans-IO core: nextEvent feeds it until it has an event, one deadline for the whole event', async () => {
    const port = await serve((socket) => {
      socket.write('+OK one\r\n+OK t');
      setTimeout(() => socket.write('wo\r\n'), 20);
    });
    const NEED = Symbol('NEED_DATA');
    const reader = new LineReader({ maxLineLength: 100 });
    const core = { receiveData: (data: Uint8Array) => reader.push(data), nextEvent: () => reader.readLine()?.toString() ?? NEED };
    const c = connection({ timeout: 5000 });
    await c.open('127.0.0.1', port, 'plaintext');
    expect(await c.nextEvent<string>(core, NEED)).toBe('+OK one');
    expect(await c.nextEvent<string>(core, NEED)).toBe('+OK two');
    await c.close();
  });

  it('publishes connect, command, reply and close on the package channels only when subscribed', async () => {
    const port = await serve((socket) => socket.write('+OK\r\n'));
    const seen: string[] = [];
    const listener = (message: unknown, name: string | symbol) => seen.push(`${String(name)} ${JSON.stringify({ ...(message as object), client: undefined })}`);
    const names = ['connect', 'command', 'reply', 'close'] as const;
    for (const n of names) diagnostics.pop[n].subscribe(listener);
    try {
      const client = {};
      const c = connection({ client, channels: diagnostics.pop });
      expect(c.tracesCommands).toBe(true);
      await c.open('127.0.0.1', port, 'plaintext');
      c.publishCommand('USER alice');
      c.publishReply('+OK');
      await c.close();
    } finally {
      for (const n of names) diagnostics.pop[n].unsubscribe(listener);
    }
    expect(seen).toEqual([
      `unitls:pop:connect {"host":"127.0.0.1","port":${port},"security":"plaintext"}`,
      'unitls:pop:command {"command":"USER alice"}',
      'unitls:pop:reply {"reply":"+OK"}',
      'unitls:pop:close {}',
    ]);
    expect(connection({ channels: diagnostics.pop }).tracesCommands).toBe(false);
  });
});
