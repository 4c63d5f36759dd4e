// IMAP and POP3 from Dovecot (implicit TLS, started as in tests/; its processes are the server
// CPU): FETCH 1:* BODY.PEEK[] of many small messages and of one large one, one UID FETCH per small
// message (pipelined by @unitls/imap, one by one by imaplib), and RETR of many messages. @unitls/imap and @unitls/pop on tls-node and tls-openssl vs Python's imaplib / poplib
// (anchors) and imapflow. Every client logs in untimed; only the transfer is measured.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { IMAP4_SSL } from '@unitls/imap';
import { POP3_SSL } from '@unitls/pop';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { mailServersUnavailable, startMailServers } from '../tests/support/mail-servers.js';
import { childPids, clock } from './lib/clock.js';
import { runPython } from './lib/children.js';
import { UNITLS } from './lib/engines.js';
import { runBench, type Contender } from './lib/harness.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

const check = (what: string, got: number, want: number) => {
  if (got !== want) throw new Error(`${what}: got ${got}, expected ${want}`);
};

/** bob's INBOX gets `n` small messages, his folder "Big" one message of `bytes` bytes (Maildir files). */
function seed(home: string, n: number, bytes: number): { small: number; big: number } {
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
      const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(pki.ca)) });
      const { imaps, pop3s } = servers.ports;

      const imapContenders = (mailbox: string, bytes: number): Contender[] => [
        { name: 'Python imaplib', run: async () => runPython('imap_client.py', [String(imaps), pki.ca, mailbox], dovecot, bytes) },
        {
          name: 'imapflow',
          async run() {
            const client = new ImapFlow({ host: '127.0.0.1', port: imaps, secure: true, tls: { ca: readFileSync(pki.ca), servername: 'localhost' }, auth: { user: 'bob', pass: 'bobpass' }, logger: false });
            await client.connect();
            const lock = await client.getMailboxLock(mailbox, { readOnly: true });
            let got = 0;
            const sample = await clock(async () => {
              for await (const message of client.fetch('1:*', { source: true })) got += message.source?.length ?? 0;
            }, dovecot);
            lock.release();
            await client.logout();
            check('imapflow bytes', got, bytes);
            return sample;
          },
        },
        ...ours(mailbox, bytes, (imap) => imap.fetch('1:*', 'BODY.PEEK[]')),
        ...(mailbox === 'Big' ? oursInto(mailbox, bytes) : []),
      ];
      /** @unitls/imap on both engines, logged in and in `mailbox` untimed; `fetch` is the timed work. */
      function ours(mailbox: string, bytes: number, fetch: (imap: IMAP4_SSL, uids: number[]) => Promise<Array<{ body: Record<string, Uint8Array | null> }>>): Contender[] {
        return (['node', 'openssl'] as const).map((engine) => ({
          name: `@unitls/imap on tls-${engine}`,
          async run() {
            const imap = new IMAP4_SSL({ host: '127.0.0.1', port: imaps, serverHostname: 'localhost', implementation: UNITLS[engine] as TLSImplementation, configuration });
            await imap.connect();
            await imap.login('bob', 'bobpass');
            await imap.examine(mailbox);
            const uids = await imap.uidSearch(['ALL']);
            let got = 0;
            const sample = await clock(async () => {
              got = (await fetch(imap, uids)).reduce((total, m) => total + (m.body['BODY[]']?.length ?? 0), 0);
            }, dovecot);
            await imap.logout();
            check('@unitls/imap bytes', got, bytes);
            return sample;
          },
        }));
      }
      /**
       * fetchEach with `into`: each body received into one memory the caller reuses (allocated by
       * the warm-up run, kept by the contender as an application fetching one large body after
       * another keeps it), handed over as it arrives; what imaplib gets from CPython's allocator.
       */
      function oursInto(mailbox: string, bytes: number): Contender[] {
        return (['node', 'openssl'] as const).map((engine) => {
          let memory = new Uint8Array(0);
          return {
            name: `@unitls/imap fetchEach into on tls-${engine}`,
            async run() {
              if (memory.length < bytes) memory = new Uint8Array(bytes);
              const imap = new IMAP4_SSL({ host: '127.0.0.1', port: imaps, serverHostname: 'localhost', implementation: UNITLS[engine] as TLSImplementation, configuration });
              await imap.connect();
              await imap.login('bob', 'bobpass');
              await imap.examine(mailbox);
              let got = 0;
              const sample = await clock(async () => {
                await imap.fetchEach('1:*', 'BODY.PEEK[]', (m) => (got += m.body['BODY[]']?.length ?? 0), { into: memory });
              }, dovecot);
              await imap.logout();
              check('@unitls/imap fetchEach bytes', got, bytes);
              return sample;
            },
          };
        });
      }
      // One UID FETCH per message: imaplib waits for each answer; @unitls/imap pipelines the
      // commands (RFC 9051 §5.5: FETCHes neither change the state nor expunge) in one write.
      const eachContenders: Contender[] = [
        { name: 'Python imaplib', run: async () => runPython('imap_client.py', [String(imaps), pki.ca, 'INBOX', 'each'], dovecot, sizes.small) },
        ...ours('INBOX', sizes.small, (imap, uids) => imap.uidFetch(uids.map(String), 'BODY.PEEK[]')),
      ];
      const popContenders: Contender[] = [
        { name: 'Python poplib', run: (count) => runPython('pop_client.py', [String(pop3s), pki.ca, String(count), String(n)], dovecot) },
        ...(['node', 'openssl'] as const).map((engine) => ({
          name: `@unitls/pop on tls-${engine}`,
          async run(count: number) {
            const pop = new POP3_SSL({ host: '127.0.0.1', port: pop3s, serverHostname: 'localhost', implementation: UNITLS[engine] as TLSImplementation, configuration });
            await pop.connect();
            await pop.user('bob');
            await pop.pass_('bobpass');
            const sample = await clock(async () => {
              for (let i = 0; i < count; i++) await pop.retr((i % n) + 1);
            }, dovecot);
            await pop.quit();
            return sample;
          },
        })),
        // The same RETRs pipelined (RFC 2449 PIPELINING, which Dovecot offers and poplib does not use).
        ...(['node', 'openssl'] as const).map((engine) => ({
          name: `@unitls/pop retrMany (PIPELINING) on tls-${engine}`,
          async run(count: number) {
            const pop = new POP3_SSL({ host: '127.0.0.1', port: pop3s, serverHostname: 'localhost', implementation: UNITLS[engine] as TLSImplementation, configuration });
            await pop.connect();
            await pop.user('bob');
            await pop.pass_('bobpass');
            await pop.capa();
            const which = Array.from({ length: count }, (_, i) => (i % n) + 1);
            let got = 0;
            const sample = await clock(async () => {
              got = (await pop.retrMany(which)).length;
            }, dovecot);
            await pop.quit();
            check('@unitls/pop retrMany messages', got, count);
            return sample;
          },
        })),
      ];
      const anchors = ['Python imaplib', 'imapflow'];
      return [
        await runBench({ id: 'imap-fetch-small', title: `IMAP FETCH 1:* BODY.PEEK[] of ${n} small messages, Dovecot, implicit TLS`, unit: 'message', units: n, anchors, cpu: 'client', contenders: imapContenders('INBOX', sizes.small) }, context.rounds, context.log),
        await runBench({ id: 'imap-fetch-each', title: `IMAP UID FETCH of ${n} small messages, one command each (ours pipelined), Dovecot, implicit TLS`, unit: 'message', units: n, anchors: ['Python imaplib'], cpu: 'client', contenders: eachContenders }, context.rounds, context.log),
        await runBench({ id: 'imap-fetch-big', title: `IMAP FETCH of one ${bigMiB} MiB message, Dovecot, implicit TLS`, unit: 'MiB', units: sizes.big / 2 ** 20, anchors, cpu: 'client', contenders: imapContenders('Big', sizes.big) }, context.rounds, context.log),
        // Each run RETRs the n messages three times over (a sample of ~0.1 s, not ~40 ms) after a
        // warm-up of 5n RETRs for every contender: V8 on Node 20 optimises a function called once per
        // message only after ~4,000-7,000 calls (--trace-opt: the POP3 command encoder in round 6 of a
        // 1,000-message warm-up), so rounds 1-2 measured compilation (~2.2x the later rounds).
        await runBench({ id: 'pop-retr', title: `POP3 RETR of ${n} small messages (each run ${popPasses}x over), Dovecot, implicit TLS`, unit: 'message', units: popPasses * n, warmupUnits: 5 * n, anchors: ['Python poplib'], cpu: 'client', contenders: popContenders }, context.rounds, context.log),
      ];
    } finally {
      await servers.stop();
    }
  },
};
