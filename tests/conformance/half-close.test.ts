/**
 * TLSSocket.shutdown(), the write-side half-close (RFC 8446 §6.1: close_notify closes only the
 * sender's direction), on every implementation against independent peers:
 * - node:tls and openssl s_server (TLS 1.2 and 1.3) answer after our close_notify arrived: recv
 *   returns that answer, then an empty array at the peer's close_notify;
 * - a peer that answers with data and its FIN alone (no close_notify): RaggedEOF after the data;
 * - send after shutdown() rejects with TLSError and writes nothing.
 * Without shutdown() (close() alone) the answer is not returned: recv-and-close.test.ts.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { RaggedEOF, TLSError, TLSVersion, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';
import { sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * A node:tls server that, once the client's close_notify arrived ('end'), answers with what it
 * received, then ends: with its close_notify (`clean`), or with a bare FIN on its TCP socket.
 * `received` resolves with every byte the server got.
 */
async function nodeTlsServer(version: 'TLSv1.2' | 'TLSv1.3', clean: boolean): Promise<{ port: number; received: Promise<string> }> {
  let gotAll!: (text: string) => void;
  const received = new Promise<string>((resolve) => (gotAll = resolve));
  const server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt'), minVersion: version, maxVersion: version, allowHalfOpen: true });
  const raws: Socket[] = [];
  server.on('connection', (raw: Socket) => {
    raws.push(raw);
    raw.on('error', () => {});
  });
  server.on('secureConnection', (peer) => {
    const raw = raws.at(-1)!;
    peer.on('error', () => {});
    let text = '';
    peer.on('data', (chunk: Buffer) => (text += chunk.toString()));
    peer.once('end', () => {
      gotAll(text);
      if (clean) peer.end(`answer to ${text}`);
      else peer.write(`answer to ${text}`, () => raw.end());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    raws.forEach((raw) => raw.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port, received };
}

async function connect(implementation: TLSImplementation, port: number, highest: TLSVersion): Promise<TLSSocket> {
  const socket = await new implementation.clientContext(clientConfig({ highestSupportedVersion: highest })).connect({ host: 'localhost', port });
  closers.push(() => socket.close(true));
  return socket;
}

/** Everything recv returns until the peer's close_notify (an empty array). */
async function recvAll(socket: TLSSocket): Promise<string> {
  let text = '';
  for (let chunk = await socket.recv(4096); chunk.length > 0; chunk = await socket.recv(4096)) text += Buffer.from(chunk).toString();
  return text;
}

const versions = [
  ['TLSv1.2', TLSVersion.TLSv1_2],
  ['TLSv1.3', TLSVersion.TLSv1_3],
] as const;

describe.each(implementations.map((each) => [each.name, each] as const))('shutdown() (%s client)', (_, implementation) => {
  it.each(versions)('reads the answer node:tls sends after our close_notify, then its close_notify (%s)', async (version, highest) => {
    const { port, received } = await nodeTlsServer(version, true);
    const socket = await connect(implementation, port, highest);
    expect(socket.negotiatedTlsVersion).toBe(highest);
    await sendText(socket, 'request');
    await socket.shutdown!();
    expect(await recvAll(socket)).toBe('answer to request');
    expect(await received).toBe('request');
    await socket.close();
  });

  it.each(versions)('reads the answer openssl s_server -rev sends after our close_notify (%s)', async (version) => {
    const server: OpenSSLServer = await startServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-rev', version === 'TLSv1.2' ? '-tls1_2' : '-tls1_3']);
    closers.push(() => server.close());
    const socket = await connect(implementation, server.port, version === 'TLSv1.2' ? TLSVersion.TLSv1_2 : TLSVersion.TLSv1_3);
    // One flight: the request and our close_notify; s_server reverses the line, then reads ours.
    await Promise.all([sendText(socket, 'request\n'), socket.shutdown!()]);
    expect(await recvAll(socket)).toContain('tseuqer');
    await socket.close();
  });

  it('reports RaggedEOF after the answer when the peer ends with a FIN alone', async () => {
    const { port } = await nodeTlsServer('TLSv1.3', false);
    const socket = await connect(implementation, port, TLSVersion.TLSv1_3);
    await sendText(socket, 'request');
    await socket.shutdown!();
    let text = '';
    const ended = await (async () => {
      for (;;) {
        const chunk = await socket.recv(4096);
        if (chunk.length === 0) return 'clean end';
        text += Buffer.from(chunk).toString();
      }
    })().catch((error: unknown) => error);
    expect(text).toBe('answer to request');
    expect(ended).toBeInstanceOf(RaggedEOF);
    await socket.close();
  });

  it('rejects send after shutdown() and writes nothing', async () => {
    const { port, received } = await nodeTlsServer('TLSv1.3', true);
    const socket = await connect(implementation, port, TLSVersion.TLSv1_3);
    await sendText(socket, 'request');
    const shut = socket.shutdown!();
    const late = socket.send(Buffer.from('too late'));
    await expect(late).rejects.toBeInstanceOf(TLSError);
    await expect(late).rejects.toThrow(/shutdown/);
    await shut;
    await socket.shutdown!(); // again: nothing more
    expect(await recvAll(socket)).toBe('answer to request');
    expect(await received).toBe('request');
    await socket.close();
  });
});
