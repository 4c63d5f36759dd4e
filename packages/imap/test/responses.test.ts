/**
 * Issue #15: values typed by their position in the grammar (RFC 9051 §9, RFC 3501 §9), one table
 * per response type. Each row is the exact bytes; rows marked with a source reproduce what a real
 * server sent to another client.
 */
import { describe, expect, it } from 'vitest';
import { protocolError, untagged, one } from './helpers.js';

describe('LIST / LSUB: the mailbox is an astring, never a number', () => {
  it.each([
    // Issue #15: an all-digit atom used to become the number 12345.
    ['* LIST (\\HasNoChildren) "/" 012345\r\n', { flags: ['\\HasNoChildren'], delimiter: '/', mailbox: '012345' }],
    // stalwartlabs/vandelay#26: a Dovecot account with a legacy folder named 200.
    ['* LIST (\\Subscribed \\HasNoChildren \\UnMarked) "/" 200\r\n', { flags: ['\\Subscribed', '\\HasNoChildren', '\\UnMarked'], mailbox: '200' }],
    // mscdex/node-imap#145 and ddeboer/imap#381: numeric names converted to numbers crashed clients.
    ['* LSUB () "." 2024\r\n', { type: 'LSUB', flags: [], delimiter: '.', mailbox: '2024' }],
    // The atom NIL in the mailbox position is a mailbox called NIL; NIL as delimiter means none.
    ['* LIST (\\Noselect) NIL NIL\r\n', { delimiter: null, mailbox: 'NIL' }],
    ['* LIST () "/" "NIL"\r\n', { mailbox: 'NIL' }],
    // Dovecot sends a literal for a name with quotes (CPython gh-153317 is about this shape).
    ['* LIST (\\HasNoChildren) "/" {11}\r\nSome "name"\r\n', { mailbox: 'Some "name"' }],
    // imapflow#204: Airmail's folders have brackets, sent as an atom.
    ['* LIST (\\UnMarked) "." INBOX.[Airmail].Snooze\r\n', { delimiter: '.', mailbox: 'INBOX.[Airmail].Snooze' }],
    // Gmail (Webklex/php-imap#176 log) and Office 365 (jstedfast/MailKit#1446 log).
    ['* LIST (\\HasChildren \\Noselect) "/" "[Gmail]"\r\n', { flags: ['\\HasChildren', '\\Noselect'], mailbox: '[Gmail]' }],
    ['* LIST (\\Marked \\HasNoChildren) "/" inbox\r\n', { mailbox: 'INBOX' }],
    ['* LIST () "/" "Entw&APw-rfe"\r\n', { mailbox: 'Entwürfe' }],
    // RFC 5258 extended data stays as sent.
    ['* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))\r\n', { mailbox: 'Foo', extended: [['CHILDINFO', ['SUBSCRIBED']]] }],
  ])('%j', (wire, expected) => {
    expect(untagged(wire)).toMatchObject({ type: 'LIST', ...expected });
  });

  it('decodes UTF-8 names after ENABLE UTF8=ACCEPT', () => {
    expect(one(Buffer.from('* LIST () "/" "Grüße"\r\n'), true)).toMatchObject({ mailbox: 'Grüße' });
  });

  it.each([['* LIST () "/"\r\n'], ['* LIST "x" "/" INBOX\r\n']])('refuses %j', (wire) => {
    expect(protocolError(wire).message).toMatch(/LIST/);
  });
});

describe('STATUS: numbers where the grammar says number, 64-bit values as bigint', () => {
  it.each([
    // stalwartlabs/vandelay#26: the same Dovecot folder 200 in a STATUS response.
    ['* STATUS 200 (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 1700000000)\r\n', { mailbox: '200', items: { MESSAGES: 3, UIDNEXT: 4, UIDVALIDITY: 1700000000 } }],
    ['* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n', { mailbox: 'blurdybloop', items: { MESSAGES: 231, UIDNEXT: 44292 } }],
    // emailjs/emailjs-imap-client#17: HIGHESTMODSEQ is unsigned 63-bit; a float would round it.
    ['* STATUS INBOX (HIGHESTMODSEQ 9223372036854775807 UNSEEN 0)\r\n', { items: { HIGHESTMODSEQ: 9223372036854775807n, UNSEEN: 0 } }],
    ['* STATUS "Sent" (SIZE 12345678901234 DELETED 2 MAILBOXID (F2212ea87-6097-4256-9d51-71338625))\r\n', { items: { SIZE: 12345678901234n, DELETED: 2, MAILBOXID: 'F2212ea87-6097-4256-9d51-71338625' } }],
    ['* STATUS INBOX (APPENDLIMIT NIL X-UNKNOWN 12)\r\n', { items: { APPENDLIMIT: null, 'X-UNKNOWN': '12' } }],
  ])('%j', (wire, expected) => {
    expect(untagged(wire)).toMatchObject({ type: 'STATUS', ...expected });
  });

  it.each([
    ['* STATUS INBOX (MESSAGES abc)\r\n', /wants a number \(STATUS MESSAGES\)/],
    ['* STATUS INBOX (UIDNEXT 0)\r\n', /must be non-zero/],
    ['* STATUS INBOX (MESSAGES 4294967296)\r\n', /32-bit range/],
    ['* STATUS INBOX (HIGHESTMODSEQ 9223372036854775808)\r\n', /63-bit range/],
    ['* STATUS INBOX (MESSAGES)\r\n', /odd number/],
  ])('refuses %j', (wire, message) => {
    expect(protocolError(wire).message).toMatch(message);
  });
});

describe('SEARCH / SORT: nz-numbers', () => {
  it.each([
    ['* SEARCH 2 3 6\r\n', [2, 3, 6], null],
    // Yahoo sends a trailing space (djc/imap-proto#108, ikvk/imap_tools#97, mxk/go-imap#9).
    ['* SEARCH 7456 \r\n', [7456], null],
    ['* SEARCH\r\n', [], null],
    // GreenMail: an empty result with a trailing space (djc/imap-proto#34).
    ['* SEARCH \r\n', [], null],
    // RFC 7162 §3.1.5.
    ['* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n', [2, 5, 6, 7, 11, 12, 18, 19, 20, 23], 917162500n],
    ['* SEARCH 4294967295\r\n', [4294967295], null],
  ])('%j', (wire, numbers, modseq) => {
    expect(untagged(wire)).toMatchObject({ type: 'SEARCH', numbers, modseq });
  });

  it('SORT (RFC 5256) the same', () => {
    expect(untagged('* SORT 5 3 4 1 2\r\n')).toMatchObject({ type: 'SORT', numbers: [5, 3, 4, 1, 2] });
  });

  it.each([['* SEARCH 1 abc\r\n'], ['* SEARCH 0\r\n'], ['* SEARCH 4294967296\r\n'], ['* SEARCH 1 (FOO 2)\r\n']])('refuses %j', (wire) => {
    expect(protocolError(wire)).toBeDefined();
  });
});

describe('ESEARCH (RFC 4731, RFC 9051 §7.3.4)', () => {
  it.each([
    ['* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n', { tag: 'A282', uid: false, min: 2, count: 3 }],
    ['* ESEARCH (TAG "A283") ALL 2,10:11\r\n', { tag: 'A283', all: '2,10:11' }],
    ['* ESEARCH (TAG "A285") UID MIN 7 MAX 3800\r\n', { tag: 'A285', uid: true, min: 7, max: 3800 }],
    ['* ESEARCH UID COUNT 0 MODSEQ 9223372036854775807\r\n', { tag: null, uid: true, count: 0, modseq: 9223372036854775807n }],
    ['* ESEARCH (TAG "A1") X-EXT (1 2)\r\n', { other: [['X-EXT', ['1', '2']]] }],
  ])('%j', (wire, expected) => {
    expect(untagged(wire)).toMatchObject({ type: 'ESEARCH', ...expected });
  });

  it.each([['* ESEARCH (TAG "A1") MIN 0\r\n'], ['* ESEARCH (TAG "A1") ALL 1,x\r\n'], ['* ESEARCH (FOO "A1")\r\n'], ['* ESEARCH COUNT\r\n']])('refuses %j', (wire) => {
    expect(protocolError(wire)).toBeDefined();
  });
});

describe('FLAGS and CAPABILITY: always text', () => {
  it.each([
    // A keyword may be all digits (flag-keyword = atom).
    ['* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded 2024)\r\n', { type: 'FLAGS', flags: ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '$Forwarded', '2024'] }],
    ['* FLAGS ()\r\n', { type: 'FLAGS', flags: [] }],
    // Office 365 (jstedfast/MailKit#1446 log): IMAP4 before IMAP4rev1, vendor atoms.
    [
      '* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CLIENTACCESSRULES CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE CHILDREN IDLE NAMESPACE LITERAL+\r\n',
      { type: 'CAPABILITY', capabilities: ['IMAP4', 'IMAP4rev1', 'AUTH=PLAIN', 'AUTH=XOAUTH2', 'SASL-IR', 'UIDPLUS', 'MOVE', 'ID', 'UNSELECT', 'CLIENTACCESSRULES', 'CLIENTNETWORKPRESENCELOCATION', 'BACKENDAUTHENTICATE', 'CHILDREN', 'IDLE', 'NAMESPACE', 'LITERAL+'] },
    ],
    // Yahoo (isbg/isbg#120 log).
    ['* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER ID MOVE NAMESPACE XYMHIGHESTMODSEQ UIDPLUS LITERAL+ CHILDREN X-MSG-EXT\r\n', { capabilities: expect.arrayContaining(['XYMHIGHESTMODSEQ', 'X-MSG-EXT']) }],
    ['* CAPABILITY IMAP4rev1 APPENDLIMIT=35882577\r\n', { capabilities: ['IMAP4rev1', 'APPENDLIMIT=35882577'] }],
    ['* ENABLED CONDSTORE UTF8=ACCEPT\r\n', { type: 'ENABLED', capabilities: ['CONDSTORE', 'UTF8=ACCEPT'] }],
  ])('%j', (wire, expected) => {
    expect(untagged(wire)).toMatchObject(expected);
  });
});

describe('message numbers: EXISTS, RECENT (number), EXPUNGE, FETCH (nz-number)', () => {
  it.each([
    ['* 0 EXISTS\r\n', { type: 'EXISTS', number: 0 }],
    ['* 4294967295 EXISTS\r\n', { type: 'EXISTS', number: 4294967295 }],
    ['* 3 RECENT\r\n', { type: 'RECENT', number: 3 }],
    ['* 44 EXPUNGE\r\n', { type: 'EXPUNGE', number: 44 }],
    ['* 5 XUNKNOWN (1 2)\r\n', { type: 'OTHER', name: 'XUNKNOWN', number: 5, data: [['1', '2']] }],
  ])('%j', (wire, expected) => {
    expect(untagged(wire)).toMatchObject(expected);
  });

  it.each([['* 0 EXPUNGE\r\n'], ['* 0 FETCH (UID 1)\r\n'], ['* 4294967296 EXISTS\r\n'], ['* 1 FETCH (UID 1) junk\r\n']])('refuses %j', (wire) => {
    expect(protocolError(wire)).toBeDefined();
  });
});

describe('NAMESPACE and ID', () => {
  it('Office 365 (jstedfast/MailKit#1446 log) and RFC 2342', () => {
    expect(untagged('* NAMESPACE (("" "/")) NIL NIL\r\n')).toMatchObject({ personal: [{ prefix: '', delimiter: '/' }], other: null, shared: null });
    expect(untagged('* NAMESPACE (("INBOX." ".")) (("#Users." ".")) NIL\r\n')).toMatchObject({ personal: [{ prefix: 'INBOX.', delimiter: '.' }], other: [{ prefix: '#Users.', delimiter: '.' }] });
  });

  it('ID values are nstrings, NIL is no answer', () => {
    // Gmail's ID (Webklex/php-imap#176 log) and a version that is all digits.
    expect(untagged('* ID ("name" "GImap" "vendor" "Google, Inc." "version" "2024" "os" NIL)\r\n')).toMatchObject({ fields: { name: 'GImap', vendor: 'Google, Inc.', version: '2024', os: null } });
    expect(untagged('* ID NIL\r\n')).toMatchObject({ fields: null });
  });
});
