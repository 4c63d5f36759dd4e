/** Issue #15: FETCH items typed by the grammar (RFC 9051 §7.5.2), ENVELOPE and BODYSTRUCTURE included. */
import { describe, expect, it } from 'vitest';
import type { FetchResult } from '../src/mod.js';
import { protocolError, untagged } from './helpers.js';

function fetch(wire: string): FetchResult {
  const response = untagged(wire);
  if (response.type !== 'FETCH') throw new Error(`not a FETCH: ${response.type}`);
  return response.fetch;
}

describe('FETCH items', () => {
  it.each([
    ['* 12 FETCH (UID 4827313 FLAGS (\\Seen 1234) RFC822.SIZE 44827 INTERNALDATE "17-Jul-1996 02:44:25 -0700")\r\n', { seq: 12, uid: 4827313, flags: ['\\Seen', '1234'], size: 44827, internalDate: '17-Jul-1996 02:44:25 -0700' }],
    // RFC 7162 §3.1.4.1, and the top of the 63-bit range (a float would round it to ...808).
    ['* 1 FETCH (UID 4 MODSEQ (12121231000))\r\n', { uid: 4, modseq: 12121231000n }],
    ['* 1 FETCH (MODSEQ (9223372036854775807))\r\n', { modseq: 9223372036854775807n }],
    // Gmail's extensions: message and thread ids are unsigned 64-bit (emailjs/emailjs-imap-client#59;
    // 1278455344230334865 is Google's documented example); labels are astrings, "2024" a label.
    [
      '* 1 FETCH (X-GM-MSGID 1278455344230334865 X-GM-THRID 18446744073709551615 X-GM-LABELS (\\Inbox \\Sent Important "Muy Importante" 2024) UID 1)\r\n',
      { gmailMessageId: 1278455344230334865n, gmailThreadId: 18446744073709551615n, gmailLabels: ['\\Inbox', '\\Sent', 'Important', 'Muy Importante', '2024'] },
    ],
    // RFC 8474.
    ['* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID NIL)\r\n', { emailId: 'M6d99ac3275bb4e', threadId: null }],
    // imap.qq.com sends a space before ")" (jakartaee/mail-api#209).
    ['* 11487 FETCH (UID 19436 )\r\n', { seq: 11487, uid: 19436 }],
    ['* 2 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> "a\\"b\\\\c" BINARY.SIZE[1] 42 X-UNKNOWN (a 1))\r\n', { binarySize: { 'BINARY.SIZE[1]': 42 }, other: { 'X-UNKNOWN': ['a', '1'] } }],
  ])('%j', (wire, expected) => {
    expect(fetch(wire)).toMatchObject(expected);
  });

  it('keeps section contents as bytes, whether quoted, a literal or NIL', () => {
    const result = fetch('* 2 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> "a\\"b\\\\c" BODY[1] {3}\r\nxyz BODY[2] NIL RFC822.HEADER "")\r\n');
    expect(Buffer.from(result.body['BODY[HEADER.FIELDS (FROM TO)]<0>']!).toString()).toBe('a"b\\c');
    expect(Buffer.from(result.body['BODY[1]']!).toString()).toBe('xyz');
    expect(result.body['BODY[2]']).toBeNull();
    expect(result.body['RFC822.HEADER']).toHaveLength(0);
  });

  it.each([
    ['* 1 FETCH (UID abc)\r\n', /wants a number \(FETCH UID\)/],
    ['* 1 FETCH (UID 0)\r\n', /non-zero/],
    ['* 1 FETCH (RFC822.SIZE -1)\r\n', /RFC822.SIZE/],
    ['* 1 FETCH (MODSEQ (0))\r\n', /non-zero/],
    ['* 1 FETCH (X-GM-MSGID 18446744073709551616)\r\n', /unsigned 64-bit/],
    ['* 1 FETCH (UID)\r\n', /without its value/],
    ['* 1 FETCH (FLAGS \\Seen)\r\n', /wants a list/],
  ])('refuses %j', (wire, message) => {
    expect(protocolError(wire).message).toMatch(message);
  });
});

describe('ENVELOPE: nstrings stay text, NIL stays null', () => {
  it('RFC 9051 §7.5.2 with a subject "NIL", a subject of digits, a literal message-id and a group', () => {
    const result = fetch(
      '* 1 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "2024" (("Terry Gray" NIL "gray" "cac.washington.edu")) NIL NIL ((NIL NIL "imap" "cac.washington.edu")("NIL" NIL "undisclosed" NIL)(NIL NIL NIL NIL)) NIL NIL "NIL" {20}\r\n<B27397-0100000@cac>))\r\n',
    );
    expect(result.envelope).toEqual({
      date: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
      subject: '2024',
      from: [{ name: 'Terry Gray', adl: null, mailbox: 'gray', host: 'cac.washington.edu', address: 'gray@cac.washington.edu' }],
      sender: [],
      replyTo: [],
      to: [
        { name: null, adl: null, mailbox: 'imap', host: 'cac.washington.edu', address: 'imap@cac.washington.edu' },
        { name: 'NIL', adl: null, mailbox: 'undisclosed', host: null, address: null },
        { name: null, adl: null, mailbox: null, host: null, address: null },
      ],
      cc: [],
      bcc: [],
      inReplyTo: 'NIL',
      messageId: '<B27397-0100000@cac>',
    });
  });

  it('decodes raw UTF-8 subjects, keeps other 8-bit text byte for byte', () => {
    const utf8 = fetch(Buffer.from('* 1 FETCH (ENVELOPE (NIL "Grüße" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n').toString('latin1'));
    expect(utf8.envelope?.subject).toBe('Grüße');
    const latin1 = fetch('* 1 FETCH (ENVELOPE (NIL "Gr\xfc\xdfe" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n');
    expect(latin1.envelope?.subject).toBe('Gr\xfc\xdfe');
  });

  it('refuses an envelope with too few fields', () => {
    expect(protocolError('* 1 FETCH (ENVELOPE ("date" "subject"))\r\n').message).toMatch(/ENVELOPE of 2 fields/);
  });
});

describe('BODYSTRUCTURE', () => {
  it('Exchange (pmengal/MailSystem.NET#23): a multipart with extension data', () => {
    const result = fetch(
      '* 3 FETCH (BODYSTRUCTURE (("text" "html" ("charset" "utf-8") NIL NIL "base64" 0 0 NIL NIL NIL NIL)("application" "octet-stream" ("name" "tmp_price.zip") NIL NIL "base64" 3281042 NIL ("attachment" ("filename" "tmp_price.zip")) NIL NIL) "mixed" ("boundary" "0a13d07f7e95b55bf35a04629d68ee9e") NIL NIL))\r\n',
    );
    expect(result.bodyStructure).toMatchObject({
      type: 'multipart',
      subtype: 'mixed',
      parameters: { boundary: '0a13d07f7e95b55bf35a04629d68ee9e' },
      disposition: null,
      language: null,
      parts: [
        { type: 'text', subtype: 'html', parameters: { charset: 'utf-8' }, encoding: 'base64', size: 0, lines: 0, md5: null, disposition: null },
        { type: 'application', subtype: 'octet-stream', size: 3281042, md5: null, disposition: { type: 'attachment', parameters: { filename: 'tmp_price.zip' } } },
      ],
    });
  });

  it('Yahoo Japan (emailjs/emailjs-imap-handler#8): a space before ")" in a multipart', () => {
    const result = fetch(
      '* 2 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "ISO-2022-JP") NIL NIL "7bit" 2515 64 NIL NIL NIL NIL)("text" "html" ("charset" "ISO-2022-JP") NIL NIL "7bit" 7723 151 NIL NIL NIL NIL) "alternative" ("boundary" "pzu8t3naw7b5therma1t") NIL ) FLAGS (\\Seen) UID 2)\r\n',
    );
    expect(result.bodyStructure).toMatchObject({ subtype: 'alternative', parts: [{ size: 2515, lines: 64 }, { size: 7723, lines: 151 }], disposition: null });
    expect(result.uid).toBe(2);
  });

  it('a server-side fallback structure with NIL lines (migadu/alps#45) reads as lines: null', () => {
    expect(fetch('* 1 FETCH (BODYSTRUCTURE ("text" "plain" NIL NIL NIL "7bit" 1234 NIL NIL NIL NIL))\r\n').bodyStructure).toMatchObject({ type: 'text', parameters: {}, size: 1234, lines: null });
  });

  it('gmx.net (jstedfast/MailKit#878): a multipart sent as a one-part body reads as a part without parts', () => {
    const result = fetch(
      '* 1 FETCH (BODYSTRUCTURE (("multipart" "related" ("boundary" "b1") NIL NIL "7BIT" 400 ("boundary" "b1") NIL NIL NIL)("TEXT" "html" ("charset" "UTF8") NIL NIL "7BIT" 1115 70 NIL NIL NIL NIL) "mixed" ("boundary" "b2") NIL NIL NIL))\r\n',
    );
    expect(result.bodyStructure?.parts?.map((p) => [p.type, p.subtype, p.parts])).toEqual([['multipart', 'related', undefined], ['text', 'html', undefined]]);
  });

  it('message/rfc822 carries the enclosed envelope, structure and lines', () => {
    const result = fetch(
      '* 1 FETCH (BODY ("message" "rfc822" NIL NIL NIL "7bit" 903 ("date" "Re: 12" NIL NIL NIL NIL NIL NIL NIL "<id>") ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 17 1) 25))\r\n',
    );
    expect(result.bodyStructure).toMatchObject({ type: 'message', subtype: 'rfc822', size: 903, lines: 25, envelope: { subject: 'Re: 12', messageId: '<id>' }, body: { type: 'text', size: 17, lines: 1 } });
  });

  it.each([
    ['* 1 FETCH (BODYSTRUCTURE ("text" "plain" NIL NIL NIL "7bit" big 1))\r\n', /body-fld-octets/],
    ['* 1 FETCH (BODYSTRUCTURE ("text" "plain" NIL NIL NIL "7bit" 12 lines))\r\n', /body-fld-lines/],
    ['* 1 FETCH (BODYSTRUCTURE "text")\r\n', /wants a list \(body\)/],
  ])('refuses %j', (wire, message) => {
    expect(protocolError(wire).message).toMatch(message);
  });
});
