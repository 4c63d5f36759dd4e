// TLS engines against raw node:tls: bulk throughput (client to server) at 1, 4, 16 and 64
// connections, and sequential full handshakes, each engine on both ends, its server in a child
// process and its client in another (contenders/tls.ts, lib/remote.ts). CPU is both ends': the
// client's process plus the server child.
import { forkChild, type Child } from './lib/children.js';
import { ENGINES, HANDSHAKE_ONLY, LABEL, serverEngine, type Engine } from './lib/engines.js';
import { runBench, type Outcome } from './lib/harness.js';
import { contendersIn } from './lib/remote.js';
import { scaled, type Context, type Suite } from './lib/suite.js';
import { pairName, PAIR_ENGINES } from './tls-buffer-pair.js';

const node = contendersIn<typeof import('./contenders/tls.js')>('tls');
/** BENCH_SINK=recv: unitls bulk servers read with recv (fresh memory per read), as before session 13; default recvInto (tls-server.ts). */
const SINK = process.env.BENCH_SINK === 'recv' ? 'sink-recv' : 'sink';

export const tls: Suite = {
  name: 'tls',
  async run(context: Context): Promise<Outcome[]> {
    const { pki } = context;
    const servers = new Map<string, Child<{ port: number }>>();
    try {
      for (const engine of ENGINES) for (const mode of [SINK, 'greet']) servers.set(`${engine}/${mode}`, await forkChild('tls-server', [engine, mode, pki.cert, pki.key]));
      const server = (engine: Engine, mode: string) => servers.get(`${engine}/${mode}`)!;
      const target = (engine: Engine, mode: string) => ({ engine, port: server(serverEngine(engine), mode).ready.port, serverPid: server(serverEngine(engine), mode).pid, caFile: pki.ca });
      const files = { ca: pki.ca, cert: pki.cert, key: pki.key };
      const pairs = PAIR_ENGINES.filter((engine) => ENGINES.includes(engine));
      const outcomes: Outcome[] = [];
      // BENCH_CONNECTIONS=64 (or 1,64): those bulk rows only, and no handshake rows, for short A/B runs.
      const only = process.env.BENCH_CONNECTIONS?.split(',').filter(Boolean).map(Number);
      for (const connections of [1, 4, 16, 64].filter((n) => only === undefined || only.includes(n))) {
        // The @noble provider's AES-GCM is JavaScript (~10x slower): one connection shows it.
        const engines = connections === 1 ? ENGINES : ENGINES.filter((engine) => engine !== 'pure-noble');
        const contenders = engines.map((engine) => node('bulk', { ...target(engine, SINK), connections }, { name: LABEL[engine] }));
        if (connections === 1) contenders.push(...pairs.map((engine) => node('pairBulk', { ...files, engine }, { name: pairName(engine) })));
        outcomes.push(
          await runBench(
            { id: `tls-bulk-${connections}`, title: `TLS bulk, ${connections} connection(s), client to server, 64 KiB writes`, unit: 'MiB', units: scaled(context, 64), warmupUnits: scaled(context, 16), anchors: [LABEL.raw], cpu: 'client+server', contenders },
            context.rounds,
            context.log,
          ),
        );
      }
      if (only !== undefined) return outcomes;
      const contenders = [
        ...[...ENGINES, ...HANDSHAKE_ONLY].map((engine) => node('handshakes', target(engine, 'greet'), { name: LABEL[engine] })),
        ...pairs.map((engine) => node('pairHandshakes', { ...files, engine }, { name: pairName(engine) })),
      ];
      outcomes.push(
        await runBench({ id: 'tls-handshake', title: 'TLS full handshakes, sequential, until the server finished, each closed with close_notify', unit: 'handshake', units: scaled(context, 200, 10), warmupUnits: scaled(context, 200, 5), anchors: [LABEL.raw], cpu: 'client+server', contenders }, context.rounds, context.log),
      );
      return outcomes;
    } finally {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    }
  },
};
