// Paired A/B of the per-message client CPU of bench/mail.ts's pop-retr (RETR one by one) and
// imap-fetch-small (FETCH 1:* of 1,000 small messages) rows between builds: one Dovecot
// (tests/support), bob's INBOX seeded as the suite seeds it, then for each pair a fresh client
// process per checkout and engine in alternating order (ABAB, then BABA), each resolving @unitls/*
// from its own checkout (build each first). The client processes run plain JavaScript
// (mail-ab-child.mjs), warm up as the harness does (five connections) and time RUNS connections.
//
//   CHECKOUTS=/tmp/old,/work/wt/new PAIRS=6 RUNS=5 ENGINES=node,openssl WORK=pop \
//     node --import tsx bench/probes/mail-ab.ts
//
// WORK=pop|popmany|imap (default pop; popmany: the pop-retr row's retrMany, PIPELINING). PYTHON=1 adds, once per pair, RUNS runs of poplib / imaplib (the
// row's anchor): the CPU ratio on this machine. CLIENT_FLAGS='--cpu-prof' passes Node flags to
// the client processes (KEEP=<dir> keeps each one's output there; MARK=1 marks its runs in it,
// for --trace-opt / --trace-deopt); WRAP='strace -f -c -o FILE' runs each under that command.
// ALLOC=1 (with KEEP) has each client process sample its measured runs with V8's sampling heap
// profiler (collected objects kept) and write the JavaScript allocated per message and the TOP
// (default 25) functions by bytes into its output: a figure the machine's load does not move. Prints one line per process and, per engine, each checkout's median CPU
// per message, the IQR of the per-pair ratios to the first checkout, and the load average.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMailServers } from '../../tests/support/mail-servers.js';
import { runPython } from '../lib/children.js';
import { createBenchPki } from '../lib/pki.js';
import { seed } from '../mail.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = (sorted.length - 1) * q;
    const lo = Math.floor(i);
    return sorted[lo]! + (sorted[Math.ceil(i)]! - sorted[lo]!) * (i - lo);
  };
  return [at(0.25), at(0.75)] as const;
};
const loads = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const checkouts = (process.env.CHECKOUTS ?? '').split(',').filter(Boolean);
if (checkouts.length === 0) throw new Error('CHECKOUTS=<dir>,<dir>...: the checkouts to compare, each built');
const pairs = Number(process.env.PAIRS ?? 5);
const runs = Number(process.env.RUNS ?? 5);
const engines = (process.env.ENGINES ?? 'node,openssl').split(',');
const work = process.env.WORK === 'imap' ? 'imap' : process.env.WORK === 'popmany' ? 'popmany' : 'pop';
const flags = (process.env.CLIENT_FLAGS ?? '').split(' ').filter(Boolean);
const wrap = (process.env.WRAP ?? '').split(' ').filter(Boolean);
const messages = 1000;
const child = fileURLToPath(new URL('mail-ab-child.mjs', import.meta.url));

const pki = await createBenchPki();
const servers = await startMailServers(pki.cert, pki.key);
try {
  const sizes = seed(join(servers.dir, 'dovecot', 'home', 'bob', 'Maildir'), messages, 1024);
  const { imaps, pop3s } = servers.ports;
  const port = work === 'imap' ? imaps : pop3s;
  console.log(`load ${loads()} at start; WORK=${work}, ${pairs} pairs, ${runs} runs per process`);
  const results = new Map<string, number[]>();
  const add = (key: string, value: number) => results.set(key, [...(results.get(key) ?? []), value]);
  for (let pair = 0; pair < pairs; pair++) {
    if (process.env.PYTHON === '1') {
      const samples = [];
      for (let i = 0; i < runs; i++) {
        samples.push(work !== 'imap' ? await runPython('pop_client.py', [String(pop3s), pki.ca, String(3 * messages), String(messages)]) : await runPython('imap_client.py', [String(imaps), pki.ca, 'INBOX'], undefined, sizes.small));
      }
      const per = work !== 'imap' ? 3 * messages : messages;
      const cpu = median(samples.map((s) => (s.cpu * 1e6) / per));
      add('python', cpu);
      console.log(`pair ${pair + 1} Python: ${cpu.toFixed(1)} µs CPU, ${median(samples.map((s) => (s.seconds * 1e6) / per)).toFixed(1)} µs wall per message`);
    }
    for (const engine of engines) {
      for (const checkout of pair % 2 === 0 ? checkouts : [...checkouts].reverse()) {
        const target = { checkout, engine, work, port, caFile: pki.ca, runs, messages, bytes: sizes.small };
        const command = [...wrap, process.execPath, ...flags, child, JSON.stringify(target)];
        const out = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (process.env.KEEP !== undefined) writeFileSync(join(process.env.KEEP, `pair${pair + 1}-${engine}-${checkouts.indexOf(checkout) + 1}.out`), out);
        // The result is the last line (a flag such as --trace-gc prints before it; counted here).
        const lines = out.split('\n');
        const { cpu, wall, promoted } = JSON.parse(lines.at(-1)!) as { cpu: number; wall: number; promoted: number };
        add(`promoted ${engine} ${checkout}`, promoted);
        const gc = flags.includes('--trace-gc') ? `, ${lines.filter((l) => l.includes('Scavenge')).length} scavenges, ${lines.filter((l) => l.includes('Mark-Compact')).length} mark-compacts in the process` : '';
        add(`${engine} ${checkout}`, cpu);
        console.log(`pair ${pair + 1} tls-${engine} ${checkout}: ${cpu.toFixed(1)} µs CPU, ${wall.toFixed(1)} µs wall, ${promoted.toFixed(0)} B promoted per message${gc}`);
      }
    }
  }
  console.log(`load ${loads()} at end`);
  const python = results.get('python');
  if (python !== undefined) console.log(`Python: median ${median(python).toFixed(1)} µs CPU/message (${python.map((v) => v.toFixed(1)).join(' ')})`);
  for (const engine of engines) {
    const base = results.get(`${engine} ${checkouts[0]}`)!;
    for (const checkout of checkouts) {
      const values = results.get(`${engine} ${checkout}`)!;
      const ratios = values.map((v, i) => v / base[i]!);
      const [q1, q3] = quartiles(ratios);
      const anchor = python === undefined ? '' : `; ${(median(values) / median(python)).toFixed(2)}x Python's CPU`;
      const promoted = median(results.get(`promoted ${engine} ${checkout}`)!);
      console.log(`tls-${engine} ${checkout}: ${promoted.toFixed(0)} B promoted per message (median); median ${median(values).toFixed(1)} µs CPU/message (${values.map((v) => v.toFixed(1)).join(' ')}); per-pair ratio ${median(ratios).toFixed(3)} (IQR ${q1.toFixed(3)}-${q3.toFixed(3)})${anchor}`);
    }
  }
} finally {
  await servers.stop();
  pki.remove();
}
