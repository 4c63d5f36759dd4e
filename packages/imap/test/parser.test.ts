import { describe, expect, it } from 'vitest';
import { IMAP4Abort, ResponseParser, decodeMailbox, encodeMailbox, parseFetch, type UntaggedResponse } from '../src/mod.js';

const feed = (wire: string | Buffer) => new ResponseParser().feed(typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire);

describe('ResponseParser', () => {
  it('parses status, data, tagged and continuation responses', () => {
    const [greeting, caps, exists, flags, tagged, more] = feed(
      '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n* CAPABILITY IMAP4rev1 IDLE\r\n* 3 EXISTS\r\n* FLAGS (\\Answered \\Seen $Junk)\r\nA0001 OK [READ-WRITE] SELECT completed\r\n+ go ahead\r\n',
    );
    expect(greeting).toMatchObject({ kind: 'untagged', type: 'OK', code: { name: 'CAPABILITY', args: ['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED'] }, text: 'ready' });
    expect(caps).toMatchObject({ type: 'CAPABILITY', data: ['IMAP4rev1', 'IDLE'] });
    expect(exists).toMatchObject({ type: 'EXISTS', number: 3 });
    expect(flags).toMatchObject({ type: 'FLAGS', data: [['\\Answered', '\\Seen', '$Junk']] });
    expect(tagged).toEqual({ kind: 'tagged', tag: 'A0001', status: 'OK', code: { name: 'READ-WRITE', args: [] }, text: 'SELECT completed' });
    expect(more).toEqual({ kind: 'continuation', text: 'go ahead' });
  });

  it('reads literals byte-exact, whatever the chunking', () => {
    const body = 'Subject: x\r\n\r\n) {5}\r\n"tricky"\r\n';
    const wire = Buffer.from(`* 1 FETCH (UID 7 BODY[] {${Buffer.byteLength(body)}}\r\n${body} FLAGS (\\Seen))\r\n`, 'latin1');
    for (let cut = 1; cut < wire.length; cut += 3) {
      const parser = new ResponseParser();
      const responses = [...parser.feed(wire.subarray(0, cut)), ...parser.feed(wire.subarray(cut))];
      const fetch = parseFetch(1, (responses[0] as UntaggedResponse).data);
      expect(Buffer.from(fetch.body['BODY[]']!).toString('latin1')).toBe(body);
      expect([fetch.uid, fetch.flags]).toEqual([7, ['\\Seen']]);
    }
  });

  it('parses quoted strings with escapes, NIL, nesting, sections with spaces, and ENVELOPE', () => {
    const [r] = feed(
      '* 2 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> "a\\"b\\\\c" ENVELOPE ("Mon, 1 Jan 2024" "Hi" (("Alice" NIL "alice" "example.test")) NIL NIL NIL NIL NIL NIL "<id@x>"))\r\n',
    );
    const fetch = parseFetch(2, (r as UntaggedResponse).data);
    expect(Buffer.from(fetch.body['BODY[HEADER.FIELDS (FROM TO)]<0>']!).toString()).toBe('a"b\\c');
    expect(fetch.envelope).toMatchObject({ subject: 'Hi', messageId: '<id@x>', from: [{ name: 'Alice', address: 'alice@example.test' }], to: [] });
  });

  it.each([
    ['a 100 MB literal announcement', '* 1 FETCH (BODY[] {104857600}\r\n', /above the .*-byte limit/],
    ['an endless line', 'x'.repeat(2 * 1024 * 1024), /longer than/],
    ['garbage status', 'A1 MAYBE whatever\r\n', /unknown status/],
    ['an unterminated quoted string', '* LIST () "/ INBOX\r\n', /unterminated quoted string/],
    ['deep nesting', `* X ${'('.repeat(100)}${')'.repeat(100)}\r\n`, /deeper than/],
    ['a literal whose length lies', '* 1 FETCH (BODY[] {3}\r\nabcdefgh)\r\n', /literal length does not match/],
  ])('refuses %s', (_, wire, message) => {
    expect(() => feed(wire)).toThrow(IMAP4Abort);
    expect(() => feed(wire)).toThrow(message);
  });
});

describe('modified UTF-7 mailbox names', () => {
  it.each([
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['a&b', 'a&-b'],
    ['日本語', '&ZeVnLIqe-'],
  ])('%s <-> %s', (name, wire) => {
    expect(encodeMailbox(name)).toBe(wire);
    expect(decodeMailbox(wire)).toBe(name);
  });
});
