import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BufferListener,
  BufferSocket,
  RaggedEOF,
  SEND_PIECE_SIZE,
  StartTlsInjectionError,
  TLSClientConfiguration,
  TLSError,
  TLSServerConfiguration,
  startTls,
  type ClientContext,
  type ServerContext,
} from '../src/mod.js';
import { ToyBuffer } from './toy-buffer.js';

function toyClient(maxIncoming?: number): ClientContext {
  const context: ClientContext = {
    configuration: new TLSClientConfiguration(),
    connect: () => Promise.reject(new Error('unused')),
    createBuffer: () => new ToyBuffer(context, true, maxIncoming),
  };
  return context;
}

function toyServer(): ServerContext {
  const context: ServerContext = {
    configuration: new TLSServerConfiguration(),
    connect: (address) => BufferListener.listen(context, address),
    createBuffer: () => new ToyBuffer(context, false),
  };
  return context;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rawServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of connections) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as { port: number }).port };
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  cleanups.push(() => socket.destroy());
  return socket;
}

describe('BufferSocket over a TLSBuffer', () => {
  it('handshakes, moves data both ways and closes with close_notify on both sides', async () => {
    const listener = await toyServer().connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    const port = listener.getsockname()!.port;
    const [client, [server, peer]] = await Promise.all([
      tcp(port).then((t) => BufferSocket.open(toyClient().createBuffer('x'), t)),
      listener.accept(),
    ]);
    expect(peer.host).toBe('127.0.0.1');
    expect(client.negotiatedTlsVersion).toBe('TLSv1.3');
    expect(client.cipher()).toBe(0x1301);

    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    const sent = client.send(big);
    const received: Uint8Array[] = [];
    let total = 0;
    while (total < big.length) {
      const chunk = await server.recv(65536);
      received.push(chunk);
      total += chunk.length;
    }
    expect(await sent).toBe(big.length);
    expect(Buffer.concat(received).equals(Buffer.from(big))).toBe(true);

    await server.send(new TextEncoder().encode('pong'));
    expect(new TextDecoder().decode(await client.recv(10))).toBe('pong');

    // The server answers the client's close_notify only once it reads it.
    const closing = client.close();
    expect((await server.recv(10)).length).toBe(0);
    await server.close();
    await closing;
    expect(client.cipher()).toBeNull();
    expect(client.negotiatedTlsVersion).toBeNull();
    await expect(client.recv(1)).rejects.toThrow(/closed/);
  });

  it('reports a transport close without close_notify as RaggedEOF', async () => {
    const accepted = new Promise<{ socket: Socket; tls: Promise<BufferSocket> }>((resolve) => {
      void rawServer((socket) => resolve({ socket, tls: BufferSocket.open(toyServer().createBuffer(), socket) })).then(({ port }) => portReady(port));
    });
    let portReady!: (port: number) => void;
    const port = await new Promise<number>((resolve) => (portReady = resolve));
    const client = await BufferSocket.open(toyClient().createBuffer('x'), await tcp(port));
    const { socket, tls } = await accepted;
    await tls;
    socket.destroy(); // TCP goes, no close_notify
    await expect(client.recv(10)).rejects.toBeInstanceOf(RaggedEOF);
    await client.close(true);
  });

  it('close(true) sends close_notify and drops the transport without waiting for the peer (PEP 748)', async () => {
    const listener = await toyServer().connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    const [client, [server]] = await Promise.all([
      tcp(listener.getsockname()!.port).then((t) => BufferSocket.open(toyClient().createBuffer('x'), t)),
      listener.accept(),
    ]);
    // The client never answers; close(true) must still return, and the server sees a clean end.
    await server.close(true);
    expect((await client.recv(10)).length).toBe(0);
    await client.close(true);
  });

  it('cannot be constructed by users', () => {
    const Constructor = BufferSocket as unknown as new (...args: unknown[]) => unknown;
    expect(() => new Constructor()).toThrow(TypeError);
    expect(() => new Constructor(Symbol('BufferSocket.open'), toyClient().createBuffer('x'), null)).toThrow(
      /BufferSocket cannot be constructed directly: use ClientContext.connect/,
    );
  });

  it('sends in bounded pieces, whatever the size of one send', async () => {
    const listener = await toyServer().connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    const pieces: number[] = [];
    const buffer = toyClient().createBuffer('x');
    const write = buffer.write.bind(buffer);
    buffer.write = (data: Uint8Array) => {
      pieces.push(data.length);
      return write(data);
    };
    const [client, [server]] = await Promise.all([
      tcp(listener.getsockname()!.port).then((t) => BufferSocket.open(buffer, t)),
      listener.accept(),
    ]);
    const size = 3 * SEND_PIECE_SIZE + 5;
    const sent = client.send(new Uint8Array(size).fill(1));
    let total = 0;
    while (total < size) total += (await server.recv(65536)).length;
    expect(await sent).toBe(size);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(SEND_PIECE_SIZE);
    await Promise.all([client.close(true), server.close(true)]);
  });

  it('fails clearly when the peer closes during the handshake', async () => {
    const { port } = await rawServer((socket) => socket.end());
    await expect(BufferSocket.open(toyClient().createBuffer('x'), await tcp(port))).rejects.toThrow(
      /closed during the TLS handshake/,
    );
  });

  it('times out a handshake the peer never answers, destroying the transport', async () => {
    const { port } = await rawServer(() => {});
    const transport = await tcp(port);
    await expect(BufferSocket.open(toyClient().createBuffer('x'), transport, { timeout: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(transport.destroyed).toBe(true);
  });

  it('feeds a buffer with a small incoming limit piece by piece', async () => {
    const listener = await toyServer().connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    const [client, [server]] = await Promise.all([
      tcp(listener.getsockname()!.port).then((t) => BufferSocket.open(toyClient(2048).createBuffer('x'), t)),
      listener.accept(),
    ]);
    await server.send(new Uint8Array(3000).fill(7));
    let total = 0;
    while (total < 3000) total += (await client.recv(4096)).length;
    expect(total).toBe(3000);
    await Promise.all([client.close(true), server.close(true)]);
  });

  it('refuses socket-only calls on a connection and data calls on a listener', async () => {
    const listener = await toyServer().connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    await expect(listener.recv(1)).rejects.toThrow(/accept\(\) a connection first/);
    const [client, [server]] = await Promise.all([
      tcp(listener.getsockname()!.port).then((t) => BufferSocket.open(toyClient().createBuffer('x'), t)),
      listener.accept(),
    ]);
    expect(() => client.listen()).toThrow(TLSError);
    await expect(client.accept()).rejects.toThrow(/listening sockets/);
    await Promise.all([client.close(true), server.close(true)]);
  });

  it('rejects pending accepts when the listener closes', async () => {
    const listener = await toyServer().connect({ host: '127.0.0.1', port: 0 });
    const pending = listener.accept();
    await listener.close();
    await expect(pending).rejects.toThrow(/listening socket was closed/);
  });
});

/**
 * The toy with copyIncoming (what tls-openssl and tls-pure offer): counts how the socket fed it,
 * by copy from a reused read buffer or by processIncoming of a stream's chunk.
 */
class CopyingToy extends ToyBuffer {
  copies = 0;
  chunks = 0;

  copyIncoming(data: Uint8Array): number {
    const taken = Math.min(data.length, this.maxIncoming - this.incomingBytesBuffered());
    if (taken > 0) super.processIncoming(Buffer.from(data.subarray(0, taken)));
    this.copies++;
    return taken;
  }

  override processIncoming(data: Uint8Array): void {
    if (data.length > 0) this.chunks++;
    super.processIncoming(data);
  }
}

/** The toy server's side of a connection, as bytes: its hello, `text` as data, then close_notify. */
function toyServerBytes(text: string): Buffer {
  const record = (type: number, payload: Buffer) => Buffer.concat([Buffer.from([type, payload.length >> 8, payload.length & 0xff]), payload]);
  return Buffer.concat([record(1, Buffer.alloc(0)), record(2, Buffer.from(text)), record(3, Buffer.alloc(0))]);
}

/** A server answering the toy client's hello with {@link toyServerBytes}, then ending. */
async function toyAnswering(text: string): Promise<number> {
  const { port } = await rawServer((socket) => socket.once('data', () => socket.end(toyServerBytes(text))));
  return port;
}

/** Everything `socket` receives until the peer's close_notify. */
async function recvToEnd(socket: BufferSocket): Promise<string> {
  let text = '';
  for (let chunk = await socket.recv(100); chunk.length > 0; chunk = await socket.recv(100)) text += Buffer.from(chunk).toString();
  return text;
}

describe('a plain node:net socket given to BufferSocket (startTls)', () => {
  it('is taken over to read into reused memory when the buffer offers copyIncoming (no stream chunks)', async () => {
    const plain = await tcp(await toyAnswering('over reused memory'));
    const buffer = new CopyingToy(toyClient(), true);
    const secure = await startTls({ ...toyClient(), createBuffer: () => buffer }, plain, { serverHostname: 'h' });
    expect(await recvToEnd(secure)).toBe('over reused memory');
    expect(buffer.copies).toBeGreaterThan(0);
    expect(buffer.chunks).toBe(0);
    expect(plain.listenerCount('data')).toBe(0);
    await secure.close(true);
  });

  it('starts reading a socket paused before it ever read', async () => {
    const socket = connect(await toyAnswering('paused at birth'), '127.0.0.1');
    cleanups.push(() => socket.destroy());
    socket.pause();
    await once(socket, 'connect');
    const buffer = new CopyingToy(toyClient(), true);
    const secure = await BufferSocket.open(buffer, socket);
    expect(await recvToEnd(secure)).toBe('paused at birth');
    expect(buffer.chunks).toBe(0);
    await secure.close(true);
  });

  it('stays a stream while it holds unread bytes: they are the first input', async () => {
    const { port } = await rawServer((socket) => socket.end(toyServerBytes('held before the handshake')));
    const plain = await tcp(port);
    plain.pause();
    await once(plain, 'readable');
    expect(plain.readableLength).toBeGreaterThan(0);
    const buffer = new CopyingToy(toyClient(), true);
    const secure = await BufferSocket.open(buffer, plain);
    expect(await recvToEnd(secure)).toBe('held before the handshake');
    expect(buffer.copies).toBe(0);
    await secure.close(true);
  });

  it('stays a stream while someone else listens to its data too', async () => {
    const plain = await tcp(await toyAnswering('heard twice'));
    let heard = 0;
    plain.on('data', (chunk: Buffer) => (heard += chunk.length));
    const buffer = new CopyingToy(toyClient(), true);
    const secure = await BufferSocket.open(buffer, plain);
    expect(await recvToEnd(secure)).toBe('heard twice');
    expect(heard).toBe(toyServerBytes('heard twice').length);
    expect(buffer.copies).toBe(0);
    await secure.close(true);
  });
});

describe('startTls', () => {
  it('upgrades a plain connection through the TLSBuffer when there is no native upgrade', async () => {
    const serverContext = toyServer();
    const accepted = new Promise<BufferSocket>((resolve) => {
      void rawServer(async (socket) => {
        socket.write('220 go ahead\r\n');
        resolve(await BufferSocket.open(serverContext.createBuffer(), socket));
      }).then(({ port }) => portReady(port));
    });
    let portReady!: (port: number) => void;
    const port = await new Promise<number>((resolve) => (portReady = resolve));
    const plain = await tcp(port);
    const [greeting] = (await once(plain, 'data')) as [Buffer];
    expect(greeting.toString()).toBe('220 go ahead\r\n');
    plain.pause();
    const secure = await startTls(toyClient(), plain, { serverHostname: 'mail.example' });
    const server = await accepted;
    await server.send(new TextEncoder().encode('secret'));
    expect(new TextDecoder().decode(await secure.recv(100))).toBe('secret');
    await Promise.all([secure.close(true), server.close(true)]);
  });

  it('refuses bytes received before the handshake (response injection) and destroys the socket', async () => {
    const { port } = await rawServer((socket) => socket.write('220 go ahead\r\nINJECTED'));
    const plain = await tcp(port);
    plain.pause();
    await once(plain, 'readable');
    await expect(startTls(toyClient(), plain, { serverHostname: 'x' })).rejects.toBeInstanceOf(StartTlsInjectionError);
    expect(plain.destroyed).toBe(true);
  });

  it('uses the native upgrade when the context has one', async () => {
    const { port } = await rawServer(() => {});
    const plain = await tcp(port);
    const calls: unknown[] = [];
    const context: ClientContext = {
      ...toyClient(),
      upgrade: async (socket, options) => {
        calls.push([socket, options.serverHostname]);
        return 'native' as never;
      },
    };
    expect(await startTls(context, plain, { serverHostname: 'h' })).toBe('native');
    expect(calls).toEqual([[plain, 'h']]);
  });

  it('requires a server hostname', async () => {
    const { port } = await rawServer(() => {});
    await expect(startTls(toyClient(), await tcp(port), {} as never)).rejects.toThrow(/serverHostname is required/);
  });
});
