import { describe, expect, it } from 'vitest';
import { ConfigurationError, MAX_LABEL_LENGTH, MAX_SERVER_NAME_LENGTH, parseServerName } from '../src/mod.js';

const label = (n: number) => 'a'.repeat(n);
/** A name of exactly `length` characters made of 63-character labels. */
function nameOfLength(length: number): string {
  const labels: string[] = [];
  let left = length;
  while (left > 0) {
    const size = Math.min(MAX_LABEL_LENGTH, left - (labels.length === 0 ? 0 : 1));
    labels.push(label(size));
    left -= size + (labels.length === 1 ? 0 : 1);
  }
  return labels.join('.');
}

describe('parseServerName', () => {
  it.each([
    ['example.org', 'example.org', 'example.org', 0],
    ['Example.ORG', 'example.org', 'example.org', 0],
    ['example.org.', 'example.org', 'example.org', 0],
    ['localhost', 'localhost', 'localhost', 0],
    ['_acme.example.org', '_acme.example.org', '_acme.example.org', 0],
    ['r3---sn-abc.example', 'r3---sn-abc.example', 'r3---sn-abc.example', 0],
    ['bücher.example', 'xn--bcher-kva.example', 'xn--bcher-kva.example', 0],
    ['BÜCHER.example.', 'xn--bcher-kva.example', 'xn--bcher-kva.example', 0],
    ['faß.de', 'xn--fa-hia.de', 'xn--fa-hia.de', 0], // UTS #46 nontransitional, as browsers
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', 'xn--bcher-kva.example', 0],
    ['例え.テスト', 'xn--r8jz45g.xn--zckzah', 'xn--r8jz45g.xn--zckzah', 0],
    ['192.0.2.1', '192.0.2.1', null, 4],
    ['2001:DB8::1', '2001:db8::1', null, 6],
    ['[::1]', '::1', null, 6],
  ] as const)('accepts %j as %j', (input, name, sni, ip) => {
    expect(parseServerName(input)).toEqual({ name, sni, ip });
  });

  it('accepts names at the RFC 1035 limits', () => {
    expect(parseServerName(`${label(MAX_LABEL_LENGTH)}.test`).name).toHaveLength(MAX_LABEL_LENGTH + 5);
    expect(parseServerName(nameOfLength(MAX_SERVER_NAME_LENGTH)).name).toHaveLength(MAX_SERVER_NAME_LENGTH);
    expect(parseServerName(`${nameOfLength(MAX_SERVER_NAME_LENGTH)}.`).name).toHaveLength(MAX_SERVER_NAME_LENGTH);
  });

  const refused: Array<[string, RegExp]> = [
    ['localhost\0.attacker.example', /control character U\+0000 at index 9/],
    ['exa\r\nmple.org', /control character U\+000D/],
    ['exa\u0085mple.org', /control character U\+0085/],
    ['exa\u007fmple.org', /control character U\+007F/],
    ['', /empty/],
    ['.', /empty/],
    ['example.org..', /empty label/],
    ['.example.org', /empty label/],
    ['a..b', /empty label/],
    ['exa mple.org', /" " at index 3/],
    ['*.example.org', /"\*" at index 0/],
    ['user@example.org', /"@"/],
    ['example.org:443', /":"/],
    ['exa%2emple.org', /"%"/],
    ['example.org/x', /"\/"/],
    ['-example.org', /starts or ends with "-"/],
    ['example-.org', /starts or ends with "-"/],
    [`${label(MAX_LABEL_LENGTH + 1)}.test`, /label .* is 64 characters long/],
    [nameOfLength(MAX_SERVER_NAME_LENGTH + 1), /254 characters long/],
    [label(5000), /5000 characters long/],
    ['127.1', /not in dotted-decimal form/],
    ['0x7f.0.0.1', /not in dotted-decimal form/],
    ['example.123', /not in dotted-decimal form/],
    ['１２７.０.０.１', /not in dotted-decimal form/], // full-width digits map to an IPv4 address
    ['[127.0.0.1]', /only IPv6 addresses are written in brackets/],
    ['[example.org]', /not an IPv6 address/],
    ['fe80::1%eth0', /zone id/],
    ['xn--zz.example', /A-labels/],
    ['\uFFFD.example', /A-labels/],
    ['\u0301a.example', /A-labels/], // a label cannot start with a combining mark
    ['\u05D0a.example', /A-labels/], // mixed directions in one label (the Bidi rule)
    ['exa\u00A0mple.org', /A-labels/],
    ['ab\uFF0Fc.example', /A-labels/], // full-width "/" maps to a character DNS names cannot hold
  ];
  it.each(refused.map(([input, why]) => [JSON.stringify(input).slice(0, 50), input, why] as const))('refuses %s', (_, input, why) => {
    expect(() => parseServerName(input, 'test')).toThrow(ConfigurationError);
    expect(() => parseServerName(input, 'test')).toThrow(why);
  });

  it('refuses exactly the printable ASCII characters a DNS name cannot hold (each of 0x20-0x7e inside a label)', () => {
    for (let code = 0x20; code < 0x7f; code++) {
      const char = String.fromCharCode(code);
      const input = `a${char}b.example`;
      if (/[A-Za-z0-9._-]/.test(char)) expect(parseServerName(input, 'test').name).toBe(input.toLowerCase());
      else expect(() => parseServerName(input, 'test'), JSON.stringify(char)).toThrow(`it contains ${JSON.stringify(char)} at index 1; a DNS name holds only letters, digits, "-", "_" and "."`);
    }
  });

  it.each([null, undefined, 42, {}, ['example.org']])('refuses the non-string %j', (value) => {
    expect(() => parseServerName(value, 'test')).toThrow(/test: the server name must be a string/);
  });

  it('names the caller and the value in its message', () => {
    expect(() => parseServerName('a..b', 'ClientContext.connect')).toThrow(/^ClientContext\.connect: "a\.\.b" is not a valid server name: /);
  });

  it('is a fixpoint on its own output', () => {
    for (const input of ['BÜCHER.example.', '[::1]', 'Example.ORG', '例え.テスト']) {
      const once = parseServerName(input);
      expect(parseServerName(once.name)).toEqual(once);
    }
  });
});
