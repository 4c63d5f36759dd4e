// TLS engines against raw node:tls: bulk throughput (client to server) at 1, 4, 16 and 64
// connections, and sequential full handshakes, each engine on both ends, its server in a child
// process. CPU is both ends': the measuring process (client) plus the server child.
import { clock, type Sample } from './lib/clock.js';
import { forkChild, type Child } from './lib/children.js';
import { dialer, ENGINES, HANDSHAKE_ONLY, LABEL, serverEngine, type Engine } from './lib/engines.js';
import { runBench, type Contender, type Outcome } from './lib/harness.js';
import { scaled, type Context, type Suite } from './lib/suite.js';
import { bufferPair, PAIR_ENGINES } from './tls-buffer-pair.js';

const CHUNK = 64 * 1024;
const payload = Buffer.alloc(CHUNK, 7);

/**
 * The longest one connection set-up (TCP connect and TLS handshake) or one wait for the server's
 * greeting may take: a hang fails its row with a message saying where, instead of stalling the run
 * (a tls-pure pair once sat 20 minutes in tls-handshake, both ends idle; bench/stress/hs.ts).
 */
export const HANDSHAKE_TIMEOUT_MS = 30_000;

/** What keeps this process alive, counted by kind (TCPSocketWrap: a socket still open), for a hang's message. */
function activeResources(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} x${n}`).join(', ');
}

/**
 * `work`, or a rejection naming `what` (and what this process still holds open) once `ms`
 * passed. Every await of the TLS rows goes through it, close() included: the run of 05:25 today
 * stalled with no connection open, where only c.close() was unbounded.
 */
export async function within<T>(work: Promise<T>, what: string, ms = HANDSHAKE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s (a hang; still open here: ${activeResources()})`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function bulk(engine: Engine, server: Child<{ port: number }>, caFile: string, connections: number): Contender {
  const connect = dialer(engine, server.ready.port, caFile);
  return {
    name: LABEL[engine],
    async run(mib) {
      const perConnection = Math.ceil((mib * 2 ** 20) / connections / CHUNK) * CHUNK;
      const open = await Promise.all(Array.from({ length: connections }, (_, i) => within(connect(), `${LABEL[engine]}: connection ${i + 1} of ${connections}`)));
      const header = Buffer.alloc(8);
      header.writeBigUInt64BE(BigInt(perConnection));
      const sample = await clock(async () => {
        await Promise.all(
          open.map(async (c) => {
            await c.send(header);
            for (let sent = 0; sent < perConnection; sent += CHUNK) await c.send(payload);
            if ((await c.recv(1)).length !== 1) throw new Error('server closed before acknowledging');
          }),
        );
      }, server.pid);
      await Promise.all(open.map((c, i) => within(c.close(), `${LABEL[engine]}: close of connection ${i + 1} of ${connections}`)));
      return sample;
    },
  };
}

function handshakes(engine: Engine, server: Child<{ port: number }>, caFile: string): Contender {
  const connect = dialer(engine, server.ready.port, caFile);
  return {
    name: LABEL[engine],
    run: (n): Promise<Sample> =>
      clock(async () => {
        for (let i = 0; i < n; i++) {
          const c = await within(connect(), `${LABEL[engine]}: handshake ${i + 1} of ${n} (connect)`);
          // The server's "k" says it finished its side too (TLS 1.3 lets the client finish first).
          const close = () => within(c.close(), `${LABEL[engine]}: handshake ${i + 1} of ${n} (close)`);
          const greeting = await within(c.recv(1), `${LABEL[engine]}: handshake ${i + 1} of ${n} (the server's greeting)`).catch(async (error: unknown) => {
            await close().catch(() => {});
            throw error;
          });
          if (greeting.length !== 1) throw new Error('server closed before greeting');
          await close();
        }
      }, server.pid),
  };
}

export const tls: Suite = {
  name: 'tls',
  async run(context: Context): Promise<Outcome[]> {
    const { pki } = context;
    const servers = new Map<string, Child<{ port: number }>>();
    try {
      for (const engine of ENGINES) for (const mode of ['sink', 'greet']) servers.set(`${engine}/${mode}`, await forkChild('tls-server', [engine, mode, pki.cert, pki.key]));
      const server = (engine: Engine, mode: string) => servers.get(`${engine}/${mode}`)!;
      const pairs = PAIR_ENGINES.filter((engine) => ENGINES.includes(engine)).map((engine) => bufferPair(pki, engine));
      const outcomes: Outcome[] = [];
      // BENCH_CONNECTIONS=64 (or 1,64): those bulk rows only, and no handshake rows, for short A/B runs.
      const only = process.env.BENCH_CONNECTIONS?.split(',').filter(Boolean).map(Number);
      for (const connections of [1, 4, 16, 64].filter((n) => only === undefined || only.includes(n))) {
        // The @noble provider's AES-GCM is JavaScript (~10x slower): one connection shows it.
        const engines = connections === 1 ? ENGINES : ENGINES.filter((engine) => engine !== 'pure-noble');
        const contenders = engines.map((engine) => bulk(engine, server(engine, 'sink'), pki.ca, connections));
        if (connections === 1) contenders.push(...pairs.map((pair) => pair.bulk));
        outcomes.push(
          await runBench(
            { id: `tls-bulk-${connections}`, title: `TLS bulk, ${connections} connection(s), client to server, 64 KiB writes`, unit: 'MiB', units: scaled(context, 64), warmupUnits: scaled(context, 16), anchors: [LABEL.raw], cpu: 'client+server', contenders },
            context.rounds,
            context.log,
          ),
        );
      }
      if (only !== undefined) return outcomes;
      const contenders = [...[...ENGINES, ...HANDSHAKE_ONLY].map((engine) => handshakes(engine, server(serverEngine(engine), 'greet'), pki.ca)), ...pairs.map((pair) => pair.handshakes)];
      outcomes.push(
        await runBench({ id: 'tls-handshake', title: 'TLS full handshakes, sequential, until the server finished', unit: 'handshake', units: scaled(context, 200, 10), warmupUnits: scaled(context, 50, 5), anchors: [LABEL.raw], cpu: 'client+server', contenders }, context.rounds, context.log),
      );
      return outcomes;
    } finally {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    }
  },
};
