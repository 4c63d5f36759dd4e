/**
 * breaker8 (session 7): a pipelined group's replies taken without async frames (89034be, addf061)
 * against a scripted server: every reply of the group written one byte per write, multiline; a
 * group whose MAIL is refused (RCPT and DATA then refused too): SMTPSenderRefused with MAIL's own
 * reply, RSET sent after all three replies were read, and the next message on the same connection
 * gets its own replies (no reply left over from the group); a server that closes after the first
 * byte of the DATA reply: SMTPServerDisconnected, nothing written after.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPSenderRefused, SMTPServerDisconnected } from '@unitls/smtp';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';

const scripted = useScriptedServers();

async function bytewise(c: ScriptConnection, text: string): Promise<void> {
  for (const byte of Buffer.from(text)) {
    c.write(Buffer.from([byte]));
    await tick();
  }
}

async function greet(c: ScriptConnection): Promise<void> {
  c.write('220 scripted ESMTP\r\n');
  await c.line();
  c.write('250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
}

/** Reads the body up to the lone dot. */
async function body(c: ScriptConnection): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await c.line(); line !== null && line !== '.'; line = await c.line()) lines.push(line);
  return lines;
}

describe('SMTP pipelined replies, hostile server', () => {
  const client = (port: number) => new SMTP({ host: '127.0.0.1', port, security: 'plaintext', localHostname: 'client.test', timeout: 5000 });

  it('replies one byte per write, multiline, then a refused MAIL: its own reply, RSET after the group, the next message clean', async () => {
    const s = await scripted(async (c) => {
      await greet(c);
      for (let i = 0; i < 3; i++) await c.line();
      await bytewise(c, '250-2.1.0 sender\r\n250 2.1.0 ok\r\n250 2.1.5 rcpt ok\r\n354-go\r\n354 ahead\r\n');
      await body(c);
      await bytewise(c, '250-queued\r\n250 2.0.0 as 1\r\n');
      for (let i = 0; i < 3; i++) await c.line();
      c.write('550 5.7.1 sender refused\r\n');
      await tick();
      await bytewise(c, '503 5.5.1 no MAIL\r\n554 5.5.1 no valid recipients\r\n');
      await c.line(); // RSET
      c.write('250 2.0.0 reset\r\n');
      for (let i = 0; i < 3; i++) await c.line();
      c.write('250 ok\r\n250 ok\r\n354 go\r\n');
      await body(c);
      c.write('250 2.0.0 as 2\r\n');
      await c.line();
      c.write('221 bye\r\n');
    });
    const smtp = client(s.port);
    await smtp.connect();
    expect(await smtp.sendmail('a@x.test', ['b@x.test'], 'Subject: 1\r\n\r\none\r\n')).toEqual(new Map());
    const refused = await smtp.sendmail('bad@x.test', ['b@x.test'], 'Subject: 2\r\n\r\ntwo\r\n').then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(SMTPSenderRefused);
    expect((refused as SMTPSenderRefused).smtpCode).toBe(550);
    expect(await smtp.sendmail('a@x.test', ['c@x.test'], 'Subject: 3\r\n\r\nthree\r\n')).toEqual(new Map());
    await smtp.quit();
    await s.done();
    expect(s.lines.filter((l) => /^(MAIL|RCPT|DATA|RSET|QUIT)/.test(l)).map((l) => l.split(' ')[0]!.replace(/:.*/, ''))).toEqual(['MAIL', 'RCPT', 'DATA', 'MAIL', 'RCPT', 'DATA', 'RSET', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  });

  it('a server that closes after the first byte of the DATA reply: SMTPServerDisconnected, the connection closed, nothing after', async () => {
    const s = await scripted(async (c) => {
      await greet(c);
      for (let i = 0; i < 3; i++) await c.line();
      await bytewise(c, '250 ok\r\n250 ok\r\n3');
      c.socket.end();
      await c.line();
    });
    const smtp = client(s.port);
    await smtp.connect();
    await expect(smtp.sendmail('a@x.test', ['b@x.test'], 'Subject: 1\r\n\r\none\r\n')).rejects.toBeInstanceOf(SMTPServerDisconnected);
    await s.done();
    expect(s.lines.at(-1)).toMatch(/^DATA/);
    await smtp.close();
  });
});
