import { execFileSync } from 'node:child_process';
import { getCiphers } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { CipherSuite, ConfigurationError, DEFAULT_CIPHER_LIST } from '@unitls/tls-core';
import { CIPHER_TABLE } from '../src/cipher-table.js';
import { planCiphers } from '../src/ciphers.js';
// @ts-expect-error plain JS generator script
import { listCiphers } from '../scripts/generate-cipher-table.mjs';

describe('cipher table', () => {
  it('covers every cipher node:tls knows at runtime', () => {
    const names = new Set(CIPHER_TABLE.map(([, , openssl]) => openssl.toLowerCase()));
    const missing = getCiphers().filter((name) => !names.has(name));
    expect(missing).toEqual([]);
  });

  it('holds all 15 PEP suites', () => {
    const ids = new Set(CIPHER_TABLE.map(([id]) => id));
    for (const id of Object.values(CipherSuite)) expect(ids.has(id), `0x${id.toString(16)}`).toBe(true);
  });

  it('matches what the openssl CLI lists, when the CLI is the same OpenSSL as node', () => {
    const cli = execFileSync('openssl', ['version'], { encoding: 'utf8' });
    if (!cli.includes(process.versions.openssl.replace(/\+.*$/, ''))) return;
    const { rows } = listCiphers() as { rows: Array<{ id: number; iana: string; openssl: string; tls13: boolean }> };
    expect(rows.map((r) => [r.id, r.iana, r.openssl, r.tls13])).toEqual(CIPHER_TABLE.map((row) => [...row]));
  });
});

describe('planCiphers', () => {
  it('defaults to the PEP list for TLS 1.2 plus the standard TLS 1.3 suites, TLS 1.2 to 1.3', () => {
    const plan = planCiphers(null, null, null);
    expect(plan.minVersion).toBe('TLSv1.2');
    expect(plan.maxVersion).toBe('TLSv1.3');
    const names = plan.ciphers.split(':');
    expect(names.slice(0, DEFAULT_CIPHER_LIST.length)).toEqual([
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
      'ECDHE-RSA-CHACHA20-POLY1305',
    ]);
    expect(names.slice(DEFAULT_CIPHER_LIST.length)).toEqual(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']);
  });

  it('caps a TLS-1.2-only list at TLS 1.2 and lifts a TLS-1.3-only list to TLS 1.3', () => {
    expect(planCiphers([0xc02f], null, null)).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(planCiphers([0x1305], null, null)).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_CCM_8_SHA256' });
  });

  it('maps MINIMUM/MAXIMUM_SUPPORTED to TLS 1.2/1.3', () => {
    expect(planCiphers(null, 'MINIMUM_SUPPORTED', 'MAXIMUM_SUPPORTED')).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  });

  it('drops unknown ids but refuses when none is left or no version remains', () => {
    expect(planCiphers([0xfefe, 0x1301], null, null).ciphers).toBe('TLS_AES_128_GCM_SHA256');
    expect(() => planCiphers([0xfefe], null, null)).toThrow(ConfigurationError);
    expect(() => planCiphers([0x1301], null, 'TLSv1.2')).toThrow(/only work with TLS 1.3/);
    expect(() => planCiphers([0xc02f], 'TLSv1.3', null)).toThrow(/only work with TLS 1.2/);
  });
});
