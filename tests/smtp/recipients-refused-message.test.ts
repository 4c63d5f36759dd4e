/**
 * trial14 (session 14): SMTPRecipientsRefused's message named each recipient with its reply code
 * only: "all recipients were refused: alice@example.test (554)", while Postfix's text — "5.7.1
 * <alice@example.test>: Recipient address rejected: Access denied", the part that says what to do —
 * sat in `recipients` alone. The message now carries each reply's code and text, as
 * SMTPSenderRefused's does ("sender ... refused: 553 ...").
 */
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPRecipientsRefused } from '@unitls/smtp';
import { useScriptedServers } from '../support/scripted-server.js';
import { useStrayErrors } from '../support/stray-errors.js';

const scripted = useScriptedServers();
const stray = useStrayErrors();

describe('SMTPRecipientsRefused: the message carries each refusal text', () => {
  it('names every recipient with the code and text of its reply; the connection stays usable', async () => {
    const server = await scripted(async (c) => {
      c.write('220 hi\r\n');
      for (;;) {
        const line = await c.line();
        if (line === null) return;
        if (line.startsWith('EHLO')) c.write('250 x\r\n');
        else if (line === 'RCPT TO:<alice@example.test>') c.write('554 5.7.1 <alice@example.test>: Recipient address rejected: Access denied\r\n');
        else if (line === 'RCPT TO:<bob@example.test>') c.write('550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown\r\n');
        else c.write('250 ok\r\n');
      }
    });
    const smtp = new SMTP({ host: '127.0.0.1', port: server.port, security: 'plaintext', timeout: 2000 });
    await smtp.connect();
    try {
      const error = await smtp.sendmail('a@example.org', ['alice@example.test', 'bob@example.test'], 'Subject: x\r\n\r\nhi\r\n').then(() => null, (e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(SMTPRecipientsRefused);
      expect((error as Error).message).toBe(
        'all recipients were refused: alice@example.test (554 5.7.1 <alice@example.test>: Recipient address rejected: Access denied), ' +
          'bob@example.test (550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown)',
      );
      expect([...(error as SMTPRecipientsRefused).recipients.keys()]).toEqual(['alice@example.test', 'bob@example.test']);
      expect((await smtp.noop()).code).toBe(250);
    } finally {
      await smtp.close();
    }
    expect(stray).toEqual([]);
  });
});
