import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { POP3, POP3_SSL, POP3AuthenticationError, POP3Error, POP3ReplyError, POP3UsageError } from '@unitls/pop';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

const PYTHON = `
import json, poplib, ssl, sys
port, cafile = int(sys.argv[1]), sys.argv[2]
pop = poplib.POP3('127.0.0.1', port)
pop.stls(context=ssl.create_default_context(cafile=cafile))
pop.user('alice'); pop.pass_('alicepass')
count, size = pop.stat()
listing = [line.decode() for line in pop.list()[1]]
uidl = [line.decode() for line in pop.uidl()[1]]
messages = [b'\\r\\n'.join(pop.retr(i)[1]).decode('latin1') + '\\r\\n' for i in range(1, count + 1)]
pop.quit()
print(json.dumps({'count': count, 'size': size, 'list': listing, 'uidl': uidl, 'messages': messages}))
`;

describe.each(implementations.map((i) => [i.name, i] as const))('POP3 against Dovecot (%s)', (_, implementation) => {
  const options = (port: number, host = '127.0.0.1') => ({ host, port, serverHostname: 'localhost', implementation, configuration: clientConfig() });

  it('STLS (required by default), USER/PASS, STAT, LIST, UIDL, RETR, TOP — and the same answers as Python poplib', async () => {
    await using pop = new POP3(options(mailServers().ports.pop3));
    await pop.connect();
    expect(pop.secure).toBe(true);
    await pop.user('alice');
    await pop.pass_('alicepass');
    const [count, size] = await pop.stat();
    expect(count).toBe(3);
    const listing = await pop.list();
    const uidl = await pop.uidl();
    const messages: string[] = [];
    for (let i = 1; i <= count; i++) messages.push(Buffer.from(await pop.retr(i)).toString('latin1'));
    expect(messages[0]).toContain('Subject: Test message 1');
    expect(Buffer.from(await pop.top(2, 0)).toString()).toMatch(/Subject: Test message 2\r\n(.*\r\n)*\r\n$/);
    expect(await pop.list(1)).toEqual(listing[0]);
    expect(await pop.uidl(3)).toEqual(uidl[2]);
    const streamed: Buffer[] = [];
    for await (const line of pop.retrLines(1)) streamed.push(line);
    expect(Buffer.concat(streamed.flatMap((l) => [l, Buffer.from('\r\n')])).toString('latin1')).toBe(messages[0]);

    const dir = mkdtempSync(join(tmpdir(), 'unitls-pop-'));
    writeFileSync(join(dir, 'p.py'), PYTHON);
    const { stdout } = await promisify(execFile)('python3', [join(dir, 'p.py'), String(mailServers().ports.pop3), pki.path('root')]);
    const python = JSON.parse(stdout) as { count: number; size: number; list: string[]; uidl: string[]; messages: string[] };
    expect([count, size]).toEqual([python.count, python.size]);
    expect(listing.map((l) => `${l.message} ${l.octets}`)).toEqual(python.list);
    expect(uidl.map((u) => `${u.message} ${u.uid}`)).toEqual(python.uidl);
    expect(messages).toEqual(python.messages);
    expect(listing.map((l) => l.octets)).toEqual(messages.map((m) => Buffer.byteLength(m, 'latin1')));
  });

  it('POP3_SSL with AUTH PLAIN, and a wrong password as POP3AuthenticationError (a POP3ReplyError) with the server line', async () => {
    await using pop = new POP3_SSL(options(mailServers().ports.pop3s));
    await pop.connect();
    expect(pop.tlsSocket?.negotiatedTlsVersion).toBe('TLSv1.3');
    expect((await pop.capa()).get('SASL')).toContain('PLAIN');
    await pop.authPlain('alice', 'alicepass');
    expect((await pop.stat())[0]).toBe(3);
    await using bad = new POP3_SSL(options(mailServers().ports.pop3s));
    await bad.connect();
    await bad.user('alice');
    const refused = await bad.pass_('wrong').catch((e: unknown) => e);
    // ux16: a POP3ReplyError like any -ERR, the message "PASS: -ERR ..." saying nothing of what to do.
    expect(refused).toBeInstanceOf(POP3AuthenticationError);
    expect(refused).toBeInstanceOf(POP3ReplyError);
    expect(refused).toBeInstanceOf(POP3Error); // poplib's error_proto
    expect(refused).toMatchObject({ name: 'POP3AuthenticationError', code: 'UNITLS_POP3_AUTH', role: 'reply', response: expect.stringMatching(/^-ERR/) });
    // The message names the command and what to do, never the password (trial 11, finding 8).
    expect((refused as Error).message).toBe(`USER/PASS refused: ${(refused as POP3ReplyError).response}; the server refused the credentials given with USER/PASS: check the user name and password`);
    expect((refused as Error).message).not.toContain('wrong');
  });

  it('a -ERR names the command that got it; a message number given as a string is shown as one (trial 11)', async () => {
    await using pop = new POP3_SSL(options(mailServers().ports.pop3s));
    await pop.connect();
    await pop.authPlain('alice', 'alicepass');
    const missing = await pop.retr(99).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(POP3ReplyError);
    expect((missing as Error).message).toBe("RETR 99: -ERR There's no message 99.");
    expect((missing as POP3ReplyError).response).toBe("-ERR There's no message 99.");
    await expect(pop.dele(99)).rejects.toThrow(/^DELE 99: -ERR /);
    await expect(pop.retr('1' as unknown as number)).rejects.toThrow(new POP3UsageError("message numbers are positive integers, got a string ('1')"));
    expect((await pop.stat())[0]).toBe(3);
  });

  it('AUTH SCRAM-SHA-256 through the kit (Dovecot proves it knows the password), NUL refused before anything is sent', async () => {
    await using pop = new POP3_SSL(options(mailServers().ports.pop3s));
    await pop.connect();
    await expect(pop.auth('SCRAM-SHA-256', { user: 'alice', password: 'alice\0pass' })).rejects.toBeInstanceOf(POP3UsageError);
    await pop.auth('SCRAM-SHA-256', { user: 'alice', password: 'alicepass' });
    expect(pop.state).toBe('TRANSACTION');
    expect((await pop.stat())[0]).toBe(3);
    await using wrong = new POP3_SSL(options(mailServers().ports.pop3s));
    await wrong.connect();
    const refused = (await wrong.auth('SCRAM-SHA-256', { user: 'alice', password: 'nope' }).catch((e: unknown) => e)) as POP3ReplyError;
    expect(refused).toBeInstanceOf(POP3AuthenticationError);
    expect(refused.message).toMatch(/^SCRAM-SHA-256 refused: -ERR .*; the server refused the credentials given with SCRAM-SHA-256: check the user name and password$/);
  });

  it('retrMany pipelines RETR (Dovecot offers PIPELINING) with the same bytes as retr; leaving retrLines early keeps the session in sync', async () => {
    await using pop = new POP3_SSL(options(mailServers().ports.pop3s));
    await pop.connect();
    await pop.user('alice');
    await pop.pass_('alicepass');
    const one = [await pop.retr(1), await pop.retr(2), await pop.retr(3)].map((m) => Buffer.from(m).toString('latin1'));
    expect((await pop.capa()).has('PIPELINING')).toBe(true);
    const many = (await pop.retrMany([1, 2, 3, 1])).map((m) => Buffer.from(m).toString('latin1'));
    expect(many).toEqual([...one, one[0]]);
    for await (const line of pop.retrLines(2)) {
      expect(line.toString()).toMatch(/^From: /);
      break;
    }
    expect(await pop.list(3)).toEqual({ message: 3, octets: Buffer.byteLength(one[2]!, 'latin1') });
    await pop.dele(3);
    expect((await pop.stat())[0]).toBe(2);
    await pop.rset();
    expect((await pop.stat())[0]).toBe(3);
  });

  it('on 127.0.0.2 (a "remote" server for Dovecot) credentials never go out in clear', async () => {
    await using plain = new POP3({ ...options(mailServers().ports.pop3, '127.0.0.2'), security: 'plaintext' });
    await plain.connect();
    await expect(plain.user('alice')).rejects.toBeInstanceOf(POP3UsageError);
    await using secure = new POP3(options(mailServers().ports.pop3, '127.0.0.2'));
    await secure.connect();
    await secure.user('alice');
    await secure.pass_('alicepass');
    expect((await secure.stat())[0]).toBe(3);
    expect(POP3Error).toBeDefined();
  });
});
