// What an idle connection holds on the JavaScript heap, object by object: heap snapshots of the
// memory benchmark's own children (servers/tls-server.ts greet mode, servers/tls-client.ts, the
// same engine on both ends) before and after N connections, diffed by kind of object.
// `node --import tsx bench/probes/idle-heap.ts` (env N connections, default 300; ENGINES
// comma-separated, default raw,node; TOP rows per table, default 25; KEEP=1 keeps the snapshot
// files). Prints, per engine and side,
// the live heap per connection and the kinds of object that grew, bytes and count per connection.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { forkChild } from '../lib/children.js';
import type { Engine } from '../lib/engines.js';
import { createBenchPki } from '../lib/pki.js';

const env = process.env;
const N = Number(env.N ?? 300);
const TOP = Number(env.TOP ?? 25);
const engines = (env.ENGINES ?? 'raw,node').split(',') as Engine[];

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per kind of object ("type:name"; strings, numbers and code by type alone). */
function census(file: string): Map<string, { bytes: number; count: number }> {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const byName = new Set(['object', 'closure', 'native', 'hidden', 'array', 'object shape', 'synthetic']);
  const kinds = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < data.nodes.length; i += fields.length) {
    const type = types[data.nodes[i + typeAt]!]!;
    const key = byName.has(type) ? `${type}:${data.strings[data.nodes[i + nameAt]!]!.slice(0, 70)}` : type;
    const kind = kinds.get(key) ?? { bytes: 0, count: 0 };
    kind.bytes += data.nodes[i + sizeAt]!;
    kind.count++;
    kinds.set(key, kind);
  }
  return kinds;
}

function diff(before: string, after: string, label: string, heapPerConnection: number): void {
  const [a, b] = [census(before), census(after)];
  const rows = [...b].map(([key, { bytes, count }]) => ({ key, bytes: (bytes - (a.get(key)?.bytes ?? 0)) / N, count: (count - (a.get(key)?.count ?? 0)) / N }));
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`\n## ${label}: heapUsed ${heapPerConnection.toFixed(0)} B/conn, snapshot self sizes ${total.toFixed(0)} B/conn`);
  for (const row of rows.slice(0, TOP)) if (Math.abs(row.bytes) >= 4) console.log(`${row.bytes.toFixed(0).padStart(6)} B ${row.count.toFixed(2).padStart(6)}x  ${row.key}`);
}

const pki = await createBenchPki();
try {
  for (const engine of engines) {
    const server = await forkChild<{ port: number }>('tls-server', [engine, 'greet', pki.cert, pki.key]);
    const client = await forkChild<{ ready: true }>('tls-client', [engine, String(server.ready.port), pki.ca]);
    const file = (side: string, when: string) => join(pki.dir, `${engine}-${side}-${when}.heapsnapshot`);
    try {
      await client.request({ open: 20 });
      const serverBefore = await server.request<{ heap: number }>({ snapshot: file('server', 'before') });
      const clientBefore = await client.request<{ heap: number }>({ snapshot: file('client', 'before') });
      await client.request({ open: N });
      const clientAfter = await client.request<{ heap: number }>({ snapshot: file('client', 'after') });
      const serverAfter = await server.request<{ heap: number }>({ snapshot: file('server', 'after') });
      diff(file('server', 'before'), file('server', 'after'), `${engine} server`, (serverAfter.heap - serverBefore.heap) / N);
      diff(file('client', 'before'), file('client', 'after'), `${engine} client`, (clientAfter.heap - clientBefore.heap) / N);
    } finally {
      await client.stop();
      await server.stop();
      if (env.KEEP === undefined) for (const side of ['server', 'client']) for (const when of ['before', 'after']) rmSync(file(side, when), { force: true });
      else console.log(`snapshots kept in ${pki.dir}`);
    }
  }
} finally {
  if (env.KEEP === undefined) pki.remove();
}
