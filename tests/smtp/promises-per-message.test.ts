/**
 * Promises per message (issue #16 item 2): a sendmail over a server offering PIPELINING writes the
 * envelope with DATA in one go and takes the replies of the group that arrived together from the
 * core without an async frame each (Session.replies), writes with begin/end inline and reads the
 * message's final reply without Session.reply's frame: 36 promises on every implementation over
 * implicit TLS (before: 48; every reply went through Session.reply and io.nextEvent, two async
 * frames and ~3 promises each, and every write through io.run's closure). Every message arrives
 * whole; a refused recipient keeps its own reply; a server that closes in the middle of a group's
 * replies is SMTPServerDisconnected with the connection closed. The TLS server is node:tls on
 * callbacks (no promises of its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SMTP, SMTPServerDisconnected, SMTP_SSL } from '@unitls/smtp';
import { clientConfig } from '../support/fixtures.js';
import { promisesCreatedDuring } from '../support/promise-count.js';
import { replyingServer, type ReplyingServer, type Responder } from '../support/replying-server.js';
import { implementations } from '../conformance/implementations.js';
import { useScriptedServers } from '../support/scripted-server.js';

const MESSAGE = `From: a@example.test\r\nTo: b@example.test\r\nSubject: count\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`;
const PER_MESSAGE = 36;

/** An ESMTP server with PIPELINING that takes every message; `received` counts them and their bytes. */
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
    if (verb === 'RCPT' && line.includes('<nobody@')) return '550 5.1.1 no such user\r\n';
    return '250 2.1.0 ok\r\n';
  };
}

const servers: ReplyingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP promises per message (%s)', (_, implementation) => {
  it(`a pipelined sendmail of a message in memory is ${PER_MESSAGE} promises, and every message arrives whole`, async () => {
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
    expect(Math.round(promises / messages)).toBe(PER_MESSAGE);
    expect(received.count).toBe(120);
    expect(received.bytes).toBe(120 * MESSAGE.length);
    // A refused recipient among accepted ones: its own reply in the map, the message still sent.
    const refused = await smtp.sendmail('a@example.test', ['b@example.test', 'nobody@example.test', 'c@example.test'], MESSAGE);
    expect([...refused]).toEqual([['nobody@example.test', { code: 550, text: '5.1.1 no such user' }]]);
    expect(received.count).toBe(121);
    await smtp.quit();
  });
});

describe('SMTP pipelined replies', () => {
  const scripted = useScriptedServers();
  it('the server closing in the middle of a group: SMTPServerDisconnected, the connection closed, nothing sent after', async () => {
    const s = await scripted(async (c) => {
      c.write('220 scripted.test ESMTP\r\n');
      await c.line(); // EHLO
      c.write('250-scripted.test\r\n250 PIPELINING\r\n');
      for (let i = 0; i < 3; i++) await c.line(); // MAIL, RCPT, DATA in one group
      c.write('250 2.1.0 ok\r\n');
      c.socket.end();
    });
    const smtp = new SMTP({ host: '127.0.0.1', port: s.port, security: 'plaintext', localHostname: 'client.test', timeout: 10_000 });
    await smtp.connect();
    const error = await smtp.sendmail('a@x.test', 'b@x.test', 'Subject: hi\r\n\r\nhello\r\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SMTPServerDisconnected);
    expect(smtp.state).toBeNull();
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test', 'MAIL FROM:<a@x.test>', 'RCPT TO:<b@x.test>', 'DATA']);
  });
});
