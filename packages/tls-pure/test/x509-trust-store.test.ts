import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, TrustStore } from '@unitls/tls-core';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeSignatureVerifier } from '../src/x509/node-signature-verifier.js';
import { parseCertificate } from '../src/x509/certificate.js';
import { subjectOf } from '../src/x509/certificate-subject.js';
import { certificatesIn } from '../src/x509/pem.js';
import { SYSTEM_BUNDLE_FILES, systemStoreSources, systemTrustAnchors } from '../src/x509/system-store.js';
import { trustAnchorsFor } from '../src/x509/trust-store.js';
import { verifyCertificateChain } from '../src/x509/verify.js';
import { ca, leaf } from './x509-fixtures.js';
import { loadLimbo } from './x509-limbo-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'unitls-x509-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = (der: Uint8Array) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
const rootA = ca('Store root A');
const rootB = ca('Store root B');

describe('TrustStore descriptors', () => {
  it('reads PEM bundles and DER from buffers and files, and anchors chains with them', () => {
    const fromPem = trustAnchorsFor(TrustStore.fromBuffer(pem(rootA.der) + pem(rootB.der) + pem(rootA.der)));
    expect(fromPem.size).toBe(2);
    expect(trustAnchorsFor(TrustStore.fromBuffer(rootA.der)).size).toBe(1);
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, pem(rootB.der));
    const fromFile = trustAnchorsFor(TrustStore.fromFile(file));
    expect(() => verifyCertificateChain([leaf(rootB, ['example.com']).der], fromFile, nodeSignatureVerifier, { purpose: 'serverAuth', serverName: 'example.com' })).not.toThrow();
  });

  it('decodes a file once per content, and again when it changes', () => {
    const file = join(dir, 'changing.pem');
    writeFileSync(file, pem(rootA.der));
    const first = trustAnchorsFor(TrustStore.fromFile(file));
    expect(trustAnchorsFor(TrustStore.fromFile(file))).toBe(first);
    writeFileSync(file, pem(rootA.der) + pem(rootB.der));
    const second = trustAnchorsFor(TrustStore.fromFile(file));
    expect(second).not.toBe(first);
    expect(second.size).toBe(2);
    writeFileSync(file, pem(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)));
    expect(() => trustAnchorsFor(TrustStore.fromFile(file))).toThrow(/malformed certificate/);
  });

  it('decodes a buffer descriptor once', () => {
    const store = TrustStore.fromBuffer(pem(rootA.der));
    expect(trustAnchorsFor(store)).toBe(trustAnchorsFor(store));
  });

  it.each([
    ['fromId', () => TrustStore.fromId('some-id'), /fromId\(\) is not supported/],
    ['text without certificates', () => TrustStore.fromBuffer('no certificates here'), /no certificate found/],
    ['bad base64', () => TrustStore.fromBuffer('-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n'), /not valid base64/],
    ['a certificate that does not decode', () => TrustStore.fromBuffer(pem(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))), /malformed certificate/],
    ['a missing file', () => TrustStore.fromFile(join(dir, 'missing.pem')), /cannot read/],
  ])('refuses %s with a ConfigurationError', (_, make, message) => {
    expect(() => trustAnchorsFor(make())).toThrow(ConfigurationError);
    expect(() => trustAnchorsFor(make())).toThrow(message);
  });
});

describe('TrustStore.system()', () => {
  it('reads SSL_CERT_FILE and SSL_CERT_DIR when set, and refuses an empty store', () => {
    const file = join(dir, 'env.pem');
    writeFileSync(file, pem(rootA.der));
    const certs = mkdtempSync(join(dir, 'certs-'));
    writeFileSync(join(certs, 'b.pem'), pem(rootB.der));
    writeFileSync(join(certs, 'notes.txt'), 'not a certificate');
    expect(systemStoreSources({ SSL_CERT_FILE: file, SSL_CERT_DIR: `${certs}:` })).toEqual({ files: [file], directories: [certs] });
    expect(systemTrustAnchors({ SSL_CERT_FILE: file }).size).toBe(1);
    expect(systemTrustAnchors({ SSL_CERT_FILE: file, SSL_CERT_DIR: certs }).size).toBe(2);
    expect(() => systemTrustAnchors({ SSL_CERT_FILE: join(dir, 'missing.pem') })).toThrow(ConfigurationError);
  });

  it("reads the operating system's bundle once, without holding its old roots to the CA profile", () => {
    const bundle = SYSTEM_BUNDLE_FILES.find((path) => systemStoreSources({}).files.includes(path));
    expect(bundle, 'this machine has an OS trust store (Debian: ca-certificates)').toBeDefined();
    const anchors = systemTrustAnchors({});
    expect(anchors.size).toBe(new Set(certificatesIn(readFileSync(bundle!)).certificates.map((der) => Buffer.from(der).toString('hex'))).size);
    expect(anchors.checkProfile).toBe(false);
    expect(systemTrustAnchors({})).toBe(anchors);
    expect(trustAnchorsFor(TrustStore.system()).size).toBe(anchors.size);
  });

  it("verifies the real-world chains of x509-limbo whose roots the OS store holds, at their validation time", () => {
    const anchors = systemTrustAnchors({});
    const der = (text: string) => certificatesIn(new TextEncoder().encode(text)).certificates[0]!;
    const inStore = loadLimbo().filter((test) => test.id.startsWith('online::') && test.trusted_certs.every((root) => anchors.certificates.some((a) => Buffer.from(a.der).equals(Buffer.from(der(root))))));
    expect(inStore.length).toBeGreaterThan(0);
    for (const test of inStore) {
      const chain = [test.peer_certificate, ...test.untrusted_intermediates].map(der);
      expect(() => verifyCertificateChain(chain, anchors, nodeSignatureVerifier, { purpose: 'serverAuth', serverName: test.expected_peer_name!.value, time: new Date(test.validation_time!) }), test.id).not.toThrow();
    }
  });
});

describe('the system store, indexed by subject and decoded lazily (issue #17)', () => {
  const osBundle = readFileSync(SYSTEM_BUNDLE_FILES.find((path) => systemStoreSources({}).files.includes(path))!, 'utf8');
  const verify = (chain: Uint8Array[], anchors: ReturnType<typeof systemTrustAnchors>) =>
    verifyCertificateChain(chain, anchors, nodeSignatureVerifier, { purpose: 'serverAuth', serverName: 'example.com' });

  it('decodes no root when built, and only the roots a chain names as its issuer when verifying', () => {
    const file = join(dir, 'os-plus-a.pem');
    writeFileSync(file, osBundle + pem(rootA.der));
    const anchors = systemTrustAnchors({ SSL_CERT_FILE: file });
    expect(anchors.size).toBeGreaterThan(100);
    expect(anchors.decodedCount).toBe(0);
    verify([leaf(rootA, ['example.com']).der], anchors);
    expect(anchors.decodedCount).toBe(1);
    // Decoded once for the process: the next chain from the same root decodes nothing more.
    verify([leaf(rootA, ['example.com']).der], anchors);
    expect(anchors.decodedCount).toBe(1);
    // A chain from a root the store lacks decodes nothing at all.
    expect(() => verify([leaf(rootB, ['example.com']).der], anchors)).toThrow(/issuer is neither in the trust store/);
    expect(anchors.decodedCount).toBe(1);
  });

  it('skips a malformed certificate, found when built or when first needed, without breaking the others', () => {
    // rootA with its serialNumber's INTEGER tag made an OCTET STRING: the same subject, and an
    // outline that indexes, but no certificate.
    const broken = Uint8Array.from(rootA.der);
    const tbsStart = broken[1]! > 0x80 ? 2 + (broken[1]! & 0x7f) : 2;
    const tbsBody = tbsStart + (broken[tbsStart + 1]! > 0x80 ? 2 + (broken[tbsStart + 1]! & 0x7f) : 2);
    const serialAt = broken[tbsBody] === 0xa0 ? tbsBody + 2 + broken[tbsBody + 1]! : tbsBody;
    expect(broken[serialAt]).toBe(0x02);
    broken[serialAt] = 0x04;
    expect(subjectOf(broken)).toEqual(parseCertificate(rootA.der, 1 << 16).subject);
    expect(() => parseCertificate(broken, 1 << 16)).toThrow(/malformed certificate/);
    const garbage = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01);
    const file = join(dir, 'with-malformed.pem');
    writeFileSync(file, pem(garbage) + pem(broken) + pem(rootA.der) + pem(rootB.der));
    const anchors = systemTrustAnchors({ SSL_CERT_FILE: file });
    expect([anchors.size, anchors.skipped, anchors.decodedCount]).toEqual([3, 1, 0]);
    expect(() => verify([leaf(rootA, ['example.com']).der], anchors)).not.toThrow();
    expect([anchors.skipped, anchors.decodedCount]).toEqual([2, 2]);
    expect(() => verify([leaf(rootB, ['example.com']).der], anchors)).not.toThrow();
    expect(anchors.certificates.map((cert) => Buffer.from(cert.der).toString('hex'))).toEqual([rootA.der, rootB.der].map((der) => Buffer.from(der).toString('hex')));
  });

  it("finds from the raw DER the same subject a full decode does, for every certificate of x509-limbo and the OS store", () => {
    const ders = [
      ...certificatesIn(new TextEncoder().encode(osBundle)).certificates,
      ...loadLimbo().flatMap((test) => [test.peer_certificate, ...test.untrusted_intermediates, ...test.trusted_certs]).map((text) => certificatesIn(new TextEncoder().encode(text)).certificates[0]!),
    ];
    let decoded = 0;
    for (const der of ders) {
      let subject: Uint8Array;
      try {
        subject = parseCertificate(der, 1 << 20, { cache: false }).subject;
      } catch {
        continue;
      }
      decoded++;
      expect(Buffer.from(subjectOf(der)!).toString('hex')).toBe(Buffer.from(subject).toString('hex'));
      // Any truncation is refused, never read past.
      expect(subjectOf(der.subarray(0, der.length - 1))).toBeNull();
    }
    expect(decoded).toBeGreaterThan(500);
  });
});
