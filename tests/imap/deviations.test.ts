/**
 * Issue #15 over a real connection: scripted servers send the exact bytes of real servers'
 * replies (personal details replaced); the source of each is named. TLS-related cases run on
 * every implementation.
 */
import { describe, expect, it } from 'vitest';
import { StartTlsInjectionError } from '@unitls/tls-core';
import { IMAP4, IMAP4Abort, IMAP4Error, type IMAP4Options } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0];
const plain = (port: number, extra: IMAP4Options = {}) => new IMAP4({ host: '127.0.0.1', port, security: 'plaintext', timeout: 5000, ...extra });

/** A PREAUTH session in which each command gets the next scripted answer (`TAG` is replaced by the command's tag). */
async function session(answers: string[], greeting = '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\r\n') {
  return scripted(async (c) => {
    c.write(greeting);
    for (const answer of answers) {
      const line = await c.line();
      if (line === null) return;
      c.write(answer.replaceAll('TAG', tagOf(line)!));
    }
    await c.line();
  });
}

describe('values typed by their grammar position, from real servers', () => {
  it('LIST names that look like numbers stay names (issue #15; stalwartlabs/vandelay#26, Dovecot)', async () => {
    const s = await session([
      '* LIST (\\HasNoChildren) "/" 012345\r\n* LIST (\\Subscribed \\HasNoChildren \\UnMarked) "/" 200\r\n* LIST (\\HasNoChildren) "/" {11}\r\nSome "name"\r\n* LIST (\\Noselect) "/" NIL\r\nTAG OK LIST completed\r\n',
      '* STATUS 200 (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 1700000000 HIGHESTMODSEQ 9223372036854775807)\r\nTAG OK STATUS completed\r\n',
    ]);
    const imap = plain(s.port);
    await imap.connect();
    expect(await imap.list()).toEqual([
      { flags: ['\\HasNoChildren'], delimiter: '/', name: '012345' },
      { flags: ['\\Subscribed', '\\HasNoChildren', '\\UnMarked'], delimiter: '/', name: '200' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'Some "name"' },
      { flags: ['\\Noselect'], delimiter: '/', name: 'NIL' },
    ]);
    expect(await imap.status('200', ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'HIGHESTMODSEQ'])).toEqual({ MESSAGES: 3, UIDNEXT: 4, UIDVALIDITY: 1700000000, HIGHESTMODSEQ: 9223372036854775807n });
    expect(s.lines[1]).toMatch(/STATUS "200" \(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ\)$/);
    await imap.close();
  });

  it('Gmail ids are 64-bit, labels and keywords are text; Yahoo SEARCH with a trailing space', async () => {
    const s = await session([
      '* 1 EXISTS\r\n* OK [HIGHESTMODSEQ 9223372036854775807]\r\nTAG OK [READ-WRITE] INBOX selected. (Success)\r\n',
      '* SEARCH 7456 \r\nTAG OK SEARCH completed\r\n',
      '* 1 FETCH (X-GM-MSGID 1278455344230334865 X-GM-THRID 1266894439832287888 X-GM-LABELS (\\Inbox 2024) UID 7456 FLAGS (\\Seen 1234) MODSEQ (9007199254740993))\r\nTAG OK Success\r\n',
    ]);
    const imap = plain(s.port);
    await imap.connect();
    // Gmail sends a code without text (modern-email/defects#28).
    expect((await imap.select()).highestModSeq).toBe(9223372036854775807n);
    expect(await imap.uidSearch(['ALL'])).toEqual([7456]);
    const [message] = await imap.uidFetch('7456', 'X-GM-MSGID X-GM-THRID X-GM-LABELS FLAGS MODSEQ');
    // 9007199254740993 is 2^53 + 1: a float would read it as ...992.
    expect(message).toMatchObject({ uid: 7456, gmailMessageId: 1278455344230334865n, gmailThreadId: 1266894439832287888n, gmailLabels: ['\\Inbox', '2024'], flags: ['\\Seen', '1234'], modseq: 9007199254740993n });
    await imap.close();
  });

  it('a value out of its grammar range is a protocol error, and the connection is closed', async () => {
    const s = await session(['* 1 EXISTS\r\nTAG OK done\r\n', '* 1 FETCH (UID 4294967296)\r\nTAG OK done\r\n']);
    const imap = plain(s.port);
    await imap.connect();
    await imap.select();
    await expect(imap.fetch('1', 'UID')).rejects.toMatchObject({ name: 'IMAP4ProtocolError', message: /32-bit range/ });
    expect(imap.state).toBe('LOGOUT');
    await s.done();
  });
});

describe('harmless deviations accepted on purpose, the connection stays usable', () => {
  it('issue #15: an extra CRLF after a literal inside an open list (CPython gh-88574), the exact bytes', async () => {
    const body = 'Subject: hi\r\n\r\nbody\r\n';
    const s = await session(['* 9 EXISTS\r\nTAG OK done\r\n', `* 9 FETCH (UID 17 BODY[] {21}\r\n${body}\r\n)\r\nTAG OK FETCH completed\r\n`, 'TAG OK NOOP completed\r\n']);
    const imap = plain(s.port);
    await imap.connect();
    await imap.select();
    const [message] = await imap.fetch('9', 'UID BODY[]');
    expect(message!.uid).toBe(17);
    expect(Buffer.from(message!.body['BODY[]']!).toString()).toBe(body);
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.close();
  });

  it('iCloud\'s bare "* BYE" on LOGOUT (ruby/net-imap#229) and ppops.net\'s bare "A6 OK" (mscdex/node-imap#537)', async () => {
    const s = await session(['TAG OK\r\n', '* BYE\r\nTAG OK\r\n']);
    const imap = plain(s.port);
    await imap.connect();
    expect((await imap.noop()).tagged.text).toBe('');
    await imap.logout();
    expect(s.lines.map((l) => l.split(' ')[1])).toEqual(['NOOP', 'LOGOUT']);
  });

  it('imap.qq.com: a space before ")" (jakartaee/mail-api#209); Yahoo Japan: one in BODYSTRUCTURE (emailjs/emailjs-imap-handler#8)', async () => {
    const s = await session([
      '* 11487 EXISTS\r\nTAG OK done\r\n',
      '* 11487 FETCH (UID 19436 BODYSTRUCTURE (("text" "plain" ("charset" "ISO-2022-JP") NIL NIL "7bit" 2515 64 NIL NIL NIL NIL) "alternative" ("boundary" "b") NIL ) )\r\nTAG OK done\r\n',
    ]);
    const imap = plain(s.port);
    await imap.connect();
    await imap.select();
    expect(await imap.fetch('11487', 'UID BODYSTRUCTURE')).toMatchObject([{ uid: 19436, bodyStructure: { subtype: 'alternative', parts: [{ lines: 64 }] } }]);
    await imap.close();
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('STARTTLS with untagged responses around it (%s)', (_, implementation) => {
  const client = (port: number) => new IMAP4({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000 });
  const upgrade = (c: ScriptConnection) => c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));

  /** STARTTLS answered with `before` + the tagged OK, then `afterHandshake` unsolicited, then CAPABILITY and LOGOUT. */
  async function starttls(before: string, afterHandshake = '') {
    return scripted(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n');
      const line = await c.line();
      c.write(`${before}${tagOf(line)} OK Begin TLS negotiation now\r\n`);
      await upgrade(c);
      if (afterHandshake) c.write(afterHandshake);
      const capability = await c.line();
      c.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE\r\n${tagOf(capability)} OK done\r\n`);
      const logout = await c.line();
      c.write(`* BYE bye\r\n${tagOf(logout)} OK bye\r\n`);
    });
  }

  it.each([
    // Issue #15: an ALERT before the OK (RFC 9051 §7.1: a client must accept untagged data at any time).
    ['an * OK [ALERT]', '* OK [ALERT] Your password expires in 3 days\r\n'],
    // A stale CAPABILITY before the OK: accepted, and forgotten with everything else from before TLS.
    ['a CAPABILITY with AUTH=EVIL', '* CAPABILITY IMAP4rev1 AUTH=EVIL\r\n'],
    // A status update and a warning without text (iCloud-style, ruby/net-imap#229) before the OK.
    ['an * OK and a bare * NO', '* OK still there\r\n* NO\r\n'],
  ])('accepts %s before the tagged OK, and keeps nothing of it', async (_, before) => {
    const s = await starttls(before);
    const imap = client(s.port);
    await imap.connect();
    expect(imap.secure).toBe(true);
    expect([...imap.capabilities]).toEqual(['IMAP4REV1', 'AUTH=PLAIN', 'IDLE']);
    expect(imap.greeting).toBeNull();
    await imap.logout();
    expect(s.lines.map((l) => l.split(' ')[1])).toEqual(['STARTTLS', 'CAPABILITY', 'LOGOUT']);
  });

  it('accepts an unsolicited CAPABILITY right after the handshake (go-imap before emersion/go-imap#285; thunderbird-android#4250)', async () => {
    const s = await starttls('', '* CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE\r\n');
    const imap = client(s.port);
    await imap.connect();
    expect([...imap.capabilities]).toEqual(['IMAP4REV1', 'AUTH=PLAIN', 'IDLE']);
    await imap.logout();
  });

  it('a BYE before the OK aborts, and nothing more is sent', async () => {
    const s = await scripted(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
      await c.line();
      c.write('* BYE shutting down\r\n');
      await c.line();
    });
    await expect(client(s.port).connect()).rejects.toBeInstanceOf(IMAP4Abort);
    await s.done();
    expect(s.lines).toHaveLength(1);
  });

  it.each([
    ['bytes after the OK in the same packet', 'OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n', StartTlsInjectionError],
    ['a continuation instead of the OK', null, IMAP4Error],
  ])('stays strict: %s', async (_, answer, type) => {
    const s = await scripted(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
      const line = await c.line();
      c.write(answer === null ? '+ go on\r\n' : `${tagOf(line)} ${answer}`);
      await c.line();
    });
    const imap = client(s.port);
    await expect(imap.connect()).rejects.toBeInstanceOf(type);
    await s.done();
    expect(s.lines).toHaveLength(1);
    await expect(imap.noop()).rejects.toThrow(/not connected/);
  });
});
