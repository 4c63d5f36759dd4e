/**
 * A status code below 100 (found by breaker12): "HTTP/1.1 099 Weird" was returned as a response
 * with status 99, and its connection kept for the next request. RFC 9110 §15 defines 100 to 599;
 * http.client raises BadStatusLine below 100. Now it is refused as outside the accepted grammar
 * (code UNITLS_HTTP_UNSUPPORTED_RESPONSE: llhttp itself takes it), and the connection is closed.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { HTTPConnection, HTTPException } from '@unitls/http';

const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  let head = '';
  socket.on('data', (chunk: Buffer) => {
    head += chunk.toString('latin1');
    while (head.includes('\r\n\r\n')) {
      const path = head.split(' ')[1];
      head = head.slice(head.indexOf('\r\n\r\n') + 4);
      socket.write(path === '/weird' ? 'HTTP/1.1 099 Weird\r\nContent-Length: 2\r\n\r\nok' : 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
    }
  });
});
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  if (server.listening) await new Promise((resolve) => server.close(resolve));
});

it('HTTP/1.1 099: an HTTPException (UNITLS_HTTP_UNSUPPORTED_RESPONSE); the next request goes on a new connection', async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let connections = 0;
  server.on('connection', () => connections++);
  await using connection = new HTTPConnection('127.0.0.1', { port: (server.address() as { port: number }).port });
  connection.request('GET', '/weird');
  const error = await connection.getresponse().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HTTPException);
  expect(error).toMatchObject({ code: 'UNITLS_HTTP_UNSUPPORTED_RESPONSE', message: expect.stringContaining('HTTP/1.1 099 Weird') });
  connection.request('GET', '/next');
  const response = await connection.getresponse();
  expect([response.status, Buffer.from(await response.read()).toString()]).toEqual([200, 'next']);
  expect(connections).toBe(2);
});
