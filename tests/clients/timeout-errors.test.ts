/**
 * Trial 12, finding 5: every client's timeout was a bare DOMException (TimeoutError, code 23) that
 * named neither the client, nor the command, nor the phase. Each client now raises its own
 * TimeoutError class (SMTPTimeoutError, IMAP4TimeoutError, POP3TimeoutError, FTPTimeoutError: a
 * connection error, named 'TimeoutError') with `phase`, `command`, `timeout` and the timer's
 * DOMException as `cause`. Scripted servers that go silent at a chosen point.
 */
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPServerDisconnected, SMTPTimeoutError } from '@unitls/smtp';
import { IMAP4, IMAP4Abort, IMAP4TimeoutError } from '@unitls/imap';
import { POP3, POP3ConnectionError, POP3TimeoutError } from '@unitls/pop';
import { FTP, FTPConnectionError, FTPTimeoutError } from '@unitls/ftp';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';

const hostile = useScriptedServers();
const TIMEOUT = 300;
const common = { host: '127.0.0.1', serverHostname: 'localhost', configuration: clientConfig(), security: 'plaintext' as const, timeout: TIMEOUT };
const bound = `no answer within ${TIMEOUT} ms (the timeout option bounds each reply or operation as a whole)`;

describe("each client's timeout names the client, the phase and the command", () => {
  it('SMTP: a server silent after RCPT', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test ESMTP\r\n');
      await c.line(); // EHLO
      c.write('250 hostile.test\r\n');
      await c.line(); // MAIL
      c.write('250 ok\r\n');
      await c.line(); // RCPT, never answered
      await c.line(); // EOF: the client closed
    });
    const smtp = new SMTP({ ...common, port: s.port, localHostname: 'client.test' });
    await smtp.connect();
    await smtp.ehlo();
    await smtp.mail('a@example.org');
    const error = await smtp.rcpt('b@example.org').then(() => null, (e: unknown) => e as SMTPTimeoutError);
    await s.done();
    expect(error).toBeInstanceOf(SMTPTimeoutError);
    expect(error).toBeInstanceOf(SMTPServerDisconnected);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'UNITLS_SMTP_TIMEOUT', role: 'connection', phase: 'read', command: 'RCPT', timeout: TIMEOUT });
    expect(error!.message).toBe(`SMTP timed out waiting for the reply to RCPT: ${bound}`);
    expect(error!.cause).toBeInstanceOf(DOMException);
    expect((error!.cause as DOMException).code).toBe(23);
  });

  it('IMAP4: a server silent after FETCH', async () => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH hostile.test ready\r\n');
      let command = await c.line();
      if (/CAPABILITY/i.test(command ?? '')) {
        c.write(`* CAPABILITY IMAP4rev1\r\n${(command ?? '').split(' ')[0]} OK done\r\n`);
        command = await c.line();
      }
      c.write(`* 1 EXISTS\r\n${(command ?? '').split(' ')[0]} OK [READ-WRITE] selected\r\n`);
      await c.line(); // FETCH, never answered
      await c.line(); // EOF
    });
    const imap = new IMAP4({ ...common, port: s.port });
    await imap.connect();
    await imap.select('INBOX');
    const error = await imap.fetch('1', '(FLAGS)').then(() => null, (e: unknown) => e as IMAP4TimeoutError);
    await s.done();
    expect(error).toBeInstanceOf(IMAP4TimeoutError);
    expect(error).toBeInstanceOf(IMAP4Abort);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'UNITLS_IMAP_TIMEOUT', phase: 'read', command: 'FETCH', timeout: TIMEOUT });
    expect(error!.message).toBe(`IMAP4 timed out waiting for the reply to FETCH: ${bound}`);
  });

  it('POP3: a server silent after CAPA', async () => {
    const s = await hostile(async (c) => {
      c.write('+OK hostile.test ready\r\n');
      await c.line(); // CAPA, never answered
      await c.line(); // EOF
    });
    const pop = new POP3({ ...common, port: s.port });
    await pop.connect();
    const error = await pop.capa().then(() => null, (e: unknown) => e as POP3TimeoutError);
    await s.done();
    expect(error).toBeInstanceOf(POP3TimeoutError);
    expect(error).toBeInstanceOf(POP3ConnectionError);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'UNITLS_POP3_TIMEOUT', phase: 'read', command: 'CAPA' });
    expect(error!.message).toBe(`POP3 timed out waiting for the reply to CAPA: ${bound}`);
  });

  it('FTP: a server that never greets', async () => {
    const s = await hostile(async (c) => {
      await c.line(); // EOF: the client closed
    });
    const ftp = new FTP({ host: '127.0.0.1', port: s.port, timeout: TIMEOUT });
    const error = await ftp.connect().then(() => null, (e: unknown) => e as FTPTimeoutError);
    await ftp.close(true);
    await s.done();
    expect(error).toBeInstanceOf(FTPTimeoutError);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'UNITLS_FTP_TIMEOUT', phase: 'greeting', command: null });
    expect(error!.message.startsWith(`FTP timed out waiting for the greeting of 127.0.0.1:${s.port}: ${bound}`)).toBe(true);
  });
});
