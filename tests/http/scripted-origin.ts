/**
 * A scripted HTTPS origin for hostile-server tests: node:tls runs the TLS, but over a JavaScript
 * pipe to the TCP socket, so the script decides exactly how the connection ends — a TCP FIN with
 * no close_notify (`fin`), close_notify then FIN (`closeNotify`), or a reset (`reset`) — and sends
 * exactly the bytes it is given.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { afterEach } from 'vitest';
import { pki } from '../support/fixtures.js';

export interface OriginConnection {
  /** The TLS socket (node:tls, server side). */
  readonly tls: tls.TLSSocket;
  /** The request head the client sent (up to and including the blank line), as latin1. */
  head(): Promise<string>;
  /** Writes `bytes` through TLS and resolves once they reached the TCP socket. */
  write(bytes: string | Uint8Array): Promise<void>;
  /** Ends the TCP connection with a FIN and no close_notify (a truncation, or a careless server). */
  fin(): Promise<void>;
  /** Sends close_notify, then the FIN: a proper end of the TLS stream. */
  closeNotify(): Promise<void>;
  /** Drops the TCP connection with a reset. */
  reset(): void;
}

export interface ScriptedOrigin {
  readonly port: number;
  /** Resolves when every connection's script has finished. */
  done(): Promise<void>;
}

/** A TCP pipe under node:tls: what TLS writes goes to `raw`; ending the pipe does not end `raw`. */
function pipeTo(raw: Socket): Duplex {
  const pipe = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (raw.destroyed || !raw.writable) return callback();
      raw.write(chunk, () => callback());
    },
    final(callback) {
      // node:tls ends its stream after its close_notify; the script decides when TCP ends.
      callback();
    },
  });
  raw.on('data', (chunk: Buffer) => {
    if (!pipe.push(chunk)) raw.pause();
  });
  raw.on('end', () => pipe.push(null));
  raw.on('close', () => pipe.destroy());
  return pipe;
}

const origins: Array<{ server: Server; sockets: Set<Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of origins.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * Starts an origin on 127.0.0.1 (certificate for localhost) whose every connection runs `script`.
 * `alpn` is what it accepts (default http/1.1 only). Closed after the calling test.
 */
export async function scriptedOrigin(script: (connection: OriginConnection) => Promise<void>, alpn: string[] = ['http/1.1']): Promise<ScriptedOrigin> {
  const sockets = new Set<Socket>();
  const running: Promise<void>[] = [];
  const secureContext = tls.createSecureContext({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') });
  const server = createServer({ allowHalfOpen: true }, (raw) => {
    sockets.add(raw);
    raw.on('error', () => {});
    raw.on('close', () => sockets.delete(raw));
    const secure = new tls.TLSSocket(pipeTo(raw), { isServer: true, secureContext, ALPNProtocols: alpn });
    secure.on('error', () => {});
    let received = Buffer.alloc(0);
    let wake: (() => void) | null = null;
    let reading = false;
    const connection: OriginConnection = {
      tls: secure,
      async head() {
        // Read only when asked: an HTTP/2 origin hands the socket to node:http2 instead.
        if (!reading) {
          reading = true;
          secure.on('data', (chunk: Buffer) => {
            received = Buffer.concat([received, chunk]);
            wake?.();
          });
        }
        for (;;) {
          const end = received.indexOf('\r\n\r\n');
          if (end >= 0) {
            const head = received.subarray(0, end + 4).toString('latin1');
            received = received.subarray(end + 4);
            return head;
          }
          if (raw.destroyed) throw new Error('the client went away before its request head');
          await new Promise<void>((resolve) => (wake = () => ((wake = null), resolve())));
        }
      },
      write: (bytes) => new Promise((resolve, reject) => secure.write(bytes, (error) => (error ? reject(error) : resolve()))),
      async fin() {
        raw.end();
        await once(raw, 'finish');
      },
      async closeNotify() {
        secure.end();
        await once(secure, 'finish');
        raw.end();
      },
      reset: () => raw.resetAndDestroy(),
    };
    running.push(
      once(secure, 'secure')
        .then(() => script(connection))
        .catch(() => {}),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origins.push({ server, sockets });
  return { port: (server.address() as { port: number }).port, done: async () => void (await Promise.all(running)) };
}

/**
 * An HTTP/2 origin over the same scripted TLS: `respond` handles each stream; the connection's
 * `fin`/`closeNotify`/`reset` end the TCP connection under node:http2 the way a script chooses.
 */
export async function scriptedH2Origin(respond: (stream: http2.ServerHttp2Stream, connection: OriginConnection, headers: http2.IncomingHttpHeaders) => void): Promise<ScriptedOrigin> {
  return scriptedOrigin(async (connection) => {
    // One node:http2 server per connection, so each stream knows its connection.
    const h2 = http2.createServer();
    h2.on('sessionError', () => {});
    h2.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      respond(stream, connection, headers);
    });
    // A TLSSocket built without a tls.Server never clears secureConnecting, and node:http2 would
    // wait for a 'secureConnect' that a server side does not emit.
    (connection.tls as { secureConnecting?: boolean }).secureConnecting = false;
    h2.emit('connection', connection.tls);
  }, ['h2']);
}

/**
 * An origin that answers with `head`, then holds `body` back until the test calls `sendBody()`
 * (reads made before it are waiting), then ends with close_notify.
 */
export async function originHoldingBody(head: string, body: string): Promise<ScriptedOrigin & { sendBody: () => void }> {
  let sendBody!: () => void;
  const bodyWanted = new Promise<void>((resolve) => (sendBody = resolve));
  const origin = await scriptedOrigin(async (c) => {
    await c.head();
    await c.write(head);
    await bodyWanted;
    await c.write(body);
    await c.closeNotify();
  });
  return Object.assign(origin, { sendBody });
}
