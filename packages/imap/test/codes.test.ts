/** Issue #15: status responses and response codes (RFC 9051 §7.1), typed, and tolerant where servers deviate harmlessly. */
import { describe, expect, it } from 'vitest';
import { codeValue, type ResponseCode } from '../src/mod.js';
import { one } from './helpers.js';

describe('response codes', () => {
  it.each<[string, { code: ResponseCode | null; text: string }]>([
    ['* OK [UIDVALIDITY 3857529045] UIDs valid\r\n', { code: { name: 'UIDVALIDITY', value: 3857529045 }, text: 'UIDs valid' }],
    ['* OK [UIDNEXT 4392] Predicted next UID\r\n', { code: { name: 'UIDNEXT', value: 4392 }, text: 'Predicted next UID' }],
    ['* OK [UNSEEN 12] Message 12 is first unseen\r\n', { code: { name: 'UNSEEN', value: 12 }, text: 'Message 12 is first unseen' }],
    ['* OK [HIGHESTMODSEQ 9223372036854775807] Highest\r\n', { code: { name: 'HIGHESTMODSEQ', value: 9223372036854775807n }, text: 'Highest' }],
    ['* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n', { code: { name: 'PERMANENTFLAGS', value: ['\\Deleted', '\\Seen', '\\*'] }, text: 'Limited' }],
    // Gmail keywords may hold "]" (CPython issue #21815, where imaplib stopped excluding it).
    ['* OK [PERMANENTFLAGS (\\Seen $label] \\*)] Flags permitted.\r\n', { code: { name: 'PERMANENTFLAGS', value: ['\\Seen', '$label]', '\\*'] }, text: 'Flags permitted.' }],
    ['* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n', { code: { name: 'CAPABILITY', value: ['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED'] }, text: 'ready' }],
    ['* NO [BADCHARSET (UTF-8 US-ASCII)] charset\r\n', { code: { name: 'BADCHARSET', value: ['UTF-8', 'US-ASCII'] }, text: 'charset' }],
    ['* OK [ALERT] System shutdown in 10 minutes\r\n', { code: { name: 'ALERT', value: null }, text: 'System shutdown in 10 minutes' }],
    ['* OK [X-VENDOR some text 123] fine\r\n', { code: { name: 'X-VENDOR', value: 'some text 123' }, text: 'fine' }],
    ['* OK [MODIFIED 7,9] Conditional STORE failed\r\n', { code: { name: 'MODIFIED', value: '7,9' }, text: 'Conditional STORE failed' }],
    // Gmail sends neither a space nor text after a code (modern-email/defects#28).
    ['* OK [HIGHESTMODSEQ 123]\r\n', { code: { name: 'HIGHESTMODSEQ', value: 123n }, text: '' }],
    // A code that does not fit its grammar is text (Mark Crispin, in duesee/imap-codec#301).
    ['* NO [UNSEEN]\r\n', { code: null, text: '[UNSEEN]' }],
    ['* NO [TRYCREATE\r\n', { code: null, text: '[TRYCREATE' }],
    ['* OK [UIDVALIDITY 0] zero\r\n', { code: null, text: '[UIDVALIDITY 0] zero' }],
    // Office 365's greeting ends with a bracket that is not a code (jstedfast/MailKit#1446 log).
    ['* OK The Microsoft Exchange IMAP4 service is ready. [TQBOADIA]\r\n', { code: null, text: 'The Microsoft Exchange IMAP4 service is ready. [TQBOADIA]' }],
    // iCloud says a bare BYE (ruby/net-imap#229, djc/imap-proto#131).
    ['* BYE\r\n', { code: null, text: '' }],
  ])('%j', (wire, expected) => {
    expect(one(wire)).toMatchObject({ kind: 'untagged', ...expected });
  });

  it.each([
    ['A1 OK [APPENDUID 38505 3955] APPEND completed\r\n', { status: 'OK', code: { name: 'APPENDUID', value: { uidValidity: 38505, uids: '3955' } } }],
    ['A2 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n', { code: { name: 'COPYUID', value: { uidValidity: 38505, source: '304,319:320', destination: '3956:3958' } } }],
    // ppops.net answers a bare "A6 OK" (mscdex/node-imap#537).
    ['A6 OK\r\n', { status: 'OK', code: null, text: '' }],
    // Gmail repeats a mailbox name with an unbalanced parenthesis in free text (karastojko/mailio#138).
    ['2 OK [READ-WRITE] mailbox) selected. (Success)\r\n', { tag: '2', code: { name: 'READ-WRITE', value: null }, text: 'mailbox) selected. (Success)' }],
    ['A3 no [TRYCREATE] no such mailbox\r\n', { status: 'NO', code: { name: 'TRYCREATE', value: null } }],
  ])('tagged %j', (wire, expected) => {
    expect(one(wire)).toMatchObject({ kind: 'tagged', ...expected });
  });

  it('codeValue gives the typed value of the code asked for', () => {
    const response = one('* OK [UIDNEXT 5] x\r\n');
    if (response.kind !== 'untagged' || !('code' in response)) throw new Error('not a status response');
    expect(codeValue(response.code, 'UIDNEXT')).toBe(5);
    expect(codeValue(response.code, 'UIDVALIDITY')).toBeUndefined();
  });
});
