// The client child of bench/probes/ftp-curve.ts, plain JavaScript (no tsx: its 2.2 MB of heap moves a
// small process's GC, RESULTS.md "FTPS download: the heap window"). `node ftp-curve-child.mjs ROOT
// ENGINE RUNS` with FTP_CURVE='{"port","ca","user","password","size"}': @unitls/ftp of the checkout
// ROOT (its built packages) on tls-ENGINE logs in once, then downloads big.bin RUNS times with
// retrbinary and a counting callback (as bench/contenders/ftp.ts), and prints one JSON array: per
// download its client CPU per MiB (user + system, and system alone), minor page faults, chunks
// handed to the callback, V8 major and minor GCs.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const [root, engine, runs] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 8)];
const target = JSON.parse(process.env.FTP_CURVE);
const MiB = target.size / 2 ** 20;
const { FTP_TLS } = await import(`${root}/packages/ftp/dist/mod.js`);
const { TLSClientConfiguration, TrustStore } = await import(`${root}/packages/tls-core/dist/mod.js`);
const { implementation } = await import(`${root}/packages/tls-${engine}/dist/mod.js`);
const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(target.ca)) });
let majors = 0;
let minors = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minors++;
    else if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  }
}).observe({ entryTypes: ['gc'] });
const client = new FTP_TLS({ host: '127.0.0.1', port: target.port, serverHostname: 'localhost', implementation, configuration });
await client.connect();
await client.login(target.user, target.password);
const out = [];
for (let i = 0; i < runs; i++) {
  majors = minors = 0;
  let bytes = 0;
  let chunks = 0;
  const faults = process.resourceUsage().minorPageFault;
  const cpu = process.cpuUsage();
  await client.retrbinary('RETR big.bin', (chunk) => {
    bytes += chunk.length;
    chunks++;
  });
  const used = process.cpuUsage(cpu);
  if (bytes !== target.size) throw new Error(`download ${i + 1}: ${bytes} bytes, not ${target.size}`);
  out.push({ cpu: (used.user + used.system) / 1000 / MiB, sys: used.system / 1000 / MiB, faults: process.resourceUsage().minorPageFault - faults, chunks, majors, minors });
}
await client.quit();
console.log(JSON.stringify(out));
