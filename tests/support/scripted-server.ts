/** A scripted TCP server for hostile-peer tests: each connection runs a script; every line received is recorded. */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { afterEach } from 'vitest';

export interface ScriptConnection {
  socket: Socket;
  write(text: string | Buffer): void;
  /** The next line the client sent (without CRLF), or null at EOF. */
  line(): Promise<string | null>;
  /** Exactly `count` raw bytes (fewer at EOF), for data that follows a command. */
  bytes(count: number): Promise<Buffer>;
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
    // Bytes are kept raw and cut into lines only when the script asks for a line, so a command
    // followed by raw data (BDAT) can be read as exactly that.
    let buffer = Buffer.alloc(0);
    let ended = false;
    let wake: (() => void) | null = null;
    const attach = (s: Socket) => {
      const data = (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        wake?.();
      };
      const end = () => {
        ended = true;
        wake?.();
      };
      s.on('data', data);
      s.on('end', end);
      s.on('close', end);
      return () => {
        s.off('data', data);
        s.off('end', end);
        s.off('close', end);
      };
    };
    const more = () => new Promise<void>((resolve) => (wake = () => ((wake = null), resolve())));
    const detachRaw = attach(raw);
    const connection: ScriptConnection = {
      get socket() {
        return stream;
      },
      write: (text) => void stream.write(text),
      async line() {
        for (;;) {
          const at = buffer.indexOf('\r\n');
          if (at >= 0) {
            const line = buffer.subarray(0, at).toString('latin1');
            buffer = buffer.subarray(at + 2);
            lines.push(line);
            return line;
          }
          if (ended) return null;
          await more();
        }
      },
      async bytes(count) {
        while (buffer.length < count && !ended) await more();
        const out = buffer.subarray(0, count);
        buffer = buffer.subarray(count);
        return out;
      },
      async startTls(cert, key) {
        detachRaw();
        const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({ cert, key }) });
        secure.on('error', () => {});
        stream = secure;
        attach(secure);
        // A client that gives up during the handshake closes without an error: the script ends then.
        const closed = once(secure, 'close').then(() => Promise.reject(new Error('the client closed during the TLS handshake')));
        closed.catch(() => {});
        await Promise.race([once(secure, 'secure'), closed]);
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

/** A `hostile(script)` for the calling test file; every server it starts is closed after each test. */
export function useScriptedServers(): (script: (connection: ScriptConnection) => Promise<void>) => Promise<ScriptedServer> {
  const servers: ScriptedServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (script) => {
    const server = await scriptedServer(script);
    servers.push(server);
    return server;
  };
}
