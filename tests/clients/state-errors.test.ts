/**
 * Trial 12, finding 6: a state error said only the state ("command FETCH illegal in state
 * AUTHENTICATED", "STAT cannot be sent in state AUTHORIZATION"), not the call to make first. Every
 * state error of the IMAP, POP3 and SMTP cores now says it, and that nothing was sent; the
 * connection stays usable.
 */
import { describe, expect, it } from 'vitest';
import { IMAP4, IMAP4UsageError } from '@unitls/imap';
import { POP3, POP3UsageError } from '@unitls/pop';
import { SMTPConnection, SMTPUsageError } from '@unitls/smtp';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';

const hostile = useScriptedServers();
const common = { host: '127.0.0.1', serverHostname: 'localhost', configuration: clientConfig(), security: 'plaintext' as const, timeout: 5000 };

describe('state errors say the call to make', () => {
  it('IMAP4: fetch() before select() says to call select() or examine(); the session goes on', async () => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH ready\r\n');
      let command = await c.line();
      if (/CAPABILITY/i.test(command ?? '')) {
        c.write(`* CAPABILITY IMAP4rev1\r\n${(command ?? '').split(' ')[0]} OK done\r\n`);
        command = await c.line();
      }
      expect(command).toMatch(/^\S+ NOOP$/);
      c.write(`${(command ?? '').split(' ')[0]} OK done\r\n`);
      await c.line(); // EOF
    });
    const imap = new IMAP4({ ...common, port: s.port });
    await imap.connect();
    const error = await imap.fetch('1', '(FLAGS)').then(() => null, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(IMAP4UsageError);
    expect(error!.message).toBe('command FETCH illegal in state AUTHENTICATED: select a mailbox first: call select() or examine(); nothing was sent');
    await imap.noop();
    await imap.close(true);
    await s.done();
  });

  it('IMAP4: login() when authenticated, and select() before login', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK ready\r\n');
      const command = await c.line();
      if (/CAPABILITY/i.test(command ?? '')) c.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${(command ?? '').split(' ')[0]} OK done\r\n`);
      await c.line(); // EOF
    });
    const imap = new IMAP4({ ...common, port: s.port });
    await imap.connect();
    await expect(imap.select('INBOX')).rejects.toThrow('command SELECT illegal in state NOT_AUTHENTICATED: log in first: call login() or authenticate(); nothing was sent');
    await imap.close(true);
    await s.done();
  });

  it('POP3: stat() before logging in says to log in; the session goes on', async () => {
    const s = await hostile(async (c) => {
      c.write('+OK ready\r\n');
      expect(await c.line()).toBe('CAPA');
      c.write('+OK\r\nUSER\r\n.\r\n');
      await c.line(); // EOF
    });
    const pop = new POP3({ ...common, port: s.port });
    await pop.connect();
    const error = await pop.stat().then(() => null, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(POP3UsageError);
    expect(error!.message).toBe('STAT cannot be sent in state AUTHORIZATION: log in first: call user() and pass_(), apop() or auth(); nothing was sent');
    await pop.capa();
    await pop.close(true);
    await s.done();
  });

  it('SMTP core: a command before the greeting, and message bytes outside DATA', () => {
    const core = new SMTPConnection();
    expect(() => core.send({ type: 'EHLO', name: 'client.test' })).toThrow(SMTPUsageError);
    expect(() => core.send({ type: 'EHLO', name: 'client.test' })).toThrow('EHLO cannot be sent in state GREETING: await connect() first (it reads the greeting); nothing was sent');
    core.receiveData(Buffer.from('220 ready\r\n'));
    core.nextEvent();
    expect(() => core.send({ type: 'BODY', data: Buffer.from('x') })).toThrow('BODY cannot be sent in state READY: the message goes after DATA: call data() or sendmail(); nothing was sent');
  });
});
