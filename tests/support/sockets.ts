import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { startTls, type ClientConnectOptions, type TLSClientConfiguration, type TLSImplementation, type TLSServerConfiguration, type TLSSocket } from '@unitls/tls-core';

const text = new TextEncoder();

/** A listening server of `implementation` plus a client; returns both connected ends and a cleanup. */
export async function connectPair(
  implementation: TLSImplementation,
  server: TLSServerConfiguration,
  client: TLSClientConfiguration,
  options: ClientConnectOptions & { host?: string } = {},
): Promise<{ client: TLSSocket; server: TLSSocket; listener: TLSSocket; close: () => Promise<void> }> {
  const listener = await new implementation.serverContext(server).connect({ host: '127.0.0.1', port: 0 });
  const port = listener.getsockname()!.port;
  const { host = 'localhost', ...connectOptions } = options;
  return pairOn(listener, () => new implementation.clientContext(client).connect({ host, port }, connectOptions));
}

/**
 * The client `connectClient` makes and the connection `listener` accepts for it, with a cleanup
 * that closes both and the listener; the listener is closed when either side fails.
 */
async function pairOn(listener: TLSSocket, connectClient: () => Promise<TLSSocket>): Promise<{ client: TLSSocket; server: TLSSocket; listener: TLSSocket; close: () => Promise<void> }> {
  try {
    const [clientSocket, [serverSocket]] = await Promise.all([connectClient(), listener.accept()]);
    return {
      client: clientSocket,
      server: serverSocket,
      listener,
      close: async () => {
        await Promise.all([clientSocket.close(true), serverSocket.close(true)]);
        await listener.close();
      },
    };
  } catch (error) {
    await listener.close();
    throw error;
  }
}

/**
 * Connects a client to a fresh listener where the handshake is expected to fail; returns both
 * sides' outcomes (an Error, or the connected socket).
 */
export async function failingPair(
  implementation: TLSImplementation,
  server: TLSServerConfiguration,
  client: TLSClientConfiguration,
  options: ClientConnectOptions & { host?: string } = {},
): Promise<{ client: unknown; server: unknown }> {
  const listener = await new implementation.serverContext(server).connect({ host: '127.0.0.1', port: 0 });
  const port = listener.getsockname()!.port;
  const { host = 'localhost', ...connectOptions } = options;
  const settle = (promise: Promise<unknown>) => promise.then((value) => value, (error: unknown) => error);
  const [clientResult, serverResult] = await Promise.all([
    settle(new implementation.clientContext(client).connect({ host, port }, connectOptions)),
    settle(listener.accept().then(([socket]) => socket)),
  ]);
  for (const result of [clientResult, serverResult]) {
    if (result !== null && typeof result === 'object' && 'close' in result) await (result as TLSSocket).close(true);
  }
  await listener.close();
  return { client: clientResult, server: serverResult };
}

export async function sendText(socket: TLSSocket, value: string): Promise<void> {
  await socket.send(text.encode(value));
}

/** Reads until `count` bytes arrived or EOF. */
export async function recvExactly(socket: TLSSocket, count: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < count) {
    const chunk = await socket.recv(count - total);
    if (chunk.length === 0) break;
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts).toString();
}

/** Reads until `pattern` matches what arrived, or EOF. */
export async function recvUntil(socket: TLSSocket, pattern: RegExp): Promise<string> {
  let received = '';
  while (!pattern.test(received)) {
    const chunk = await socket.recv(4096);
    if (chunk.length === 0) break;
    received += Buffer.from(chunk).toString();
  }
  return received;
}

/**
 * A plain JavaScript Duplex over a TCP socket (as a tunnel or a proxy would hand over): no native
 * handle below TLS. With `pieces`, each chunk the network delivered is handed on cut into pieces of
 * those sizes in turn (each a separate push, so a separate chunk): reads that end anywhere in a
 * record or its header.
 */
export function jsTransport(tcp: Socket, pieces?: readonly number[]): Duplex {
  let turn = 0;
  const duplex = new Duplex({
    allowHalfOpen: true,
    read: () => void tcp.resume(),
    write: (chunk: Buffer, _encoding, callback) => void tcp.write(chunk, callback),
    final: (callback) => {
      tcp.end();
      callback();
    },
    destroy: (error, callback) => {
      tcp.destroy();
      callback(error);
    },
  });
  tcp.on('data', (chunk: Buffer) => {
    if (pieces === undefined || pieces.length === 0) {
      if (!duplex.push(chunk)) tcp.pause();
      return;
    }
    let more = true;
    for (let start = 0; start < chunk.length; ) {
      const end = Math.min(chunk.length, start + pieces[turn++ % pieces.length]!);
      more = duplex.push(chunk.subarray(start, end));
      start = end;
    }
    if (!more) tcp.pause();
  });
  tcp.on('end', () => duplex.push(null));
  tcp.on('error', (error) => duplex.destroy(error));
  return duplex;
}

/**
 * A listening server of `implementation` plus a client connected through startTls over a
 * JavaScript Duplex (no node:net socket under TLS: tls-core's pulled reads), to `localhost`.
 */
export async function connectPairOverDuplex(
  implementation: TLSImplementation,
  server: TLSServerConfiguration,
  client: TLSClientConfiguration,
): Promise<{ client: TLSSocket; server: TLSSocket; close: () => Promise<void> }> {
  const listener = await new implementation.serverContext(server).connect({ host: '127.0.0.1', port: 0 });
  return pairOn(listener, async () => {
    const tcp = netConnect({ host: '127.0.0.1', port: listener.getsockname()!.port, allowHalfOpen: true });
    await once(tcp, 'connect');
    return startTls(new implementation.clientContext(client), jsTransport(tcp), { serverHostname: 'localhost' });
  });
}

/** Lets the event loop run what is already due (promise jobs, I/O callbacks), without waiting on time. */
export async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}
