import { describe, expect, it } from 'vitest';
import { TrustAnchors } from '../src/x509/trust-anchors.js';
import { DAY, EKU, KU, ca, crl, ext, freshKey, key, leaf, name, now } from './x509-fixtures.js';
import { check, refusal } from './x509-verify-helpers.js';

const root = ca('Root');
const intermediate = ca('Intermediate', root);
const server = leaf(intermediate, ['example.com', '192.0.2.7']);

describe('path building (RFC 4158, RFC 5280 6.1)', () => {
  it('verifies leaf -> intermediate -> root, whatever the order and noise of the presented certificates', () => {
    const unrelated = ca('Unrelated', ca('Other root'));
    expect(check([server, intermediate], [root], { serverName: 'example.com' })).toBe('ok');
    expect(check([server, unrelated, intermediate, root], [root], { serverName: 'example.com' })).toBe('ok');
  });

  it('accepts an intermediate as trust anchor, and a leaf that is itself trusted (a pinned certificate)', () => {
    expect(check([server], [intermediate], { serverName: 'example.com' })).toBe('ok');
    const pinned = leaf(undefined, ['pinned.test']);
    expect(check([pinned], [pinned], { serverName: 'pinned.test' })).toBe('ok');
  });

  it('says self-signed for an untrusted self-signed leaf, untrusted-issuer for a missing issuer', () => {
    const selfSigned = leaf(undefined, ['example.com']);
    expect(refusal(check([selfSigned], [root]))).toEqual({ reason: 'self-signed', code: 'SELF_SIGNED' });
    expect(refusal(check([server], [root]))).toEqual({ reason: 'untrusted-issuer', code: 'UNKNOWN_ISSUER' });
    expect(refusal(check([server, intermediate], [ca('Another root')]))).toEqual({ reason: 'untrusted-issuer', code: 'UNKNOWN_ISSUER' });
  });

  it('says bad-signature when the only candidate issuer did not sign', () => {
    const forged = leaf(intermediate, ['example.com'], { signingKey: freshKey() });
    expect(refusal(check([forged, intermediate], [root]))).toEqual({ reason: 'bad-signature', code: 'BAD_SIGNATURE' });
  });

  it('says missing-certificate for an empty chain and refuses more certificates than the limit', () => {
    expect(refusal(check([], [root]))).toEqual({ reason: 'missing-certificate', code: 'MALFORMED_CERTIFICATE' });
    const many = Array.from({ length: 5 }, () => intermediate);
    expect(refusal(check([server, ...many], [root], { limits: { maxPresentedCertificates: 4 } }))).toEqual({ reason: 'chain-too-long', code: 'TOO_MANY_CERTIFICATES' });
  });

  it('backtracks past an expired cross-signed intermediate to a valid path ("the chain of pain")', () => {
    const oldRoot = ca('Old root');
    const newRoot = ca('New root');
    // The same intermediate key and name, cross-signed by an old root (expired) and a new one.
    const intermediateKey = freshKey();
    const viaOld = ca('Issuing CA', oldRoot, { key: intermediateKey, notAfter: new Date(now - DAY) });
    const viaNew = ca('Issuing CA', newRoot, { key: intermediateKey });
    const cert = leaf(viaNew, ['example.com']);
    expect(check([cert, viaOld, viaNew], [oldRoot, newRoot])).toBe('ok');
    expect(refusal(check([cert, viaOld], [oldRoot, newRoot]))).toEqual({ reason: 'expired', code: 'EXPIRED' });
  });

  it('ends on intermediates that certify each other without reaching the root', () => {
    const keyA = freshKey();
    const keyB = freshKey();
    const stubA = { der: new Uint8Array(), key: keyA, subject: name('A') };
    const stubB = { der: new Uint8Array(), key: keyB, subject: name('B') };
    const a = ca('A', stubB, { key: keyA });
    const b = ca('B', stubA, { key: keyB });
    const cert = leaf(a, ['example.com']);
    expect(refusal(check([cert, a, b], [root]))).toEqual({ reason: 'untrusted-issuer', code: 'UNKNOWN_ISSUER' });
  });
});

describe('validity at the verification time (RFC 5280 4.1.2.5)', () => {
  const notBefore = new Date(Date.UTC(2030, 0, 1, 0, 0, 0));
  const notAfter = new Date(Date.UTC(2030, 5, 1, 0, 0, 0));
  const lasting = { notBefore: new Date(Date.UTC(2000, 0, 1)), notAfter: new Date(Date.UTC(2049, 0, 1)) };
  const longRoot = ca('Long root', undefined, lasting);
  const longIntermediate = ca('Long intermediate', longRoot, lasting);
  const dated = leaf(longIntermediate, ['example.com'], { notBefore, notAfter });
  const at = (ms: number) => check([dated, longIntermediate], [longRoot], { time: new Date(ms) });

  it('is inclusive at both ends, in whole seconds', () => {
    expect(at(notBefore.getTime())).toBe('ok');
    expect(at(notAfter.getTime())).toBe('ok');
    expect(at(notAfter.getTime() + 999)).toBe('ok');
    expect(refusal(at(notAfter.getTime() + 1000))).toEqual({ reason: 'expired', code: 'EXPIRED' });
    expect(refusal(at(notBefore.getTime() - 1))).toEqual({ reason: 'not-yet-valid', code: 'NOT_YET_VALID' });
  });

  it('judges intermediates and anchors too, and defaults to now', () => {
    const expiredRoot = ca('Expired root', undefined, { notAfter: new Date(now - DAY) });
    const under = ca('Under', expiredRoot);
    expect(refusal(check([leaf(under, ['example.com']), under], [expiredRoot]))).toMatchObject({ reason: 'expired' });
    const future = ca('Future', root, { notBefore: new Date(now + DAY) });
    expect(refusal(check([leaf(future, ['example.com']), future], [root]))).toMatchObject({ reason: 'not-yet-valid' });
    expect(() => check([server], [root], { time: new Date(Number.NaN) })).toThrow(TypeError);
  });
});

describe('basic constraints and path length (RFC 5280 4.2.1.9, 6.1.4 (l)-(m))', () => {
  it('refuses more non-self-issued intermediates than a pathLenConstraint allows', () => {
    const zero = ca('Zero', root, { pathLength: 0 });
    const below = ca('Below', zero);
    expect(check([leaf(zero, ['example.com']), zero], [root])).toBe('ok');
    expect(refusal(check([leaf(below, ['example.com']), below, zero], [root]))).toEqual({ reason: 'chain-too-long', code: 'PATH_LENGTH_EXCEEDED' });
  });

  it('does not count self-issued intermediates (key rollover)', () => {
    const one = ca('Rolling', root, { pathLength: 0 });
    // Same name, new key, issued by the old one: self-issued.
    const rolled = ca('Rolling', one, { pathLength: 0 });
    expect(check([leaf(rolled, ['example.com']), rolled, one], [root])).toBe('ok');
  });

  it('refuses an issuer that is not a CA', () => {
    const notCa = ca('Not a CA', root, { replace: { basicConstraints: ext.basicConstraints(false) } });
    expect(refusal(check([leaf(notCa, ['example.com']), notCa], [root]))).toEqual({ reason: 'invalid-certificate', code: 'END_ENTITY_USED_AS_CA' });
  });

  it('stops at maxIntermediates (default 8)', () => {
    let issuer = root;
    const chain = [];
    for (let i = 0; i < 9; i++) {
      issuer = ca(`Level ${i}`, issuer);
      chain.unshift(issuer);
    }
    expect(refusal(check([leaf(issuer, ['example.com']), ...chain], [root]))).toEqual({ reason: 'chain-too-long', code: 'TOO_MANY_INTERMEDIATES' });
    expect(check([leaf(issuer, ['example.com']), ...chain], [root], { limits: { maxIntermediates: 9 } })).toBe('ok');
  });
});

describe('the search budget', () => {
  it('gives up with chain-too-long on many same-name, same-key intermediates that never reach an anchor', () => {
    const sharedKey = freshKey();
    const stub = { der: new Uint8Array(), key: sharedKey, subject: name('Loop') };
    const loop = Array.from({ length: 40 }, () => ca('Loop', stub, { key: sharedKey }));
    const outcome = refusal(check([leaf(loop[0]!, ['example.com']), ...loop], [root]));
    expect(outcome).toMatchObject({ reason: 'chain-too-long' });
    expect(['SIGNATURE_BUDGET_EXCEEDED', 'PATH_BUDGET_EXCEEDED']).toContain((outcome as { code: string }).code);
  });

  it('honours smaller budgets', () => {
    expect(refusal(check([server, intermediate], [root], { limits: { maxSignatureChecks: 1 } }))).toEqual({ reason: 'chain-too-long', code: 'SIGNATURE_BUDGET_EXCEEDED' });
    expect(check([server, intermediate], [root], { limits: { maxSignatureChecks: 2 } })).toBe('ok');
  });
});

describe('key purposes (RFC 5280 4.2.1.12)', () => {
  const clientCert = leaf(intermediate, ['client.test'], { replace: { extKeyUsage: ext.extKeyUsage([EKU.clientAuth]) } });

  it('wants serverAuth from servers and clientAuth from clients', () => {
    expect(refusal(check([clientCert, intermediate], [root]))).toEqual({ reason: 'invalid-purpose', code: 'REQUIRED_EKU_NOT_FOUND' });
    expect(check([clientCert, intermediate], [root], { purpose: 'clientAuth' })).toBe('ok');
    expect(refusal(check([server, intermediate], [root], { purpose: 'clientAuth' }))).toMatchObject({ reason: 'invalid-purpose' });
  });

  it('reads a missing extKeyUsage as any purpose, but anyExtendedKeyUsage alone as none', () => {
    expect(check([leaf(intermediate, ['example.com'], { replace: { extKeyUsage: null } }), intermediate], [root])).toBe('ok');
    const any = leaf(intermediate, ['example.com'], { replace: { extKeyUsage: ext.extKeyUsage([EKU.any]) } });
    expect(refusal(check([any, intermediate], [root]))).toMatchObject({ reason: 'invalid-purpose' });
  });

  it("lets an issuer's extKeyUsage restrict what it issues for (anyExtendedKeyUsage allows all)", () => {
    const clientsOnly = ca('Clients only', root, { add: [ext.extKeyUsage([EKU.clientAuth])] });
    expect(refusal(check([leaf(clientsOnly, ['example.com']), clientsOnly], [root]))).toEqual({ reason: 'invalid-purpose', code: 'REQUIRED_EKU_NOT_FOUND' });
    const anyPurpose = ca('Any purpose', root, { add: [ext.extKeyUsage([EKU.any])] });
    expect(check([leaf(anyPurpose, ['example.com']), anyPurpose], [root])).toBe('ok');
  });

  it('refuses a leaf asserting keyCertSign and an issuer without it', () => {
    const signer = leaf(intermediate, ['example.com'], { replace: { keyUsage: ext.keyUsage(KU.digitalSignature | KU.keyCertSign) } });
    expect(refusal(check([signer, intermediate], [root]))).toEqual({ reason: 'invalid-purpose', code: 'KEY_USAGE' });
    const noSign = ca('No keyCertSign', root, { replace: { keyUsage: ext.keyUsage(KU.cRLSign) } });
    expect(refusal(check([leaf(noSign, ['example.com']), noSign], [root]))).toEqual({ reason: 'invalid-purpose', code: 'KEY_USAGE' });
    const noKeyUsage = ca('No keyUsage', root, { replace: { keyUsage: null } });
    expect(check([leaf(noKeyUsage, ['example.com']), noKeyUsage], [root])).toBe('ok');
  });
});

describe('the server name (RFC 6125, subjectAltName only)', () => {
  it('matches DNS names and IP addresses, never the subject CN', () => {
    expect(check([server, intermediate], [root], { serverName: 'EXAMPLE.com.' })).toBe('ok');
    expect(check([server, intermediate], [root], { serverName: '192.0.2.7' })).toBe('ok');
    expect(refusal(check([server, intermediate], [root], { serverName: 'other.example.com' }))).toEqual({ reason: 'hostname-mismatch', code: 'NAME_MISMATCH' });
    expect(refusal(check([server, intermediate], [root], { serverName: '192.0.2.8' }))).toEqual({ reason: 'hostname-mismatch', code: 'NAME_MISMATCH' });
    const cnOnly = leaf(intermediate, ['other.test'], { subject: name('example.com') });
    expect(refusal(check([cnOnly, intermediate], [root], { serverName: 'example.com' }))).toMatchObject({ reason: 'hostname-mismatch' });
    const noSan = leaf(intermediate, ['example.com'], { replace: { subjectAltName: null } });
    const outcome = check([noSan, intermediate], [root], { serverName: 'example.com' });
    expect(refusal(outcome)).toEqual({ reason: 'hostname-mismatch', code: 'NAME_MISMATCH' });
    expect((outcome as { message: string }).message).toMatch(/never used/);
  });

  it('judges the chain before the name, so an untrusted chain says so', () => {
    expect(refusal(check([server], [root], { serverName: 'wrong.test' }))).toMatchObject({ reason: 'untrusted-issuer' });
  });

  it('refuses reference names that are neither DNS names nor IP addresses', () => {
    expect(refusal(check([server, intermediate], [root], { serverName: 'exa mple.com' }))).toEqual({ reason: 'hostname-mismatch', code: 'INVALID_REFERENCE_NAME' });
  });
});

describe('signature algorithms and keys along the path', () => {
  it('verifies RSA, P-384 and Ed25519 issuers', () => {
    for (const kind of ['rsa', 'p384', 'ed25519'] as const) {
      const keyedRoot = ca(`Root ${kind}`, undefined, { key: key(kind) });
      expect(check([leaf(keyedRoot, ['example.com']), keyedRoot], [keyedRoot])).toBe('ok');
    }
  });

  it('holds the system store anchors to nothing but their key and constraints', () => {
    const legacy = ca('Legacy root', undefined, { replace: { basicConstraints: ext.basicConstraints(true, undefined, false), subjectKeyIdentifier: null } });
    const cert = leaf(legacy, ['example.com']);
    expect(refusal(check([cert], [legacy]))).toEqual({ reason: 'invalid-certificate', code: 'EXTENSION_CRITICALITY' });
    expect(check([cert], TrustAnchors.fromDer([legacy.der], { checkProfile: false }))).toBe('ok');
  });
});

describe('revocation by CRLs given to the validator (RFC 5280 6.3)', () => {
  const withCrls = (...crls: Uint8Array[]) => check([server, intermediate], [root], { crls });

  it("refuses a certificate on its issuer's CRL, at any link of the path", () => {
    expect(withCrls(crl(intermediate))).toBe('ok');
    expect(refusal(withCrls(crl(intermediate, { revoked: [server.serial!] })))).toEqual({ reason: 'revoked', code: 'REVOKED' });
    expect(refusal(withCrls(crl(root, { revoked: [intermediate.serial!] })))).toEqual({ reason: 'revoked', code: 'REVOKED' });
  });

  it("ignores CRLs of other issuers, and ones the issuer did not sign", () => {
    const other = ca('Other CRL issuer');
    expect(withCrls(crl(other, { revoked: [server.serial!] }))).toBe('ok');
    const impostor = { ...intermediate, key: freshKey() };
    expect(withCrls(crl(impostor, { revoked: [server.serial!] }))).toBe('ok');
  });

  it('fails closed on an applicable CRL it cannot use', () => {
    const bad = { reason: 'other', code: 'BAD_CRL' };
    expect(refusal(withCrls(crl(intermediate, { crlNumber: 'absent' })))).toEqual(bad);
    expect(refusal(withCrls(crl(intermediate, { crlNumber: 'critical' })))).toEqual(bad);
    expect(refusal(withCrls(crl(intermediate, { version: null })))).toEqual(bad);
    expect(refusal(withCrls(crl(intermediate, { nextUpdate: new Date(now - 1000) , thisUpdate: new Date(now - DAY) })))).toEqual(bad);
    expect(refusal(withCrls(crl(intermediate, { thisUpdate: new Date(now + DAY), nextUpdate: new Date(now + 2 * DAY) })))).toEqual(bad);
    const noCrlSign = ca('No cRLSign', root, { replace: { keyUsage: ext.keyUsage(KU.keyCertSign) } });
    expect(refusal(check([leaf(noCrlSign, ['example.com']), noCrlSign], [root], { crls: [crl(noCrlSign)] }))).toEqual(bad);
    expect(refusal(withCrls(Uint8Array.of(0x30, 0x00)))).toEqual(bad);
  });
});


describe('certificates of @unitls/demo-pki (what the conformance suite serves)', () => {
  it('verifies its chains for servers and clients, and refuses its self-signed and foreign ones as the suite expects', async () => {
    const { createAuthority, issueCertificate } = await import('@unitls/demo-pki');
    const demoRoot = await createAuthority({ name: 'demo root' });
    const demoIntermediate = await createAuthority({ name: 'demo intermediate', issuer: demoRoot });
    const anchors = TrustAnchors.fromDer([demoRoot.der]);
    for (const keyType of ['ec', 'rsa'] as const) {
      const served = await issueCertificate(demoIntermediate, { names: ['localhost', '127.0.0.1', '::1'], keyType });
      expect(check([served.der, demoIntermediate.der], anchors, { serverName: 'localhost' })).toBe('ok');
      expect(check([served.der, demoIntermediate.der], anchors, { serverName: '::1' })).toBe('ok');
    }
    const client = await issueCertificate(demoIntermediate, { names: ['client.test'], usage: 'client', commonName: 'demo client' });
    expect(check([client.der, demoIntermediate.der], anchors, { purpose: 'clientAuth' })).toBe('ok');
    const selfSigned = await issueCertificate(null, { names: ['localhost'] });
    expect(refusal(check([selfSigned.der], anchors, { serverName: 'localhost' }))).toMatchObject({ reason: 'self-signed' });
    const cnOnly = await issueCertificate(demoIntermediate, { names: ['other.test'], commonName: 'localhost' });
    expect(refusal(check([cnOnly.der, demoIntermediate.der], anchors, { serverName: 'localhost' }))).toMatchObject({ reason: 'hostname-mismatch' });
  });
});
