/** A scripted TCP server for hostile-peer tests: each connection runs a script; every line received is recorded. */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import * as tls from 'node:tls';

export interface ScriptConnection {
  socket: Socket;
  write(text: string | Buffer): void;
  /** The next line the client sent (without CRLF), or null at EOF. */
  line(): Promise<string | null>;
  /** Upgrades the server side to TLS with the given certificate. */
  startTls(cert: string, key: string): Promise<void>;
}

export interface ScriptedServer {
  port: number;
  /** Every line received, over all connections. */
  lines: string[];
  /** Resolves when every script finished. */
  done(): Promise<void>;
  /** True when every accepted socket is closed. */
  allClosed(): boolean;
  close(): Promise<void>;
}

export async function scriptedServer(script: (connection: ScriptConnection) => Promise<void>): Promise<ScriptedServer> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const running: Promise<void>[] = [];
  const closed: Promise<unknown>[] = [];
  const server: Server = createServer((raw) => {
    sockets.add(raw);
    closed.push(new Promise((resolve) => raw.once('close', resolve)));
    raw.on('error', () => {});
    raw.on('close', () => sockets.delete(raw));
    let stream: Socket = raw;
    let buffer = '';
    const waiting: Array<(line: string | null) => void> = [];
    const queued: Array<string | null> = [];
    const deliver = (value: string | null) => {
      const waiter = waiting.shift();
      if (waiter) waiter(value);
      else queued.push(value);
    };
    const attach = (s: Socket) => {
      s.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        let at: number;
        while ((at = buffer.indexOf('\r\n')) >= 0) {
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          lines.push(line);
          deliver(line);
        }
      });
      s.on('end', () => deliver(null));
      s.on('close', () => deliver(null));
    };
    attach(raw);
    const connection: ScriptConnection = {
      get socket() {
        return stream;
      },
      write: (text) => void stream.write(text),
      line: () => (queued.length > 0 ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve))),
      async startTls(cert, key) {
        raw.removeAllListeners('data');
        raw.removeAllListeners('end');
        const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({ cert, key }) });
        secure.on('error', () => {});
        stream = secure;
        attach(secure);
        await once(secure, 'secure');
      },
    };
    running.push(script(connection).catch(() => {}).finally(() => raw.destroy()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    lines,
    done: async () => {
      await Promise.all(running);
      await Promise.all(closed);
    },
    allClosed: () => sockets.size === 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
