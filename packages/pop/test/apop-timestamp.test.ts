import { describe, expect, it } from 'vitest';
import { apopTimestamp } from '../src/client.js';

describe('apopTimestamp: the <...@...> of a server greeting (RFC 1939 §7)', () => {
  it.each<[string, string | undefined]>([
    ['POP3 server ready <1896.697170952@dbc.mtview.ca.us>', '<1896.697170952@dbc.mtview.ca.us>'],
    ['ready <a@b@c> x', '<a@b@c>'],
    ['ready <a b@c> <d@e>', '<d@e>'],
    ['ready <@c> <x@>', undefined],
    ['ready, no timestamp', undefined],
  ])('%j -> %j', (greeting, timestamp) => {
    expect(apopTimestamp(greeting)).toBe(timestamp);
  });

  // recheck's attack string: the old /<[^<>\s]+@[^<>\s]+>/ backtracked over every '@' from every
  // '<' (quadratic: 40,000 characters took 1 s of CPU; these 400,000 take minutes).
  it('a hostile greeting of 200,000 "@\\x00" pairs is declined without backtracking', () => {
    expect(apopTimestamp(`<@${'@\x00'.repeat(200_000)}<\x00@\x00>`)).toBe('<\x00@\x00>');
    expect(apopTimestamp(`<${'@'.repeat(400_000)}`)).toBeUndefined();
  });
});
