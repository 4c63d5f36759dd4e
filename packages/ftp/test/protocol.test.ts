import { describe, expect, it } from 'vitest';
import { FTPPermError, FTPProtoError, FTPReplyError, FTPTempError } from '../src/errors.js';
import { formatTimeVal, parse150, parse227, parse229, parse257, parseFeat, parseMlsxLine, parseTimeVal, portCommand } from '../src/protocol/parse.js';
import { ReplyParser, checkReply, expectSuccess, type Reply } from '../src/protocol/replies.js';

const reply = (text: string): Reply => {
  const replies = new ReplyParser().feed(Buffer.from(text));
  expect(replies).toHaveLength(1);
  return replies[0]!;
};

describe('ReplyParser (RFC 959 §4.2)', () => {
  it('parses single-line replies, split anywhere', () => {
    const parser = new ReplyParser();
    expect(parser.feed(Buffer.from('220 rea'))).toEqual([]);
    expect(parser.feed(Buffer.from('dy\r\n331 next\r\n'))).toEqual([
      { code: 220, lines: ['220 ready'], text: '220 ready' },
      { code: 331, lines: ['331 next'], text: '331 next' },
    ]);
  });

  it('ends a multi-line reply only at the same code followed by a space', () => {
    const parsed = reply('211-Features:\r\n211-not the end\r\n200 not the end either\r\n MDTM\r\n211 End\r\n');
    expect(parsed.code).toBe(211);
    expect(parsed.lines).toEqual(['211-Features:', '211-not the end', '200 not the end either', ' MDTM', '211 End']);
  });

  it('accepts a bare code and LF-only line ends', () => {
    expect(reply('200\n')).toMatchObject({ code: 200, text: '200' });
  });

  it('refuses malformed, oversized and endless replies', () => {
    expect(() => new ReplyParser().feed(Buffer.from('hello\r\n'))).toThrow(FTPProtoError);
    expect(() => new ReplyParser().feed(Buffer.from('099 low\r\n'))).toThrow(FTPProtoError);
    expect(() => new ReplyParser({ maxLineLength: 100 }).feed(Buffer.from(`200 ${'x'.repeat(200)}`))).toThrow(/longer than 100/);
    expect(() => new ReplyParser({ maxReplySize: 1000 }).feed(Buffer.from(`211-x\r\n${' line\r\n'.repeat(200)}`))).toThrow(/larger than 1000/);
  });

  it('maps reply classes to ftplib errors', () => {
    expect(() => checkReply(reply('450 busy\r\n'))).toThrow(FTPTempError);
    expect(() => checkReply(reply('550 no\r\n'))).toThrow(FTPPermError);
    expect(() => expectSuccess(reply('150 opening\r\n'))).toThrow(FTPReplyError);
    expect(expectSuccess(reply('250 ok\r\n')).code).toBe(250);
    const error = (() => {
      try {
        checkReply(reply('550-first\r\n550 second\r\n'));
      } catch (e) {
        return e as FTPPermError;
      }
    })();
    expect([error?.replyCode, error?.reply]).toEqual([550, '550-first\n550 second']);
  });
});

describe('reply payloads', () => {
  it('PASV, EPSV (any delimiter) and their malformed forms', () => {
    expect(parse227(reply('227 Entering Passive Mode (192,168,1,2,4,1).\r\n'))).toEqual({ host: '192.168.1.2', port: 1025 });
    expect(parse227(reply('227 =127,0,0,1,200,10\r\n'))).toEqual({ host: '127.0.0.1', port: 51210 });
    expect(() => parse227(reply('227 (127,0,0,1,256,0)\r\n'))).toThrow(FTPProtoError);
    expect(() => parse227(reply('227 (127,0,0,1,0,0)\r\n'))).toThrow(/port 0/);
    expect(() => parse227(reply('200 ok\r\n'))).toThrow(FTPReplyError);
    expect(parse229(reply('229 Entering Extended Passive Mode (|||6446|)\r\n'))).toBe(6446);
    expect(parse229(reply('229 ok (!!!21!)\r\n'))).toBe(21);
    expect(() => parse229(reply('229 (|||0|)\r\n'))).toThrow(FTPProtoError);
    expect(() => parse229(reply('229 (||6446|)\r\n'))).toThrow(FTPProtoError);
  });

  it('257 paths with doubled quotes, 150 sizes, 213 times, FEAT, MLSD lines, PORT/EPRT', () => {
    expect(parse257(reply('257 "/a ""quoted"" dir" created\r\n'))).toBe('/a "quoted" dir');
    expect(parse257(reply('257 no quotes\r\n'))).toBe('');
    expect(parse150(reply('150 Opening BINARY mode data connection for x (1234 bytes).\r\n'))).toBe(1234);
    expect(parse150(reply('150 ok\r\n'))).toBeNull();
    expect(parseTimeVal('20240102030405').toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(parseTimeVal('20240102030405.5').getUTCMilliseconds()).toBe(500);
    expect(() => parseTimeVal('2024')).toThrow(FTPProtoError);
    expect(formatTimeVal(new Date('2024-01-02T03:04:05.678Z'))).toBe('20240102030405');
    expect([...parseFeat(reply('211-Features:\r\n MDTM\r\n REST STREAM\r\n211 End\r\n'))]).toEqual([
      ['MDTM', ''],
      ['REST', 'STREAM'],
    ]);
    expect(parseFeat(reply('500 no\r\n')).size).toBe(0);
    expect(parseMlsxLine('Type=file;Size=3; name with spaces ')).toEqual(['name with spaces ', { type: 'file', size: '3' }]);
    expect(() => parseMlsxLine('nospace')).toThrow(FTPProtoError);
    expect(portCommand('127.0.0.1', 0x1234)).toBe('PORT 127,0,0,1,18,52');
    expect(portCommand('::1', 2000)).toBe('EPRT |2|::1|2000|');
  });
});
