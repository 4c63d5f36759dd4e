// A TLS server in its own process for the TLS benchmarks: `tls-server.ts <engine> <mode> <cert> <key>`.
// Sends {port} when listening. Modes, per connection:
//   sink:  read an 8-byte big-endian length, then that many bytes, then answer one byte "k". Each
//          server reads as a high-throughput user of its API would, keeping nothing: raw node:tls
//          counts its 'data' chunks (memory node:tls allocates per read); a unitls engine reads
//          with recvInto into one 64 KiB buffer per connection, reused (issue #17: with recv, a
//          record's plaintext is the caller's, so tls-pure cannot free or reuse it);
//   sink-recv: the same, but a unitls engine reads with recv(1 MiB) (fresh memory per read, the
//          sink of sessions 4-12);
//   greet: answer "k" as soon as the handshake is done (so the client knows the server finished),
//          then hold the connection until the peer closes it.
// IPC request {memory: true} -> {rss, young, heap, connections} after two full GCs (lib/resident.ts);
// with {snapshot: file} a heap snapshot is written there first (probes/idle-heap.ts).
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import type { TLSSocket } from '@unitls/tls-core';
import { serverConfiguration, serverContextFor, type Engine } from '../lib/engines.js';
import { preloadFor } from '../lib/preload.js';
import { resident } from '../lib/resident.js';

const [engine, mode, certFile, keyFile] = process.argv.slice(2) as [Engine, 'sink' | 'sink-recv' | 'greet', string, string];
/** recvInto's memory per connection in sink mode (RECV_MAX, what one recv returns at most). */
const SINK_BUFFER = 64 * 1024;
const K = Buffer.from('k');
let connections = 0;

/** Counts bytes against the 8-byte length prefix; true once the whole transfer is in. */
function transferMeter(): (chunk: Uint8Array) => boolean {
  let received = 0;
  let need = Infinity;
  let head = Buffer.alloc(0);
  return (chunk) => {
    received += chunk.length;
    if (need === Infinity) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 8) need = 8 + Number(head.readBigUInt64BE(0));
    }
    return received >= need;
  };
}

function serveRaw(): Promise<number> {
  const server = tls.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), ciphers: 'TLS_AES_128_GCM_SHA256' }, (socket) => {
    connections++;
    socket.on('close', () => connections--);
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    if (mode === 'greet') {
      socket.write(K);
      socket.resume();
      return;
    }
    const done = transferMeter();
    socket.on('data', (chunk: Buffer) => {
      if (done(chunk)) socket.write(K);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

async function serveUnitls(): Promise<number> {
  const listener = await serverContextFor(engine, serverConfiguration(certFile, keyFile)).connect({ host: '127.0.0.1', port: 0 });
  listener.listen(4096);
  const handle = async (socket: TLSSocket) => {
    connections++;
    try {
      if (mode === 'greet') await socket.send(K);
      else if (mode === 'sink') {
        const done = transferMeter();
        const into = new Uint8Array(SINK_BUFFER);
        for (;;) {
          const count = await socket.recvInto!(into);
          if (count === 0) return;
          if (done(into.subarray(0, count))) break;
        }
        await socket.send(K);
      } else {
        const done = transferMeter();
        for (;;) {
          const chunk = await socket.recv(1 << 20);
          if (chunk.length === 0) return;
          if (done(chunk)) break;
        }
        await socket.send(K);
      }
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

await preloadFor(engine);
const port = engine === 'raw' ? await serveRaw() : await serveUnitls();
process.on('message', (message: { snapshot?: string }) => {
  globalThis.gc?.();
  globalThis.gc?.();
  // probes/idle-heap.ts: a heap snapshot, written after the GCs, before the reading.
  if (message.snapshot !== undefined) writeHeapSnapshot(message.snapshot);
  process.send!({ ...resident(), connections });
});
process.send!({ port });
