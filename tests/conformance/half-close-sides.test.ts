/**
 * TLSSocket.shutdown() where half-close.test.ts did not look (session 6 left them untested):
 * - a client started with startTls over a JavaScript Duplex (tls-node's shutdown() then ends a
 *   JS transport, not a node:net socket): the peer reads the request, then close_notify; its
 *   answer still arrives, then its close_notify;
 * - a server socket's shutdown() (each implementation's accepted socket): against a node:tls
 *   client (allowHalfOpen) that answers after our close_notify, and against the same
 *   implementation's client.
 */
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startTls, TLSError, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { jsTransport, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Everything recv returns until the peer's close_notify (an empty array). */
async function recvAll(socket: TLSSocket): Promise<string> {
  let text = '';
  for (let chunk = await socket.recv(4096); chunk.length > 0; chunk = await socket.recv(4096)) text += Buffer.from(chunk).toString();
  return text;
}

async function listen(implementation: TLSImplementation): Promise<TLSSocket> {
  const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
  closers.push(() => listener.close());
  return listener;
}

describe.each(implementations.map((each) => [each.name, each] as const))('shutdown() beyond a client on node:net (%s)', (_, implementation) => {
  it('a client over a JavaScript Duplex (startTls): the server reads request then close_notify, and its answer still arrives', async () => {
    const listener = await listen(implementation);
    const tcp = netConnect({ host: '127.0.0.1', port: listener.getsockname()!.port, allowHalfOpen: true });
    await once(tcp, 'connect');
    const [client, [server]] = await Promise.all([
      startTls(new implementation.clientContext(clientConfig()), jsTransport(tcp), { serverHostname: 'localhost' }),
      listener.accept(),
    ]);
    closers.push(() => Promise.all([client.close(true), server.close(true)]).then(() => undefined));
    await sendText(client, 'request');
    await client.shutdown!();
    await expect(client.send(new TextEncoder().encode('late'))).rejects.toBeInstanceOf(TLSError);
    expect(await recvAll(server)).toBe('request');
    // A 200 KiB answer: more than one record and more than the transport's buffers.
    const answer = 'a'.repeat(200 * 1024);
    await sendText(server, answer);
    await server.close();
    expect(await recvAll(client)).toBe(answer);
    await client.close();
  });

  it("a server's shutdown(): a node:tls client reads the data then the end, and its answer reaches the server", async () => {
    const listener = await listen(implementation);
    const port = listener.getsockname()!.port;
    // allowHalfOpen: node:tls passes it on at run time; @types/node's ConnectionOptions omits it.
    const options: tls.ConnectionOptions & { allowHalfOpen: boolean } = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root'), allowHalfOpen: true };
    const peer = tls.connect(options);
    peer.on('error', () => {});
    closers.push(async () => void peer.destroy());
    const [[server]] = await Promise.all([listener.accept(), once(peer, 'secureConnect')]);
    closers.push(() => server.close(true));
    let got = '';
    peer.on('data', (chunk: Buffer) => (got += chunk.toString()));
    peer.once('end', () => peer.end(`answer to ${got}`));
    await sendText(server, 'greeting');
    await server.shutdown!();
    await expect(server.send(new TextEncoder().encode('late'))).rejects.toBeInstanceOf(TLSError);
    expect(await recvAll(server)).toBe('answer to greeting');
    await server.close();
    await once(peer, 'close');
    expect(got).toBe('greeting');
  });

  it("a server's shutdown() against the same implementation's client, both directions' data intact", async () => {
    const listener = await listen(implementation);
    const port = listener.getsockname()!.port;
    const [client, [server]] = await Promise.all([new implementation.clientContext(clientConfig()).connect({ host: 'localhost', port }), listener.accept()]);
    closers.push(() => Promise.all([client.close(true), server.close(true)]).then(() => undefined));
    const greeting = 'g'.repeat(100 * 1024);
    await Promise.all([sendText(server, greeting).then(() => server.shutdown!()), sendText(client, 'early')]);
    expect(await recvAll(client)).toBe(greeting);
    await sendText(client, ' and late');
    await client.close();
    expect(await recvAll(server)).toBe('early and late');
    await server.close();
  });
});
