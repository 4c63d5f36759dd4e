/**
 * Replies stay in step with commands (the breaker's findings): a server that sends one reply too
 * many in a pipelined group (MAIL, RCPT, DATA answered "250, 250, 250, 354") used to have its third
 * 250 taken as DATA's answer (SMTPDataError "250 c"), RSET sent, and the session kept with the 354
 * still unread, to answer the next command: every later reply one behind. DATA is answered 354 or
 * an error (RFC 5321 §4.3.2), so a 2yz there is a protocol error and the connection is closed.
 * A plain scripted server: nothing here depends on TLS.
 */
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPProtocolError } from '@unitls/smtp';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';

const hostile = useScriptedServers();

async function greet(c: ScriptConnection, extensions: string[]): Promise<void> {
  c.write('220 scripted.test ESMTP\r\n');
  await c.line(); // EHLO
  c.write(['scripted.test', ...extensions].map((e, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${e}\r\n`).join(''));
}

describe('SMTP replies stay in step with commands', () => {
  it.each([
    ['pipelined: one reply too many before 354', ['PIPELINING'], 3, '250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok again\r\n354 go ahead\r\n'],
    ['one command at a time: DATA answered 250', [], 1, '250 2.0.0 ok\r\n'],
  ])('%s: SMTPProtocolError, the connection closed, nothing left to answer a later command', async (_what, extensions, commands, answer) => {
    const s = await hostile(async (c) => {
      await greet(c, extensions);
      if (commands === 1) {
        await c.line(); // MAIL
        c.write('250 ok\r\n');
        await c.line(); // RCPT
        c.write('250 ok\r\n');
      }
      for (let i = 0; i < commands; i++) await c.line();
      c.write(answer);
      await c.line();
    });
    const smtp = new SMTP({ host: '127.0.0.1', port: s.port, security: 'plaintext', localHostname: 'client.test', timeout: 10_000 });
    await smtp.connect();
    const error = await smtp.sendmail('a@x.test', 'b@x.test', 'Subject: hi\r\n\r\nhello\r\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SMTPProtocolError);
    expect(String(error)).toMatch(/reply 250 to DATA/);
    expect(smtp.state).toBeNull();
    await s.done();
    expect(s.lines.at(-1)).toBe('DATA'); // no RSET, no message, nothing after
  });
});
