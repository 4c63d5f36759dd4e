// Same-run A/B of one SMTP contender in its own process (lib/remote.ts's child) and in this process,
// outside the suites: `BENCH_CLIENTS=both node --import tsx bench/probes/own-vs-shared.ts`
// (env N messages per run, WARM warm-up messages, ROUNDS, GAP ms idle after each run, ENGINE
// node|openssl). Prints client CPU per message of both per round (RESULTS.md, "Per-contender
// processes").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forkChild } from '../lib/children.js';
import { createBenchPki } from '../lib/pki.js';
import { contendersIn } from '../lib/remote.js';

const env = process.env;
if (env.BENCH_CLIENTS !== 'both') throw new Error('run with BENCH_CLIENTS=both');
const [N, WARM, ROUNDS, GAP] = [Number(env.N ?? 300), Number(env.WARM ?? 5000), Number(env.ROUNDS ?? 5), Number(env.GAP ?? 0)];
const pki = await createBenchPki();
const messageFile = join(pki.dir, 'message.eml');
writeFileSync(messageFile, `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`);
const server = await forkChild<{ port: number }>('smtp-server', [pki.cert, pki.key]);
const engine = env.ENGINE === 'openssl' ? 'openssl' : 'node';
const own = contendersIn<typeof import('../contenders/smtp.js')>('smtp')('unitls', { port: server.ready.port, caFile: pki.ca, messageFile, serverPid: server.pid, engine }, { name: engine });
const shared = own.twin!;
const idle = () => new Promise((resolve) => setTimeout(resolve, GAP));
const us = (cpu: number) => Math.round((cpu * 1e6) / N);
try {
  await own.run(WARM);
  await shared.run(WARM);
  for (let round = 0; round < ROUNDS; round++) {
    const a = await own.run(N);
    await idle();
    const b = await shared.run(N);
    await idle();
    console.log(`round ${round}: client CPU per message own ${us(a.cpu)} us, shared ${us(b.cpu)} us (own/shared ${(a.cpu / b.cpu).toFixed(2)})`);
  }
} finally {
  await own.close?.();
  await server.stop();
  pki.remove();
}
