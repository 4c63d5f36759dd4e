/**
 * A message stream that fails (trial 11 finding 1, the SMTP side), against Postfix on every
 * implementation: a stream that cannot start (createReadStream of a missing file) fails the call
 * before MAIL (or DATA, BDAT) is sent; one failing after some bytes fails it with the cause kept and
 * never sends the final "." (nothing partial is delivered); nothing reaches 'uncaughtException' or
 * 'unhandledRejection'. The stream is heard from the moment the call receives it, even while the
 * call waits behind another one.
 */
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPException } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { readableFailingAfter, useStrayErrors } from '../support/stray-errors.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
const MISSING = join(tmpdir(), `unitls-no-such-message-${process.pid}.eml`);

const stray = useStrayErrors();

async function waitForDelivery(marker: string): Promise<string[]> {
  // Postfix delivers asynchronously through its queue; poll the maildir (bounded).
  for (let i = 0; i < 200; i++) {
    const messages = mailServers().delivered();
    if (messages.some((m) => m.includes(marker))) return messages;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return mailServers().delivered();
}

describe.each(implementations.map((i) => [i.name, i] as const))('a failing message stream against Postfix (%s)', (name, implementation) => {
  const open = async () => {
    const smtp = new SMTP({ host: '127.0.0.1', port: mailServers().ports.submission, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test' });
    await smtp.connect();
    await smtp.login('alice', 'alicepass');
    return smtp;
  };

  it('sendmail, sendmail binary (BDAT) and data() from a missing file fail before anything is sent; the session goes on', async () => {
    await using smtp = await open();
    // A call refused at once (another one is running) leaves its stream heard and released too.
    const busy = smtp.noop();
    const refused = await smtp.sendmail('alice@example.test', ['rcpt@example.test'], createReadStream(MISSING)).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^sendmail\(\) was called while noop\(\) is still running/);
    await busy;
    const errors = [
      await smtp.sendmail('alice@example.test', ['rcpt@example.test'], createReadStream(MISSING)).catch((e: unknown) => e),
      await smtp.sendmail('alice@example.test', ['rcpt@example.test'], createReadStream(MISSING), [], [], { binary: true }).catch((e: unknown) => e),
    ];
    await smtp.mail('alice@example.test');
    await smtp.rcpt('rcpt@example.test');
    errors.push(await smtp.data(createReadStream(MISSING)).catch((e: unknown) => e));
    expect(errors.map((e) => (e as Error).message.replace(/:.*;/, ': …;'))).toEqual([
      'the message stream failed before MAIL was sent: …; nothing was sent',
      'the message stream failed before MAIL was sent: …; nothing was sent',
      'the message stream failed before DATA was sent: …; nothing was sent',
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SMTPException);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    }
    expect((await smtp.rset()).code).toBe(250);
    expect(stray).toEqual([]);
  });

  it('a stream failing after its first chunk fails sendmail with the cause kept; the part is never delivered', async () => {
    const partial = `partial-${name}-${Date.now()}`;
    {
      await using smtp = await open();
      const error = await smtp.sendmail('alice@example.test', ['rcpt@example.test'], readableFailingAfter(`Subject: ${partial}\r\n\r\nfirst part\r\n`, new Error('disk gone'))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SMTPException);
      expect((error as Error).message).toBe('the message stream failed during DATA: disk gone');
      expect(((error as Error).cause as Error).message).toBe('disk gone');
      // No "." after part of a message: the connection is closed instead.
      expect(smtp.tlsSocket).toBeNull();
    }
    // A whole message sent after it arrives; the partial one, queued first if at all, never does.
    const whole = `whole-${name}-${Date.now()}`;
    await using smtp = await open();
    await smtp.sendmail('alice@example.test', ['rcpt@example.test'], Readable.from([Buffer.from(`Subject: ${whole}\r\n\r\nall of it\r\n`)]));
    const delivered = await waitForDelivery(whole);
    expect(delivered.some((m) => m.includes(whole))).toBe(true);
    expect(delivered.some((m) => m.includes(partial))).toBe(false);
    expect(stray).toEqual([]);
  });
});
