#!/usr/bin/env node
// Measures that memory stays flat while TLSSocket.send() moves far more than any buffer bound
// (issue #14 item 3): 64 MiB per send() call, received in the same process, the resident set size
// sampled throughout. Not a test (nothing here asserts anything); prints a summary line.
//
// Usage: node scripts/measure-send-memory.mjs [MiB=1024]
// The payload is one view repeated over a 64 MiB block, so the script itself holds 64 MiB.
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore } from '@unitls/tls-core';
import { implementation } from '@unitls/tls-openssl';

const MIB = Number(process.argv[2] ?? 1024);
const BLOCK = 64 * 1024 * 1024;
const ca = await createAuthority({ name: 'send-memory CA' });
const leaf = await issueCertificate(ca, { names: ['localhost'] });
const server = new implementation.serverContext(
  new TLSServerConfiguration({ certificateChain: [new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)])] }),
);
const listener = await server.connect({ host: '127.0.0.1', port: 0 });
const client = new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem) }));
const [sender, [receiver]] = await Promise.all([client.connect({ host: 'localhost', port: listener.getsockname().port }), listener.accept()]);

const block = new Uint8Array(BLOCK).fill(7);
const samples = [];
const sample = () => samples.push(process.memoryUsage().rss);
const timer = setInterval(sample, 50);
sample();
const baseline = process.memoryUsage().rss;

const receiving = (async () => {
  let total = 0;
  while (total < MIB * 2 ** 20) {
    const chunk = await receiver.recv(65536);
    if (chunk.length === 0) break;
    total += chunk.length;
  }
  return total;
})();
// One send() per 64 MiB block: each one far above every bound on the way.
for (let sent = 0; sent < MIB * 2 ** 20; sent += BLOCK) await sender.send(block.subarray(0, Math.min(BLOCK, MIB * 2 ** 20 - sent)));
const received = await receiving;
clearInterval(timer);
sample();
await Promise.all([sender.close(true), receiver.close(true)]);
await listener.close();

const peak = Math.max(...samples);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
console.log(`sent ${MIB} MiB (received ${mib(received)} MiB) in ${BLOCK / 2 ** 20} MiB send() calls: RSS at start ${mib(baseline)} MiB, peak ${mib(peak)} MiB (+${mib(peak - baseline)} MiB), at end ${mib(samples.at(-1))} MiB; ${samples.length} samples`);
