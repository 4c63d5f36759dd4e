/**
 * HTTPResponse.read()/readinto() called again while a read waits (breaker6): the reads are served
 * one at a time in call order, as the async iterator serves next(). Before, the second read was a
 * second recv on the connection: since the one-recv rule (87c7cfa) it rejected with
 * CONCURRENT_RECV, the exchange failed and both reads rejected with IncompleteRead "the response
 * body is truncated" (0 of 6 bytes) although the server sent the whole body.
 */
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HTTPConnection, HTTPSConnection, type HTTPResponse } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { originHoldingBody } from './scripted-origin.js';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A plain HTTP server answering each request with `head` then, once `body()` is called, the body. */
async function plainServer(head: string) {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => socket.write(head));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    body: (bytes: string | Buffer) => sockets.at(-1)!.end(bytes),
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Three reads and a readinto started at once, before the body arrives; then the body is sent. */
async function readAtOnce(response: HTTPResponse, sendBody: () => void): Promise<string[]> {
  const into = new Uint8Array(2);
  const reads = [response.read(3), response.read(3), response.readinto(into).then((n) => Buffer.from(into.subarray(0, n))), response.read()];
  sendBody();
  return (await Promise.all(reads)).map((bytes) => Buffer.from(bytes).toString('latin1'));
}

describe('reads of one response made at once are served in call order', () => {
  it.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection on %s', async (_name, implementation) => {
    const origin = await originHoldingBody(HEAD, 'abcdefghij');
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    expect(await readAtOnce(response, origin.sendBody)).toEqual(['abc', 'def', 'gh', 'ij']);
    expect(Buffer.from(await response.read()).length).toBe(0);
  });

  it('HTTPConnection (plain TCP)', async () => {
    const server = await plainServer(HEAD);
    try {
      await using connection = new HTTPConnection('127.0.0.1', { port: server.port });
      connection.request('GET', '/');
      const response = await connection.getresponse();
      expect(await readAtOnce(response, () => server.body('abcdefghij'))).toEqual(['abc', 'def', 'gh', 'ij']);
    } finally {
      await server.close();
    }
  });

  it('a body read whole is not kept by the response once the read settled', async () => {
    const size = 1024 * 1024;
    const server = await plainServer(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
    try {
      await using connection = new HTTPConnection('127.0.0.1', { port: server.port });
      connection.request('GET', '/');
      const response = await connection.getresponse();
      // In a function of its own: no promise or chunk of this test holds the body afterwards.
      const readWhole = async () => {
        const reading = response.read();
        server.body(Buffer.alloc(size, 0x61));
        const whole = await reading;
        expect(whole.length).toBe(size);
        return new WeakRef(whole);
      };
      const body = await readWhole();
      await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets stay alive until the job ends
      gc();
      expect(body.deref()).toBeUndefined();
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
