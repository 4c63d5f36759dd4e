import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { signatureAlgorithmFor } from '../src/x509/algorithms.js';
import { VerificationFailure } from '../src/x509/failure.js';
import { nodeSignatureVerifier } from '../src/x509/node-signature-verifier.js';
import { parseSubjectPublicKey, type SubjectPublicKey } from '../src/x509/public-key.js';
import { SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from '../src/x509/signature-verifier.js';

const spki = (key: KeyObject) => new Uint8Array(key.export({ format: 'der', type: 'spki' }));
const message = new TextEncoder().encode('the TBSCertificate bytes');

const ec = { p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }), p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }), p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }) };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed25519 = generateKeyPairSync('ed25519');
const ed448 = generateKeyPairSync('ed448');
const hashLength = { sha256: 32, sha384: 48, sha512: 64 };

/** A key and a signature made by node:crypto for each algorithm of the interface. */
function signed(algorithm: SignatureAlgorithm): { spki: Uint8Array; signature: Uint8Array } {
  const [family, second, third] = algorithm.split('-') as [string, string, string | undefined];
  if (algorithm === 'ed25519' || algorithm === 'ed448') {
    const pair = algorithm === 'ed25519' ? ed25519 : ed448;
    return { spki: spki(pair.publicKey), signature: sign(null, message, pair.privateKey) };
  }
  if (family === 'ecdsa') {
    const pair = ec[second as keyof typeof ec];
    return { spki: spki(pair.publicKey), signature: sign(third!, message, { key: pair.privateKey, dsaEncoding: 'der' }) };
  }
  const padding = second === 'pss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength[third as keyof typeof hashLength] } : {};
  return { spki: spki(rsa.publicKey), signature: sign(third!, message, { key: rsa.privateKey, ...padding }) };
}

describe('nodeSignatureVerifier', () => {
  it.each(SIGNATURE_ALGORITHMS.map((a) => [a]))('verifies %s and refuses a changed message or signature', (algorithm) => {
    const { spki: key, signature } = signed(algorithm);
    expect(nodeSignatureVerifier.verifySignature(algorithm, key, message, signature)).toBe(true);
    expect(nodeSignatureVerifier.verifySignature(algorithm, key, Uint8Array.of(...message, 0), signature)).toBe(false);
    const broken = Uint8Array.from(signature);
    broken[broken.length - 1]! ^= 1;
    expect(nodeSignatureVerifier.verifySignature(algorithm, key, message, broken)).toBe(false);
  });

  it('refuses keys of another curve or family than the algorithm names, and garbage, without throwing', () => {
    const p256 = signed('ecdsa-p256-sha256');
    expect(nodeSignatureVerifier.verifySignature('ecdsa-p384-sha256', p256.spki, message, p256.signature)).toBe(false);
    expect(nodeSignatureVerifier.verifySignature('rsa-pkcs1-sha256', p256.spki, message, p256.signature)).toBe(false);
    expect(nodeSignatureVerifier.verifySignature('ed25519', spki(ed448.publicKey), message, sign(null, message, ed448.privateKey))).toBe(false);
    const pss = signed('rsa-pss-sha256');
    // A PKCS#1 v1.5 check of a PSS signature, and PSS with another hash: both wrong.
    expect(nodeSignatureVerifier.verifySignature('rsa-pkcs1-sha256', pss.spki, message, pss.signature)).toBe(false);
    expect(nodeSignatureVerifier.verifySignature('rsa-pss-sha384', pss.spki, message, pss.signature)).toBe(false);
    expect(nodeSignatureVerifier.verifySignature('ecdsa-p256-sha256', Uint8Array.of(1, 2, 3), message, p256.signature)).toBe(false);
    expect(nodeSignatureVerifier.verifySignature('ecdsa-p256-sha256', p256.spki, message, new Uint8Array(0))).toBe(false);
  });
});

function refusal(run: () => unknown): VerificationFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof VerificationFailure) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseSubjectPublicKey (the key policy)', () => {
  it('accepts RSA 2048-8192 in whole bytes, P-256/384/521, Ed25519 and Ed448, with their raw parts', () => {
    const key = parseSubjectPublicKey(spki(rsa.publicKey));
    expect(key).toMatchObject({ kind: 'rsa', bits: 2048 });
    expect((key as { exponent: Uint8Array }).exponent).toEqual(Uint8Array.of(1, 0, 1));
    expect(parseSubjectPublicKey(spki(ec.p256.publicKey))).toMatchObject({ kind: 'ec', curve: 'p256' });
    expect((parseSubjectPublicKey(spki(ec.p384.publicKey)) as { point: Uint8Array }).point).toHaveLength(97);
    expect(parseSubjectPublicKey(spki(ec.p521.publicKey))).toMatchObject({ kind: 'ec', curve: 'p521' });
    expect((parseSubjectPublicKey(spki(ed25519.publicKey)) as { key: Uint8Array }).key).toHaveLength(32);
    expect(parseSubjectPublicKey(spki(ed448.publicKey))).toMatchObject({ kind: 'ed448' });
  });

  it.each([
    ['RSA-1024', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, 'WEAK_PUBLIC_KEY'],
    ['RSA-2052 (not whole bytes)', () => generateKeyPairSync('rsa', { modulusLength: 2052 }).publicKey, 'WEAK_PUBLIC_KEY'],
    ['P-192', () => generateKeyPairSync('ec', { namedCurve: 'prime192v1' }).publicKey, 'UNSUPPORTED_PUBLIC_KEY'],
    ['secp256k1', () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, 'UNSUPPORTED_PUBLIC_KEY'],
    ['DSA', () => generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey, 'UNSUPPORTED_PUBLIC_KEY'],
    ['an RSA-PSS key', () => generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey, 'UNSUPPORTED_PUBLIC_KEY'],
  ] as const)('refuses %s', (_, make, code) => {
    expect(refusal(() => parseSubjectPublicKey(spki(make())))).toMatchObject({ reason: 'invalid-certificate', code });
  });

  it('refuses EC keys with explicit curve parameters', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'der' }, paramEncoding: 'explicit' } as never) as unknown as { publicKey: Buffer };
    expect(refusal(() => parseSubjectPublicKey(new Uint8Array(publicKey)))).toMatchObject({ code: 'UNSUPPORTED_PUBLIC_KEY' });
  });

  it('refuses bytes that are no SubjectPublicKeyInfo', () => {
    expect(refusal(() => parseSubjectPublicKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)))).toMatchObject({ code: 'UNSUPPORTED_PUBLIC_KEY' });
  });
});

const oid = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  mgf1: '1.2.840.113549.1.1.8',
  pss: '1.2.840.113549.1.1.10',
};
const NULL = Uint8Array.of(0x05, 0x00).buffer;

function pss(hash: string, mgfHash: string, saltLength: number): AlgorithmIdentifier {
  const params = new RsaSaPssParams({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: hash, parameters: null }),
    maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: oid.mgf1, parameters: AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: mgfHash, parameters: null })) }),
    saltLength,
  });
  return new AlgorithmIdentifier({ algorithm: oid.pss, parameters: AsnConvert.serialize(params) });
}

describe('signatureAlgorithmFor', () => {
  const rsaKey = parseSubjectPublicKey(spki(rsa.publicKey));
  const p384Key = parseSubjectPublicKey(spki(ec.p384.publicKey));
  const ident = (algorithm: string, parameters?: ArrayBuffer | null) => new AlgorithmIdentifier(parameters === undefined ? { algorithm } : { algorithm, parameters });

  it('maps the supported identifiers with the issuer key', () => {
    expect(signatureAlgorithmFor(ident('1.2.840.113549.1.1.11', null), rsaKey)).toBe('rsa-pkcs1-sha256');
    // RFC 4055 5: absent parameters must be accepted for PKCS#1 too.
    expect(signatureAlgorithmFor(ident('1.2.840.113549.1.1.13'), rsaKey)).toBe('rsa-pkcs1-sha512');
    expect(signatureAlgorithmFor(ident('1.2.840.10045.4.3.2'), p384Key)).toBe('ecdsa-p384-sha256');
    expect(signatureAlgorithmFor(ident('1.2.840.10045.4.3.3'), p384Key)).toBe('ecdsa-p384-sha384');
    expect(signatureAlgorithmFor(pss(oid.sha256, oid.sha256, 32), rsaKey)).toBe('rsa-pss-sha256');
    expect(signatureAlgorithmFor(pss(oid.sha384, oid.sha384, 48), rsaKey)).toBe('rsa-pss-sha384');
    expect(signatureAlgorithmFor(ident('1.3.101.112'), parseSubjectPublicKey(spki(ed25519.publicKey)))).toBe('ed25519');
  });

  it.each([
    ['sha1WithRSAEncryption', () => signatureAlgorithmFor(ident('1.2.840.113549.1.1.5', null), rsaKey)],
    ['ECDSA with parameters', () => signatureAlgorithmFor(ident('1.2.840.10045.4.3.2', NULL), p384Key)],
    ['ECDSA from an RSA key', () => signatureAlgorithmFor(ident('1.2.840.10045.4.3.2'), rsaKey)],
    ['RSA from an EC key', () => signatureAlgorithmFor(ident('1.2.840.113549.1.1.11', null), p384Key)],
    ['RSA-PSS without parameters (SHA-1)', () => signatureAlgorithmFor(ident(oid.pss), rsaKey)],
    ['RSA-PSS with a 20-byte salt', () => signatureAlgorithmFor(pss(oid.sha256, oid.sha256, 20), rsaKey)],
    ['RSA-PSS with MGF1 over another hash', () => signatureAlgorithmFor(pss(oid.sha256, oid.sha384, 32), rsaKey)],
    ['RSA-PSS with malformed parameters', () => signatureAlgorithmFor(ident(oid.pss, Uint8Array.of(0x30, 0x01).buffer), rsaKey)],
    ['Ed25519 with parameters', () => signatureAlgorithmFor(ident('1.3.101.112', NULL), parseSubjectPublicKey(spki(ed25519.publicKey)))],
  ] as const)('refuses %s', (_, run) => {
    expect(refusal(run)).toMatchObject({ code: 'UNSUPPORTED_SIGNATURE_ALGORITHM' });
  });

  it('never resolves to an algorithm outside the interface', () => {
    const seen = new Set<SignatureAlgorithm>();
    const keys: SubjectPublicKey[] = [rsaKey, p384Key];
    for (const key of keys) {
      for (const id of ['1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.10045.4.3.2', '1.2.840.10045.4.3.4']) {
        try {
          seen.add(signatureAlgorithmFor(ident(id, id.startsWith('1.2.840.113549') ? null : undefined), key));
        } catch {
          // refused combinations are fine
        }
      }
    }
    for (const algorithm of seen) expect(SIGNATURE_ALGORITHMS).toContain(algorithm);
  });
});
