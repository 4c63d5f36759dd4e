/**
 * ClientConnection.recvInto (issue #16 item 2) on the channels it serves: over TLS (tls-node's
 * recvInto; tls-openssl's is tested in its package and the conformance suite) the bytes sent, at
 * memory[0, n), 0 at close_notify, nothing past n touched; a channel that cannot receive into
 * memory (plain TCP, a TLS socket without the optional recvInto) says so (receivesInto false) and
 * refuses with the usage error; a memory that is not a non-empty Uint8Array is the usage error,
 * reads nothing and leaves the connection open; the operation's deadline ends a waiting recvInto
 * as it ends a recv, and closes.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
import { implementation } from '@unitls/tls-node';
import { ClientConnection, ClientUsageError, clientErrors } from '../src/mod.js';

const DATA = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 11 + (i >> 8)) & 0xff));

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listening(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** A server that writes `data` to each connection, then ends it (close_notify under TLS). */
function sender(socket: Socket, data: Uint8Array): void {
  sockets.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
  socket.end(data);
}

const root = await createAuthority({ name: 'kit recvInto root' });
const leaf = await issueCertificate(root, { names: ['localhost'] });
const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(root.certPem)) });

const connection = (extra: Partial<ConstructorParameters<typeof ClientConnection>[0]> = {}) =>
  new ClientConnection({ client: {}, errors: clientErrors, serverHostname: 'localhost', context: () => new implementation.clientContext(configuration), ...extra });

/** A TLS connection to a server sending `data`. */
async function tlsConnection(data: Uint8Array, extra: Partial<ConstructorParameters<typeof ClientConnection>[0]> = {}): Promise<ClientConnection> {
  const port = await listening(createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => sender(socket, data)));
  const c = connection(extra);
  await c.open('127.0.0.1', port, 'implicit');
  return c;
}

describe('ClientConnection.recvInto', () => {
  it('reads a TLS connection (tls-node) into one reused memory: the bytes sent, nothing past n, 0 at close_notify', async () => {
    const c = await tlsConnection(DATA);
    expect(c.receivesInto).toBe(true);
    const memory = new Uint8Array(10_000);
    const parts: Buffer[] = [];
    for (;;) {
      memory.fill(0xaa);
      const count = await c.recvInto(memory);
      if (count === 0) break;
      expect(count).toBeLessThanOrEqual(memory.length);
      parts.push(Buffer.from(memory.subarray(0, count)));
      expect(memory.subarray(count).every((byte) => byte === 0xaa)).toBe(true);
    }
    expect(Buffer.concat(parts).equals(DATA)).toBe(true);
    await c.close();
  });

  it('a plain connection and a TLS socket without recvInto cannot receive into memory: the usage error, nothing read', async () => {
    const port = await listening(createServer((socket) => sender(socket, Buffer.from('kept'))));
    const plain = connection();
    await plain.open('127.0.0.1', port, 'plaintext');
    expect(plain.receivesInto).toBe(false);
    await expect(plain.recvInto(new Uint8Array(10))).rejects.toBeInstanceOf(ClientUsageError);
    expect(plain.connected).toBe(true);
    expect(Buffer.from(await plain.recv()).toString()).toBe('kept');
    await plain.close();

    const socket = { recv: async () => new Uint8Array(0), send: async (bytes: Uint8Array) => bytes.length, close: async () => {} };
    const bare = connection({ context: () => ({ connect: async () => socket }) as never });
    await bare.open('127.0.0.1', 995, 'implicit');
    expect(bare.receivesInto).toBe(false);
    await expect(bare.recvInto(new Uint8Array(10))).rejects.toBeInstanceOf(ClientUsageError);
    await bare.close();
  });

  it('refuses an empty memory or a non-Uint8Array with the usage error, reading nothing and staying open', async () => {
    const c = await tlsConnection(Buffer.from('kept'));
    for (const bad of [new Uint8Array(0), null, 'text', new ArrayBuffer(4)]) {
      await expect(c.recvInto(bad as never)).rejects.toBeInstanceOf(ClientUsageError);
    }
    expect(c.connected).toBe(true);
    const memory = new Uint8Array(10);
    expect(await c.recvInto(memory)).toBe(4);
    expect(Buffer.from(memory.subarray(0, 4)).toString()).toBe('kept');
    await c.close();
  });

  it('is ended by the operation’s deadline like recv (TimeoutError), and the connection closes', async () => {
    const port = await listening(createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => void sockets.add(socket)));
    const c = connection({ timeout: 500 });
    await c.open('127.0.0.1', port, 'implicit');
    await expect(c.run(() => c.recvInto(new Uint8Array(100)))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(c.connected).toBe(false);
  });
});
