// Messages per second over one STARTTLS connection to smtp-server (its own process): @unitls/smtp
// on tls-node and tls-openssl vs Python's smtplib (anchor) and nodemailer (pooled transport, one
// connection, each in its own process: lib/remote.ts). Every client connects, upgrades and sends
// one message untimed, then N timed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forkChild, runPython } from './lib/children.js';
import { runBench, type Contender } from './lib/harness.js';
import { contendersIn } from './lib/remote.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

const MESSAGE = `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`;
const node = contendersIn<typeof import('./contenders/smtp.js')>('smtp');

export const smtp: Suite = {
  name: 'smtp',
  async run(context: Context) {
    const server = await forkChild<{ port: number }>('smtp-server', [context.pki.cert, context.pki.key]);
    const messageFile = join(context.pki.dir, 'message.eml');
    writeFileSync(messageFile, MESSAGE);
    const { port } = server.ready;
    try {
      const target = { port, caFile: context.pki.ca, messageFile, serverPid: server.pid };
      const contenders: Contender[] = [
        { name: 'Python smtplib', run: (n) => runPython('smtp_client.py', [String(port), context.pki.ca, messageFile, String(n)], server.pid) },
        node('nodemailer', target, { name: 'nodemailer' }),
        ...(['node', 'openssl'] as const).map((engine) => node('unitls', { ...target, engine }, { name: `@unitls/smtp on tls-${engine}` })),
      ];
      const title = `SMTP: messages of ${MESSAGE.length} bytes over one STARTTLS connection to smtp-server (child process)`;
      // The warm-up is longer than a run: V8 compiles the per-message path of a Node client over
      // its first thousands of sends (session 3's final runs: round 1 after a 100-message warm-up cost
      // 1.1-1.4 ms of client CPU per message, rounds 3-5 0.19-0.6 ms; smtplib ~0.2 ms throughout).
      // Each client in its own process (session 7) no longer inherits code the contenders before it
      // compiled, so 5,000 (bench/RESULTS.md, "Per-contender processes"), over five connections as
      // IMAP's: a client's second connection deoptimises the code its first compiled (the plain
      // phase before STARTTLS meets code specialised to TLS) and V8 takes ~900 messages to
      // recompile it, which one 5,000-message warm-up left to the measured rounds (RESULTS.md,
      // "The lone client (session 8)").
      const outcome = await runBench({ id: 'smtp-send', title, unit: 'message', units: scaled(context, 300, 20), warmupUnits: scaled(context, 1000, 10), warmupRuns: 5, anchors: ['Python smtplib', 'nodemailer'], cpu: 'client', contenders }, context.rounds, context.log);
      const { delivered } = await server.request<{ delivered: number }>({});
      context.log(`smtp-send: smtp-server accepted ${delivered} messages`);
      return [outcome];
    } finally {
      await server.stop();
    }
  },
};
