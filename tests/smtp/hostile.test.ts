import { describe, expect, it } from 'vitest';
import { StartTlsInjectionError } from '@unitls/tls-core';
import {
  SMTP,
  SMTPHeloError,
  SMTPNotSupportedError,
  SMTPProtocolError,
  SMTPResponseException,
  SMTPServerDisconnected,
} from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();

const EHLO_TLS = '250-hostile.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n';

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP against a hostile server (%s)', (_, implementation) => {
  const client = (port: number, extra = {}) =>
    new SMTP({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', timeout: 5000, ...extra });

  it('refuses a reply injected after the STARTTLS go-ahead, before the handshake', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test ESMTP\r\n');
      await c.line(); // EHLO
      c.write(EHLO_TLS);
      await c.line(); // STARTTLS
      c.write('220 go ahead\r\n250-injected.test\r\n250 AUTH PLAIN\r\n');
      await c.line();
    });
    const smtp = client(s.port);
    await expect(smtp.connect()).rejects.toBeInstanceOf(StartTlsInjectionError);
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test', 'STARTTLS']);
  });

  it('refuses to continue when STARTTLS is not offered, sending nothing more', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test ESMTP\r\n');
      await c.line();
      c.write('250-hostile.test\r\n250 AUTH PLAIN LOGIN\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(SMTPNotSupportedError);
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test']);
  });

  it.each(['454 4.7.0 TLS not available', '502 not implemented', '354 go on'])('stops when STARTTLS is answered with %s', async (answer) => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test\r\n');
      await c.line();
      c.write(EHLO_TLS);
      await c.line();
      c.write(`${answer}\r\n`);
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(SMTPResponseException);
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test', 'STARTTLS']);
  });

  it('does not fall back to HELO in clear when EHLO is refused and TLS is required', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test\r\n');
      await c.line();
      c.write('500 what\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(SMTPHeloError);
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test']);
  });

  it('forgets pre-TLS capabilities and asks again over TLS', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test\r\n');
      await c.line();
      c.write('250-hostile.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n');
      await c.line();
      c.write('220 go ahead\r\n');
      await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
      await c.line();
      c.write('250-hostile.test\r\n250 SIZE 1000\r\n');
      await c.line();
      c.write('221 bye\r\n');
    });
    const smtp = client(s.port);
    await smtp.connect();
    expect(smtp.hasExtn('auth')).toBe(false);
    expect(smtp.esmtpFeatures?.sizeLimit).toBe(1000);
    await smtp.quit();
    expect(s.lines).toEqual(['EHLO client.test', 'STARTTLS', 'EHLO client.test', 'QUIT']);
  });

  it('refuses a 10 MB line with a clear error and closes', async () => {
    const s = await hostile(async (c) => {
      c.write(`220 ${'x'.repeat(10 * 1024 * 1024)}\r\n`);
      await c.line();
    });
    const smtp = client(s.port, { security: 'plaintext' });
    await expect(smtp.connect()).rejects.toThrow(SMTPProtocolError);
    await s.done();
  });

  it('answers garbage with a protocol error', async () => {
    const s = await hostile(async (c) => {
      c.write('HTTP/1.1 200 OK\r\n\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toThrow(/malformed reply/);
    await s.done();
  });

  it('reports a server that closes in the middle of DATA', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test\r\n');
      await c.line();
      c.write('250 hostile.test\r\n');
      await c.line();
      c.write('250 ok\r\n');
      await c.line();
      c.write('250 ok\r\n');
      await c.line();
      c.write('354 go\r\n');
      await c.line();
      c.socket.destroy();
    });
    const smtp = client(s.port, { security: 'plaintext' });
    await smtp.connect();
    await expect(smtp.sendmail('a@x.test', ['b@x.test'], 'Subject: x\r\n\r\nbody\r\n')).rejects.toBeInstanceOf(SMTPServerDisconnected);
    await s.done();
  });

  it('times out a server that never greets, leaving no socket behind', async () => {
    const s = await hostile(async (c) => {
      await c.line();
    });
    await expect(client(s.port, { timeout: 200 }).connect()).rejects.toMatchObject({ name: 'TimeoutError' });
    await s.done();
    expect(s.allClosed()).toBe(true);
  });

  it('sends BDAT chunks when the server offers CHUNKING and BINARYMIME', async () => {
    const received: Buffer[] = [];
    const s = await hostile(async (c) => {
      c.write('220 hostile.test\r\n');
      await c.line();
      c.write('250-hostile.test\r\n250-CHUNKING\r\n250 BINARYMIME\r\n');
      await c.line();
      c.write('250 ok\r\n');
      await c.line();
      c.write('250 ok\r\n');
      const bdat = await c.line(); // BDAT n LAST, then n raw bytes
      const size = Number(/^BDAT (\d+) LAST$/.exec(bdat ?? '')?.[1]);
      const data = await c.bytes(size);
      received.push(data);
      c.write('250 stored\r\n');
      await c.line();
    });
    const smtp = client(s.port, { security: 'plaintext' });
    await smtp.connect();
    const body = Buffer.from('a\r\n.\r\nnot the end\0binary');
    await smtp.sendmail('a@x.test', ['b@x.test'], body, [], [], { binary: true });
    expect(s.lines.slice(0, 3)).toEqual(['EHLO client.test', 'MAIL FROM:<a@x.test> BODY=BINARYMIME', 'RCPT TO:<b@x.test>']);
    expect(s.lines[3]).toBe(`BDAT ${body.length} LAST`);
    expect(Buffer.concat(received).equals(body)).toBe(true); // binary-clean: no dot-stuffing, no CRLF changes
    await smtp.close();
  });
});
