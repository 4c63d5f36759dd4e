// One or more @unitls/smtp clients in this process, warmed over WARMCONN connections, then ROUNDS
// runs of N messages each on a new connection (as bench/contenders/smtp.ts's runs):
// `K=1 WARMCONN=1 node --trace-opt --trace-deopt --import tsx bench/probes/reconnect.ts` shows a
// client's second connection deoptimising what its first compiled (count the trace lines between
// the "warm-up done" and "run" lines); WARMCONN=5 shows it gone. Env: K clients (1), WARM messages
// in all (3000), WARMCONN (1), N (300), ROUNDS (4), ENGINE node|openssl. Prints client CPU and
// wall time per message and the GCs of each run (RESULTS.md, "The lone client (session 8)").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { unitls } from '../contenders/smtp.js';
import { forkChild } from '../lib/children.js';
import { createBenchPki } from '../lib/pki.js';

const env = process.env;
const [K, N, WARM, WARMCONN, ROUNDS] = [Number(env.K ?? 1), Number(env.N ?? 300), Number(env.WARM ?? 3000), Number(env.WARMCONN ?? 1), Number(env.ROUNDS ?? 4)];
const pki = await createBenchPki();
const messageFile = join(pki.dir, 'message.eml');
writeFileSync(messageFile, `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`);
const server = await forkChild<{ port: number }>('smtp-server', [pki.cert, pki.key]);
let gcs = 0;
const gc = new PerformanceObserver((list) => void (gcs += list.getEntries().length));
gc.observe({ entryTypes: ['gc'] });
try {
  const engine = env.ENGINE === 'openssl' ? 'openssl' : 'node';
  const target = { port: server.ready.port, caFile: pki.ca, messageFile, serverPid: server.pid, engine } as const;
  const clients = await Promise.all(Array.from({ length: K }, () => unitls(target)));
  for (const run of clients) for (let c = 0; c < WARMCONN; c++) await run(Math.ceil(WARM / WARMCONN));
  console.log('warm-up done');
  for (let round = 0; round < ROUNDS; round++) {
    const out: string[] = [];
    for (const run of clients) {
      gcs = 0;
      const s = await run(N);
      out.push(`CPU ${Math.round((s.cpu * 1e6) / N)} us/message, wall ${Math.round((s.seconds * 1e6) / N)} us, ${gcs} GCs`);
    }
    console.log(`run ${round}: ${out.join(' | ')}`);
  }
} finally {
  gc.disconnect();
  await server.stop();
  pki.remove();
}
