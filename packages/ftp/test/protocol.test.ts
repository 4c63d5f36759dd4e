import { describe, expect, it } from 'vitest';
import { FTPPermError, FTPProtoError, FTPReplyError, FTPTempError, checkReply, expectSuccess } from '../src/errors.js';
import { formatTimeVal, parse150, parse227, parse229, parse257, parseFeat, parseMlsxLine, parsePassive, parseTimeVal, portCommand } from '../src/protocol/parse.js';
import { ReplyParser, type Reply } from '../src/protocol/replies.js';

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
    // A flood of empty lines is bounded by what holding them costs, not by their bytes alone.
    expect(() => new ReplyParser({ maxReplySize: 10_000 }).feed(Buffer.from(`211-x\r\n${'\r\n'.repeat(300)}`))).toThrow(/larger than 10000 bytes \(limits.maxReplySize/);
    expect(() => new ReplyParser().feed(Buffer.from('2000 four digits\r\n'))).toThrow(FTPProtoError);
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
    // Out of range: Date.UTC carried these into the next field (month 13 of 2024 was 2025-01).
    for (const value of ['20241301000000', '20240230000000', '20240101240000', '20240101006000', '20240101000060', '20240001000000', '20240100000000']) {
      expect(() => parseTimeVal(value), value).toThrow(/time value out of range/);
    }
    expect(parseTimeVal('20240229235959').toISOString()).toBe('2024-02-29T23:59:59.000Z');
    expect(parseTimeVal('00500101000000').getUTCFullYear()).toBe(50);
    // A size past 2^53 - 1 is not announced (the number would not be the one sent).
    expect(parse150(reply('150 Opening BINARY mode data connection for x (99999999999999999999 bytes).\r\n'))).toBeNull();
    expect(parse150(reply('150 Opening BINARY mode data connection for x (9007199254740991 bytes).\r\n'))).toBe(9007199254740991);
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

/**
 * Issue #15, FTP: multi-line replies as RFC 959 §4.2 defines them (middle lines may carry any
 * text), and the FEAT forms real servers send. Each case names its source.
 */
describe('multi-line replies and FEAT from real servers', () => {
  const features = (wire: string) => [...parseFeat(reply(wire)).keys()];

  it('FEAT with every line prefixed "211-" (the issue\'s example: ProFTPD MultilineRFC2228, proftpd#1085, jlaffaye/ftp#260)', () => {
    const feat = parseFeat(reply('211-Features:\r\n211-AUTH TLS\r\n211-MDTM\r\n211-MFMT\r\n211-SIZE\r\n211-UTF8\r\n211 End\r\n'));
    expect([...feat]).toEqual([
      ['AUTH', 'TLS'],
      ['MDTM', ''],
      ['MFMT', ''],
      ['SIZE', ''],
      ['UTF8', ''],
    ]);
  });

  it('FEAT ended by "211 Fine" (ProFTPD in Italian, ftpserverlib#212)', () => {
    expect(features('211-Features:\r\n AUTH TLS\r\n MFMT\r\n SIZE\r\n211 Fine\r\n')).toEqual(['AUTH', 'MFMT', 'SIZE']);
  });

  it('FEAT with blank lines between the features (an unnamed server, proftpd-mod_proxy#251)', () => {
    expect(features('211-Features:\r\n\r\n MDTM\r\n\r\n SIZE\r\n \r\n211 End\r\n')).toEqual(['MDTM', 'SIZE']);
  });

  it('FEAT without the leading space and ended by "211 end" (WS_FTP Server 8.5, FluentFTP#712)', () => {
    expect([...parseFeat(reply('211-Extensions supported\r\nSIZE\r\nMDTM\r\nREST STREAM\r\nUTF8\r\nAUTH SSL;TLS-P;\r\n211 end\r\n'))]).toEqual([
      ['SIZE', ''],
      ['MDTM', ''],
      ['REST', 'STREAM'],
      ['UTF8', ''],
      ['AUTH', 'SSL;TLS-P;'],
    ]);
  });

  it('a greeting whose first line is "220-" followed by dashes (Pure-FTPd, pure-ftpd#102)', () => {
    const greeting = reply(
      '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 3 of 10 allowed.\r\n220-Local time is now 15:50. Server port: 990.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n',
    );
    expect(greeting.code).toBe(220);
    expect(greeting.lines).toHaveLength(4);
  });
});

/** Issue #15, FTP: passive replies in the forms servers send them. */
describe('passive replies from real servers', () => {
  it('EPSV answered with 227 (the issue\'s example; basic-ftp#164): the 227\'s address', () => {
    expect(parsePassive(reply('227 Entering Passive Mode (127,0,0,1,19,137).\r\n'))).toEqual({ host: '127.0.0.1', port: 19 * 256 + 137 });
  });

  it('227 with spaces inside the parentheses (FluentFTP#654: "227 Entering Passive Mode( 10, 0, 0, 1, 143,225).")', () => {
    expect(parsePassive(reply('227 Entering Passive Mode( 10, 0, 0, 1, 143,225).\r\n'))).toEqual({ host: '10.0.0.1', port: 143 * 256 + 225 });
  });

  it('PASV answered with 229 (servers behind NAT64/CLAT, cpython#127478): only a port', () => {
    expect(parsePassive(reply('229 Entering Extended Passive Mode (|||50095|)\r\n'))).toEqual({ host: null, port: 50095 });
  });

  it('227 without parentheses (RFC 1123 §4.1.2.6 tells clients to scan for the numbers)', () => {
    expect(parsePassive(reply('227 Entering Passive Mode 127,0,0,1,4,1\r\n'))).toEqual({ host: '127.0.0.1', port: 1025 });
  });

  it('anything else is the reply\'s error', () => {
    expect(() => parsePassive(reply('200 ok\r\n'))).toThrow(FTPReplyError);
  });
});

/** MLSD lines in the forms servers send them (RFC 3659 §7.2). */
describe('MLSD lines from real servers', () => {
  it('a name with semicolons and spaces (far2l#3159, starksoft-aspen#34: Windows names)', () => {
    expect(parseMlsxLine('type=file;size=3; hello;world; x')).toEqual(['hello;world; x', { type: 'file', size: '3' }]);
  });

  it('a fact value with a space (ProFTPD UNIX.ownername of a domain group, proftpd#1367)', () => {
    expect(parseMlsxLine('modify=20211223000000;UNIX.ownername=Domain Users;type=file; report.pdf')).toEqual([
      'report.pdf',
      { modify: '20211223000000', 'unix.ownername': 'Domain Users', type: 'file' },
    ]);
  });

  it('capitalised facts with fractional seconds (Serv-U) and no facts at all (OPTS MLST with none)', () => {
    expect(parseMlsxLine('Type=file;Size=1024;Modify=20190101120000.000;Perm=r; a.bin')).toEqual(['a.bin', { type: 'file', size: '1024', modify: '20190101120000.000', perm: 'r' }]);
    expect(parseMlsxLine(' bare name')).toEqual(['bare name', {}]);
  });

  it('Pure-FTPd\'s cdir/pdir entries and a fact list without the final semicolon', () => {
    expect(parseMlsxLine('type=cdir;sizd=4096;modify=20240101000000;UNIX.mode=0755; .')).toEqual(['.', { type: 'cdir', sizd: '4096', modify: '20240101000000', 'unix.mode': '0755' }]);
    expect(parseMlsxLine('type=file;size=3 x.txt')).toEqual(['x.txt', { type: 'file', size: '3' }]);
  });
});
