/**
 * Issue #16 item 3: what tls-node's own objects weigh on an idle connection, in bytes, read from a
 * heap snapshot of a process holding idle connections (support/object-sizes.ts): V8 gives each
 * field of an object 8 bytes, and an instance private method one more field per object (the
 * class's private brand). Session 13 put NativeEnd's four state fields in one and NodeTLSSocket's
 * closed flag, version and cipher in one, and made these classes' and tls-core's ChunkReader's
 * private methods static (no brand): NativeEnd 96 -> 64 B, NodeTLSSocket 128 -> 104 B, ChunkReader
 * 152 -> 144 B per connection, each side.
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
  it('NativeEnd holds 64 bytes, NodeTLSSocket 104 and ChunkReader 144 on each side (state packed in one field, no private brand)', { timeout: 120_000 }, async () => {
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
      // A client and a server socket per connection, each with its watcher.
      expect(sizes.get('NativeEnd')).toHaveLength(2 * connections);
      expect(sizes.get('NodeTLSSocket')).toHaveLength(2 * connections);
      expect(sizes.get('ChunkReader')).toHaveLength(2 * connections);
      // Before: NativeEnd 96 (raw, the verdict, tls, reader, who paused, keeper, closing, version,
      // the brand), NodeTLSSocket 128 (twelve fields and the brand).
      expect(new Set(sizes.get('NativeEnd'))).toEqual(new Set([64]));
      expect(new Set(sizes.get('NodeTLSSocket'))).toEqual(new Set([104]));
      // Before: 152, fifteen fields and the brand.
      expect(new Set(sizes.get('ChunkReader'))).toEqual(new Set([144]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
