// IMAP and POP3 from Dovecot (implicit TLS, started as in tests/; its processes are the server
// CPU): FETCH 1:* BODY.PEEK[] of many small messages and of one large one, one UID FETCH per small
// message (pipelined by @unitls/imap, one by one by imaplib), and RETR of many messages. @unitls/imap and @unitls/pop on tls-node and tls-openssl vs Python's imaplib / poplib
// (anchors) and imapflow, every Node client in its own process (lib/remote.ts). Every client logs
// in untimed; only the transfer is measured.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mailServersUnavailable, startMailServers } from '../tests/support/mail-servers.js';
import { childPids } from './lib/clock.js';
import { runPython } from './lib/children.js';
import { runBench, type Contender } from './lib/harness.js';
import { contendersIn } from './lib/remote.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

const node = contendersIn<typeof import('./contenders/mail.js')>('mail');
const floor = contendersIn<typeof import('./contenders/imap-floor.js')>('imap-floor');
const ENGINES = ['node', 'openssl'] as const;
/** The floor rows of the large message (contenders/imap-floor.ts): the same FETCH response read by a bare TLS connection. */
const FLOOR = { node: 'floor: bare reader on tls-node', openssl: 'floor: bare reader on tls-openssl', raw: 'floor: bare reader on raw node:tls' } as const;

/** bob's INBOX gets `n` small messages, his folder "Big" one message of `bytes` bytes (Maildir files); also bench/probes/mail-ab.ts's. */
export function seed(home: string, n: number, bytes: number): { small: number; big: number } {
  let small = 0;
  for (let i = 0; i < n; i++) {
    const message = `From: a@example.test\r\nTo: bob@example.test\r\nSubject: message ${i}\r\n\r\n${'Hello, this is a small message body.\r\n'.repeat(20)}`;
    writeFileSync(join(home, 'cur', `1700${String(i).padStart(6, '0')}.M${i}.bench:2,S`), message);
    small += message.length;
  }
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(home, '.Big', sub), { recursive: true });
  const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
  const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), ...Array<Buffer>(Math.ceil(bytes / line.length)).fill(line)]);
  writeFileSync(join(home, '.Big', 'cur', '1700999999.M1.bench:2,S'), big);
  execFileSync('chown', ['-R', '65534:65534', home]);
  return { small, big: big.length };
}

export const mail: Suite = {
  name: 'mail',
  unavailable: mailServersUnavailable,
  async run(context: Context) {
    const { pki } = context;
    const n = scaled(context, 1000, 20);
    const popPasses = 3;
    const bigMiB = scaled(context, 20);
    const servers = await startMailServers(pki.cert, pki.key);
    try {
      const sizes = seed(join(servers.dir, 'dovecot', 'home', 'bob', 'Maildir'), n, bigMiB * 2 ** 20);
      const dovecot = childPids('dovecot');
      const { imaps, pop3s } = servers.ports;
      const imap = { port: imaps, caFile: pki.ca, serverPids: dovecot };

      const anchors = ['Python imaplib', 'imapflow'];
      // The unitls rows of the large message are also compared with their engine's floor.
      const floorAnchor = (mailbox: string, engine: (typeof ENGINES)[number]) => (mailbox === 'Big' ? { anchors: [...anchors, FLOOR[engine]] } : {});
      const imapContenders = (mailbox: string, bytes: number): Contender[] => [
        { name: 'Python imaplib', run: async () => runPython('imap_client.py', [String(imaps), pki.ca, mailbox], dovecot, bytes) },
        node('imapflow', { ...imap, mailbox, bytes }, { name: 'imapflow' }),
        ...ENGINES.map((engine) => node('imap', { ...imap, engine, mailbox, bytes, fetch: 'all' }, { name: `@unitls/imap on tls-${engine}`, ...floorAnchor(mailbox, engine) })),
        ...(mailbox === 'Big' ? ENGINES.map((engine) => node('imapInto', { ...imap, engine, mailbox, bytes }, { name: `@unitls/imap fetchEach into on tls-${engine}`, ...floorAnchor(mailbox, engine) })) : []),
        // What is reachable on each engine: the same response read by a bare TLS connection into
        // one reused memory; the unitls rows of the large message also get a row against their engine's.
        ...(mailbox === 'Big' ? (['node', 'openssl', 'raw'] as const).map((engine) => floor('imapFloor', { ...imap, engine, mailbox, bytes }, { name: FLOOR[engine], anchors: ['Python imaplib'] })) : []),
      ];
      // One UID FETCH per message: imaplib waits for each answer; @unitls/imap pipelines the
      // commands (RFC 9051 §5.5: FETCHes neither change the state nor expunge) in one write.
      const eachContenders: Contender[] = [
        { name: 'Python imaplib', run: async () => runPython('imap_client.py', [String(imaps), pki.ca, 'INBOX', 'each'], dovecot, sizes.small) },
        ...ENGINES.map((engine) => node('imap', { ...imap, engine, mailbox: 'INBOX', bytes: sizes.small, fetch: 'uid-each' }, { name: `@unitls/imap on tls-${engine}` })),
      ];
      const pop = { port: pop3s, caFile: pki.ca, serverPids: dovecot, messages: n };
      const popContenders: Contender[] = [
        { name: 'Python poplib', run: (count) => runPython('pop_client.py', [String(pop3s), pki.ca, String(count), String(n)], dovecot) },
        ...ENGINES.map((engine) => node('pop', { ...pop, engine, pipelined: false }, { name: `@unitls/pop on tls-${engine}` })),
        // The same RETRs pipelined (RFC 2449 PIPELINING, which Dovecot offers and poplib does not use).
        ...ENGINES.map((engine) => node('pop', { ...pop, engine, pipelined: true }, { name: `@unitls/pop retrMany (PIPELINING) on tls-${engine}` })),
      ];
      // BENCH_MAIL=small,each,big,pop (any of them) runs those benchmarks only, for short A/B runs.
      const wanted = (id: 'small' | 'each' | 'big' | 'pop') => [undefined, ''].includes(process.env.BENCH_MAIL) || process.env.BENCH_MAIL!.split(',').includes(id);
      const outcomes = [];
      if (wanted('small')) {
        // Five warm-up runs (5n messages) for the per-message rows, as SMTP's (smtp.ts).
        outcomes.push(await runBench({ id: 'imap-fetch-small', title: `IMAP FETCH 1:* BODY.PEEK[] of ${n} small messages, Dovecot, implicit TLS`, unit: 'message', units: n, warmupRuns: 5, anchors, cpu: 'client', contenders: imapContenders('INBOX', sizes.small) }, context.rounds, context.log));
      }
      if (wanted('each')) {
        outcomes.push(await runBench({ id: 'imap-fetch-each', title: `IMAP UID FETCH of ${n} small messages, one command each (ours pipelined), Dovecot, implicit TLS`, unit: 'message', units: n, warmupRuns: 5, anchors: ['Python imaplib'], cpu: 'client', contenders: eachContenders }, context.rounds, context.log));
      }
      if (wanted('big')) {
        // Eight warm-up runs (160 MiB), as the HTTPS download's eight: a Node client's fetches of the
        // 20 MiB message fall until its 5th-6th (compilation, page faults; fetchEach into on
        // tls-openssl 6.8 / 5.6 / 6.2 / 4.8 / 4.0 then 3.4-3.8 ms/MiB), and with one warm-up run the
        // measured rounds were its fetches 2-4, while imaplib, a process per run, has no warm-up
        // (bench/probes/imap-curve.ts, RESULTS.md "Session 13: IMAP 20 MiB warm-up").
        outcomes.push(await runBench({ id: 'imap-fetch-big', title: `IMAP FETCH of one ${bigMiB} MiB message, Dovecot, implicit TLS`, unit: 'MiB', units: sizes.big / 2 ** 20, warmupRuns: 8, anchors, cpu: 'client', contenders: imapContenders('Big', sizes.big) }, context.rounds, context.log));
      }
      if (wanted('pop')) {
        // Each run RETRs the n messages three times over (a sample of ~0.1 s, not ~40 ms) after a
        // warm-up of 5n RETRs for every contender: V8 on Node 20 optimises a function called once per
        // message only after ~4,000-7,000 calls (--trace-opt: the POP3 command encoder in round 6 of a
        // 1,000-message warm-up), so rounds 1-2 measured compilation (~2.2x the later rounds). Five
        // connections of n, as IMAP's: a client's second connection deoptimises code its first
        // compiled (RESULTS.md, "The lone client (session 8)").
        outcomes.push(await runBench({ id: 'pop-retr', title: `POP3 RETR of ${n} small messages (each run ${popPasses}x over), Dovecot, implicit TLS`, unit: 'message', units: popPasses * n, warmupUnits: n, warmupRuns: 5, anchors: ['Python poplib'], cpu: 'client', contenders: popContenders }, context.rounds, context.log));
      }
      return outcomes;
    } finally {
      await servers.stop();
    }
  },
};
