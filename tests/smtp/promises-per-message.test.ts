/**
 * Promises per message (issue #16 item 3): a sendmail over a server offering PIPELINING writes the
 * envelope with DATA and the message, and reads its four replies, with 25 promises on every
 * implementation (before: 48 on tls-node, 80 on tls-openssl: every reply went through
 * Session.reply and io.nextEvent, each an async frame, and tls-core's BufferSocket lanes added
 * their own). The server is node:tls on callbacks (no promises of its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SMTP_SSL } from '@unitls/smtp';
import { clientConfig } from '../support/fixtures.js';
import { promisesCreatedDuring } from '../support/promise-count.js';
import { replyingServer, type ReplyingServer, type Responder } from '../support/replying-server.js';
import { implementations } from '../conformance/implementations.js';

const MESSAGE = `From: a@example.test\r\nTo: b@example.test\r\nSubject: count\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`;

/** An ESMTP server with PIPELINING that takes every message; `received` counts them. */
function smtpResponder(received: { count: number; bytes: number }): Responder {
  let inData = false;
  return (line) => {
    if (inData) {
      if (line !== '.') {
        received.bytes += line.length + 2;
        return '';
      }
      inData = false;
      received.count++;
      return '250 2.0.0 queued\r\n';
    }
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === 'EHLO') return '250-localhost\r\n250-PIPELINING\r\n250 8BITMIME\r\n';
    if (verb === 'DATA') {
      inData = true;
      return '354 go ahead\r\n';
    }
    if (verb === 'QUIT') return { last: '221 2.0.0 bye\r\n' };
    return '250 2.1.0 ok\r\n';
  };
}

const servers: ReplyingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP promises per message (%s)', (_, implementation) => {
  it('a pipelined sendmail of a message in memory is 25 promises, and every message arrives', async () => {
    const received = { count: 0, bytes: 0 };
    const server = await replyingServer('220 localhost ESMTP\r\n', () => smtpResponder(received));
    servers.push(server);
    const smtp = new SMTP_SSL({ host: '127.0.0.1', port: server.port, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await smtp.connect();
    // Warm: EHLO is sent once, with the first message.
    for (let i = 0; i < 20; i++) expect((await smtp.sendmail('a@example.test', ['b@example.test'], MESSAGE)).size).toBe(0);
    const messages = 100;
    const { promises } = await promisesCreatedDuring(async () => {
      for (let i = 0; i < messages; i++) await smtp.sendmail('a@example.test', ['b@example.test'], MESSAGE);
    });
    // Rounded: the count includes a few promises of the measurement itself, not per message.
    expect(Math.round(promises / messages)).toBe(25);
    expect(received.count).toBe(120);
    await smtp.quit();
  });
});
