// Memory per idle TLS connection, client and server, each engine on both ends in two fresh child
// processes: resident set size after two full GCs, before and after 1,000 connections that
// finished their handshake (and got their session tickets) and stay open. Anchor: raw node:tls,
// its clients sharing one secure context as each unitls client context does (servers/tls-client.ts;
// until session 10 each raw client built its own, ~15-30 KiB of RSS and 72 bytes of heap more per
// connection than raw node:tls needs: the anchor was that much heavier).
// Also per connection: the same RSS without V8's young generation (empty after a full GC, sized
// per process by the recent allocation rate: see lib/resident.ts) and the live JavaScript heap.
import { forkChild } from './lib/children.js';
import { ENGINES, LABEL } from './lib/engines.js';
import { stat } from './lib/harness.js';
import type { Resident } from './lib/resident.js';
import { scaled, type Context, type MemoryOutcome, type MemorySample, type Suite } from './lib/suite.js';

interface Usage extends Resident {
  connections: number;
}

/** KiB per connection between two readings of each side. */
function perConnection(n: number, client: [Usage, Usage], server: [Usage, Usage]): MemorySample {
  const kib = (pair: [Usage, Usage], read: (u: Usage) => number) => (read(pair[1]) - read(pair[0])) / n / 1024;
  const withoutYoung = (u: Usage) => u.rss - u.young;
  return {
    client: kib(client, (u) => u.rss),
    server: kib(server, (u) => u.rss),
    clientWithoutYoung: kib(client, withoutYoung),
    serverWithoutYoung: kib(server, withoutYoung),
    clientHeap: kib(client, (u) => u.heap),
    serverHeap: kib(server, (u) => u.heap),
  };
}

export const memory: Suite = {
  name: 'memory',
  async run(context: Context) {
    const n = scaled(context, 1000, 50);
    const outcome: MemoryOutcome = { kind: 'memory', id: 'tls-idle-memory', title: `Memory per idle TLS connection (${n} connections, RSS after GC)`, connections: n, samples: {} };
    const rounds = Math.min(3, context.rounds); // RSS does not depend on load; fresh processes each round
    for (let round = 0; round < rounds; round++) {
      for (const engine of ENGINES) {
        context.log(`tls-idle-memory: ${LABEL[engine]}, round ${round + 1}/${rounds}`);
        const server = await forkChild<{ port: number }>('tls-server', [engine, 'greet', context.pki.cert, context.pki.key]);
        const client = await forkChild<{ ready: true }>('tls-client', [engine, String(server.ready.port), context.pki.ca]);
        try {
          // Warm both processes (code paths, allocator pools) with a few connections first.
          await client.request<Usage>({ open: 20 });
          const [serverBefore, clientBefore] = [await server.request<Usage>({}), await client.request<Usage>({})];
          const clientAfter = await client.request<Usage>({ open: n });
          const serverAfter = await server.request<Usage>({});
          if (serverAfter.connections !== n + 20) throw new Error(`server holds ${serverAfter.connections} connections, not ${n + 20}`);
          (outcome.samples[LABEL[engine]] ??= []).push(perConnection(n, [clientBefore, clientAfter], [serverBefore, serverAfter]));
        } finally {
          await client.stop();
          await server.stop();
        }
      }
    }
    return [outcome];
  },
};

export function memoryTable(outcome: MemoryOutcome): string {
  const tables = [sideTable(outcome, `### ${outcome.title}`, (s) => [s.client, s.server])];
  // Runs saved before these figures existed have none.
  const split = (s: MemorySample): [number, number] | undefined => (s.clientWithoutYoung === undefined ? undefined : [s.clientWithoutYoung, s.serverWithoutYoung!]);
  if (Object.values(outcome.samples).every((samples) => samples.every((s) => split(s) !== undefined))) {
    tables.push(sideTable(outcome, '#### The same without V8\'s young generation (empty after a full GC; its size is per process, set by the recent allocation rate)', (s) => split(s)!));
    tables.push(sideTable(outcome, '#### Live JavaScript heap per connection (heapUsed)', (s) => [s.clientHeap!, s.serverHeap!]));
  }
  return tables.join('\n\n');
}

function sideTable(outcome: MemoryOutcome, heading: string, read: (s: MemorySample) => [number, number]): string {
  const anchor = outcome.samples[LABEL.raw] ?? [];
  const lines = [
    heading,
    '',
    `${anchor.length} rounds, fresh processes each; KiB per connection (median, min–max) and the ratio to raw node:tls in the same round (median, min–max): lower is better.`,
    '',
    '| row | anchor | client KiB/conn | client ratio | client spread | server KiB/conn | server ratio | server spread |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, samples] of Object.entries(outcome.samples)) {
    const cells = [0, 1].flatMap((side) => {
      const own = stat(samples.map((s) => read(s)[side]!));
      const ratios = stat(samples.flatMap((s, i) => (anchor[i] ? [read(s)[side]! / read(anchor[i])[side]!] : [])));
      return [`${own?.median.toFixed(1)} (${own?.min.toFixed(1)}–${own?.max.toFixed(1)})`, ratios?.median.toFixed(2) ?? '-', ratios ? `${ratios.min.toFixed(2)}–${ratios.max.toFixed(2)}` : '-'];
    });
    lines.push(`| ${name} | ${LABEL.raw} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
