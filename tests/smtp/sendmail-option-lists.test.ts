/**
 * break14 (session 14): sendmail()'s mailOptions (smtplib's mail_options) was spread as it came:
 * a string 'SMTPUTF8' went out as "MAIL FROM:<a@example.org> S M T P U T F 8" (one parameter per
 * character), and the call options put fourth — sendmail(from, to, msg, { signal }) — failed
 * with a bare "TypeError: mailOptions is not iterable". Both lists must be arrays of strings,
 * refused with an SMTPUsageError before anything is sent (the hint names the sixth argument for
 * call options); the connection stays usable.
 */
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPUsageError } from '@unitls/smtp';
import { useScriptedServers } from '../support/scripted-server.js';
import { useStrayErrors } from '../support/stray-errors.js';

const scripted = useScriptedServers();
const stray = useStrayErrors();

describe('sendmail(): mailOptions and rcptOptions must be arrays of strings', () => {
  it.each([
    ['mailOptions a string', ['SMTPUTF8', []], /^the mailOptions of sendmail\(\) must be an array of strings such as \["SMTPUTF8"\] \(smtplib's mail_options\), got a string \('SMTPUTF8'\); nothing was sent$/],
    ['call options in the fourth place', [{ signal: new AbortController().signal }, []], /^the mailOptions of sendmail\(\) must be an array of strings .*got an object .*: call options such as \{ signal \} are the sixth argument, sendmail\(from, to, message, \[\], \[\], \{ signal \}\); nothing was sent$/],
    ['rcptOptions a string', [[], 'NOTIFY=NEVER'], /^the rcptOptions of sendmail\(\) must be an array of strings such as \["NOTIFY=NEVER"\] \(smtplib's rcpt_options\), got a string \('NOTIFY=NEVER'\); nothing was sent$/],
    ['a parameter not a string', [[5], []], /^the mailOptions of sendmail\(\) must be an array of strings .*got an array \(\[5\]\); nothing was sent$/],
  ] as const)('%s: SMTPUsageError, nothing sent, the connection usable', async (_name, [mailOptions, rcptOptions], says) => {
    const server = await scripted(async (c) => {
      c.write('220 hi\r\n');
      for (;;) {
        const line = await c.line();
        if (line === null) return;
        if (line.startsWith('EHLO')) c.write('250-x\r\n250-SMTPUTF8\r\n250 DSN\r\n');
        else c.write('250 ok\r\n');
      }
    });
    const smtp = new SMTP({ host: '127.0.0.1', port: server.port, security: 'plaintext', timeout: 2000 });
    await smtp.connect();
    await smtp.ehlo('client.test');
    try {
      const error = await smtp.sendmail('a@example.org', ['b@example.org'], 'Subject: x\r\n\r\nhi\r\n', mailOptions as never, rcptOptions as never).then(() => null, (e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(SMTPUsageError);
      expect((error as Error).message).toMatch(says);
      expect((await smtp.noop()).code).toBe(250);
      expect(server.lines).toEqual(['EHLO client.test', 'NOOP']);
    } finally {
      await smtp.close();
    }
    expect(stray).toEqual([]);
  });
});

describe('sendmail(): recipients neither a string nor a list', () => {
  it.each([
    ['a number', 5, /^the recipients of sendmail\(\) must be a string or an array of strings, got 5; nothing was sent$/],
    ['null', null, /^the recipients of sendmail\(\) must be a string or an array of strings, got null; nothing was sent$/],
    ['an object', { to: 'b@example.org' }, /^the recipients of sendmail\(\) must be a string or an array of strings, got an object .*; nothing was sent$/],
  ] as const)('%s: SMTPUsageError (was a bare "TypeError: to is not iterable"), nothing sent', async (_name, to, says) => {
    const server = await scripted(async (c) => {
      c.write('220 hi\r\n');
      for (;;) {
        const line = await c.line();
        if (line === null) return;
        c.write(line.startsWith('EHLO') ? '250-x\r\n250 PIPELINING\r\n' : '250 ok\r\n');
      }
    });
    const smtp = new SMTP({ host: '127.0.0.1', port: server.port, security: 'plaintext', timeout: 2000 });
    await smtp.connect();
    await smtp.ehlo('client.test');
    try {
      const error = await smtp.sendmail('a@example.org', to as never, 'x').then(() => null, (e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(SMTPUsageError);
      expect((error as Error).message).toMatch(says);
      expect((await smtp.noop()).code).toBe(250);
      expect(server.lines).toEqual(['EHLO client.test', 'NOOP']);
    } finally {
      await smtp.close();
    }
    expect(stray).toEqual([]);
  });
});
