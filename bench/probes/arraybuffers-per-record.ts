// ArrayBuffer memory per 16 KiB record on one end of a bulk transfer (issue #17): what V8 counts
// toward its "external memory pressure" scavenges. END=send: this process's ENGINE client sends to a
// raw node:tls server child; END=recv: this process's ENGINE server receives from a raw node:tls
// client child. Each batch moves BATCH KiB (default 2048) over one connection; the figure is
// process.memoryUsage().arrayBuffers after the batch minus before, with no GC between (a batch that
// saw one is dropped and repeated), divided by the batch's records. Run with a large young generation
// so fewer batches meet a scavenge:
// `END=send ENGINE=pure node --min-semi-space-size=64 --max-semi-space-size=64 --import tsx bench/probes/arraybuffers-per-record.ts`
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { TLSServerConfiguration } from '@unitls/tls-core';
import { dialer, serverConfiguration, serverContextFor, type Engine } from '../lib/engines.js';
import { createBenchPki } from '../lib/pki.js';

const env = process.env;
const KiB = 1024;
const BATCH = Number(env.BATCH ?? 2048) * KiB;
const BATCHES = Number(env.BATCHES ?? 10);
const RECORD = 16 * KiB;

if (env.PEER !== undefined) await peer(env.PEER);
else await probe();

/** The raw node:tls peer child: `server|cert|key` (reads and acknowledges each batch) or `client|port|ca` (sends a batch per message). */
async function peer(spec: string): Promise<void> {
  const [role, a, b] = spec.split('|');
  if (role === 'server') {
    const server = tls.createServer({ cert: readFileSync(a!), key: readFileSync(b!), ciphers: 'TLS_AES_128_GCM_SHA256' }, (socket) => {
      let got = 0;
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        got += chunk.length;
        while (got >= BATCH) {
          got -= BATCH;
          socket.write('k');
        }
      });
    });
    server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
    return;
  }
  const socket = tls.connect({ host: '127.0.0.1', port: Number(a), servername: 'localhost', ca: readFileSync(b!), ciphers: 'TLS_AES_128_GCM_SHA256' });
  await once(socket, 'secureConnect');
  const block = Buffer.alloc(64 * KiB, 7);
  process.on('message', async () => {
    for (let sent = 0; sent < BATCH; sent += block.length) if (!socket.write(block)) await once(socket, 'drain');
  });
  process.send!('ready');
}

async function probe(): Promise<void> {
  const engine = (env.ENGINE ?? 'pure') as Engine;
  const end = env.END ?? 'send';
  const pki = await createBenchPki();
  let gcs = 0;
  new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
  const self = fileURLToPath(import.meta.url);
  const child = (spec: string) => fork(self, [], { env: { ...env, PEER: spec }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const perRecord: number[] = [];
  let dropped = 0;
  const measure = async (batch: () => Promise<void>): Promise<void> => {
    await batch(); // warm-up
    await batch();
    while (perRecord.length < BATCHES && dropped < 50) {
      const before = process.memoryUsage().arrayBuffers;
      const gcsBefore = gcs;
      await batch();
      const after = process.memoryUsage().arrayBuffers;
      // The observer reports asynchronously: a turn for it before the verdict.
      await new Promise((resolve) => setImmediate(resolve));
      if (gcs !== gcsBefore) dropped++;
      else perRecord.push((after - before) / (BATCH / RECORD));
    }
  };
  if (end === 'send') {
    const server = child(`server|${pki.cert}|${pki.key}`);
    const [port] = (await once(server, 'message')) as [number];
    const connection = await dialer(engine, port, pki.ca)();
    const block = Buffer.alloc(64 * KiB, 7);
    await measure(async () => {
      for (let sent = 0; sent < BATCH; sent += block.length) await connection.send(block);
      await connection.recv(1);
    });
    await connection.close();
    server.kill();
  } else {
    if (engine === 'raw') {
      // node:tls's server as bench/servers/tls-server.ts runs it: its 'data' events.
      let got = 0;
      let batchDone: (() => void) | null = null;
      const server = tls.createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key), ciphers: 'TLS_AES_128_GCM_SHA256' }, (socket) => {
        socket.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got >= BATCH) {
            got -= BATCH;
            batchDone?.();
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const client = child(`client|${(server.address() as { port: number }).port}|${pki.ca}`);
      await once(client, 'message');
      await measure(async () => {
        const done = new Promise<void>((resolve) => (batchDone = resolve));
        client.send('go');
        await done;
      });
      client.kill();
      server.close();
    } else {
      const configuration: TLSServerConfiguration = serverConfiguration(pki.cert, pki.key);
      const listener = await serverContextFor(engine, configuration).connect({ host: '127.0.0.1', port: 0 });
      listener.listen(16);
      const client = child(`client|${listener.getsockname()!.port}|${pki.ca}`);
      const [socket] = await listener.accept();
      await once(client, 'message');
      await measure(async () => {
        client.send('go');
        for (let got = 0; got < BATCH; ) got += (await socket.recv(1 << 20)).length;
      });
      client.kill();
      await socket.close(true);
      await listener.close();
    }
  }
  pki.remove();
  perRecord.sort((x, y) => x - y);
  const median = perRecord[perRecord.length >> 1] ?? NaN;
  console.log(`${engine} ${end}: ArrayBuffer bytes per 16 KiB record, median of ${perRecord.length} batches of ${BATCH / KiB} KiB (${dropped} dropped for a GC): ${median.toFixed(0)} (min ${perRecord[0]?.toFixed(0)}, max ${perRecord.at(-1)?.toFixed(0)})`);
}
