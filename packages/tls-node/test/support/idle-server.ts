// A greeting server in a process of its own for idle-memory.test.ts, run with `--expose-gc
// --no-flush-bytecode --import tsx`. Its first IPC message {kind, cert, key} starts it ('raw':
// tls.createServer, 'node': tls-node), served as bench/servers/tls-server.ts serves 'greet' mode:
// "k" once the handshake is done, then read until the end. It answers {port}; every later message
// is answered with {heap, connections}: live heap after two full GCs and the connections it holds.
import { once } from 'node:events';
import * as tls from 'node:tls';
import { Certificate, PrivateKey, SigningChain, TLSServerConfiguration, type TLSSocket } from '@unitls/tls-core';
import { implementation } from '../../src/mod.js';

const K = Buffer.from('k');
let connections = 0;

async function serveRaw(cert: string, key: string): Promise<number> {
  const server = tls.createServer({ cert, key, ciphers: 'TLS_AES_128_GCM_SHA256' }, (socket) => {
    connections++;
    socket.on('close', () => connections--);
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    socket.write(K);
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function serveNode(cert: string, key: string): Promise<number> {
  const chain = new SigningChain([Certificate.fromBuffer(Buffer.from(cert)), PrivateKey.fromBuffer(Buffer.from(key))]);
  const configuration = new TLSServerConfiguration({ certificateChain: [chain], ciphers: [0x1301] });
  const listener = await new implementation.serverContext(configuration).connect({ host: '127.0.0.1', port: 0 });
  listener.listen(4096);
  const handle = async (socket: TLSSocket) => {
    connections++;
    try {
      await socket.send(K);
      while ((await socket.recv(1 << 16)).length > 0);
    } catch {
      // the client closed first: fine
    } finally {
      connections--;
      await socket.close(true).catch(() => {});
    }
  };
  void (async () => {
    for (;;) {
      const accepted = await listener.accept().catch(() => null);
      if (accepted !== null) void handle(accepted[0]);
    }
  })();
  return listener.getsockname()!.port;
}

const [{ kind, cert, key }] = (await once(process, 'message')) as [{ kind: 'raw' | 'node'; cert: string; key: string }];
const port = kind === 'raw' ? await serveRaw(cert, key) : await serveNode(cert, key);
process.on('message', () => {
  globalThis.gc!();
  globalThis.gc!();
  process.send!({ heap: process.memoryUsage().heapUsed, connections });
});
process.send!({ port });
