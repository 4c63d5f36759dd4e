/**
 * HTTPResponse.read()/readinto() called again while a read waits (breaker6): the reads are served
 * one at a time in call order, as the async iterator serves next(). Before, the second read was a
 * second recv on the connection: since the one-recv rule (87c7cfa) it rejected with
 * CONCURRENT_RECV, the exchange failed and both reads rejected with IncompleteRead "the response
 * body is truncated" (0 of 6 bytes) although the server sent the whole body.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HTTPConnection, HTTPSConnection, type HTTPResponse } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';

/** Three reads and a readinto started at once, before the body arrives; then the body is sent. */
async function readAtOnce(response: HTTPResponse, sendBody: () => void): Promise<string[]> {
  const into = new Uint8Array(2);
  const reads = [response.read(3), response.read(3), response.readinto(into).then((n) => Buffer.from(into.subarray(0, n))), response.read()];
  sendBody();
  return (await Promise.all(reads)).map((bytes) => Buffer.from(bytes).toString('latin1'));
}

describe('reads of one response made at once are served in call order', () => {
  it.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection on %s', async (_name, implementation) => {
    let sendBody!: () => void;
    const bodyWanted = new Promise<void>((resolve) => (sendBody = resolve));
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write(HEAD);
      await bodyWanted;
      await c.write('abcdefghij');
      await c.closeNotify();
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    expect(await readAtOnce(response, sendBody)).toEqual(['abc', 'def', 'gh', 'ij']);
    expect(Buffer.from(await response.read()).length).toBe(0);
  });

  it('HTTPConnection (plain TCP)', async () => {
    const sockets: Socket[] = [];
    let client!: Socket;
    const server = createServer((socket) => {
      sockets.push(socket);
      client = socket;
      socket.once('data', () => socket.write(HEAD));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as { port: number }).port;
      await using connection = new HTTPConnection('127.0.0.1', { port });
      connection.request('GET', '/');
      const response = await connection.getresponse();
      expect(await readAtOnce(response, () => client.end('abcdefghij'))).toEqual(['abc', 'def', 'gh', 'ij']);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    }
  });
});
