/**
 * A reply the server already sent is not thrown away when a write then fails (break14 findings 1
 * and 2). A server that closes an idle connection says why first (SMTP "421 4.4.2 idle too long",
 * IMAP "* BYE Autologout", POP3 "-ERR [SYS/TEMP] autologout"); a server refusing a DATA early
 * answers "554 5.3.4 message too big" and ends or resets the connection. The client's next write
 * failed ("the server closed the connection"), and the reply sitting in the read buffer was never
 * read (an IMAP APPEND refused with a tagged NO during its literal alike). Now it is, as smtplib
 * reads a 421 and imaplib a BYE: the caller gets the server's words.
 * Plain text and STARTTLS on every implementation, against a scripted server.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPDataError, SMTPTimeoutError } from '@unitls/smtp';
import { IMAP4, IMAP4Abort, IMAP4ReplyError } from '@unitls/imap';
import { POP3, POP3ReplyError } from '@unitls/pop';
import type { TLSImplementation } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { tagOf } from '../support/imap-scripted.js';
import { useStrayErrors } from '../support/stray-errors.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const stray = useStrayErrors();

type Variant = readonly [string, TLSImplementation | null];
const variants: Variant[] = [['plain text', null], ...implementations.map((i) => [i.name, i] as const)];

const CERT = pki.pem('server-ec', 'chain.crt');
const KEY = pki.pem('server-ec', 'key');

/**
 * Writes the server's goodbye and ends the connection; resolves once the client saw the end (it
 * ended its side too), so its next write fails. tls-node's client does not end its side while
 * idle: there, once the goodbye and the end left (its next write still goes out; the reply is read).
 */
async function goodbye(c: ScriptConnection, words: string, implementation: TLSImplementation | null): Promise<void> {
  c.write(words);
  c.socket.end();
  if (implementation?.name === 'node') {
    if (!c.socket.writableFinished) await once(c.socket, 'finish');
    return;
  }
  while ((await c.line()) !== null);
}

describe.each(variants)('a reply sent before a write failed reaches the caller (%s)', (_name, implementation) => {
  const tls = implementation !== null;
  const options = (port: number) =>
    tls
      ? { host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000 }
      : { host: '127.0.0.1', port, security: 'plaintext' as const, allowPlaintextAuth: true, timeout: 5000 };

  /** 220, EHLO (and STARTTLS, EHLO again over TLS), then `rest` once the client is ready. */
  const smtpServer = (rest: (c: ScriptConnection) => Promise<void>) =>
    scripted(async (c) => {
      c.write('220 test ESMTP\r\n');
      let upgraded = false;
      for (;;) {
        const line = await c.line();
        if (line === null) return;
        if (line === 'STARTTLS') {
          c.write('220 go ahead\r\n');
          await c.startTls(CERT, KEY);
          upgraded = true;
        } else if (tls && !upgraded) c.write('250-test\r\n250 STARTTLS\r\n');
        else {
          c.write('250-test\r\n250 PIPELINING\r\n');
          return rest(c);
        }
      }
    });

  it('SMTP: the 421 of a server closing an idle connection', async () => {
    let gone!: () => void;
    const ended = new Promise<void>((resolve) => (gone = resolve));
    const s = await smtpServer(async (c) => {
      await goodbye(c, '421 4.4.2 idle too long, closing\r\n', implementation);
      gone();
    });
    const smtp = new SMTP({ ...options(s.port), localHostname: 'client.test' });
    try {
      await smtp.connect();
      await smtp.ehloOrHeloIfNeeded();
      await ended;
      const outcome = await smtp.noop().then((reply) => reply, (e: unknown) => e);
      // smtplib's noop() returns (421, b'4.4.2 idle too long, closing') likewise.
      expect(outcome).toMatchObject({ code: 421, text: '4.4.2 idle too long, closing' });
    } finally {
      await smtp.close();
    }
    expect(stray).toEqual([]);
  });

  it.each(['end', 'reset'] as const)('SMTP DATA: the 554 of a server refusing the message early, then %s', async (how) => {
    const s = await smtpServer(async (c) => {
      await c.line(); // MAIL
      c.write('250 ok\r\n');
      await c.line(); // RCPT
      c.write('250 ok\r\n');
      await c.line(); // DATA
      c.write('354 go on\r\n');
      await c.bytes(100 * 1024);
      c.write('554 5.3.4 message too big\r\n');
      if (how === 'end') {
        c.socket.end();
        while ((await c.line()) !== null);
      } else c.socket.resetAndDestroy();
    });
    const smtp = new SMTP({ ...options(s.port), localHostname: 'client.test' });
    try {
      await smtp.connect();
      await smtp.ehloOrHeloIfNeeded();
      const message = `Subject: big\r\n\r\n${`${'y'.repeat(70)}\r\n`.repeat(450_000)}`; // ~32 MiB
      const outcome = await smtp.sendmail('a@example.org', ['b@example.org'], message).then((reply) => reply, (e: unknown) => e);
      expect(outcome).toBeInstanceOf(SMTPDataError);
      expect(outcome).toMatchObject({ smtpCode: 554, message: '554 5.3.4 message too big' });
    } finally {
      await smtp.close();
    }
    expect(stray).toEqual([]);
  }, 30_000);

  it('IMAP: the BYE of a server closing an idle connection', async () => {
    let gone!: () => void;
    const ended = new Promise<void>((resolve) => (gone = resolve));
    const s = await scripted(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n');
      if (tls) {
        const line = await c.line();
        c.write(`${tagOf(line)} OK begin TLS\r\n`);
        await c.startTls(CERT, KEY);
        const capability = await c.line();
        c.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tagOf(capability)} OK done\r\n`);
      }
      await goodbye(c, '* BYE Autologout; idle for too long\r\n', implementation);
      gone();
    });
    const imap = new IMAP4(options(s.port));
    try {
      await imap.connect();
      await ended;
      const outcome = await imap.noop().then((reply) => reply, (e: unknown) => e);
      expect(outcome).toBeInstanceOf(IMAP4Abort);
      expect((outcome as Error).message).toBe('the server said BYE: Autologout; idle for too long');
    } finally {
      await imap.close();
    }
    expect(stray).toEqual([]);
  });

  it.each(['end', 'reset'] as const)('IMAP APPEND: the tagged NO of a server refusing the literal early, then %s', async (how) => {
    const s = await scripted(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n');
      let line = await c.line();
      while (line !== null && !line.includes('APPEND')) {
        if (line.includes('STARTTLS')) {
          c.write(`${tagOf(line)} OK begin TLS\r\n`);
          await c.startTls(CERT, KEY);
        } else c.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tagOf(line)} OK done\r\n`);
        line = await c.line();
      }
      c.write('+ go ahead\r\n');
      await c.bytes(100 * 1024);
      c.write(`${tagOf(line)} NO [TOOBIG] message too big\r\n`);
      if (how === 'end') {
        c.socket.end();
        while ((await c.line()) !== null);
      } else c.socket.resetAndDestroy();
    });
    const imap = new IMAP4(options(s.port));
    try {
      await imap.connect();
      await imap.login('bob', 'bobpass');
      const message = `Subject: big\r\n\r\n${`${'y'.repeat(70)}\r\n`.repeat(450_000)}`;
      const outcome = await imap.append('INBOX', message).then((reply) => reply, (e: unknown) => e);
      // imaplib: IMAP4.error('APPEND command error: NO [b'[TOOBIG] message too big']').
      expect(outcome).toBeInstanceOf(IMAP4ReplyError);
      expect((outcome as Error).message).toBe('APPEND failed: NO [TOOBIG] message too big');
    } finally {
      await imap.close();
    }
    expect(stray).toEqual([]);
  }, 30_000);

  it('POP3: the -ERR of a server closing an idle connection', async () => {
    let gone!: () => void;
    const ended = new Promise<void>((resolve) => (gone = resolve));
    const s = await scripted(async (c) => {
      c.write('+OK ready\r\n');
      for (;;) {
        const line = await c.line();
        if (line === null) return;
        if (line === 'CAPA') c.write(`+OK\r\nUSER\r\n${tls && !('encrypted' in c.socket) ? 'STLS\r\n' : ''}.\r\n`);
        else if (line === 'STLS') {
          c.write('+OK begin TLS\r\n');
          await c.startTls(CERT, KEY);
        } else if (line.startsWith('USER')) c.write('+OK\r\n');
        else {
          c.write('+OK logged in\r\n');
          break;
        }
      }
      await goodbye(c, '-ERR [SYS/TEMP] autologout\r\n', implementation);
      gone();
    });
    const pop = new POP3(options(s.port));
    try {
      await pop.connect();
      await pop.user('bob');
      await pop.pass_('bobpass');
      await ended;
      const outcome = await pop.noop().then((reply) => reply, (e: unknown) => e);
      expect(outcome).toBeInstanceOf(POP3ReplyError);
      expect((outcome as Error).message).toBe('NOOP: -ERR [SYS/TEMP] autologout');
    } finally {
      await pop.close();
    }
    expect(stray).toEqual([]);
  });
});

describe('a reply sent before a write stalled (plain text)', () => {
  // The server answers 554 and stops reading without closing: the write stalls until the timeout.
  // In plain text the reply is at hand (the channel's reader) and the timeout's message quotes it;
  // over TLS the implementations hold it undecrypted, so their timeout says nothing more (left).
  it('SMTP DATA: the 554 of a server refusing the message early, then no more reading: the timeout quotes it', async () => {
    const s = await scripted(async (c) => {
      c.write('220 test ESMTP\r\n');
      await c.line();
      c.write('250-test\r\n250 PIPELINING\r\n');
      for (const answer of ['250 ok', '250 ok', '354 go on']) {
        await c.line();
        c.write(`${answer}\r\n`);
      }
      await c.bytes(100 * 1024);
      c.write('554 5.3.4 message too big\r\n');
      c.socket.pause();
      await new Promise((resolve) => c.socket.once('close', resolve));
    });
    const smtp = new SMTP({ host: '127.0.0.1', port: s.port, security: 'plaintext', localHostname: 'client.test', timeout: 1000 });
    try {
      await smtp.connect();
      await smtp.ehloOrHeloIfNeeded();
      const message = `Subject: big\r\n\r\n${`${'y'.repeat(70)}\r\n`.repeat(450_000)}`;
      const outcome = await smtp.sendmail('a@example.org', ['b@example.org'], message).then((reply) => reply, (e: unknown) => e);
      expect(outcome).toBeInstanceOf(SMTPTimeoutError);
      expect((outcome as Error).message).toMatch(/stopped reading .*; before it stopped reading, the server said "554 5\.3\.4 message too big"$/);
    } finally {
      await smtp.close();
    }
    expect(stray).toEqual([]);
  }, 30_000);
});
