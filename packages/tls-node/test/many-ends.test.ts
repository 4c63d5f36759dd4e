/**
 * breaker9 (session 8), tls-node's own client socket (161a4bb): 300 connections whose server ends
 * them all at once (a third with close_notify, a third with a bare FIN, a third with a reset) while
 * each has a recv waiting; and 50 servers that reset during the handshake. Every recv settles
 * (0 bytes, RaggedEOF or a connection error), every connect fails with an Error, and after close
 * no handle is left (process._getActiveHandles back to where it was).
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
import { implementation } from '../src/mod.js';

const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;

it('300 connections ended at once, 50 handshakes reset: every call settles, no handle left', async () => {
  const authority = await createAuthority({ name: 'many ends CA' });
  const leaf = await issueCertificate(authority, { names: ['localhost'] });
  const context = new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(authority.certPem)) }));
  const before = handles();
  const accepted: tls.TLSSocket[] = [];
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const raw = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.resetAndDestroy());
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  try {
    const port = (server.address() as { port: number }).port;
    const clients = [];
    for (let i = 0; i < 300; i++) clients.push(await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }));
    while (accepted.length < 300) await new Promise((resolve) => setImmediate(resolve));
    const reads = clients.map((c) => c.recv(100).then((bytes) => `bytes ${bytes.length}`, (error: Error) => error.constructor.name));
    accepted.forEach((socket, i) => {
      if (i % 3 === 0) socket.end();
      else if (i % 3 === 1) (socket as unknown as { _parent: Socket })._parent.end();
      else (socket as unknown as { _parent: Socket })._parent.resetAndDestroy();
    });
    const outcomes = await Promise.all(reads);
    expect(outcomes.filter((o) => o === 'bytes 0').length).toBeGreaterThanOrEqual(100);
    expect(outcomes.some((o) => o.startsWith('bytes ') && o !== 'bytes 0')).toBe(false);
    await Promise.all(clients.map((c) => c.close(true).catch(() => {})));
    const rawPort = (raw.address() as { port: number }).port;
    const failed = await Promise.all(
      Array.from({ length: 50 }, () => context.connect({ host: '127.0.0.1', port: rawPort }, { serverHostname: 'localhost' }).then(() => 'connected', (error: unknown) => (error instanceof Error ? 'error' : 'not an Error'))),
    );
    expect(failed.every((f) => f === 'error')).toBe(true);
  } finally {
    for (const socket of accepted) socket.destroy();
    server.close();
    raw.close();
    await Promise.all([once(server, 'close'), once(raw, 'close')]);
  }
  // Handles leave in the close phase of the loop turn their close was asked in.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(handles()).toBeLessThanOrEqual(before);
}, 120_000);
