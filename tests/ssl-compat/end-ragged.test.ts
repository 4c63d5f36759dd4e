/**
 * The ssl-compat stream's quiet end on RaggedEOF after end() (TLSSocketStream: after our
 * half-close, a peer that answers and then sends its FIN without close_notify ends the readable
 * side with no 'error'), with node:tls's own socket as the reference: the same events in the same
 * order ('data' with the whole answer, 'finish', 'end', 'close'), no 'error', on every
 * implementation. Also the peer that closes without any answer, and one that answers with its
 * close_notify then FIN (the clean case of end-answer.test.ts) for the order of events.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnect } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

type Connect = (port: number) => Duplex;
const viaNodeTls: Connect = (port) => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root') });
const via = (each: (typeof implementations)[number]): Connect => (port) => createConnect(each)({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root') });

const servers: tls.Server[] = [];
const raws: Socket[] = [];
afterEach(async () => {
  // A server TLS socket whose TCP side we ended stays half-open (allowHalfOpen): drop it.
  raws.splice(0).forEach((raw) => raw.destroy());
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

type Ending = 'answer then FIN alone' | 'FIN alone, no answer' | 'answer then close_notify';

/** A node:tls server that, after our close_notify, ends as `ending` says. */
async function server(ending: Ending): Promise<number> {
  const created = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt'), allowHalfOpen: true });
  created.on('connection', (raw: Socket) => {
    raws.push(raw);
    raw.on('error', () => {});
  });
  created.on('secureConnection', (peer) => {
    const raw = raws.at(-1)!;
    peer.on('error', () => {});
    peer.resume();
    peer.once('end', () => {
      if (ending === 'answer then close_notify') peer.end('the answer');
      else if (ending === 'answer then FIN alone') peer.write('the answer', () => raw.end());
      else raw.end();
    });
  });
  created.listen(0, '127.0.0.1');
  await once(created, 'listening');
  servers.push(created);
  return (created.address() as { port: number }).port;
}

/** The events `connect`'s socket emits from end('request') to 'close', in order (data joined). */
async function eventsOf(connect: Connect, port: number): Promise<string[]> {
  const socket = connect(port);
  const events: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    if (events.at(-1)?.startsWith('data ')) events[events.length - 1] += chunk.toString();
    else events.push(`data ${chunk.toString()}`);
  });
  for (const name of ['finish', 'end', 'close']) socket.on(name, () => events.push(name));
  socket.on('error', (error: Error) => events.push(`error ${error.message}`));
  await once(socket, 'secureConnect');
  socket.end('request');
  await once(socket, 'close');
  return events;
}

describe.each<Ending>(['answer then FIN alone', 'FIN alone, no answer', 'answer then close_notify'])('after end(), a server that sends %s', (ending) => {
  it('node:tls (the reference): finish, the answer, end, close; no error', async () => {
    const events = await eventsOf(viaNodeTls, await server(ending));
    expect(events).toEqual(['finish', ...(ending === 'FIN alone, no answer' ? [] : ['data the answer']), 'end', 'close']);
  });

  it.each(implementations.map((each) => [each.name, each] as const))('%s: the same events in the same order as node:tls', async (_name, implementation) => {
    const reference = await eventsOf(viaNodeTls, await server(ending));
    const events = await eventsOf(via(implementation), await server(ending));
    expect(events).toEqual(reference);
  });
});
