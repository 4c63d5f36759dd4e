/** Commands to bytes: nothing a caller passes can end the command line early (issue #18 item 5). */
import { describe, expect, it } from 'vitest';
import { IMAP4UsageError, decodeMailbox, encodeCommand, encodeMailbox } from '../src/mod.js';

const sync = { literalPlus: false, literalMinus: false };
const encode = (...args: Parameters<typeof encodeCommand>) => encodeCommand(...args).map((p) => Buffer.from(p).toString('latin1'));

describe('encodeCommand', () => {
  it.each([
    [{ name: 'NOOP' }, ['A1 NOOP\r\n']],
    [{ name: 'UID FETCH', args: [{ atom: '1:*' }, { atom: '(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])' }] }, ['A1 UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n']],
    [{ name: 'LOGIN', args: ['al"ice', 'p\\w'] }, ['A1 LOGIN "al\\"ice" "p\\\\w"\r\n']],
    [{ name: 'LOGIN', args: ['alice', 'line\r\nbreak'] }, ['A1 LOGIN "alice" {11}\r\n', 'line\r\nbreak\r\n']],
    [{ name: 'CREATE', args: ['Grüße'] }, ['A1 CREATE {7}\r\n', 'Gr\xc3\xbc\xc3\x9fe\r\n']],
    [{ name: 'ID', args: [null] }, ['A1 ID NIL\r\n']],
    [{ name: 'STORE', args: [{ atom: '1' }, { atom: '+FLAGS' }, [{ atom: '\\Seen' }, { atom: '$Label' }]] }, ['A1 STORE 1 +FLAGS (\\Seen $Label)\r\n']],
    [{ name: 'X', args: [4294967295, 9223372036854775807n] }, ['A1 X 4294967295 9223372036854775807\r\n']],
  ])('case %#', (command, pieces) => {
    expect(encode('A1', command, sync)).toEqual(pieces);
  });

  it.each([
    [{ name: 'NOOP\r\nA2 DELETE INBOX' }, /not an IMAP command name/],
    [{ name: 'UID FETCH 1 BODY[]' }, /not an IMAP command name/],
    [{ name: 'DELETE INBOX' }, /not an IMAP command name/],
    [{ name: '' }, /not an IMAP command name/],
    [{ name: 'X', args: [{ atom: 'a\rb' }] }, /printable ASCII/],
    [{ name: 'X', args: [{ atom: '' }] }, /printable ASCII/],
    [{ name: 'X', args: [{ atom: 'x {5}' }] }, /without "\{"/],
    [{ name: 'X', args: ['a\0b'] }, /NUL/],
    [{ name: 'X', args: [new Uint8Array([1, 0])] }, /NUL/],
    [{ name: 'X', args: [-1] }, /not an IMAP number/],
    [{ name: 'X', args: [1.5] }, /not an IMAP number/],
  ])('refuses %j', (command, message) => {
    expect(() => encodeCommand('A1', command, sync)).toThrow(IMAP4UsageError);
    expect(() => encodeCommand('A1', command, sync)).toThrow(message);
  });
});

describe('modified UTF-7 mailbox names', () => {
  it.each([
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['a&b', 'a&-b'],
    ['日本語', '&ZeVnLIqe-'],
    ['😀', '&2D3eAA-'],
  ])('%s <-> %s', (name, wire) => {
    expect(encodeMailbox(name)).toBe(wire);
    expect(decodeMailbox(wire)).toBe(name);
  });

  it.each([
    ['&&&&', '&&&&'],
    ['&Jjo!-', '&Jjo!-'],
    ['a&-&-b', 'a&&b'],
    ['&&&-', '&&&-'],
  ])('keeps what is not valid modified base64 as sent: %j', (wire, name) => {
    expect(decodeMailbox(wire)).toBe(name);
  });
});
