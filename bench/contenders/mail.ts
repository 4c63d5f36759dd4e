// The Node contenders of the mail benchmark (bench/mail.ts), each built in its own process
// (lib/remote.ts): log in (and select the mailbox) untimed, then the transfer timed.
import { readFileSync } from 'node:fs';
import { clock } from '../lib/clock.js';
import type { Factory } from '../lib/remote.js';
import { implementation, type ClientEngine } from './implementation.js';

export interface MailTarget {
  port: number;
  caFile: string;
  /** Dovecot's processes, for the server CPU. */
  serverPids: number[];
}

const check = (what: string, got: number, want: number) => {
  if (got !== want) throw new Error(`${what}: got ${got}, expected ${want}`);
};

async function configuration(caFile: string) {
  const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
  return new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)) });
}

async function imapLogin({ port, caFile }: MailTarget, engine: ClientEngine, mailbox: string) {
  const { IMAP4_SSL } = await import('@unitls/imap');
  const [tls, config] = await Promise.all([implementation(engine), configuration(caFile)]);
  return async () => {
    const imap = new IMAP4_SSL({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation: tls, configuration: config });
    await imap.connect();
    await imap.login('bob', 'bobpass');
    await imap.examine(mailbox);
    return imap;
  };
}

/** FETCH 1:* BODY.PEEK[] of `mailbox` with imapflow; `bytes`: what the bodies add up to. */
export const imapflow: Factory<MailTarget & { mailbox: string; bytes: number }> = async ({ port, caFile, serverPids, mailbox, bytes }) => {
  const { ImapFlow } = await import('imapflow');
  return async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: true, tls: { ca: readFileSync(caFile), servername: 'localhost' }, auth: { user: 'bob', pass: 'bobpass' }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock(mailbox, { readOnly: true });
    let got = 0;
    const sample = await clock(async () => {
      for await (const message of client.fetch('1:*', { source: true })) got += message.source?.length ?? 0;
    }, serverPids);
    lock.release();
    await client.logout();
    check('imapflow bytes', got, bytes);
    return sample;
  };
};

/**
 * @unitls/imap: `fetch` 'all' is FETCH 1:* BODY.PEEK[]; 'uid-each' one UID FETCH per message
 * (pipelined by the client: RFC 9051 §5.5, FETCHes neither change the state nor expunge).
 */
export const imap: Factory<MailTarget & { engine: ClientEngine; mailbox: string; bytes: number; fetch: 'all' | 'uid-each' }> = async (params) => {
  const login = await imapLogin(params, params.engine, params.mailbox);
  return async () => {
    const imap = await login();
    const uids = await imap.uidSearch(['ALL']);
    let got = 0;
    const sample = await clock(async () => {
      const messages = params.fetch === 'all' ? await imap.fetch('1:*', 'BODY.PEEK[]') : await imap.uidFetch(uids.map(String), 'BODY.PEEK[]');
      got = messages.reduce((total, m) => total + (m.body['BODY[]']?.length ?? 0), 0);
    }, params.serverPids);
    await imap.logout();
    check('@unitls/imap bytes', got, params.bytes);
    return sample;
  };
};

/**
 * fetchEach with `into`: each body received into one memory the caller reuses (allocated by the
 * warm-up run, kept by the contender as an application fetching one large body after another
 * keeps it), handed over as it arrives; what imaplib gets from CPython's allocator.
 */
export const imapInto: Factory<MailTarget & { engine: ClientEngine; mailbox: string; bytes: number }> = async (params) => {
  const login = await imapLogin(params, params.engine, params.mailbox);
  let memory = new Uint8Array(0);
  return async () => {
    if (memory.length < params.bytes) memory = new Uint8Array(params.bytes);
    const imap = await login();
    let got = 0;
    const sample = await clock(async () => {
      await imap.fetchEach('1:*', 'BODY.PEEK[]', (m) => (got += m.body['BODY[]']?.length ?? 0), { into: memory });
    }, params.serverPids);
    await imap.logout();
    check('@unitls/imap fetchEach bytes', got, params.bytes);
    return sample;
  };
};

/**
 * @unitls/pop: RETR of `count` messages (units), message i % messages + 1, one by one, or all
 * pipelined with retrMany (RFC 2449 PIPELINING, which Dovecot offers and poplib does not use).
 */
export const pop: Factory<MailTarget & { engine: ClientEngine; messages: number; pipelined: boolean }> = async ({ port, caFile, serverPids, engine, messages, pipelined }) => {
  const { POP3_SSL } = await import('@unitls/pop');
  const [tls, config] = await Promise.all([implementation(engine), configuration(caFile)]);
  return async (count) => {
    const pop = new POP3_SSL({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation: tls, configuration: config });
    await pop.connect();
    await pop.user('bob');
    await pop.pass_('bobpass');
    let sample;
    if (pipelined) {
      await pop.capa();
      const which = Array.from({ length: count }, (_, i) => (i % messages) + 1);
      let got = 0;
      sample = await clock(async () => {
        got = (await pop.retrMany(which)).length;
      }, serverPids);
      check('@unitls/pop retrMany messages', got, count);
    } else {
      sample = await clock(async () => {
        for (let i = 0; i < count; i++) await pop.retr((i % messages) + 1);
      }, serverPids);
    }
    await pop.quit();
    return sample;
  };
};
