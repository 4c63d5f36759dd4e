import { describe, expect, it } from 'vitest';
import { closestName, nameDistance } from '../src/closest-name.js';

describe('closestName', () => {
  it('counts inserts, deletes, substitutions and a swap of neighbours as one edit each, case aside', () => {
    expect(nameDistance('timeout', 'timeout')).toBe(0);
    expect(nameDistance('timout', 'timeout')).toBe(1);
    expect(nameDistance('sginal', 'signal')).toBe(1);
    expect(nameDistance('Timeout', 'timeout')).toBe(0);
    expect(nameDistance('', 'abc')).toBe(3);
    expect(nameDistance('kitten', 'sitting')).toBe(3);
  });

  it('names the closest known name within two edits (one for short names), else null', () => {
    const known = ['timeout', 'signal', 'host', 'port'];
    expect(closestName('timout', known)).toBe('timeout');
    expect(closestName('tmeoutt', known)).toBe('timeout');
    expect(closestName('hots', known)).toBe('host');
    expect(closestName('hxsx', known)).toBeNull();
    expect(closestName('deadline', known)).toBeNull();
    expect(closestName('x', [])).toBeNull();
    expect(closestName('trustStor', new Set(['trustStore', 'ciphers']))).toBe('trustStore');
  });
});
