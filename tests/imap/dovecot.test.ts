import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { IMAP4, IMAP4_SSL, IMAP4AuthenticationError, IMAP4Error, IMAP4ReplyError } from '@unitls/imap';
import { SMTP } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

const PYTHON = `
import imaplib, json, ssl, sys
port, cafile = int(sys.argv[1]), sys.argv[2]
imap = imaplib.IMAP4('127.0.0.1', port)
imap.starttls(ssl_context=ssl.create_default_context(cafile=cafile))
imap.login('bob', 'bobpass')
imap.select('INBOX', readonly=True)
out = []
for num in imap.search(None, 'ALL')[1][0].split():
    typ, data = imap.fetch(num, '(UID RFC822.SIZE FLAGS BODY.PEEK[])')
    meta, body = data[0]
    out.append({'meta': meta.decode(), 'body': body.decode('latin1')})
print(json.dumps(out))
`;

describe.each(implementations.map((i) => [i.name, i] as const))('IMAP against Dovecot (%s)', (name, implementation) => {
  const options = (port: number, host = '127.0.0.1') => ({ host, port, serverHostname: 'localhost', implementation, configuration: clientConfig() });

  it('STARTTLS (required by default), LOGIN, SELECT, SEARCH, FETCH with parsed results', async () => {
    await using imap = new IMAP4(options(mailServers().ports.imap));
    await imap.connect();
    expect(imap.secure).toBe(true);
    expect(imap.capabilities.has('STARTTLS')).toBe(false);
    await imap.login('alice', 'alicepass');
    const inbox = await imap.examine('INBOX');
    expect(inbox.exists).toBeGreaterThanOrEqual(3);
    expect(inbox.uidValidity).toBeGreaterThan(0);
    expect(inbox.readOnly).toBe(true);
    const all = await imap.search(['ALL']);
    expect(all.slice(0, 3)).toEqual([1, 2, 3]);
    const [first] = await imap.fetch('1', 'UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY.PEEK[]');
    expect(first!.envelope?.subject).toBe('Test message 1');
    expect(first!.envelope?.from[0]?.address).toBe('sender@example.test');
    expect(first!.flags).toContain('\\Seen');
    expect(first!.bodyStructure).toMatchObject({ type: 'text', subtype: 'plain' });
    expect(Buffer.from(first!.body['BODY[]']!).length).toBe(first!.size);
    expect(await imap.uidSearch(['SUBJECT', 'message 2'])).toHaveLength(1);
    // Several sets pipelined give what one FETCH each gives.
    const uids = (await imap.uidSearch(['ALL'])).slice(0, 3).map(String);
    const pipelined = await imap.uidFetch(uids, 'UID RFC822.SIZE BODY.PEEK[]');
    const oneByOne = [];
    for (const uid of uids) oneByOne.push(...(await imap.uidFetch(uid, 'UID RFC822.SIZE BODY.PEEK[]')));
    expect(pipelined).toEqual(oneByOne);
    expect(pipelined.map((m) => String(m.uid))).toEqual(uids);
  });

  it('IMAP4_SSL: mailboxes (UTF-7 names), APPEND with a literal, STORE, COPY, MOVE, EXPUNGE, STATUS, ID, NAMESPACE', async () => {
    await using imap = new IMAP4_SSL(options(mailServers().ports.imaps));
    await imap.connect();
    await imap.login('bob', 'bobpass');
    const box = `Entwürfe-${name}`;
    await imap.create(box);
    expect((await imap.list('', '*')).map((e) => e.name)).toContain(box);
    await imap.append(box, 'Subject: appended\r\n\r\nline\r\n.dot line\r\n', { flags: ['\\Flagged'] });
    expect((await imap.status(box)).MESSAGES).toBe(1);
    await imap.select(box);
    await imap.store('1', '+FLAGS', ['\\Answered']);
    const [fetched] = await imap.fetch('1', 'FLAGS BODY.PEEK[]');
    expect(fetched!.flags).toEqual(expect.arrayContaining(['\\Flagged', '\\Answered']));
    expect(Buffer.from(fetched!.body['BODY[]']!).toString()).toBe('Subject: appended\r\n\r\nline\r\n.dot line\r\n');
    await imap.copy('1', 'INBOX');
    await imap.move('1', 'INBOX');
    expect((await imap.status(box)).MESSAGES).toBe(0);
    await imap.closeMailbox();
    await imap.rename(box, `${box}-old`);
    await imap.delete(`${box}-old`);
    expect((await imap.id({ name: 'unitls' }))?.name).toBe('Dovecot');
    expect((await imap.namespace()).personal).not.toHaveLength(0);
    await expect(imap.select('does-not-exist')).rejects.toBeInstanceOf(IMAP4Error);
  });

  it('on 127.0.0.2 LOGINDISABLED holds before TLS; our client never sends LOGIN in clear', async () => {
    await using plain = new IMAP4({ ...options(mailServers().ports.imap, '127.0.0.2'), security: 'plaintext', allowPlaintextAuth: true });
    await plain.connect();
    expect(plain.capabilities.has('LOGINDISABLED')).toBe(true);
    await expect(plain.login('alice', 'alicepass')).rejects.toThrow(/LOGINDISABLED/);
    await using secure = new IMAP4(options(mailServers().ports.imap, '127.0.0.2'));
    await secure.connect();
    expect(secure.capabilities.has('LOGINDISABLED')).toBe(false);
    await secure.authenticate('PLAIN', 'alice', 'alicepass');
    expect(secure.state).toBe('AUTHENTICATED');
  });

  it('AUTHENTICATE CRAM-MD5, and a wrong password as IMAP4Error with the tagged NO', async () => {
    await using imap = new IMAP4_SSL(options(mailServers().ports.imaps));
    await imap.connect();
    await imap.authenticate('CRAM-MD5', 'bob', 'bobpass');
    expect(imap.state).toBe('AUTHENTICATED');
    await using bad = new IMAP4_SSL(options(mailServers().ports.imaps));
    await bad.connect();
    // ux16: it was a plain IMAP4ReplyError "AUTHENTICATE failed: NO ..."; now typed, saying what to do.
    const refused = (await bad.authenticate('CRAM-MD5', 'bob', 'wrong').catch((e: unknown) => e)) as IMAP4ReplyError;
    expect(refused).toBeInstanceOf(IMAP4AuthenticationError);
    expect(refused).toBeInstanceOf(IMAP4ReplyError);
    expect(refused).toMatchObject({ name: 'IMAP4AuthenticationError', code: 'UNITLS_IMAP_AUTH', status: 'NO', responseText: expect.any(String) });
    expect(refused.message).toMatch(/^AUTHENTICATE failed: NO .*; the server refused the credentials given with CRAM-MD5: check the user name and password$/);
    await using badLogin = new IMAP4_SSL(options(mailServers().ports.imaps));
    await badLogin.connect();
    const loginRefused = (await badLogin.login('bob', 'wrong').catch((e: unknown) => e)) as IMAP4ReplyError;
    expect(loginRefused).toBeInstanceOf(IMAP4AuthenticationError);
    expect(loginRefused.message).toMatch(/^LOGIN failed: NO .*; the server refused the credentials given with LOGIN: check the user name and password$/);
    expect(loginRefused.message).not.toContain('wrong');
  });

  it('IDLE yields updates until aborted', async () => {
    await using watcher = new IMAP4_SSL(options(mailServers().ports.imaps));
    await watcher.connect();
    await watcher.login('bob', 'bobpass');
    await watcher.select('INBOX');
    await using writer = new IMAP4_SSL(options(mailServers().ports.imaps));
    await writer.connect();
    await writer.login('bob', 'bobpass');
    const controller = new AbortController();
    const seen: string[] = [];
    const idling = (async () => {
      for await (const update of watcher.idle(controller.signal)) {
        seen.push(update.type);
        if (update.type === 'EXISTS') controller.abort();
      }
    })();
    await writer.append('INBOX', 'Subject: idle\r\n\r\nwake up\r\n');
    await idling;
    expect(seen).toContain('EXISTS');
    expect((await watcher.noop()).tagged.status).toBe('OK');
  });

  it('round trip: sent with @unitls/smtp through Postfix, fetched byte-identical with @unitls/imap', async () => {
    const marker = `roundtrip-${name}-${Date.now()}`;
    const message = `From: bob@example.test\r\nTo: alice@example.test\r\nSubject: ${marker}\r\n\r\nHello Alice.\r\n.dotted\r\n`;
    await using smtp = new SMTP({ host: '127.0.0.1', port: mailServers().ports.submission, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await smtp.connect();
    await smtp.login('bob', 'bobpass');
    await smtp.sendmail('bob@example.test', ['alice@example.test'], message);
    await using imap = new IMAP4_SSL(options(mailServers().ports.imaps));
    await imap.connect();
    await imap.login('alice', 'alicepass');
    let found: number[] = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      await imap.examine('INBOX');
      found = await imap.search(['SUBJECT', marker]);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 50)); // Postfix's queue delivers asynchronously
    }
    expect(found).toHaveLength(1);
    const [fetched] = await imap.fetch(String(found[0]), 'BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT FROM TO)]');
    expect(Buffer.from(fetched!.body['BODY[TEXT]']!).toString()).toBe('Hello Alice.\r\n.dotted\r\n');
    expect(Buffer.from(fetched!.body['BODY[HEADER.FIELDS (SUBJECT FROM TO)]']!).toString()).toBe(
      `From: bob@example.test\r\nTo: alice@example.test\r\nSubject: ${marker}\r\n\r\n`,
    );
  });
});

describe("cross-check with Python's imaplib", () => {
  it('sees the same messages, sizes, UIDs, flags and bytes', async () => {
    await using imap = new IMAP4(({ host: '127.0.0.1', port: mailServers().ports.imap, serverHostname: 'localhost', configuration: clientConfig() }));
    await imap.connect();
    await imap.login('bob', 'bobpass');
    await imap.examine('INBOX');
    const ours = await imap.fetch('1:*', 'UID RFC822.SIZE FLAGS BODY.PEEK[]');
    const dir = mkdtempSync(join(tmpdir(), 'unitls-imap-'));
    writeFileSync(join(dir, 'i.py'), PYTHON);
    const { stdout } = await promisify(execFile)('python3', [join(dir, 'i.py'), String(mailServers().ports.imap), pki.path('root')]);
    const python = JSON.parse(stdout) as Array<{ meta: string; body: string }>;
    expect(ours).toHaveLength(python.length);
    ours.forEach((message, i) => {
      const meta = python[i]!.meta;
      expect(meta).toContain(`UID ${message.uid}`);
      expect(meta).toContain(`RFC822.SIZE ${message.size}`);
      for (const flag of message.flags ?? []) expect(meta).toContain(flag);
      expect(Buffer.from(message.body['BODY[]']!).toString('latin1')).toBe(python[i]!.body);
    });
  });
});
