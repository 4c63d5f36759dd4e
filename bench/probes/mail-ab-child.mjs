// The client process of bench/probes/mail-ab.ts: plain JavaScript (no tsx in the heap, as the
// bench's own children since session 11), resolving @unitls/* from the checkout it is given.
// Warms up as the harness does (five connections), then times RUNS connections and prints
// { cpu, wall, promoted } per message (µs, medians over the runs; process.cpuUsage, all threads;
// promoted: bytes the old generation grew by).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';

const { checkout, engine, work, port, caFile, runs, messages, bytes } = JSON.parse(process.argv[2]);
// COUNT_ADDON=1: tls-openssl's native calls per message in the timed runs, by name (process.dlopen
// wrapped before the addon loads), printed before the result.
const addonCalls = new Map();
let counting = false;
if (process.env.COUNT_ADDON === '1') {
  const dlopen = process.dlopen;
  process.dlopen = (module, filename, ...rest) => {
    dlopen.call(process, module, filename, ...rest);
    if (!filename.includes('tls_openssl')) return;
    const wrapped = {};
    for (const [name, value] of Object.entries(module.exports)) {
      wrapped[name] =
        typeof value !== 'function'
          ? value
          : function (...args) {
              if (counting) addonCalls.set(name, (addonCalls.get(name) ?? 0) + 1);
              return value.apply(this, args);
            };
    }
    module.exports = wrapped;
  };
}
const load = (name) => import(pathToFileURL(createRequire(join(checkout, 'package.json')).resolve(name)).href);
const { TLSClientConfiguration, TrustStore } = await load('@unitls/tls-core');
const tls = (await load(`@unitls/tls-${engine}`)).implementation;
const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)) });
const options = { host: '127.0.0.1', port, serverHostname: 'localhost', implementation: tls, configuration };
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
// Old-generation bytes in use: what the timed section promoted shows as their growth (steadier
// than CPU on a loaded machine; a mark-compact inside a run makes it negative).
const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
const timed = async (count, body) => {
  const old = oldSpace();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  counting = true;
  await body();
  counting = false;
  const wall = Number(process.hrtime.bigint() - start) / 1e3;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / count, wall: wall / count, promoted: (oldSpace() - old) / count };
};

let run;
if (work === 'pop') {
  // bench/mail.ts's pop-retr row: RETR one by one, 3x the mailbox per measured run.
  const { POP3_SSL } = await load('@unitls/pop');
  run = async (count) => {
    const pop = new POP3_SSL(options);
    await pop.connect();
    await pop.user('bob');
    await pop.pass_('bobpass');
    const sample = await timed(count, async () => {
      for (let i = 0; i < count; i++) await pop.retr((i % messages) + 1);
    });
    await pop.quit();
    return sample;
  };
} else if (work === 'popmany') {
  // bench/mail.ts's pop-retr retrMany row (PIPELINING): the mailbox 3x over per measured run.
  const { POP3_SSL } = await load('@unitls/pop');
  const all = Array.from({ length: messages }, (_, i) => i + 1);
  run = async (count) => {
    const pop = new POP3_SSL(options);
    await pop.connect();
    await pop.user('bob');
    await pop.pass_('bobpass');
    await pop.capa();
    const sample = await timed(count, async () => {
      for (let done = 0; done < count; done += messages) await pop.retrMany(all);
    });
    await pop.quit();
    return sample;
  };
} else {
  // bench/mail.ts's imap-fetch-small row: FETCH 1:* BODY.PEEK[] of the INBOX.
  const { IMAP4_SSL } = await load('@unitls/imap');
  run = async () => {
    const imap = new IMAP4_SSL(options);
    await imap.connect();
    await imap.login('bob', 'bobpass');
    await imap.examine('INBOX');
    let got = 0;
    const sample = await timed(messages, async () => {
      got = (await imap.fetch('1:*', 'BODY.PEEK[]')).reduce((total, m) => total + (m.body['BODY[]']?.length ?? 0), 0);
    });
    await imap.logout();
    if (got !== bytes) throw new Error(`fetched ${got} bytes, expected ${bytes}`);
    return sample;
  };
}
const perRun = work !== 'imap' ? 3 * messages : messages;
// MARK=1: a line before each run, to tell the runs apart in the output of --trace-opt/--trace-deopt.
const mark = (what) => process.env.MARK === '1' && process.stdout.write(`--- ${what}\n`);
for (let i = 0; i < 5; i++) {
  mark(`warm-up ${i + 1}`);
  await run(work !== 'imap' ? messages : perRun);
}
addonCalls.clear(); // the warm-up's calls are not counted
const samples = [];
// ALLOC=1: the JavaScript allocated per message in the measured runs (V8's sampling heap profiler,
// objects later collected kept), a figure a loaded machine does not move; top functions by bytes.
const { Session } = process.env.ALLOC === '1' ? await import('node:inspector/promises') : {};
const session = Session === undefined ? null : new Session();
if (session !== null) {
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
for (let i = 0; i < runs; i++) {
  mark(`run ${i + 1}`);
  samples.push(await run(perRun));
}
if (session !== null) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const byFunction = new Map();
  let total = 0;
  // A builtin (no script: RegExp exec, Map, Array push) is named with its caller, which says whose it is.
  const walk = (node, caller) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}:${lineNumber + 1}`;
    const key = url === '' && caller !== '' ? `${name} in ${caller}` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child, url === '' ? caller : name);
  };
  walk(profile.head, '');
  const per = runs * perRun;
  process.stdout.write(`JS allocated per message: ${(total / per).toFixed(0)} B\n`);
  for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))) process.stdout.write(`  ${(bytes / per).toFixed(0).padStart(6)} B  ${key}\n`);
}
if (addonCalls.size > 0) process.stdout.write(`addon calls per message: ${[...addonCalls].map(([name, n]) => `${name} ${(n / (runs * perRun)).toFixed(2)}`).join(', ')}\n`);
process.stdout.write('\n' + JSON.stringify({ cpu: median(samples.map((s) => s.cpu)), wall: median(samples.map((s) => s.wall)), promoted: median(samples.map((s) => s.promoted)) }));
