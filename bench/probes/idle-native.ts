// What an idle connection holds outside the JavaScript heap: the memory benchmark's own children
// (servers/tls-server.ts greet mode, servers/tls-client.ts, the same engine on both ends) read
// before and after N connections, per connection: RSS, V8's live heap, process.memoryUsage()'s
// external and arrayBuffers, /proc/<pid>/smaps_rollup (anonymous and private dirty pages) and,
// where gdb can attach (MALLOC=1), glibc's malloc_info() (all arenas: every live malloc'd byte, OpenSSL's
// and Node's native objects, and the free bytes malloc keeps).
// `node --import tsx bench/probes/idle-native.ts` (env N connections, default 1000; ENGINES
// comma-separated, default raw,node; ROUNDS, default 1; MALLOC=1 for malloc_info through gdb).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { forkChild, type Child } from '../lib/children.js';
import type { Engine } from '../lib/engines.js';
import { createBenchPki } from '../lib/pki.js';
import type { Resident } from '../lib/resident.js';

const env = process.env;
const N = Number(env.N ?? 1000);
const ROUNDS = Number(env.ROUNDS ?? 1);
const engines = (env.ENGINES ?? 'raw,node').split(',') as Engine[];

type Reading = Record<string, number>;

/**
 * Resident bytes by kind of mapping (/proc/<pid>/smaps): `brk` the main malloc arena ([heap]),
 * `anon` other anonymous mappings (V8's pages, other malloc arenas, mmapped chunks), `file` the rest.
 */
function smaps(pid: number): Reading {
  const out: Reading = { brk: 0, anon: 0, file: 0 };
  let kind = 'file';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) kind = head[1] === '[heap]' ? 'brk' : head[1] === '' ? 'anon' : 'file';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind]! += Number(rss[1]) * 1024;
  }
  return out;
}

/**
 * glibc's malloc_info() through gdb (MALLOC=1): bytes malloc'd and not freed (every arena's system
 * bytes less its free chunks, plus mmapped chunks), and the free bytes it keeps.
 */
function mallocStats(pid: number): Reading {
  if (env.MALLOC !== '1') return {};
  const file = `/tmp/idle-native-${pid}-${Date.now()}.xml`;
  execFileSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', `call (void*)fopen("${file}","w")`, '-ex', 'call (int)malloc_info(0,$1)', '-ex', 'call (int)fclose($1)'], { stdio: 'ignore' });
  const xml = readFileSync(file, 'utf8');
  rmSync(file);
  const totals = xml.slice(xml.lastIndexOf('</heap>'));
  const size = (re: RegExp) => Number(re.exec(totals)?.[1] ?? 0);
  const free = size(/type="fast" count="\d+" size="(\d+)"/) + size(/type="rest" count="\d+" size="(\d+)"/);
  const mmap = size(/type="mmap" count="\d+" size="(\d+)"/);
  const system = size(/<system type="current" size="(\d+)"/);
  return { mallocInUse: system - free + mmap, mallocFree: free };
}

async function read(child: Child<unknown>): Promise<Reading> {
  const r = await child.request<Resident & { connections: number }>({});
  return { rss: r.rss, young: r.young, heap: r.heap, heapTotal: r.heapTotal, external: r.external, arrayBuffers: r.arrayBuffers, ...smaps(child.pid), ...mallocStats(child.pid) };
}

const pki = await createBenchPki();
const totals = new Map<string, Reading[]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const engine of engines) {
      const server = await forkChild<{ port: number }>('tls-server', [engine, 'greet', pki.cert, pki.key]);
      const client = await forkChild<{ ready: true }>('tls-client', [engine, String(server.ready.port), pki.ca]);
      try {
        await client.request({ open: 20 });
        const [serverBefore, clientBefore] = [await read(server), await read(client)];
        await client.request({ open: N });
        const [clientAfter, serverAfter] = [await read(client), await read(server)];
        for (const [side, before, after] of [['client', clientBefore, clientAfter], ['server', serverBefore, serverAfter]] as const) {
          const per: Reading = {};
          for (const key of Object.keys(after)) per[key] = (after[key]! - (before[key] ?? 0)) / N;
          const label = `${engine} ${side}`;
          (totals.get(label) ?? totals.set(label, []).get(label)!).push(per);
          console.log(`${label.padEnd(14)} ${Object.entries(per).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('  ')}`);
        }
      } finally {
        await client.stop();
        await server.stop();
      }
    }
  }
} finally {
  pki.remove();
}
