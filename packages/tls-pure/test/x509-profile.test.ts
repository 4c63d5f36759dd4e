import { generateKeyPairSync } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, AuthorityKeyIdentifier, GeneralName, KeyIdentifier, PolicyConstraints, CertificatePolicies, PolicyInformation, ExtendedKeyUsage } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { KU, ca, ext, freshKey, leaf, name, type Issued, type Key } from './x509-fixtures.js';
import { check, refusal } from './x509-verify-helpers.js';

const root = ca('Profile root');
const intermediate = ca('Profile intermediate', root);
const serverChain = (cert: Issued) => check([cert, intermediate], [root], { serverName: 'example.com' });
const viaCa = (issuer: Issued) => check([leaf(issuer, ['example.com']), issuer], [root], { serverName: 'example.com' });
const invalid = (code: string) => ({ reason: 'invalid-certificate', code });
const UNKNOWN = '1.3.6.1.4.1.55738.666.1';

describe('every certificate (RFC 5280 4.1, 4.2)', () => {
  it('must be X.509 v3', () => {
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { version: 1 })))).toEqual(invalid('UNSUPPORTED_VERSION'));
  });

  it('must name the same signature algorithm inside and outside the TBSCertificate', () => {
    const mismatched = leaf(intermediate, ['example.com'], { outerSignatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.3' }) });
    expect(refusal(serverChain(mismatched))).toEqual(invalid('SIGNATURE_ALGORITHM_MISMATCH'));
  });

  it('must encode dates before 2050 as UTCTime', () => {
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { timeEncoding: 'generalized' })))).toEqual(invalid('BAD_VALIDITY_ENCODING'));
    const late = leaf(intermediate, ['example.com'], { notAfter: new Date(Date.UTC(2051, 0, 1)) });
    // GeneralizedTime from 2050 on is right; the intermediate expires first, which is what fails.
    expect(refusal(check([late, intermediate], [root], { time: new Date(Date.UTC(2050, 6, 1)) }))).toMatchObject({ reason: 'expired' });
    expect(serverChain(late)).toBe('ok');
  });

  it('must not repeat an extension, nor carry a critical one the validator does not understand', () => {
    const twice = leaf(intermediate, ['example.com'], { add: [ext.subjectAltName(['example.com'])] });
    expect(refusal(serverChain(twice))).toEqual(invalid('DUPLICATE_EXTENSION'));
    const unknownCritical = leaf(intermediate, ['example.com'], { add: [ext.raw(UNKNOWN, true, Uint8Array.of(0x05, 0x00))] });
    expect(refusal(serverChain(unknownCritical))).toEqual(invalid('UNSUPPORTED_CRITICAL_EXTENSION'));
    const unknownPlain = leaf(intermediate, ['example.com'], { add: [ext.raw(UNKNOWN, false, Uint8Array.of(0x05, 0x00))] });
    expect(serverChain(unknownPlain)).toBe('ok');
    expect(refusal(viaCa(ca('Odd CA', root, { add: [ext.raw(UNKNOWN, true, Uint8Array.of(0x05, 0x00))] })))).toEqual(invalid('UNSUPPORTED_CRITICAL_EXTENSION'));
    const oddRoot = ca('Odd root', undefined, { add: [ext.raw(UNKNOWN, true, Uint8Array.of(0x05, 0x00))] });
    expect(refusal(check([leaf(oddRoot, ['example.com'])], [oddRoot]))).toEqual(invalid('UNSUPPORTED_CRITICAL_EXTENSION'));
  });

  it('must decode every understood extension, critical or not', () => {
    const garbage = Uint8Array.of(0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65); // "example", not DER
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { replace: { subjectAltName: ext.raw('2.5.29.17', false, garbage) } })))).toEqual(invalid('MALFORMED_EXTENSION'));
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { add: [ext.raw('1.3.6.1.5.5.7.1.1', false, Uint8Array.of(0x30, 0x00))] })))).toEqual(invalid('MALFORMED_EXTENSION'));
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { replace: { extKeyUsage: ext.raw('2.5.29.37', false, AsnConvert.serialize(new ExtendedKeyUsage([]))) } })))).toEqual(invalid('MALFORMED_EXTENSION'));
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { replace: { keyUsage: ext.keyUsage(0) } })))).toEqual(invalid('MALFORMED_EXTENSION'));
  });

  it('must keep key identifiers and authority information access non-critical', () => {
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { replace: { authorityKeyIdentifier: ext.authorityKeyIdentifier(intermediate.key, true) } })))).toEqual(invalid('EXTENSION_CRITICALITY'));
    expect(refusal(viaCa(ca('Critical SKI', root, { replace: { subjectKeyIdentifier: ext.subjectKeyIdentifier(freshKey(), true) } })))).toEqual(invalid('EXTENSION_CRITICALITY'));
  });

  it('refuses keys outside the policy', () => {
    const weak = ca('RSA-1024 root', undefined, { key: weakRsa() });
    expect(refusal(check([leaf(weak, ['example.com'])], [weak]))).toEqual(invalid('WEAK_PUBLIC_KEY'));
  });
});

describe('certificate policies (RFC 5280 4.2.1.4, 4.2.1.11, 6.1.5 (g))', () => {
  const constraints = (value: PolicyConstraints, critical: boolean) => ext.raw('2.5.29.36', critical, AsnConvert.serialize(value));
  const zero = Uint8Array.of(0).buffer;

  it('accepts certificatePolicies, even critical, and inhibitPolicyMapping: without an explicit-policy requirement they cannot fail a path', () => {
    const policies = ext.raw('2.5.29.32', true, AsnConvert.serialize(new CertificatePolicies([new PolicyInformation({ policyIdentifier: '2.23.140.1.2.1' })])));
    expect(viaCa(ca('Policies', root, { add: [policies, constraints(new PolicyConstraints({ inhibitPolicyMapping: zero }), true)] }))).toBe('ok');
  });

  it('refuses a non-critical policyConstraints, and requireExplicitPolicy (no policy tree is computed)', () => {
    expect(refusal(viaCa(ca('Non-critical PC', root, { add: [constraints(new PolicyConstraints({ inhibitPolicyMapping: zero }), false)] })))).toEqual(invalid('EXTENSION_CRITICALITY'));
    expect(refusal(viaCa(ca('Explicit policy', root, { add: [constraints(new PolicyConstraints({ requireExplicitPolicy: zero }), true)] })))).toEqual(invalid('UNSUPPORTED_CRITICAL_EXTENSION'));
  });
});

describe('the end-entity certificate', () => {
  it('needs a positive serial number of at most 20 octets (RFC 5280 4.1.2.2)', () => {
    const withSerial = (serial: Uint8Array) => serverChain(leaf(intermediate, ['example.com'], { serial }));
    expect(refusal(withSerial(Uint8Array.of(0)))).toEqual(invalid('BAD_SERIAL_NUMBER'));
    expect(refusal(withSerial(Uint8Array.of(0x80, 1)))).toEqual(invalid('BAD_SERIAL_NUMBER'));
    expect(refusal(withSerial(Uint8Array.of(...new Array(21).fill(0x11))))).toEqual(invalid('BAD_SERIAL_NUMBER'));
    expect(withSerial(Uint8Array.of(...new Array(20).fill(0x11)))).toBe('ok');
    // 20 octets with the top bit set need a 21st, zero octet to stay positive.
    expect(withSerial(Uint8Array.of(0, ...new Array(20).fill(0x91)))).toBe('ok');
  });

  it('needs an authorityKeyIdentifier unless it is self-signed (RFC 5280 4.2.1.1)', () => {
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { replace: { authorityKeyIdentifier: null } })))).toEqual(invalid('MISSING_EXTENSION'));
    const pinned = leaf(undefined, ['example.com']);
    expect(check([pinned], [pinned], { serverName: 'example.com' })).toBe('ok');
  });

  it('must not be a CA, nor carry nameConstraints', () => {
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { replace: { basicConstraints: ext.basicConstraints(true) } })))).toEqual({ reason: 'invalid-purpose', code: 'CA_USED_AS_END_ENTITY' });
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { add: [ext.nameConstraints(['example.com'], null)] })))).toEqual(invalid('UNSUPPORTED_CRITICAL_EXTENSION'));
    expect(serverChain(leaf(intermediate, ['example.com'], { replace: { basicConstraints: null } }))).toBe('ok');
  });

  it('may be a CA when it is itself in the trust store (what `openssl req -x509` makes), as on OpenSSL, Go and Python ssl', () => {
    const caFlags = { replace: { basicConstraints: ext.basicConstraints(true), keyUsage: ext.keyUsage(KU.digitalSignature | KU.keyCertSign | KU.cRLSign) } };
    const pinned = leaf(undefined, ['localhost', '127.0.0.1'], caFlags);
    expect(check([pinned], [pinned], { serverName: 'localhost' })).toBe('ok');
    // Still a leaf as to names and purpose.
    expect(refusal(check([pinned], [pinned], { serverName: 'other.example' }))).toMatchObject({ reason: 'hostname-mismatch' });
    // The same certificate chained to an anchor rather than trusted as is: refused.
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], caFlags)))).toEqual({ reason: 'invalid-purpose', code: 'CA_USED_AS_END_ENTITY' });
  });

  it('with an empty subject needs a critical subjectAltName (RFC 5280 4.2.1.6)', () => {
    expect(refusal(serverChain(leaf(intermediate, ['example.com'], { subject: name() })))).toEqual(invalid('EXTENSION_CRITICALITY'));
    expect(serverChain(leaf(intermediate, ['example.com'], { subject: name(), replace: { subjectAltName: ext.subjectAltName(['example.com'], true) } }))).toBe('ok');
  });
});

describe('issuers (RFC 5280 4.2.1.2, 4.2.1.3, 4.2.1.9)', () => {
  it('need a critical basicConstraints with cA', () => {
    expect(refusal(viaCa(ca('No BC', root, { replace: { basicConstraints: null } })))).toEqual(invalid('END_ENTITY_USED_AS_CA'));
    expect(refusal(viaCa(ca('Soft BC', root, { replace: { basicConstraints: ext.basicConstraints(true, undefined, false) } })))).toEqual(invalid('EXTENSION_CRITICALITY'));
  });

  it('need a subjectKeyIdentifier and, unless anchors, an authorityKeyIdentifier and a valid serial', () => {
    expect(refusal(viaCa(ca('No SKI', root, { replace: { subjectKeyIdentifier: null } })))).toEqual(invalid('MISSING_EXTENSION'));
    expect(refusal(viaCa(ca('No AKI', root, { replace: { authorityKeyIdentifier: null } })))).toEqual(invalid('MISSING_EXTENSION'));
    expect(refusal(viaCa(ca('Serial zero', root, { serial: Uint8Array.of(0) })))).toEqual(invalid('BAD_SERIAL_NUMBER'));
    const oldRoot = ca('Serial-zero root', undefined, { serial: Uint8Array.of(0) });
    expect(check([leaf(oldRoot, ['example.com'])], [oldRoot])).toBe('ok');
  });

  it('carry an authorityKeyIdentifier of a keyIdentifier only, naming their own key when self-issued anchors (CA/B Forum BR 7.1.2.1.3)', () => {
    const withIssuer = ext.raw(
      '2.5.29.35',
      false,
      AsnConvert.serialize(new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(new Uint8Array(20).fill(1)), authorityCertIssuer: [new GeneralName({ dNSName: 'ca.test' })] })),
    );
    expect(refusal(viaCa(ca('Long AKI', root, { replace: { authorityKeyIdentifier: withIssuer } })))).toEqual(invalid('MALFORMED_EXTENSION'));
    const mismatched = ca('Odd root', undefined, { add: [ext.authorityKeyIdentifier(freshKey())] });
    expect(refusal(check([leaf(mismatched, ['example.com'])], [mismatched]))).toEqual(invalid('MALFORMED_EXTENSION'));
    const own = ca('Own root');
    const matching = ca('Own root', undefined, { key: own.key, add: [ext.authorityKeyIdentifier(own.key)] });
    expect(check([leaf(matching, ['example.com'])], [matching])).toBe('ok');
  });

  it('need a non-empty subject (RFC 5280 4.1.2.6); a leaf under one has an empty issuer (4.1.2.4)', () => {
    const nameless = ca('ignored', root, { subject: name() });
    expect(refusal(check([leaf(nameless, ['example.com']), nameless], [root]))).toEqual(invalid('EMPTY_ISSUER'));
  });
});

/** An RSA-1024 key: too weak for the policy. */
function weakRsa(): Key {
  const pair = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return { kind: 'rsa', privateKey: pair.privateKey, spki: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })) };
}
