/**
 * Issue #18 for SMTP, against scripted loopback servers, on every TLS implementation: deadlines
 * for whole replies (item 6), the CR/LF/NUL guard at the single write point and NUL in SASL
 * credentials (item 5), no per-read signals on a long-lived signal (item 8), transport failures
 * wrapped (item 4), RFC 2920 pipelining with per-recipient results, the one client shape.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { SMTP, SMTP_SSL, SMTPRecipientsRefused, SMTPServerDisconnected, SMTPUsageError } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();
const cert = () => pki.pem('server-ec', 'chain.crt');
const key = () => pki.pem('server-ec', 'key');

/** Greets and answers EHLO with `extensions` (first line is the name). */
async function greet(c: ScriptConnection, extensions = ['PIPELINING']): Promise<void> {
  c.write('220 scripted.test ESMTP\r\n');
  await c.line();
  c.write(['scripted.test', ...extensions].map((e, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${e}\r\n`).join(''));
}

/** Writes `text` one byte every `ms` until the client goes away. */
function drip(c: ScriptConnection, text: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      if (c.socket.destroyed) return;
      c.write(text[i++ % text.length]!);
    }, ms);
    c.socket.once('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
}

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP client shape and hostile servers (%s)', (_, implementation) => {
  const options = (port: number, extra = {}) => ({
    host: '127.0.0.1',
    port,
    serverHostname: 'localhost',
    implementation,
    configuration: clientConfig(),
    localHostname: 'client.test',
    security: 'plaintext' as const,
    ...extra,
  });

  it.each(['plaintext', 'implicit'] as const)('a greeting dripped a byte every 50 ms cannot outlast the timeout (%s)', async (security) => {
    const s = await hostile(async (c) => {
      if (security === 'implicit') await c.startTls(cert(), key());
      // A multi-line greeting that never ends: each byte well within the timeout.
      await drip(c, '220-still greeting you\r\n', 50);
    });
    const smtp = new SMTP(options(s.port, { security, timeout: 600 }));
    await expect(smtp.connect()).rejects.toMatchObject({ name: 'TimeoutError' });
    await s.done();
    expect(s.allClosed()).toBe(true);
  });

  it('a reply dripped mid-session over TLS is bounded too, and the connection closed', async () => {
    const s = await hostile(async (c) => {
      await c.startTls(cert(), key());
      await greet(c);
      await c.line(); // NOOP
      await drip(c, '250-ok\r\n', 50);
    });
    const smtp = new SMTP_SSL(options(s.port, { timeout: 600 }));
    await smtp.connect();
    await smtp.ehlo();
    await expect(smtp.noop()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(smtp.state).toBeNull();
    await s.done();
  });

  it('publishes TLS on unitls:smtp:tls, for implicit TLS and after STARTTLS', async () => {
    const s = await hostile(async (c) => {
      await greet(c, ['STARTTLS']);
      await c.line();
      c.write('220 go ahead\r\n');
      await c.startTls(cert(), key());
      await c.line();
      c.write('250 scripted.test\r\n');
      await c.line();
      c.write('221 bye\r\n');
    });
    const seen: boolean[] = [];
    const listener = (message: unknown) => seen.push((message as { upgraded: boolean; socket: { negotiatedTlsVersion: string } }).upgraded);
    subscribe('unitls:smtp:tls', listener);
    try {
      const smtp = new SMTP(options(s.port, { security: 'starttls' }));
      await smtp.connect();
      expect(smtp.secure).toBe(true);
      await smtp.quit();
    } finally {
      unsubscribe('unitls:smtp:tls', listener);
    }
    expect(seen).toEqual([true]);
    await s.done();
  });

  it('a per-call signal ends one call and closes; quit on a closed client is a no-op', async () => {
    const s = await hostile(async (c) => {
      await greet(c);
      await c.line(); // NOOP, never answered
      await c.line();
    });
    const smtp = new SMTP(options(s.port));
    await smtp.connect();
    const controller = new AbortController();
    const pending = smtp.noop({ signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(await smtp.quit()).toBeNull();
    await expect(smtp.noop()).rejects.toBeInstanceOf(SMTPServerDisconnected);
    await s.done();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('docmd and AUTH cannot send CR, LF or NUL: nothing reaches the server', async () => {
    const s = await hostile(async (c) => {
      await greet(c, ['AUTH PLAIN LOGIN SCRAM-SHA-256']);
      await c.line();
    });
    const smtp = new SMTP(options(s.port, { allowPlaintextAuth: true }));
    await smtp.connect();
    await smtp.ehlo();
    for (const line of ['NOOP\r\nRSET', 'NOOP\nMAIL FROM:<x@y>', 'NOOP\0']) await expect(smtp.docmd(line)).rejects.toBeInstanceOf(SMTPUsageError);
    for (const mechanism of ['PLAIN', 'LOGIN', 'SCRAM-SHA-256']) {
      await expect(smtp.auth(mechanism, { user: 'alice', password: 'pass\0word' })).rejects.toBeInstanceOf(SMTPUsageError);
      await expect(smtp.auth(mechanism, { user: 'al\0ice', password: 'x' })).rejects.toBeInstanceOf(SMTPUsageError);
    }
    await expect(smtp.login('alice\0admin', 'x')).rejects.toBeInstanceOf(SMTPUsageError);
    await smtp.close();
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test']);
  });

  it('adds no listener per read to a long-lived signal and composes no signals (no leak)', async () => {
    const s = await hostile(async (c) => {
      await greet(c);
      for (let line = await c.line(); line === 'NOOP'; line = await c.line()) c.write('250 ok\r\n');
      c.write('221 bye\r\n');
    });
    const session = new AbortController();
    const perCall = new AbortController();
    const any = vi.spyOn(AbortSignal, 'any');
    const timeout = vi.spyOn(AbortSignal, 'timeout');
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const smtp = new SMTP(options(s.port, { signal: session.signal }));
      await smtp.connect();
      await smtp.ehlo();
      const timersBefore = timers.mock.calls.length;
      for (let i = 0; i < 300; i++) {
        await smtp.noop({ signal: perCall.signal });
        expect(getEventListeners(session.signal, 'abort')).toHaveLength(1);
      }
      expect(getEventListeners(perCall.signal, 'abort')).toHaveLength(0);
      // One timer per connection, re-armed per operation: none created per command or read.
      expect(timers.mock.calls.length - timersBefore).toBe(0);
      await smtp.quit();
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
      expect(any).not.toHaveBeenCalled();
      expect(timeout).not.toHaveBeenCalled();
    } finally {
      any.mockRestore();
      timeout.mockRestore();
      timers.mockRestore();
    }
    await s.done();
  });

  it('a TCP drop mid-reply over TLS is SMTPServerDisconnected on every implementation, cause kept', async () => {
    const s = await hostile(async (c) => {
      await c.startTls(cert(), key());
      await greet(c);
      await c.line();
      c.write('250-half a reply\r\n');
      c.socket.resetAndDestroy();
    });
    const smtp = new SMTP_SSL(options(s.port));
    await smtp.connect();
    await smtp.ehlo();
    const error = await smtp.noop().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SMTPServerDisconnected);
    expect(smtp.state).toBeNull();
    await s.done();
  });

  it('pipelines MAIL, every RCPT and DATA in one write and reports each refused recipient with its own reply', async () => {
    const received: string[] = [];
    const s = await hostile(async (c) => {
      await greet(c);
      // Nothing is answered until the whole group arrived: a client waiting per command would hang here.
      const group = [await c.line(), await c.line(), await c.line(), await c.line(), await c.line()];
      received.push(...group.map(String));
      c.write('250 2.1.0 sender ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n450 4.2.0 try later\r\n354 go ahead\r\n');
      for (let line = await c.line(); line !== '.'; line = await c.line()) received.push(String(line));
      c.write('250 2.0.0 queued\r\n');
      await c.line();
      c.write('221 bye\r\n');
    });
    const smtp = new SMTP(options(s.port));
    await smtp.connect();
    const refused = await smtp.sendmail('a@x.test', ['ok@x.test', 'nobody@x.test', 'later@x.test'], 'Subject: hi\r\n\r\n.dot\r\n');
    expect([...refused]).toEqual([
      ['nobody@x.test', { code: 550, text: '5.1.1 no such user' }],
      ['later@x.test', { code: 450, text: '4.2.0 try later' }],
    ]);
    expect(received).toEqual(['MAIL FROM:<a@x.test>', 'RCPT TO:<ok@x.test>', 'RCPT TO:<nobody@x.test>', 'RCPT TO:<later@x.test>', 'DATA', 'Subject: hi', '', '..dot']);
    await smtp.quit();
    await s.done();
  });

  it.each([
    ['refuses the pipelined DATA', '554 5.5.1 no valid recipients', ['RSET']],
    ['accepts the pipelined DATA anyway', '354 go', ['.', 'RSET']],
  ])('when every recipient is refused and the server %s, nothing is sent and RSET follows', async (_, dataReply, after) => {
    const s = await hostile(async (c) => {
      await greet(c);
      for (let i = 0; i < 3; i++) await c.line();
      c.write(`250 ok\r\n550 no\r\n${dataReply}\r\n`);
      if (dataReply.startsWith('354')) {
        await c.line();
        c.write('554 no recipients\r\n');
      }
      await c.line();
      c.write('250 reset\r\n');
      await c.line();
    });
    const smtp = new SMTP(options(s.port));
    await smtp.connect();
    await expect(smtp.sendmail('a@x.test', ['nobody@x.test'], 'Subject: x\r\n\r\nsecret body\r\n')).rejects.toBeInstanceOf(SMTPRecipientsRefused);
    await smtp.close();
    await s.done();
    expect(s.lines.slice(4)).toEqual(after);
    expect(s.lines.join('\n')).not.toContain('secret body');
  });

  it('redacts a SASL exchange driven by docmd, as AUTH through auth()', async () => {
    const s = await hostile(async (c) => {
      await greet(c);
      await c.line(); // AUTH LOGIN
      c.write('334 VXNlcm5hbWU6\r\n');
      await c.line();
      c.write('334 UGFzc3dvcmQ6\r\n');
      await c.line();
      c.write('235 ok\r\n');
      await c.line();
    });
    const lines: string[] = [];
    const smtp = new SMTP(options(s.port, { debuglevel: 1, debugOutput: (line: string) => lines.push(line) }));
    await smtp.connect();
    await smtp.ehlo();
    await smtp.docmd('AUTH LOGIN');
    await smtp.docmd(Buffer.from('alice').toString('base64'));
    expect((await smtp.docmd(Buffer.from('alicepass').toString('base64'))).code).toBe(235);
    await smtp.close();
    await s.done();
    expect(lines.slice(-6)).toEqual(['send: AUTH LOGIN', 'reply: 334 <redacted>', 'send: <redacted>', 'reply: 334 <redacted>', 'send: <redacted>', 'reply: 235 ok']);
  });

  it('gathers a streamed message of small chunks into a few large writes', async () => {
    let bodyBytes = 0;
    const s = await hostile(async (c) => {
      await greet(c);
      for (let i = 0; i < 3; i++) await c.line();
      c.write('250 ok\r\n250 ok\r\n354 go\r\n');
      for (let line = await c.line(); line !== '.' && line !== null; line = await c.line()) bodyBytes += line.length + 2;
      c.write('250 queued\r\n');
      await c.line();
    });
    let writes = 0;
    const smtp = new SMTP(
      options(s.port, {
        transport: async () => {
          const socket = connect(s.port, '127.0.0.1');
          await new Promise((resolve) => socket.once('connect', resolve));
          const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
          socket.write = ((...args: unknown[]) => {
            writes++;
            return write(...args);
          }) as typeof socket.write;
          return socket;
        },
      }),
    );
    await smtp.connect();
    const line = Buffer.from(`${'x'.repeat(98)}\r\n`);
    async function* body() {
      for (let i = 0; i < 2000; i++) yield line;
    }
    const before = writes;
    await smtp.sendmail('a@x.test', ['b@x.test'], body());
    expect(bodyBytes).toBe(2000 * line.length);
    // The envelope (one pipelined write), then about 200 KB in 64 KiB batches: not 2000 writes.
    expect(writes - before).toBeLessThanOrEqual(6);
    await smtp.close();
    await s.done();
  });

  it('`await using` says QUIT then closes; a transport factory is used; diagnostics are published, secrets redacted', async () => {
    const s = await hostile(async (c) => {
      await greet(c, ['AUTH PLAIN']);
      await c.line(); // AUTH PLAIN ...
      c.write('235 2.7.0 ok\r\n');
      await c.line();
      c.write('221 bye\r\n');
      await c.line();
    });
    const seen: string[] = [];
    const command = (m: unknown) => seen.push(`C: ${(m as { command: string }).command}`);
    const reply = (m: unknown) => seen.push(`S: ${(m as { reply: string }).reply}`);
    subscribe('unitls:smtp:command', command);
    subscribe('unitls:smtp:reply', reply);
    const dialled: string[] = [];
    try {
      await using smtp = new SMTP(
        options(s.port, {
          host: 'mail.invalid',
          allowPlaintextAuth: true,
          transport: async (address: { host: string; port: number }) => {
            dialled.push(`${address.host}:${address.port}`);
            const socket = connect(s.port, '127.0.0.1');
            await new Promise((resolve) => socket.once('connect', resolve));
            return socket;
          },
        }),
      );
      await smtp.connect();
      await smtp.login('alice', 'alicepass');
    } finally {
      unsubscribe('unitls:smtp:command', command);
      unsubscribe('unitls:smtp:reply', reply);
    }
    await s.done();
    expect(dialled).toEqual([`mail.invalid:${s.port}`]);
    expect(s.lines.at(-1)).toBe('QUIT');
    expect(seen).toEqual(['S: 220 scripted.test ESMTP', 'C: EHLO client.test', 'S: 250 scripted.test\n250 AUTH PLAIN', 'C: AUTH PLAIN <redacted>', 'S: 235 2.7.0 ok', 'C: QUIT', 'S: 221 bye']);
    expect(seen.join('\n')).not.toContain(Buffer.from('\0alice\0alicepass').toString('base64'));
  });
});
