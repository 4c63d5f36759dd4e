import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { sniName, verifyPeerName } from '../src/hostname.js';

const ca = await createAuthority({ name: 'hostname test CA' });
const leaf = await issueCertificate(ca, { names: ['*.example.com', 'exact.test', '192.0.2.7', '2001:db8::1'], commonName: 'cn-only.test' });

describe('verifyPeerName', () => {
  it.each(['a.example.com', 'A.EXAMPLE.COM', 'exact.test', 'exact.test.', '192.0.2.7', '2001:db8::1', '[2001:db8::1]', '2001:0db8:0:0:0:0:0:1'])(
    'accepts %s',
    (name) => {
      expect(verifyPeerName(name, leaf.der)).toBeNull();
      expect(verifyPeerName(name, new X509Certificate(leaf.der))).toBeNull();
    },
  );

  it.each([
    'cn-only.test', // never the subject CN
    'example.com', // a wildcard does not cover the bare domain
    'a.b.example.com', // nor more than one label
    'exact.test.evil',
    '192.0.2.8',
    '::1',
    'xexample.com',
  ])('refuses %s', (name) => {
    expect(verifyPeerName(name, leaf.der)).toMatchObject({ reason: 'hostname-mismatch', code: 'UNITLS_CERTIFICATE_VERIFICATION' });
    // node:tls's X509Certificate (what a connection holds) gets the same answer as its DER.
    expect(verifyPeerName(name, new X509Certificate(leaf.der))).toMatchObject({ reason: 'hostname-mismatch', code: 'UNITLS_CERTIFICATE_VERIFICATION' });
  });

  it('refuses a missing certificate', () => {
    expect(verifyPeerName('exact.test', null)).toMatchObject({ reason: 'missing-certificate' });
  });
});

describe('sniName', () => {
  it('sends DNS names only, without the trailing dot', () => {
    expect(sniName('example.org.')).toBe('example.org');
    expect(sniName('192.0.2.1')).toBeUndefined();
    expect(sniName('[::1]')).toBeUndefined();
  });
});
