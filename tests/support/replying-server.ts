/**
 * A TLS server (node:tls) that answers each line a client sends with what `respond` returns, built
 * on callbacks only: it creates no promises, so a test can count the promises a client makes per
 * operation in the same process (tests/support/promise-count.ts).
 */
import { once } from 'node:events';
import * as tls from 'node:tls';
import { pki } from './fixtures.js';

/** Answers one line (without CRLF): the text to write (may be empty), or `{ last }`: that text, then the end of the connection. */
export type Responder = (line: string) => string | { last: string };

export interface ReplyingServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on an ephemeral port; each connection gets `greeting`, then `connection()`'s responder answers its lines. */
export async function replyingServer(greeting: string, connection: () => Responder): Promise<ReplyingServer> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    const respond = connection();
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let out = '';
      for (let at = pending.indexOf('\r\n'); at >= 0; at = pending.indexOf('\r\n')) {
        const answer = respond(pending.slice(0, at));
        pending = pending.slice(at + 2);
        if (typeof answer !== 'string') {
          socket.end(out + answer.last, 'latin1');
          return;
        }
        out += answer;
      }
      // The answers to what arrived together leave together (a pipelined group's replies).
      if (out.length > 0) socket.write(out, 'latin1');
    });
    socket.write(greeting, 'latin1');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
