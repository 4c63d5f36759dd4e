/**
 * Scripted FTP servers for the hostile and real-server-quirk tests: a control script answering from a
 * table, explicit FTPS (AUTH TLS then TLS), and data ports that serve plain or TLS data and end it
 * exactly as told (close_notify, a bare TCP FIN, a reset, or never).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { afterEach } from 'vitest';
import { pki } from '../support/fixtures.js';
import type { ScriptConnection } from '../support/scripted-server.js';

export type Answer = string | ((argument: string) => Promise<string | null> | string | null);

/** Answers commands from a table (verb -> reply, or a function); unknown verbs get 502. */
export async function ftpScript(connection: ScriptConnection, answers: Record<string, Answer>, greet = true): Promise<void> {
  if (greet) connection.write('220 scripted ready\r\n');
  for (;;) {
    const line = await connection.line();
    if (line === null) return;
    const [verb, ...rest] = line.split(' ');
    const answer = answers[verb!.toUpperCase()] ?? '502 not implemented\r\n';
    const reply = typeof answer === 'function' ? await answer(rest.join(' ')) : answer;
    if (reply === null) return;
    connection.write(reply);
  }
}

/** Explicit FTPS: greeting, AUTH TLS -> 234, the handshake, then the table (PBSZ/PROT answered). */
export async function ftpsScript(connection: ScriptConnection, answers: Record<string, Answer>): Promise<void> {
  connection.write('220 scripted ready\r\n');
  if ((await connection.line()) !== 'AUTH TLS') return;
  connection.write('234 go ahead\r\n');
  await connection.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
  await ftpScript(connection, { PBSZ: '200 PBSZ=0\r\n', PROT: '200 PROT now Private\r\n', ...answers }, false).catch(() => {});
}

export const LOGIN = { USER: '331 password please\r\n', PASS: '230 logged in\r\n', TYPE: '200 type set\r\n' };

/**
 * How a data port ends what it sends. node:tls (20) sends no close_notify when a socket ends, so
 * 'close_notify' is served by Python's ssl module ({@link closeNotifyDataPort}).
 */
export type DataEnd = 'fin' | 'reset' | 'never';

export interface DataPort {
  port: number;
  /** Raw TCP sockets accepted. */
  connections: Socket[];
  /** The address each connection came from. */
  peers: string[];
  /** 227 reply naming this port on 127.0.0.1. */
  pasv(text?: string): string;
  epsv(): string;
}

const servers: Server[] = [];
const sockets: Socket[] = [];

/** Closes `server` after the test, with the data ports. */
export function trackServer(server: Server): void {
  servers.push(server);
}

/** Registers the cleanup of every data port started by the calling test file. */
export function useDataPorts(): void {
  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.destroy());
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
}

/** A data port on 127.0.0.1 that runs `serve` on each connection it gets. */
export async function dataPort(serve: (socket: Socket) => void = () => {}): Promise<DataPort> {
  const connections: Socket[] = [];
  const peers: string[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    connections.push(socket);
    peers.push(socket.remoteAddress ?? '');
    sockets.push(socket);
    serve(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const port = (server.address() as { port: number }).port;
  return {
    port,
    connections,
    peers,
    pasv: (text = 'Entering Passive Mode') => `227 ${text} (127,0,0,1,${port >> 8},${port & 0xff}).\r\n`,
    epsv: () => `229 Entering Extended Passive Mode (|||${port}|)\r\n`,
  };
}

function finish(socket: Socket, end: DataEnd): void {
  if (end === 'fin') socket.end();
  else if (end === 'reset') socket.resetAndDestroy();
}

/** A plain data port sending `body` to each connection, then ending as told. */
export function plainDataPort(body: string | Buffer = '', end: DataEnd = 'fin'): Promise<DataPort> {
  return dataPort((socket) => {
    if (end === 'never') return;
    socket.write(body, () => finish(socket, end));
  });
}

/**
 * A PROT P data port: TLS with the fixture certificate, sending `body` after the handshake and
 * ending with a bare TCP FIN (node:tls sends no close_notify: a ragged EOF), a reset, or never;
 * `drip` sends a byte every `drip` ms instead; `handshake: false` accepts TCP and never answers TLS.
 */
export function tlsDataPort(body: string | Buffer = '', end: DataEnd = 'fin', options: { handshake?: boolean; drip?: number } = {}): Promise<DataPort> {
  const secureContext = createSecureContext({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') });
  return dataPort((raw) => {
    if (options.handshake === false) return;
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    tls.on('error', () => {});
    tls.once('secure', () => {
      if (options.drip !== undefined) {
        const timer = setInterval(() => tls.write('x'), options.drip);
        raw.once('close', () => clearInterval(timer));
        return;
      }
      if (end === 'never') return;
      tls.write(body, () => finish(raw, end));
    });
  });
}

const PYTHON_SERVER = `
import socket, ssl, struct, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
raw, _ = listener.accept()
conn = ctx.wrap_socket(raw, server_side=True)
conn.sendall(sys.stdin.buffer.read())
if sys.argv[3] == "reset":
    # SO_LINGER 0: close() sends a TCP RST, discarding what the client has not read yet.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
else:
    try:
        conn.unwrap().close()  # close_notify, then the peer's
    except (OSError, ssl.SSLError):
        conn.close()
`;

/**
 * A PROT P data port served by Python's ssl module (one connection): `body`, then close_notify, or
 * a TCP reset while the client still has bytes to read.
 */
export async function pythonDataPort(body: string | Buffer, end: 'close_notify' | 'reset' = 'close_notify'): Promise<DataPort> {
  const child = spawn('python3', ['-c', PYTHON_SERVER, pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), end], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(body);
  const [first] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(first.toString().trim());
  afterEachKill.push(() => child.kill());
  return {
    port,
    connections: [],
    peers: [],
    pasv: (text = 'Entering Passive Mode') => `227 ${text} (127,0,0,1,${port >> 8},${port & 0xff}).\r\n`,
    epsv: () => `229 Entering Extended Passive Mode (|||${port}|)\r\n`,
  };
}

const afterEachKill: Array<() => void> = [];
afterEach(() => {
  afterEachKill.splice(0).forEach((kill) => kill());
});
