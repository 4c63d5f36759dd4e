/**
 * The timeout bounds a server that stopped reading, not a long upload (the lead of session 11,
 * after HTTP's fix): a DATA or BDAT chunk went out as one write under the operation's timeout, so
 * a message that took longer than `timeout` to send failed however steadily the server read it, as
 * smtplib's sendall. client-kit now sends SEND_PIECE (64 KiB) at a time and starts the deadline
 * again after each piece the server took; a server that takes none for `timeout` ms fails the call
 * with a TimeoutError naming the DATA message or BDAT chunk and how many of its bytes went out
 * ("took no more of the DATA message ... after X of its Y bytes": "took none" was false once the
 * server had read part of it), and the connection is closed.
 *
 * A proxy (tests/support/throttle-proxy) in front of Postfix (STARTTLS + AUTH, every
 * implementation) and of smtp-server (plain text) stops reading for STALL ms at 1 MiB and 3 MiB of
 * the 9 MiB message: the ~4 MB of loopback buffers (measured with a paused reader) cannot take the
 * rest at either, so the write waits out both stalls (10 s in all, more than TIMEOUT, each less), and
 * it ends well after the second, so the reply does not wait for one. Stalls closer together fail
 * the new code too: TCP wakes a writer only once a good part of its send buffer is free, so the
 * stalls add up for one piece. TIMEOUT (8 s: 4 s failed the reply waits at load 30 in session 14)
 * leaves Postfix time to queue 9 MiB under load.
 */
import { describe, expect, it } from 'vitest';
import { SMTP } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { numberedMessage, SLOW, STALL, TIMEOUT } from '../support/slow-upload.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { throttleProxy } from '../support/throttle-proxy.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));


/** The delivered copy holding `marker`, its line ends as LF (Postfix's maildir); polls the maildir, bounded. */
async function delivered(marker: string): Promise<string | undefined> {
  for (let i = 0; i < 400; i++) {
    const found = mailServers()
      .delivered()
      .find((m) => m.includes(`Subject: ${marker}`));
    if (found !== undefined) return found.replace(/\r\n/g, '\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP over %s to Postfix through a slow link', (name, implementation) => {
  const open = async (port: number): Promise<SMTP> => {
    const smtp = new SMTP({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', timeout: TIMEOUT });
    await smtp.connect();
    await smtp.login('bob', 'bobpass');
    return smtp;
  };

  it(`a DATA message that takes longer than the timeout (two ${STALL} ms stalls, timeout ${TIMEOUT} ms) to send: delivered, every byte`, async () => {
    const proxy = await throttleProxy(mailServers().ports.submission, SLOW);
    await using smtp = await open(proxy.port);
    const marker = `slow-data-${name}-${Date.now()}`;
    const text = numberedMessage(marker);
    await smtp.sendmail('bob@example.test', ['slow@example.test'], text);
    const copy = await delivered(marker);
    // Postfix adds the headers a message lacks (Date, From, Message-ID): the body is compared.
    const body = text.replace(/\r\n/g, '\n').split('\n\n')[1]!;
    expect(copy?.slice(copy.indexOf('\n\n') + 2) === body).toBe(true);
  }, 120_000);

  it('a message in one BDAT chunk that takes longer than the timeout to send: delivered, every byte', async () => {
    const proxy = await throttleProxy(mailServers().ports.submission, SLOW);
    await using smtp = await open(proxy.port);
    expect(smtp.hasExtn('chunking')).toBe(true);
    const marker = `slow-bdat-${name}-${Date.now()}`;
    const text = numberedMessage(marker);
    await smtp.mail('bob@example.test');
    await smtp.rcpt('slow@example.test');
    expect((await smtp.bdat(text)).code).toBe(250);
    const copy = await delivered(marker);
    // Postfix adds the headers a message lacks (Date, From, Message-ID): the body is compared.
    const body = text.replace(/\r\n/g, '\n').split('\n\n')[1]!;
    expect(copy?.slice(copy.indexOf('\n\n') + 2) === body).toBe(true);
  }, 120_000);

  it('a server that stops reading during DATA: a TimeoutError naming the DATA message, the connection closed', async () => {
    const proxy = await throttleProxy(mailServers().ports.submission, { stopAfter: 256 * 1024 });
    const smtp = await open(proxy.port);
    const error = await smtp.sendmail('bob@example.test', ['stalled@example.test'], numberedMessage(`stalled-${name}`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError', phase: 'write', message: expect.stringMatching(new RegExp(`the server took no more of the DATA message for ${TIMEOUT} ms after \\d+ of its \\d+ bytes had gone out: it stopped reading`)) });
    expect(smtp.state).toBeNull();
    await smtp.close();
  }, 60_000);
});

describe('SMTP in plain text through a slow link (smtp-server)', () => {
  it('a DATA message that takes longer than the timeout to send: the server has every byte', async () => {
    const server = await startSmtpServer({ authOptional: true, disabledCommands: ['STARTTLS'] });
    const proxy = await throttleProxy(server.port, SLOW);
    try {
      await using smtp = new SMTP({ host: '127.0.0.1', port: proxy.port, security: 'plaintext', localHostname: 'client.test', timeout: TIMEOUT });
      await smtp.connect();
      const text = numberedMessage('plain');
      await smtp.sendmail('a@example.test', ['b@example.test'], text);
      expect(server.received).toHaveLength(1);
      expect(server.received[0]!.raw.toString('latin1')).toBe(text);
    } finally {
      // The proxy first: smtp-server's close waits for its connections.
      await proxy.close();
      await server.close();
    }
  }, 120_000);

  it('a server that stops reading: a TimeoutError naming the DATA message, the connection closed', async () => {
    const server = await startSmtpServer({ authOptional: true, disabledCommands: ['STARTTLS'] });
    const proxy = await throttleProxy(server.port, { stopAfter: 256 * 1024 });
    try {
      const smtp = new SMTP({ host: '127.0.0.1', port: proxy.port, security: 'plaintext', localHostname: 'client.test', timeout: TIMEOUT });
      await smtp.connect();
      const error = await smtp.sendmail('a@example.test', ['b@example.test'], numberedMessage('stalled')).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TimeoutError', phase: 'write', message: expect.stringMatching(new RegExp(`the server took no more of the DATA message for ${TIMEOUT} ms after \\d+ of its \\d+ bytes had gone out`)) });
      expect(smtp.state).toBeNull();
      expect(server.received).toHaveLength(0);
      await smtp.close();
    } finally {
      // The proxy first: smtp-server's close waits for its connections.
      await proxy.close();
      await server.close();
    }
  }, 60_000);
});
