import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { CIPHER_TABLE } from '@unitls/tls-node';
import { parseCipherString } from '@unitls/ssl-compat';

/** Real-world and pathological cipher strings, checked against OpenSSL itself. */
export const CIPHER_STRINGS = [
  // Mozilla server-side TLS: intermediate (v5.7) and old (v5.7, TLS 1.2 part)
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA',
  // Python: 3.10+ default, the PEP 543/748 era restricted server list, and 3.6's default
  '@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM',
  'ECDH+AESGCM:ECDH+CHACHA20:DH+AESGCM:DH+CHACHA20:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:ECDH+HIGH:DH+HIGH:RSA+AESGCM:RSA+AES:RSA+HIGH:!aNULL:!eNULL:!MD5',
  'DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK',
  // Node's default, nginx's and Apache's defaults
  'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:DHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA256:DHE-RSA-AES256-SHA256:HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!PSK:!SRP:!CAMELLIA',
  'HIGH:!aNULL:!MD5',
  'HIGH:!aNULL:!MD5:!3DES',
  'EECDH+AESGCM:EDH+AESGCM',
  'kEECDH+aRSA',
  // keywords and operators
  'ALL:COMPLEMENTOFALL', 'ALL', 'DEFAULT', 'HIGH', 'FIPS', 'COMPLEMENTOFDEFAULT', 'COMPLEMENTOFALL:ALL', 'eNULL', 'aNULL',
  'ECDHE+AESGCM', 'kRSA', 'RSA', 'DSS', 'EDH', 'ADH', 'AECDH', 'PSK', 'SRP', 'SHA1', 'SHA384:SHA256', 'CAMELLIA:ARIA', 'CHACHA20:AESCCM8',
  'TLSv1.2', 'TLSv1', 'SSLv3', 'TLSv1.2+ECDHE', 'AESGCM+AES128', 'AES128+AESGCM+ECDSA', 'ECDSA+AESCCM:CBC',
  'kDHEPSK:kECDHEPSK:kRSAPSK:kPSK', 'ALL:@STRENGTH', '@STRENGTH:ALL', 'ALL:@SECLEVEL=3', 'DEFAULT:!ECDSA', 'DEFAULT:@STRENGTH', 'HIGH:DEFAULT',
  'HIGH:!aNULL:!MD5', 'ECDH:-ECDHE', '-ALL', '!ALL:AES', '+AES:ALL', 'ALL:+AES', 'ALL:-AES:AES', 'ALL:!AES:AES', 'AES+kRSA', 'kRSA+AES+SHA256',
  'ALL:-ECDH:+kRSA:!SHA1:@STRENGTH', 'ECDHE:!ECDHE+SHA1:ECDHE+SHA1', 'AES256:AES128:-AES128+SHA',
  // explicit suites, standard names, separators
  'ECDHE-ECDSA-AES128-GCM-SHA256+ECDSA', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA', 'ALL,!aNULL;AES',
  // pathological: empty, unknown, algorithms this OpenSSL lacks
  '', ':', 'BOGUS', 'AES128-SHA:BOGUS', 'MEDIUM', 'LOW:HIGH', '3DES:HIGH', 'RC4:IDEA:SEED', 'EXPORT', 'ALL:!ALL',
];

function opensslCiphers(cipherString: string): string[] | 'no cipher match' {
  try {
    const out = execFileSync('openssl', ['ciphers', cipherString], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // The TLS 1.3 suites OpenSSL always prints come from -ciphersuites, not the cipher string.
    return out.trim().split(':').filter((name) => !name.startsWith('TLS_'));
  } catch {
    return 'no cipher match';
  }
}

describe('OpenSSL cipher strings', () => {
  const supported = new Set(CIPHER_TABLE.map(([id]) => id));

  it(`expands ${CIPHER_STRINGS.length} strings exactly as \`openssl ciphers\` does`, () => {
    const mismatches: string[] = [];
    for (const cipherString of CIPHER_STRINGS) {
      const want = opensslCiphers(cipherString);
      let got: string[] | 'no cipher match';
      try {
        got = parseCipherString(cipherString).names;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        got = 'no cipher match';
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${cipherString}\n  openssl: ${want}\n  unitls:  ${got}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('returns only suites the default implementation supports', () => {
    for (const cipherString of ['ALL:COMPLEMENTOFALL', 'DEFAULT']) {
      const { ids, names } = parseCipherString(cipherString);
      for (const id of ids) expect(supported.has(id)).toBe(true);
      expect(names.length).toBe(ids.length);
    }
  });

  it('reports @SECLEVEL and IANA ids', () => {
    const result = parseCipherString('@SECLEVEL=2:ECDHE-RSA-AES128-GCM-SHA256');
    expect(result.securityLevel).toBe(2);
    expect(result.ids).toEqual([0xc02f]);
    expect(() => parseCipherString('ALL:@BOGUS')).toThrow(/unknown command/);
  });
});
