/**
 * Issue #15 for POP3: real servers' replies, each a scripted server sending exactly the bytes
 * reported (personal details replaced), on every TLS implementation. The kind: what real mail
 * and real servers do that RFC 1939 does not forbid (long lines) or that is a harmless deviation
 * is accepted on purpose; the bounds that protect memory stay, as named limits.
 */
import { describe, expect, it } from 'vitest';
import { POP3, POP3_SSL, POP3ConnectionError, POP3ReplyError, type POP3Options } from '@unitls/pop';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const upgrade = (c: ScriptConnection) => c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));

/** Implicit TLS, a greeting, USER/PASS accepted; then `rest`. */
const loggedIn = (rest: (c: ScriptConnection) => Promise<void>) =>
  scripted(async (c) => {
    await upgrade(c);
    c.write('+OK POP3 ready\r\n');
    await c.line();
    c.write('+OK\r\n');
    await c.line();
    c.write('+OK logged in\r\n');
    await rest(c);
  });

describe.each(implementations.map((i) => [i.name, i] as const))('POP3: real servers (%s)', (_, implementation) => {
  const options = (port: number, extra: POP3Options = {}): POP3Options => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 10_000, ...extra });
  const ssl = async (port: number) => {
    const pop = new POP3_SSL(options(port));
    await pop.connect();
    await pop.user('alice');
    await pop.pass_('secret');
    return pop;
  };

  it('issue #15: RETR of a message with one 20,026-byte line works under the default options', async () => {
    const line = 'A'.repeat(20_026);
    const message = `From: sender@example.test\r\nSubject: long line\r\n\r\n${line}\r\n`;
    const s = await loggedIn(async (c) => {
      await c.line();
      c.write(`+OK ${message.length} octets\r\n${message}.\r\n`);
      await c.line();
      c.write('+OK\r\n');
    });
    const pop = await ssl(s.port);
    expect(Buffer.from(await pop.retr(1)).toString('latin1')).toBe(message);
    await pop.quit();
  });

  it('Gmail: a header line far over RFC 5322\'s 998 in TOP (the "line too long" reports of poplib users, bpo-16041 via Mailpile issue #2161 and Odoo issue #10920)', async () => {
    const references = `References: ${Array.from({ length: 400 }, (_, i) => `<CAF${String(i).padStart(6, '0')}xyz@mail.gmail.com>`).join(' ')}`;
    const s = await loggedIn(async (c) => {
      expect(await c.line()).toBe('TOP 1 0');
      c.write(`+OK message follows\r\nSubject: thread\r\n${references}\r\n\r\n.\r\n`);
      await c.line();
      c.write('+OK\r\n');
    });
    const pop = await ssl(s.port);
    expect(references.length).toBeGreaterThan(12_000);
    expect(Buffer.from(await pop.top(1, 0)).toString('latin1')).toBe(`Subject: thread\r\n${references}\r\n\r\n`);
    await pop.quit();
  });

  it('poczta.o2.pl: "+OK" with no text, and AUTH PLAIN answered by "+ " (an empty challenge with a trailing space) (MailKit issue #171)', async () => {
    // The initial response of this long password does not fit RFC 5034's 255-octet AUTH line, so
    // the client sends "AUTH PLAIN" alone, as in the report, and answers the empty challenge.
    const password = 'p'.repeat(200);
    const response = Buffer.from(`\0alice\0${password}`).toString('base64');
    const s = await scripted(async (c) => {
      c.write('+OK POP3 ready\r\n');
      await c.line();
      c.write('+OK Capability list follows\r\nLAST\r\nTOP\r\nUSER\r\nPIPELINING\r\nUIDL\r\nSASL LOGIN PLAIN\r\nSTLS\r\n.\r\n');
      await c.line();
      c.write('+OK\r\n');
      await upgrade(c);
      await c.line();
      c.write('+OK Capability list follows\r\nLAST\r\nTOP\r\nUSER\r\nPIPELINING\r\nUIDL\r\nSASL LOGIN PLAIN\r\n.\r\n');
      await c.line();
      c.write('+ \r\n');
      await c.line();
      c.write('+OK\r\n');
      await c.line();
      c.write('+OK 0 0\r\n');
      await c.line();
    });
    const pop = new POP3(options(s.port));
    await pop.connect();
    expect(await pop.auth('PLAIN', { user: 'alice', password })).toBe('');
    expect(await pop.stat()).toEqual([0, 0]);
    expect(s.lines).toEqual(['CAPA', 'STLS', 'CAPA', 'AUTH PLAIN', response, 'STAT']);
    await pop.close();
  });

  it('hMailServer: a message whose last line ends with a bare LF before "\\r\\n.\\r\\n"; the DELE that follows gets its own "+OK" (aenetmail issue #174)', async () => {
    const s = await loggedIn(async (c) => {
      await c.line();
      c.write('+OK 30 octets\r\nSubject: hi\r\n\r\nbody ends in LF\n\r\n.\r\n');
      expect(await c.line()).toBe('DELE 1');
      c.write('+OK msg deleted\r\n');
      await c.line();
      c.write('+OK\r\n');
    });
    const pop = await ssl(s.port);
    expect(Buffer.from(await pop.retr(1)).toString('latin1')).toBe('Subject: hi\r\n\r\nbody ends in LF\r\n\r\n');
    expect(await pop.dele(1)).toBe('msg deleted');
    await pop.quit();
  });

  it('IBM Notes: CAPA answered by a bare "+OK", no STLS, credentials allowed in clear only on request (MailKit issue #337)', async () => {
    const s = await scripted(async (c) => {
      c.write('+OK IBM Notes POP3 server version Release 9.0.1FP5 ready on mail/example.\r\n');
      await c.line();
      c.write('+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n');
      await c.line();
      c.write('+OK alice@example.test, your papers please.\r\n');
      await c.line();
      c.write('+OK alice@example.test has 0 messages.\r\n');
      await c.line();
      c.write('+OK\r\n');
    });
    const pop = new POP3(options(s.port, { security: 'plaintext', allowPlaintextAuth: true }));
    await pop.connect();
    expect([...(await pop.capa()).keys()]).toEqual(['USER', 'UIDL', 'TOP']);
    expect(await pop.user('alice@example.test')).toBe('alice@example.test, your papers please.');
    expect(await pop.pass_('secret')).toBe('alice@example.test has 0 messages.');
    await pop.quit();
    await expect(new POP3(options(s.port)).connect()).rejects.toThrow(/does not offer STLS/);
  });

  it('AOL: -ERR to PASS, then an immediate disconnect: a reply error at once (no hang), then a connection error (gaia-email-libs-and-more PR #283)', async () => {
    const s = await scripted(async (c) => {
      await upgrade(c);
      c.write('+OK ready\r\n');
      await c.line();
      c.write('+OK\r\n');
      await c.line();
      c.write('-ERR [AUTH] invalid user name or password\r\n');
      await new Promise<void>((resolve) => c.socket.end(() => resolve()));
    });
    const pop = new POP3_SSL(options(s.port));
    await pop.connect();
    await pop.user('alice');
    // A POP3ReplyError, typed since ux16 as its POP3AuthenticationError.
    await expect(pop.pass_('wrong')).rejects.toMatchObject({ name: 'POP3AuthenticationError', response: '-ERR [AUTH] invalid user name or password' });
    await s.done();
    const next = await pop.user('alice').catch((e: unknown) => e);
    expect(next).toBeInstanceOf(POP3ConnectionError);
    expect(next).not.toBeInstanceOf(POP3ReplyError);
    expect(pop.state).toBeNull();
  });
});
