/**
 * The peer resets the TCP connection (RST): before the handshake finished, before a recv, before a
 * send. And the FIN (no reset) during the handshake, on the client and on the server side. One shape on every implementation: a TransportError (a TLSError, code
 * UNITLS_TRANSPORT) whose `cause` is the system error, with its `systemCode` (ECONNRESET, or EPIPE
 * for a write into the reset connection), `errno` and `syscall` kept.
 *
 * Before: tls-openssl and tls-pure (BufferSocket) rejected recv and the handshake with Node's plain
 * `Error: read ECONNRESET` (not a TLSError), and a send with a TLSError without the system error;
 * tls-node raised a plain TLSError.
 *
 * The reset comes from a TCP relay in front of the implementation's own listener: the relay's
 * client-side socket is reset (`resetAndDestroy`) at the chosen moment.
 */
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TLSError, TransportError, WantReadError, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as openssl } from '@unitls/tls-openssl';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

/** A relay to `port`; `client` resolves with its socket towards the client. */
interface Relay {
  port: number;
  client: Promise<Socket>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP relay to 127.0.0.1:`port`, or (port null) a server that only accepts and holds. */
async function relayTo(port: number | null): Promise<Relay> {
  const sockets: Socket[] = [];
  let accepted!: (socket: Socket) => void;
  const client = new Promise<Socket>((resolve) => (accepted = resolve));
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    if (port !== null) {
      const upstream = netConnect({ host: '127.0.0.1', port });
      sockets.push(upstream);
      upstream.on('error', () => {});
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
    }
    accepted(socket);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relay = {
    port: (server.address() as { port: number }).port,
    client,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  cleanups.push(relay.close);
  return relay;
}

/** A client connected through a relay to a listener of `implementation`, and the server's socket. */
async function connectedThroughRelay(implementation: TLSImplementation): Promise<{ client: TLSSocket; relay: Relay }> {
  const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => listener.close());
  const relay = await relayTo(listener.getsockname()!.port);
  const [client, [server]] = await Promise.all([
    new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port: relay.port }, { serverHostname: 'localhost' }),
    listener.accept(),
  ]);
  cleanups.push(() => server.close(true), () => client.close(true));
  return { client, relay };
}

/**
 * A client of `implementation` connecting to a server that only holds the connection, once the
 * ClientHello's record header has arrived (the handshake is under way): `settled` is connect()'s
 * error (or an Error if it resolved).
 */
async function handshakeUnderway(implementation: TLSImplementation): Promise<{ relay: Relay; socket: Socket; settled: Promise<unknown> }> {
  const relay = await relayTo(null);
  const connecting = new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port: relay.port }, { serverHostname: 'localhost' });
  const settled = connecting.then(
    (socket) => {
      cleanups.push(() => socket.close(true));
      return new Error('connect resolved');
    },
    (e: unknown) => e,
  );
  const socket = await relay.client;
  while (socket.readableLength < 5) await once(socket, 'readable');
  return { relay, socket, settled };
}

/** Resets the relay's connection to the client. */
async function reset(relay: Relay): Promise<void> {
  const socket = await relay.client;
  socket.unpipe();
  socket.resetAndDestroy();
  await once(socket, 'close');
}

/** What every implementation says when the peer closes (FIN) during the handshake. */
const FIN_DURING_HANDSHAKE = 'the connection closed during the TLS handshake';

function expectTransportError(error: unknown, systemCodes: readonly string[]): void {
  expect(error, String(error)).toBeInstanceOf(TransportError);
  expect(error).toBeInstanceOf(TLSError);
  const typed = error as TransportError;
  expect(typed.code).toBe('UNITLS_TRANSPORT');
  expect(systemCodes).toContain(typed.systemCode);
  expect(typed.cause).toBeInstanceOf(Error);
  expect((typed.cause as { code?: string }).code).toBe(typed.systemCode);
  expect(typeof typed.errno).toBe('number');
  expect(typed.message).toContain(typed.systemCode!);
}

describe.each(implementations)('$name: the peer resets the TCP connection', (implementation: TLSImplementation) => {
  it('recv after the reset rejects with a TransportError (ECONNRESET)', async () => {
    const { client, relay } = await connectedThroughRelay(implementation);
    await reset(relay);
    const error = await client.recv(100).then(
      (data) => new Error(`recv resolved with ${data.length} bytes`),
      (e: unknown) => e,
    );
    expectTransportError(error, ['ECONNRESET']);
    expect((error as TransportError).syscall).toBe('read');
  });

  it('send after the reset rejects with a TransportError (ECONNRESET or EPIPE)', async () => {
    const { client, relay } = await connectedThroughRelay(implementation);
    await reset(relay);
    // The first sends may still be taken by the kernel before the reset is seen; one fails.
    let error: unknown = null;
    for (let round = 0; round < 200 && error === null; round++) {
      error = await client.send(new Uint8Array(16 * 1024)).then(
        () => null,
        (e: unknown) => e,
      );
    }
    expectTransportError(error, ['ECONNRESET', 'EPIPE']);
  });

  it('a reset during the handshake rejects connect() with a TransportError (ECONNRESET)', async () => {
    const { relay, settled } = await handshakeUnderway(implementation);
    await reset(relay);
    expectTransportError(await settled, ['ECONNRESET']);
  });

  it('a FIN (no reset) during the handshake rejects connect() with a plain TLSError, the same text everywhere', async () => {
    const { socket, settled } = await handshakeUnderway(implementation);
    socket.end();
    const error = await settled;
    expect(error, String(error)).toBeInstanceOf(TLSError);
    expect(error).not.toBeInstanceOf(TransportError);
    expect((error as TLSError).code).toBe('UNITLS_TLS_ERROR');
    // tls-node said "the peer closed the connection during the TLS handshake (ECONNRESET)", which
    // reads as a reset (a TransportError's code) though none happened.
    expect((error as TLSError).message).toBe(FIN_DURING_HANDSHAKE);
  });
});

/** A real ClientHello (TLS 1.3 and 1.2 offered), from a tls-openssl client buffer. */
function clientHello(): Uint8Array {
  const buffer = new openssl.clientContext(clientConfig()).createBuffer('localhost');
  expect(() => buffer.doHandshake()).toThrow(WantReadError);
  return buffer.processOutgoing(buffer.outgoingBytesBuffered());
}

describe.each(implementations)('$name: the client closes (FIN) during the server’s handshake', (implementation: TLSImplementation) => {
  // tls-node's server said "the client closed the connection during the TLS handshake", the others
  // the client side's text; a FIN says the connection closed, not who closed it.
  it.each([
    ['before sending anything', () => new Uint8Array(0)],
    ['after half a ClientHello record', () => clientHello().subarray(0, 40)],
    ['after its ClientHello', clientHello],
  ] as const)('%s: accept() rejects with a plain TLSError, the client side’s text', async (_, sent) => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => listener.close());
    const accepted = listener.accept().then(
      ([socket]) => {
        cleanups.push(() => socket.close(true));
        return new Error('accept resolved');
      },
      (e: unknown) => e,
    );
    const client = netConnect({ host: '127.0.0.1', port: listener.getsockname()!.port });
    client.on('error', () => {});
    cleanups.push(async () => void client.destroy());
    await once(client, 'connect');
    const bytes = sent();
    if (bytes.length > 0) client.write(bytes);
    client.end();
    const error = await accepted;
    expect(error, String(error)).toBeInstanceOf(TLSError);
    expect(error).not.toBeInstanceOf(TransportError);
    expect((error as TLSError).code).toBe('UNITLS_TLS_ERROR');
    expect((error as TLSError).message).toBe(FIN_DURING_HANDSHAKE);
  });
});
