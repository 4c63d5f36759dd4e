// The clients of connect-allocation.test.ts, in a process of their own run with `--import tsx`
// (under the test runner's module transform tls-node's code allocates otherwise). Its IPC message
// {port, ca, n} starts it; it answers {ours, raw}: JavaScript bytes allocated per connect, two
// readings each, alternating (V8's sampling heap profiler, objects collected since included).
import { once } from 'node:events';
import * as tls from 'node:tls';
import { TLSClientConfiguration, TrustStore, type TLSSocket } from '@unitls/tls-core';
import { sampleAllocations, totalBytes } from '../../../../tests/support/heap-sampling.js';
import { implementation } from '../../src/mod.js';

/** Bytes of JavaScript heap `work` allocates, collected or not (sampled every 128 bytes on average). */
const allocatedBy = async (work: () => Promise<void>): Promise<number> => totalBytes(await sampleAllocations(work, 128));

const [{ port, ca, n }] = (await once(process, 'message')) as [{ port: number; ca: string; n: number }];
const context = new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(ca)), ciphers: [0x1301] }));
const ours: TLSSocket[] = [];
async function oneOurs(): Promise<void> {
  const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
  ours.push(socket);
  await socket.recv(1);
}
const shared = { secureContext: tls.createSecureContext({ ca, ciphers: 'TLS_AES_128_GCM_SHA256' }) };
const raw: tls.TLSSocket[] = [];
function oneRaw(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...shared });
    raw.push(socket);
    socket.once('error', reject);
    socket.once('data', () => resolve());
  });
}
async function batches(one: () => Promise<void>, count: number): Promise<void> {
  for (let left = count; left > 0; left -= 20) await Promise.all(Array.from({ length: Math.min(20, left) }, one));
}
// Warm-up: compiled code, node:tls's and tls-node's lazily made state.
await batches(oneOurs, 20);
await batches(oneRaw, 20);
const readings: { ours: number[]; raw: number[] } = { ours: [], raw: [] };
for (let round = 0; round < 2; round++) {
  readings.raw.push((await allocatedBy(() => batches(oneRaw, n))) / n);
  readings.ours.push((await allocatedBy(() => batches(oneOurs, n))) / n);
}
await Promise.all(ours.map((socket) => socket.close(true).catch(() => {})));
for (const socket of raw) socket.destroy();
process.send!(readings, () => process.exit(0));
