/**
 * Issue #16 item 3: what tls-node's own objects weigh on an idle connection, in bytes, read from a
 * heap snapshot of a process holding idle connections (support/object-sizes.ts): V8 gives each
 * field of an object 8 bytes, and an instance private method one more field per object (the
 * class's private brand). Session 13 put NativeEnd's four state fields in one and NodeTLSSocket's
 * closed flag, version and cipher in one, and made these classes' and tls-core's ChunkReader's
 * private methods static (no brand): NativeEnd 96 -> 64 B, NodeTLSSocket 128 -> 104 B, ChunkReader
 * 152 -> 144 B per connection, each side. Session 14 made NativeEnd the connection's ChunkReader
 * (a subclass: one object, 168 B, where a watcher and a reader were 64 + 144), and tls-node's own
 * table of watchers keeps no entry for an idle client connection that node:tls connected itself
 * (its reader's entry in tls-core's table finds it).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** The self sizes of every JavaScript object named one of `names` in the snapshot `file`, by name. */
function objectSizes(file: string, names: readonly string[]): Map<string, number[]> {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const sizes = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let i = 0; i < data.nodes.length; i += fields.length) {
    if (types[data.nodes[i + typeAt]!] !== 'object') continue;
    sizes.get(data.strings[data.nodes[i + nameAt]!]!)?.push(data.nodes[i + sizeAt]!);
  }
  return sizes;
}

describe("tls-node's objects on an idle connection (issue #16 item 3)", () => {
  it('NativeEnd is the reader too: one object of 168 bytes, NodeTLSSocket 96, on each side; no separate ChunkReader', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitls-object-sizes-'));
    const file = join(dir, 'idle.heapsnapshot');
    const connections = 12;
    try {
      const child = fork(fileURLToPath(new URL('./support/object-sizes.ts', import.meta.url)), [file, String(connections)], {
        execArgv: ['--import', 'tsx', '--expose-gc'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const exited = once(child, 'exit');
      const [reply] = (await once(child, 'message')) as [{ connections: number }];
      const [code] = (await exited) as [number | null];
      expect([reply.connections, code]).toEqual([connections, 0]);
      const sizes = objectSizes(file, ['NativeEnd', 'NodeTLSSocket', 'ChunkReader']);
      // A client and a server socket per connection, each with its watcher, which is its reader.
      expect(sizes.get('NativeEnd')).toHaveLength(2 * connections);
      expect(sizes.get('NodeTLSSocket')).toHaveLength(2 * connections);
      // Before: a ChunkReader of 144 B per socket beside a NativeEnd of 64. (The snapshot names
      // NativeEnd's prototype after ChunkReader: one small object, not a reader.)
      expect(sizes.get('ChunkReader')!.filter((size) => size >= 144)).toEqual([]);
      // ChunkReader's fifteen fields and NativeEnd's three (raw, its state, the session keeper).
      expect(new Set(sizes.get('NativeEnd'))).toEqual(new Set([168]));
      // Before: 104, its reader in a field of its own beside the end's watcher (now the end holds it).
      expect(new Set(sizes.get('NodeTLSSocket'))).toEqual(new Set([96]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
