import { describe, expect, it } from 'vitest';
import { SMTP, SMTP_SSL, SMTPAuthenticationError, SMTPUsageError } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

async function waitForDelivery(count: number): Promise<string[]> {
  // Postfix delivers asynchronously through its queue; poll the maildir (bounded).
  for (let i = 0; i < 200; i++) {
    const messages = mailServers().delivered();
    if (messages.length >= count) return messages;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return mailServers().delivered();
}

let sent = 0;

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP against Postfix (%s)', (name, implementation) => {
  const options = (port: number) => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test' });

  it('submits over the STARTTLS-required port with AUTH through Dovecot', async () => {
    await using smtp = new SMTP(options(mailServers().ports.submission));
    const greeting = await smtp.connect();
    expect(greeting.text).toContain('unitls-postfix');
    expect(smtp.secure).toBe(true);
    await smtp.login('alice', 'alicepass');
    const marker = `submission-${name}-${Date.now()}`;
    await smtp.sendmail('alice@example.test', ['rcpt@example.test'], `Subject: ${marker}\r\n\r\n.dotted line\r\nbody\r\n`);
    const messages = await waitForDelivery(++sent);
    const delivered = messages.find((m) => m.includes(marker));
    expect(delivered).toBeDefined();
    expect(delivered).toMatch(/\r?\n\.dotted line\r?\nbody/);
    expect(delivered).toMatch(/using TLSv1\.[23]/); // Postfix's Received header records the TLS session
  });

  it('authenticates with SCRAM-SHA-256 through Dovecot (server signature verified), and refuses a wrong password', async () => {
    await using smtp = new SMTP(options(mailServers().ports.submission));
    await smtp.connect();
    expect(smtp.esmtpFeatures?.authMechanisms).toContain('SCRAM-SHA-256');
    expect((await smtp.auth('SCRAM-SHA-256', { user: 'alice', password: 'alicepass' })).code).toBe(235);
    await using wrong = new SMTP(options(mailServers().ports.submission));
    await wrong.connect();
    await expect(wrong.auth('SCRAM-SHA-256', { user: 'alice', password: 'wrong' })).rejects.toBeInstanceOf(SMTPAuthenticationError);
  });

  it('submits over implicit TLS (SMTP_SSL)', async () => {
    await using smtp = new SMTP_SSL(options(mailServers().ports.smtps));
    await smtp.connect();
    await smtp.login('bob', 'bobpass');
    const marker = `implicit-${name}-${Date.now()}`;
    await smtp.sendmail('bob@example.test', ['x@other.test'], `Subject: ${marker}\r\n\r\nhello\r\n`);
    expect((await waitForDelivery(++sent)).some((m) => m.includes(marker))).toBe(true);
  });

  it('offers no AUTH before TLS on the plain port, and our client never sends it there', async () => {
    await using plain = new SMTP({ ...options(mailServers().ports.smtp), security: 'plaintext' });
    await plain.connect();
    await plain.ehlo();
    expect(plain.hasExtn('auth')).toBe(false);
    expect(plain.hasExtn('starttls')).toBe(true);
    await expect(plain.login('alice', 'alicepass')).rejects.toBeInstanceOf(SMTPUsageError);
    await using upgraded = new SMTP(options(mailServers().ports.smtp));
    await upgraded.connect();
    expect(upgraded.hasExtn('auth')).toBe(true);
  });
});
