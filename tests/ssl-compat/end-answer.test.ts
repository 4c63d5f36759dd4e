/**
 * ssl-compat's `end()` is node:tls's: a write-side half-close. A client that ends its request
 * still gets the server's answer, sent after our close_notify arrived, then 'end' and 'close',
 * with no 'error', on every implementation as on node:tls (breaker6's regression: the readable
 * side ended at once with nothing, since end() closed the socket). TLSSocketStream._final uses the
 * socket's shutdown() (tests/conformance/half-close.test.ts).
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { expect, it } from 'vitest';
import { createConnect } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

type Connect = (port: number) => Duplex;
const viaNodeTls: Connect = (port) => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root') });
const via = (each: (typeof implementations)[number]): Connect => (port) => createConnect(each)({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root') });
const cases: Array<[string, Connect]> = [['node:tls', viaNodeTls], ...implementations.map((each): [string, Connect] => [each.name, via(each)])];

it.each(cases)('end(request) then reads the answer: %s', async (_name, connect) => {
  let request = '';
  const server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt'), allowHalfOpen: true }, (peer) => {
    peer.on('error', () => {});
    peer.on('data', (chunk: Buffer) => (request += chunk.toString()));
    // Answers once our close_notify arrived: the answer crosses nothing, it follows our end.
    peer.once('end', () => peer.end('the answer'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = connect((server.address() as { port: number }).port);
    const events: string[] = [];
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', (error: Error) => events.push(`error ${error.message}`));
    socket.on('end', () => events.push('end'));
    await once(socket, 'secureConnect');
    socket.end('request');
    await once(socket, 'close');
    expect(request).toBe('request');
    expect(data).toBe('the answer');
    expect(events).toEqual(['end']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
