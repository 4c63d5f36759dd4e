/** Text transfers, listing budgets and the completeness rule, in memory. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaggedEOF } from '@unitls/tls-core';
import { FTPConnectionError, FTPProtoError } from '../src/errors.js';
import { expectedSizes, incomplete, needsSize, type Completion } from '../src/protocol/completion.js';
import { ListingBudget, TextLines } from '../src/protocol/listing.js';

/** Every line of `chunks` through TextLines, the unterminated last one included. */
function linesOf(chunks: Uint8Array[], max = 8192): string[] {
  const reader = new TextLines(max);
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let line = reader.next(); line !== null; line = reader.next()) out.push(line);
  }
  const rest = reader.rest();
  if (rest !== null) out.push(rest);
  return out;
}

describe('TextLines', () => {
  it('splits on CRLF and bare LF, keeps a last line without a line end, decodes UTF-8 across chunks', () => {
    const bytes = Buffer.from('a.txt\r\nb.txt\nc ü.txt\r\nlast');
    expect(linesOf([bytes])).toEqual(['a.txt', 'b.txt', 'c ü.txt', 'last']);
    const at = bytes.indexOf(0xbc); // inside "ü"
    expect(linesOf([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(['a.txt', 'b.txt', 'c ü.txt', 'last']);
  });

  it('refuses a line longer than maxLineLength as soon as it is, without holding more', () => {
    const reader = new TextLines(100);
    expect(() => {
      reader.push(Buffer.alloc(50, 0x61));
      reader.next();
      reader.push(Buffer.alloc(60, 0x61));
      reader.next();
    }).toThrow(/listing line longer than 100 bytes \(limits.maxLineLength\)/);
  });

  it('gives the same lines however the bytes are cut (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'é', ' ', '\r', '\n', '\r\n'), { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, cuts) => {
        const bytes = Buffer.from(parts.join(''));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1))), bytes.length].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const point of points) {
          chunks.push(bytes.subarray(from, point));
          from = point;
        }
        expect(linesOf(chunks)).toEqual(linesOf([bytes]));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ListingBudget', () => {
  it('charges each entry its length plus its overhead, and says which limit was passed', () => {
    const budget = new ListingBudget(1000);
    for (let i = 0; i < 30; i++) budget.charge(1);
    expect(budget.used).toBe(30 * 33);
    expect(() => budget.charge(1)).toThrow(FTPProtoError);
    expect(() => new ListingBudget(100).charge(10, 200)).toThrow(/limits.maxListingSize \(100 bytes\) at entry 1: each entry counts its length plus 200 bytes/);
    expect(() => new ListingBudget(0)).toThrow(RangeError);
  });
});

describe('the completeness rule (README: "Data connections that end without close_notify")', () => {
  const reply = { code: 226, lines: ['226 done'], text: '226 done' };
  const verdict = (c: Partial<Completion>) => incomplete({ end: 'ragged', bytes: 0, expected: [], text: false, reply, ...c });

  it.each([
    ['a clean end, whatever the count', { end: 'clean' as const, bytes: 3, expected: [10] }, null],
    ['a ragged text transfer (a listing)', { text: true, bytes: 3 }, null],
    ['a ragged download that reached the known size', { bytes: 10, expected: [10] }, null],
    ['a ragged download that passed it (a file that grew)', { bytes: 12, expected: [10] }, null],
    ['a ragged download that reached one of two readings of the 150 reply', { bytes: 4000, expected: [5000, 4000] }, null],
    ['a ragged download short of the known size', { bytes: 3, expected: [10] }, /after 3 bytes and 10 bytes were expected/],
    ['a ragged download of unknown size', { bytes: 3 }, /after 3 bytes and its size is unknown/],
    ['an unknown end (the implementation cannot see close_notify) short of the size', { end: 'unknown' as const, bytes: 3, expected: [10] }, /after 3 bytes/],
  ])('%s', (_label, completion, message) => {
    const error = verdict(completion);
    if (message === null) expect(error).toBeNull();
    else {
      expect(error).toBeInstanceOf(FTPConnectionError);
      expect(error!.message).toMatch(message);
      expect(error!.cause).toBeInstanceOf(RaggedEOF);
      expect(error!.replyCode).toBe(226);
    }
  });

  it('keeps the RaggedEOF the implementation raised, and says when none could be raised', () => {
    const raised = new RaggedEOF('peer went away');
    expect(verdict({ bytes: 1, expected: [2], cause: raised })!.cause).toBe(raised);
    expect((verdict({ end: 'unknown', bytes: 1, expected: [2] })!.cause as Error).message).toMatch(/features.raggedEOF is false/);
  });

  it('reads the sizes a download may have: SIZE and the caller\'s total less REST, else the 150 reply without REST', () => {
    expect(expectedSizes({ size: 5000, announced: null, rest: 1000 })).toEqual([4000]);
    expect(expectedSizes({ size: null, announced: 5000, rest: 0 })).toEqual([5000]);
    // breaker9: after REST the 150 reply's size is the file's or what is left, so neither reading
    // decides (5000 left after REST 1000 read as the file's size accepted 4000 bytes); SIZE does.
    expect(expectedSizes({ size: null, announced: 5000, rest: 1000 })).toEqual([]);
    expect(expectedSizes({ size: 6000, announced: 5000, rest: 1000 })).toEqual([5000]);
    expect(incomplete({ end: 'ragged', bytes: 4000, expected: expectedSizes({ size: 6000, announced: 5000, rest: 1000 }), text: false, reply })).not.toBeNull();
    expect(expectedSizes({ size: null, announced: null, rest: 0, total: 7 })).toEqual([7]);
    expect(needsSize({ end: 'ragged', bytes: 1, expected: [], text: false, reply })).toBe(true);
    expect(needsSize({ end: 'clean', bytes: 1, expected: [], text: false, reply })).toBe(false);
    expect(needsSize({ end: 'unknown', bytes: 1, expected: [], text: true, reply })).toBe(false);
  });
});
