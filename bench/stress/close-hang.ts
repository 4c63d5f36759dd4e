// Targeted close() probes for the tls-handshake stall: every client implementation against an
// in-process node:tls server that behaves per scenario; each await has a watchdog naming the step.
// node --import tsx bench/stress/close-hang.ts [iterations]
// ENGINES=node,openssl,pure,pure-noble,pure-x25519 picks the clients; SERVER=bench talks to the
// bench's own greet server of each engine (bench/servers/tls-server.ts, its own process) instead,
// in the scenarios where the server's behaviour is the greet server's.
import { setTimeout as sleep } from 'node:timers/promises';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createBenchPki } from '../lib/pki.js';
import { forkChild } from '../lib/children.js';
import { dialer, LABEL, serverEngine, type Engine } from '../lib/engines.js';

const N = Number(process.argv[2] ?? 20);
const WATCHDOG_MS = 8_000;
type ServerMode = 'greet' | 'greet-close' | 'greet-rst' | 'greet-hold' | 'greet-destroy';
let mode: ServerMode = 'greet';

const pki = await createBenchPki();
const server = tls.createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key), ciphers: 'TLS_AES_128_GCM_SHA256', allowHalfOpen: true }, (socket) => {
  const m = mode;
  socket.on('error', () => socket.destroy());
  socket.write('k');
  socket.resume();
  if (m === 'greet') socket.on('end', () => socket.end());
  else if (m === 'greet-close') socket.end();
  else if (m === 'greet-rst') setImmediate(() => ((socket as unknown as { _parent?: import('node:net').Socket })._parent ?? socket).resetAndDestroy?.());
  else if (m === 'greet-destroy') setImmediate(() => socket.destroy());
  // greet-hold: never answers the client's FIN
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

async function step<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const dog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HUNG ${what}`)), WATCHDOG_MS);
  });
  try {
    return await Promise.race([work, dog]);
  } finally {
    clearTimeout(timer);
  }
}

const swallow = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `err ${e.constructor.name}`);

type Conn = Awaited<ReturnType<ReturnType<typeof dialer>>>;
const scenarios: Record<string, { mode: ServerMode; run(c: Conn, w: (s: string, p: Promise<unknown>) => Promise<unknown>): Promise<void> }> = {
  'bench loop': { mode: 'greet', run: async (c, w) => { await w('recv', c.recv(1)); await w('close', c.close()); } },
  'close before greeting': { mode: 'greet', run: async (c, w) => { await w('close', c.close()); } },
  'peer closed first, EOF read': { mode: 'greet-close', run: async (c, w) => { await w('recv', c.recv(1)); await w('recv eof', swallow(c.recv(1))); await w('close', c.close()); } },
  'peer closed first, not read': { mode: 'greet-close', run: async (c, w) => { await w('recv', c.recv(1)); await sleep(20); await w('close', c.close()); } },
  'peer reset': { mode: 'greet-rst', run: async (c, w) => { await w('recv', swallow(c.recv(1))); await sleep(20); await w('close', c.close()); } },
  'peer destroy': { mode: 'greet-destroy', run: async (c, w) => { await w('recv', swallow(c.recv(1))); await sleep(20); await w('close', c.close()); } },
  'peer never FINs': { mode: 'greet-hold', run: async (c, w) => { await w('recv', c.recv(1)); await w('close', c.close()); } },
  'close twice': { mode: 'greet', run: async (c, w) => { await w('recv', c.recv(1)); await w('close x2', Promise.all([c.close(), c.close()])); } },
  'close during recv': { mode: 'greet', run: async (c, w) => { await w('recv', c.recv(1)); const r = swallow(c.recv(1)); await w('close', c.close()); await w('pending recv', r); } },
  'close during recv, peer closes': { mode: 'greet-close', run: async (c, w) => { await w('recv', c.recv(1)); const r = swallow(c.recv(1)); await w('close', c.close()); await w('pending recv', r); } },
};

const engines: Engine[] = (process.env.ENGINES?.split(',') as Engine[] | undefined) ?? ['node', 'openssl', 'pure'];
const hung: string[] = [];
const benchServer = process.env.SERVER === 'bench';
for (const engine of engines) {
  const child = benchServer ? await forkChild<{ port: number }>('tls-server', [serverEngine(engine), 'greet', pki.cert, pki.key]) : null;
  const connect = dialer(engine, child?.ready.port ?? port, pki.ca);
  for (const [name, s] of Object.entries(scenarios)) {
    if (benchServer && s.mode !== 'greet') continue;
    mode = s.mode;
    let failures = 0;
    for (let i = 0; i < N; i++) {
      try {
        const c = await step(`${LABEL[engine]} / ${name}: connect`, connect());
        await s.run(c, (what, p) => step(`${LABEL[engine]} / ${name} #${i}: ${what}`, p));
      } catch (error) {
        const message = (error as Error).message;
        if (message.startsWith('HUNG')) {
          hung.push(message);
          console.log(message);
          break;
        }
        failures++;
      }
    }
    console.log(`${LABEL[engine].padEnd(12)} ${name.padEnd(32)} ${failures ? `${failures} errors` : 'ok'}`);
  }
  await child?.stop();
}
console.log(hung.length ? `HUNG:\n${hung.join('\n')}` : 'no hang');
server.close();
pki.remove();
process.exit(hung.length ? 1 : 0);
