import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientProtocolError, LineReader } from '../src/mod.js';

/** Every line the reader yields for `chunks`, as latin1 strings. */
function linesOf(chunks: Uint8Array[], options: ConstructorParameters<typeof LineReader>[0] = { maxLineLength: 1000 }): string[] {
  const reader = new LineReader(options);
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let line = reader.readLine(); line !== null; line = reader.readLine()) out.push(line.toString('latin1'));
  }
  return out;
}

const splitAt = (bytes: Buffer, cuts: number[]) => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  parts.push(bytes.subarray(from));
  return parts;
};

describe('LineReader', () => {
  it.each([
    ['one\r\ntwo\r\n', ['one', 'two']],
    ['a\nb\r\n', ['a', 'b']],
    ['\r\n\r\n', ['', '']],
    ['cr\rinside\r\n', ['cr\rinside']],
    ['no end', []],
  ])('frames %j as %j', (wire, expected) => {
    expect(linesOf([Buffer.from(wire)])).toEqual(expected);
  });

  it('gives the same lines for every split of the input, a byte at a time included', () => {
    const wire = Buffer.from('250-first\r\n250-second\n\r\n250 last\r\nrest');
    const whole = linesOf([wire]);
    expect(whole).toEqual(['250-first', '250-second', '', '250 last']);
    expect(linesOf([...wire].map((b) => Buffer.from([b])))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...'ab\r\n.'.split('')), { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 20 }), (chars, cuts) => {
        const bytes = Buffer.from(chars.join(''), 'latin1');
        expect(linesOf(splitAt(bytes, cuts))).toEqual(linesOf([bytes]));
      }),
    );
  });

  it('refuses a line over maxLineLength as soon as it is too long, whatever the split', () => {
    const reader = new LineReader({ maxLineLength: 10 });
    reader.push(Buffer.from('0123456789'));
    expect(reader.readLine()).toBeNull();
    reader.push(Buffer.from('\r')); // still possibly a 10-byte line ended by CRLF
    expect(reader.readLine()).toBeNull();
    reader.push(Buffer.from('x'));
    expect(() => reader.readLine()).toThrow(ClientProtocolError);
    expect(() => linesOf([Buffer.from('0123456789x\r\n')], { maxLineLength: 10 })).toThrow(/longer than 10 bytes/);
    expect(linesOf([Buffer.from('0123456789'), Buffer.from('\r\n')], { maxLineLength: 10 })).toEqual(['0123456789']);
  });

  it('takes a per-call bound, named in the error (POP3: message content vs status lines)', () => {
    const long = `${'x'.repeat(20_026)}\r\n`;
    const reader = new LineReader({ maxLineLength: 8192 });
    reader.push(Buffer.from('+OK\r\n'));
    reader.push(Buffer.from(long.slice(0, 9000)));
    expect(reader.readLine()?.toString()).toBe('+OK');
    expect(reader.readLine(1 << 20, 'limits.maxContentLineLength')).toBeNull();
    reader.push(Buffer.from(long.slice(9000)));
    expect(reader.readLine(1 << 20, 'limits.maxContentLineLength')?.length).toBe(20_026);
    reader.push(Buffer.from(long));
    expect(() => reader.readLine(100, 'limits.maxContentLineLength')).toThrow(/longer than 100 bytes \(limits.maxContentLineLength\)/);
    const split = new LineReader({ maxLineLength: 8192 });
    split.push(Buffer.from('y'.repeat(300)));
    expect(() => split.readLine(200, 'limits.maxLineLength')).toThrow(/longer than 200 bytes \(limits.maxLineLength\)/);
  });

  it("refuses a lone LF when the policy is 'reject'", () => {
    expect(() => linesOf([Buffer.from('ok\r\nbad\n')], { maxLineLength: 100, bareLF: 'reject' })).toThrow(/LF alone/);
    expect(() => linesOf([Buffer.from('ok\r\nbad'), Buffer.from('\n')], { maxLineLength: 100, bareLF: 'reject' })).toThrow(/LF alone/);
    expect(linesOf([Buffer.from('ok\r'), Buffer.from('\n')], { maxLineLength: 100, bareLF: 'reject' })).toEqual(['ok']);
  });

  it('serves raw bytes between lines (a literal), then lines again', () => {
    const reader = new LineReader({ maxLineLength: 100 });
    reader.push(Buffer.from('* 1 FETCH {5}\r\nab'));
    expect(reader.readLine()?.toString()).toBe('* 1 FETCH {5}');
    expect(reader.readBytes(5)?.toString()).toBe('ab');
    reader.push(Buffer.from('c\r\n)\r\n'));
    expect(reader.readBytes(3)?.toString()).toBe('c\r\n');
    expect(reader.readLine()?.toString()).toBe(')');
    expect(reader.readBytes(1)).toBeNull();
    expect(reader.buffered).toBe(0);
  });

  it('counts what it holds, and copies a line that spans chunks so later input cannot change it', () => {
    const reader = new LineReader({ maxLineLength: 100 });
    reader.push(Buffer.from('abc'));
    reader.push(Buffer.from('def\r\nxy'));
    expect(reader.buffered).toBe(10);
    const line = reader.readLine()!;
    expect(line.toString()).toBe('abcdef');
    expect(reader.buffered).toBe(2);
    reader.push(Buffer.from('zzzzzzzz\r\n'));
    expect(reader.readLine()?.toString()).toBe('xyzzzzzzzz');
    expect(line.toString()).toBe('abcdef');
  });

  it('peekChunk/consume: whole-chunk scanning from a line start, never past a pending partial line', () => {
    const reader = new LineReader({ maxLineLength: 100 });
    expect(reader.peekChunk()).toBeNull();
    reader.push(Buffer.from('one\r\ntwo\r\nthr'));
    reader.push(Buffer.from('ee\r\nfour\r\n'));
    expect(reader.readLine()?.toString()).toBe('one');
    expect(reader.peekChunk()?.toString()).toBe('two\r\nthr');
    reader.consume(5);
    expect(reader.buffered).toBe(13);
    expect(() => reader.consume(4)).toThrow(RangeError);
    // 'thr' has no LF: readLine takes it into a partial line, and nothing can be peeked meanwhile.
    reader.push(Buffer.from('x'));
    expect(reader.peekChunk()?.toString()).toBe('thr');
    expect(reader.readLine()?.toString()).toBe('three');
    expect(reader.peekChunk()?.toString()).toBe('four\r\n');
    reader.consume(6);
    expect(reader.peekChunk()?.toString()).toBe('x');
    expect(reader.readLine()).toBeNull(); // 'x' is now a partial line
    expect(reader.peekChunk()).toBeNull();
    expect(() => reader.consume(1)).toThrow(/only 0 bytes/);
    reader.consume(0);
    expect(reader.buffered).toBe(1);
    expect(reader.tooLong(10, 'limits.x').message).toBe('the server sent a line longer than 10 bytes (limits.x)');
  });
});
