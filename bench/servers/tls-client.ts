// TLS clients in their own process, for the memory benchmark: `tls-client.ts <engine> <port> <ca>`.
// IPC request {open: n} opens n connections to a greet-mode tls-server (each waits for its "k", so
// the handshake and any session tickets are done) and holds them; every request is answered with
// {rss, young, heap, connections} after two full GCs (lib/resident.ts); {snapshot: file} also writes
// a heap snapshot there after the GCs (probes/idle-heap.ts).
import { writeHeapSnapshot } from 'node:v8';
import type { Connection } from '../lib/engines.js';
import { dialer, type Engine } from '../lib/engines.js';
import { preloadFor } from '../lib/preload.js';
import { resident } from '../lib/resident.js';

const [engine, port, caFile] = process.argv.slice(2) as [Engine, string, string];
// The raw anchor shares one secure context, as a unitls client context does (see RawContext).
const connect = dialer(engine, Number(port), caFile, 'shared');
const held: Connection[] = [];

async function open(n: number): Promise<void> {
  const BATCH = 25; // concurrent handshakes at a time, well under the server's backlog
  for (let left = n; left > 0; left -= BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, left) }, async () => {
        const connection = await connect();
        if ((await connection.recv(1)).length !== 1) throw new Error('server closed before greeting');
        return connection;
      }),
    );
    held.push(...batch);
  }
}

process.on('message', async (message: { open?: number; snapshot?: string }) => {
  if (message.open) await open(message.open);
  globalThis.gc?.();
  globalThis.gc?.();
  if (message.snapshot !== undefined) writeHeapSnapshot(message.snapshot);
  process.send!({ ...resident(), connections: held.length });
});
await preloadFor(engine);
process.send!({ ready: true });
