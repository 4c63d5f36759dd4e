// Several SMTP contenders together, each in its own process and as its shared twin, in the suite's
// order: `BENCH_CLIENTS=both SET=node,node WARM=5000 node --import tsx bench/probes/together.ts` (SET:
// node, openssl, mailer; WARMRUNS: the warm-up split over that many connections, default 1).
// Prints client CPU per message, 300-message runs, 3 rounds (RESULTS.md, "Per-contender
// processes", own-process follow-up, and "The lone client (session 8)").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forkChild } from '../lib/children.js';
import { createBenchPki } from '../lib/pki.js';
import { contendersIn } from '../lib/remote.js';
const env = process.env;
if (env.BENCH_CLIENTS !== 'both') throw new Error('run with BENCH_CLIENTS=both');
const [N, WARM, ROUNDS, WARMRUNS] = [300, Number(env.WARM ?? 5000), 3, Number(env.WARMRUNS ?? 1)];
const pki = await createBenchPki();
const messageFile = join(pki.dir, 'message.eml');
writeFileSync(messageFile, `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`);
const server = await forkChild<{ port: number }>('smtp-server', [pki.cert, pki.key]);
const t = { port: server.ready.port, caFile: pki.ca, messageFile, serverPid: server.pid };
const mk = contendersIn<typeof import('../contenders/smtp.js')>('smtp');
const cs = (env.SET ?? 'node,openssl').split(',').map((e) => (e === 'mailer' ? mk('nodemailer', t, { name: e }) : mk('unitls', { ...t, engine: e as 'node' }, { name: e })));
const all = cs.flatMap((c) => [c, c.twin!]);
for (const c of all) for (let i = 0; i < WARMRUNS; i++) await c.run(Math.ceil(WARM / WARMRUNS));
for (let r = 0; r < ROUNDS; r++) {
  const out: string[] = [];
  for (const c of all) { const s = await c.run(N); out.push(`${c.name} ${Math.round((s.cpu * 1e6) / N)}`); }
  console.log(`round ${r}: ${out.join(', ')}`);
}
for (const c of cs) await c.close?.();
await server.stop(); pki.remove();
