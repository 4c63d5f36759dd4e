import { describe, expect, it } from 'vitest';
import { StartTlsInjectionError } from '@unitls/tls-core';
import { IMAP4, IMAP4Abort, IMAP4Error } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0];

describe.each(implementations.map((i) => [i.name, i] as const))('IMAP against a hostile server (%s)', (_, implementation) => {
  const client = (port: number, extra = {}) =>
    new IMAP4({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000, ...extra });

  it('refuses a PREAUTH greeting when TLS is required (it skips STARTTLS)', async () => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in already\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toThrow(/PREAUTH/);
    await s.done();
    expect(s.lines).toEqual([]);
  });

  it('refuses when STARTTLS is not advertised, and on NO / BAD / a continuation', async () => {
    const none = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n');
      await c.line();
    });
    await expect(client(none.port).connect()).rejects.toThrow(/does not advertise STARTTLS/);
    await none.done();
    expect(none.lines).toEqual([]);
    for (const answer of ['NO not now', 'BAD what', '+ go on']) {
      const s = await hostile(async (c) => {
        c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n');
        const line = await c.line();
        c.write(answer.startsWith('+') ? `${answer}\r\n` : `${tagOf(line)} ${answer}\r\n`);
        await c.line();
      });
      await expect(client(s.port).connect()).rejects.toThrow(/STARTTLS refused/);
      await s.done();
      expect(s.lines).toHaveLength(1);
    }
  });

  it('refuses bytes after the STARTTLS OK and before the handshake (response injection)', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n');
      const line = await c.line();
      c.write(`${tagOf(line)} OK begin TLS\r\n* 99 EXISTS\r\n`);
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(StartTlsInjectionError);
    await s.done();
  });

  it('forgets capabilities and untagged data from before TLS, a [CAPABILITY] on the STARTTLS OK included', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] hi\r\n');
      const starttls = await c.line();
      c.write(`${tagOf(starttls)} OK [CAPABILITY IMAP4rev1 AUTH=EVIL] begin TLS\r\n`);
      await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
      const capability = await c.line();
      c.write(`* CAPABILITY IMAP4rev1 IDLE\r\n${tagOf(capability)} OK done\r\n`);
      const logout = await c.line();
      c.write(`* BYE bye\r\n${tagOf(logout)} OK bye\r\n`);
    });
    const imap = client(s.port);
    await imap.connect();
    expect([...imap.capabilities]).toEqual(['IMAP4REV1', 'IDLE']);
    expect(imap.greeting).toBeNull();
    await imap.logout();
    expect(s.lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['STARTTLS', 'CAPABILITY', 'LOGOUT']);
  });

  it('aborts on an untagged BYE in the middle of a command', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1] hi\r\n');
      await c.line();
      c.write('* BYE shutting down\r\n');
      await c.line();
    });
    const imap = client(s.port, { security: 'plaintext' });
    await imap.connect();
    await expect(imap.noop()).rejects.toBeInstanceOf(IMAP4Abort);
    await s.done();
  });

  it.each([
    ['a 100 MB literal announcement', '* 1 FETCH (BODY[] {104857600}\r\n', /above the .*-byte limit/],
    ['a literal whose length lies', '* 1 FETCH (BODY[] {3}\r\nabcdefgh)\r\n', /literal length does not match/],
    ['an unterminated literal (connection closes)', '* 1 FETCH (BODY[] {50}\r\nonly a little', /closed the connection in the middle of a response/],
  ])('aborts on %s', async (_, wire, message) => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
      const select = await c.line();
      c.write(`* 1 EXISTS\r\n${tagOf(select)} OK [READ-WRITE] selected\r\n`);
      await c.line();
      c.write(wire);
      if (wire.endsWith('a little')) c.socket.end();
      await c.line();
    });
    const imap = client(s.port, { security: 'plaintext' });
    await imap.connect();
    await imap.select();
    const error = await imap.fetch('1', 'BODY[]').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IMAP4Error);
    expect((error as Error).message).toMatch(message);
    await s.done();
  });

  it('uses modified UTF-7 for mailbox names, and UTF-8 after ENABLE UTF8=ACCEPT', async () => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT LITERAL+] hi\r\n');
      const create = await c.line();
      c.write(`${tagOf(create)} OK created\r\n`);
      const enable = await c.line();
      c.write(`* ENABLED UTF8=ACCEPT\r\n${tagOf(enable)} OK enabled\r\n`);
      const create2 = await c.line(); // "A0003 CREATE {9+}"
      const size = Number(/\{(\d+)\+\}$/.exec(create2 ?? '')?.[1]);
      received.push((await c.bytes(size)).toString('utf8'));
      await c.line(); // the end of the command line
      c.write(`${tagOf(create2)} OK created\r\n`);
      const list = await c.line();
      c.write(`* LIST () "/" "Entwürfe"\r\n${tagOf(list)} OK listed\r\n`);
      await c.line();
    });
    const received: string[] = [];
    const imap = client(s.port, { security: 'plaintext' });
    await imap.connect();
    await imap.create('Entwürfe');
    expect(s.lines[0]).toMatch(/CREATE "Entw&APw-rfe"$/);
    expect(await imap.enable('UTF8=ACCEPT')).toEqual(['UTF8=ACCEPT']);
    await imap.create('Grüße');
    expect(received).toEqual(['Grüße']);
    expect((await imap.list()).map((e) => e.name)).toEqual(['Entwürfe']);
    await imap.close();
  });

  it('AUTHENTICATE XOAUTH2 sends the initial response with SASL-IR (where plaintext auth was explicitly allowed)', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR] hi\r\n');
      const auth = await c.line();
      c.write(`${tagOf(auth)} OK [CAPABILITY IMAP4rev1 IDLE] welcome\r\n`);
      await c.line();
    });
    const imap = client(s.port, { security: 'plaintext', allowPlaintextAuth: true });
    await imap.connect();
    await imap.authenticate('XOAUTH2', 'bob@example.test', 'token-123');
    const [, verb, mechanism, initial] = s.lines[0]!.split(' ');
    expect([verb, mechanism]).toEqual(['AUTHENTICATE', 'XOAUTH2']);
    expect(Buffer.from(initial!, 'base64').toString()).toBe('user=bob@example.test\x01auth=Bearer token-123\x01\x01');
    expect(imap.capabilities.has('IDLE')).toBe(true);
    await imap.close();
  });

  it('stops a literal command when the server answers with a tagged NO instead of "+"', async () => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
      const append = await c.line();
      c.write(`${tagOf(append)} NO [OVERQUOTA] no room\r\n`);
      await c.line();
    });
    const imap = client(s.port, { security: 'plaintext', allowPlaintextAuth: true });
    await imap.connect();
    await expect(imap.append('INBOX', 'Subject: x\r\n\r\nbig\r\n')).rejects.toMatchObject({ status: 'NO' });
    expect(s.lines).toHaveLength(1); // the literal was never sent
    await imap.close();
  });
});
