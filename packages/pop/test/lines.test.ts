import { describe, expect, it } from 'vitest';
import { LineSplitter, POP3Error, bodyLine, parseStatus } from '../src/mod.js';
import { checkArgument } from '../src/protocol/lines.js';

describe('POP3 lines', () => {
  it('splits lines at any byte boundary and bounds their length', () => {
    const wire = Buffer.from('+OK hi\r\nline two\r\n.\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [...splitter.feed(wire.subarray(0, cut)), ...splitter.feed(wire.subarray(cut))];
      expect(lines.map(String)).toEqual(['+OK hi', 'line two', '.']);
    }
    expect(() => new LineSplitter(100).feed(Buffer.alloc(200, 0x41))).toThrow(/longer than 100/);
  });

  it('parses status lines and keeps the server line on -ERR', () => {
    expect(parseStatus(Buffer.from('+OK 2 320'))).toBe('2 320');
    expect(parseStatus(Buffer.from('+OK'))).toBe('');
    expect(() => parseStatus(Buffer.from('-ERR [AUTH] no'))).toThrow(POP3Error);
    try {
      parseStatus(Buffer.from('-ERR [AUTH] no'));
    } catch (error) {
      expect((error as POP3Error).response).toBe('-ERR [AUTH] no');
    }
    expect(() => parseStatus(Buffer.from('* OK imap'))).toThrow(/malformed/);
  });

  it('un-stuffs body lines and recognises the terminator', () => {
    expect(bodyLine(Buffer.from('.'))).toBeNull();
    expect(String(bodyLine(Buffer.from('..leading')))).toBe('.leading');
    expect(String(bodyLine(Buffer.from('plain')))).toBe('plain');
  });

  it('refuses CR/LF/NUL in arguments', () => {
    expect(() => checkArgument('user', 'alice\r\nDELE 1')).toThrow(/inject/);
  });
});
