// The client child of bench/probes/ftp-curve.ts, plain JavaScript (no tsx: its 2.2 MB of heap moves a
// small process's GC, RESULTS.md "FTPS download: the heap window"). `node ftp-curve-child.mjs ROOT
// ENGINE RUNS [MODE]` with FTP_CURVE='{"port","ca","user","password","size"}': @unitls/ftp of the
// checkout ROOT (its built packages) on tls-ENGINE logs in once, then moves big.bin RUNS times and
// prints one JSON array: per transfer its client CPU per MiB (user + system, and system alone), minor
// page faults, chunks, V8 major and minor GCs. MODE (default down):
// - down: retrbinary with a counting callback (as bench/contenders/ftp.ts);
// - up: storbinary of up.bin from 1 MiB zero chunks (as bench/contenders/ftp.ts);
// - socket-down / socket-up: the floor on that engine, the data connection's TLSSocket driven bare
//   between ntransfercmd and the 226: recv(64 KiB) until the end, or the same 1 MiB zero chunks
//   sent 64 KiB at a time (ftplib's blocksize; env BLOCK another size), then close_notify.
// Env CHUNK: the upload source's chunk size in bytes (default 1 MiB).
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const [root, engine, runs, mode] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 8), process.argv[5] ?? 'down'];
const target = JSON.parse(process.env.FTP_CURVE);
const MiB = target.size / 2 ** 20;
const BLOCK = Number(process.env.BLOCK ?? 64 * 1024);
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
// The upload's source: fresh zeroed chunks of CHUNK bytes (default 1 MiB, as bench/contenders/ftp.ts).
const CHUNK = Number(process.env.CHUNK ?? 2 ** 20);
const zeros = function* (size) {
  for (let left = size; left > 0; left -= CHUNK) yield Buffer.alloc(Math.min(CHUNK, left));
};
const client = new FTP_TLS({ host: '127.0.0.1', port: target.port, serverHostname: 'localhost', implementation, configuration });
await client.connect();
await client.login(target.user, target.password);
if (mode.startsWith('socket')) await client.setType('I');
// Driven bare, the data socket is outside the client's operations, which keep the process alive:
// a timer does (as the bench harness's IPC channel does in bench/contenders/ftp.ts).
const alive = setInterval(() => {}, 2 ** 30);
const out = [];
for (let i = 0; i < runs; i++) {
  majors = minors = 0;
  let bytes = 0;
  let chunks = 0;
  const faults = process.resourceUsage().minorPageFault;
  const cpu = process.cpuUsage();
  if (mode === 'down') {
    await client.retrbinary('RETR big.bin', (chunk) => {
      bytes += chunk.length;
      chunks++;
    });
  } else if (mode === 'up') {
    await client.storbinary('STOR up.bin', zeros(target.size), { onProgress: (progress) => void (bytes = progress.bytes, chunks++) });
  } else if (mode === 'socket-down') {
    const [channel] = await client.ntransfercmd('RETR big.bin');
    const socket = channel.tlsSocket;
    for (let chunk = await socket.recv(BLOCK); chunk.length > 0; chunk = await socket.recv(BLOCK)) (bytes += chunk.length), chunks++;
    await channel.close();
    await client.voidresp();
  } else if (mode === 'socket-up') {
    const [channel] = await client.ntransfercmd('STOR up.bin');
    const socket = channel.tlsSocket;
    for (const chunk of zeros(target.size)) {
      for (let at = 0; at < chunk.length; at += BLOCK) bytes += await socket.send(chunk.subarray(at, at + BLOCK));
      chunks++;
    }
    await channel.close();
    await client.voidresp();
  } else throw new Error(`unknown MODE ${mode}`);
  const used = process.cpuUsage(cpu);
  if (bytes !== target.size) throw new Error(`${mode} ${i + 1}: ${bytes} bytes, not ${target.size}`);
  out.push({ cpu: (used.user + used.system) / 1000 / MiB, sys: used.system / 1000 / MiB, faults: process.resourceUsage().minorPageFault - faults, chunks, majors, minors });
}
await client.quit();
clearInterval(alive);
console.log(JSON.stringify(out));
