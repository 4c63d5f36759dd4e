// Minor page faults and CPU per "fetch" with no network and no IMAP: a fresh 20 MiB body
// (Buffer.allocUnsafe, as the IMAP framer allocates a literal) filled 16 KiB at a time, RUNS times,
// with (RECORDS=1) or without (0) a fresh 16 KiB Buffer per piece standing for the ArrayBuffer
// node:tls hands tls-node per record; HOLD=1 holds each body until the next is allocated (a caller
// keeping fetch()'s result), 0 drops it at once (the suite's contender). Prints per fetch `faults/CPU ms` (RESULTS.md "Session 15: download16").
//   node bench/probes/fresh-body-faults.mjs RECORDS RUNS HOLD
const [records, runs, hold] = [process.argv[2] === '1', Number(process.argv[3] ?? 10), process.argv[4] === '1'];
const SIZE = 20 * 2 ** 20, REC = 16384;
const src = Buffer.alloc(REC, 0x61);
let keep = null;
const out = [];
for (let i = 0; i < runs; i++) {
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const body = Buffer.allocUnsafe(SIZE);
  for (let at = 0; at < SIZE; at += REC) {
    const rec = records ? Buffer.allocUnsafe(REC) : src;
    if (records) src.copy(rec);
    rec.copy(body, at);
  }
  keep = hold ? body : null; // HOLD=1: the caller holds the body until the next fetch; 0: dropped at once (the suite's contender)
  const c = process.cpuUsage(c0);
  out.push(`${process.resourceUsage().minorPageFault - f0}/${((c.user + c.system) / 1000).toFixed(0)}ms`);
  await new Promise((r) => setImmediate(r));
}
console.log(`${records ? 'records' : 'no records'}, ${hold ? 'held' : 'dropped'}:`, out.join(' '));
