/**
 * tls-openssl connections made in worker_threads that end with the worker (worker.terminate()
 * while the connections are open and data is arriving), 200 workers in a row: no crash, and the
 * C heap does not grow with the workers. Each worker's connections hold read-sized chunks of
 * their incoming queue when the worker ends; the connection finalizers run at the environment's
 * teardown, after the addon's cleanup hook freed the thread's spare chunks. Before, those
 * finalizers put the chunks back on the (already freed) thread's spare list, which died with the
 * thread: up to READ_CHUNK_SPARES x 64 KiB lost per worker.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import * as tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { addon } from '../src/addon.js';
import { ca, leaf } from './fixtures.js';

const require = createRequire(import.meta.url);
const modules = {
  openssl: pathToFileURL(fileURLToPath(new URL('../dist/mod.js', import.meta.url))).href,
  core: pathToFileURL(require.resolve('@unitls/tls-core')).href,
};

/** The worker: 2 connections to `port`, one byte read from each, then 'ready'; it never reads again. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { OpenSSLClientContext } = await import(workerData.modules.openssl);
  const { TLSClientConfiguration, TrustStore } = await import(workerData.modules.core);
  const context = new OpenSSLClientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(workerData.ca)) }));
  const sockets = [];
  for (let i = 0; i < 2; i++) {
    const socket = await context.connect({ host: 'localhost', port: workerData.port });
    await socket.recv(1);
    sockets.push(socket);
  }
  globalThis.keep = sockets;
  parentPort.postMessage('ready');
})().catch((error) => parentPort.postMessage(String(error && error.stack || error)));
`;

/** A node:tls server that sends 64 KiB writes to each connection until it closes. */
async function streamingServer() {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
    socket.on('error', () => {});
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function oneWorker(port: number): Promise<void> {
  const worker = new Worker(WORKER, { eval: true, workerData: { modules, port, ca: ca.certPem.toString() } });
  const errors: unknown[] = [];
  worker.on('error', (error) => errors.push(error));
  const [message] = (await once(worker, 'message')) as [string];
  expect(message).toBe('ready');
  await worker.terminate();
  expect(errors).toEqual([]);
}

it('200 workers in a row, each terminated with 2 open connections receiving: no crash, C heap bounded', async () => {
  const server = await streamingServer();
  const port = (server.address() as { port: number }).port;
  try {
    const run = async (count: number) => {
      // Two workers at a time: the machine is shared; the order of teardowns does not matter.
      for (let i = 0; i < count; i += 2) await Promise.all([oneWorker(port), oneWorker(port)]);
    };
    await run(20); // warm-up: the heap's own arenas settle
    const before = addon.heapInUse();
    await run(200);
    const grown = addon.heapInUse() - before;
    if (before >= 0) expect(grown).toBeLessThan(16 * 1024 * 1024);
  } finally {
    server.close();
  }
}, 600_000);
