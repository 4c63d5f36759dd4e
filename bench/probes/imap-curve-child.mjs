// The client child of bench/probes/imap-curve.ts, plain JavaScript (no tsx: its 2.2 MB of heap moves a
// small process's GC, RESULTS.md "FTPS download: the heap window"). `node imap-curve-child.mjs ROOT
// ENGINE MODE RUNS` with IMAP_CURVE='{"port","ca","bytes"}': @unitls/imap of the checkout ROOT (its
// built packages) on tls-ENGINE fetches the 20 MiB message of the mailbox Big RUNS times, each run on
// a connection of its own logged in untimed (as bench/contenders/mail.ts), MODE `fetch` (fetch():
// each body fresh memory) or `into` (fetchEach into one reused memory), and prints one JSON array:
// per fetch its client CPU per MiB (user + system, and system alone), minor page faults, V8 major
// and minor GCs.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const [root, engine, mode, runs] = [process.argv[2], process.argv[3], process.argv[4], Number(process.argv[5] ?? 8)];
const target = JSON.parse(process.env.IMAP_CURVE);
const MiB = target.bytes / 2 ** 20;
const { IMAP4_SSL } = await import(`${root}/packages/imap/dist/mod.js`);
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
let memory = new Uint8Array(0);
const out = [];
for (let i = 0; i < runs; i++) {
  if (mode === 'into' && memory.length < target.bytes) memory = new Uint8Array(target.bytes);
  const imap = new IMAP4_SSL({ host: '127.0.0.1', port: target.port, serverHostname: 'localhost', implementation, configuration });
  await imap.connect();
  await imap.login('bob', 'bobpass');
  await imap.examine('Big');
  majors = minors = 0;
  let got = 0;
  const faults = process.resourceUsage().minorPageFault;
  const cpu = process.cpuUsage();
  if (mode === 'into') await imap.fetchEach('1:*', 'BODY.PEEK[]', (m) => (got += m.body['BODY[]']?.length ?? 0), { into: memory });
  else got = (await imap.fetch('1:*', 'BODY.PEEK[]')).reduce((total, m) => total + (m.body['BODY[]']?.length ?? 0), 0);
  const used = process.cpuUsage(cpu);
  const faulted = process.resourceUsage().minorPageFault - faults;
  await imap.logout();
  if (got !== target.bytes) throw new Error(`fetch ${i + 1}: ${got} bytes, not ${target.bytes}`);
  out.push({ cpu: (used.user + used.system) / 1000 / MiB, sys: used.system / 1000 / MiB, faults: faulted, majors, minors });
}
console.log(JSON.stringify(out));
