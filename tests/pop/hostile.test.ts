import { describe, expect, it } from 'vitest';
import { StartTlsInjectionError } from '@unitls/tls-core';
import { POP3, POP3Error, POP3ReplyError } from '@unitls/pop';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();

describe.each(implementations.map((i) => [i.name, i] as const))('POP3 against a hostile server (%s)', (_, implementation) => {
  const client = (port: number, extra = {}) => new POP3({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000, ...extra });

  it('refuses STLS that CAPA does not list, sending nothing more', async () => {
    const s = await hostile(async (c) => {
      c.write('+OK hostile\r\n');
      await c.line();
      c.write('+OK\r\nUSER\r\nUIDL\r\n.\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toThrow(/does not offer STLS/);
    await s.done();
    expect(s.lines).toEqual(['CAPA']);
  });

  it('stops at -ERR to STLS', async () => {
    const s = await hostile(async (c) => {
      c.write('+OK hostile\r\n');
      await c.line();
      c.write('+OK\r\nSTLS\r\n.\r\n');
      await c.line();
      c.write('-ERR not now\r\n');
      await c.line();
    });
    const error = await client(s.port).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(POP3ReplyError);
    expect(error).toBeInstanceOf(POP3Error); // poplib's error_proto
    expect(error).toMatchObject({ response: '-ERR not now' });
    await s.done();
    expect(s.lines).toEqual(['CAPA', 'STLS']);
  });

  it('refuses junk after +OK to STLS (response injection)', async () => {
    const s = await hostile(async (c) => {
      c.write('+OK hostile\r\n');
      await c.line();
      c.write('+OK\r\nSTLS\r\n.\r\n');
      await c.line();
      c.write('+OK begin TLS\r\n+OK 3 messages\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(StartTlsInjectionError);
    await s.done();
  });

  it('bounds line length and reports a multi-line response cut short', async () => {
    const long = await hostile(async (c) => {
      c.write(`+OK ${'x'.repeat(100_000)}\r\n`);
      await c.line();
    });
    await expect(client(long.port, { security: 'plaintext' }).connect()).rejects.toThrow(/longer than 8192/);
    const cut = await hostile(async (c) => {
      c.write('+OK hi\r\n');
      await c.line();
      c.write('+OK\r\n');
      await c.line();
      c.write('+OK logged in\r\n');
      await c.line();
      c.write('+OK 1 octets\r\npartial line\r\n');
      c.socket.end();
    });
    const pop = client(cut.port, { security: 'plaintext', allowPlaintextAuth: true });
    await pop.connect();
    await pop.user('alice');
    await pop.pass_('secret');
    await expect(pop.retr(1)).rejects.toThrow(/connection closed by the server/);
    await long.done();
    await cut.done();
  });

  it('APOP digests the greeting timestamp with the secret (RFC 1939 example)', async () => {
    const s = await hostile(async (c) => {
      c.write('+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n');
      await c.line();
      c.write('+OK maildrop has 1 message\r\n');
      await c.line();
    });
    const pop = client(s.port, { security: 'plaintext', allowPlaintextAuth: true });
    await pop.connect();
    await pop.apop('mrose', 'tanstaaf');
    expect(s.lines[0]).toBe('APOP mrose c4c9334bac560ecc979e58001b3e22fb');
    await pop.close();
  });

  it('answers garbage with a clear protocol error', async () => {
    const s = await hostile(async (c) => {
      c.write('220 this is SMTP\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(POP3Error);
    await s.done();
  });
});
