import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { Certificate, ConfigurationError, PrivateKey, SigningChain, TrustStore } from '@unitls/tls-core';

const ca = await createAuthority({ name: 'material test CA' });
const leaf = await issueCertificate(ca, { names: ['x.test'], keyType: 'rsa' });

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('descriptors to node:tls material', () => {
  it('accepts PEM and DER certificates and keys alike', async () => {
    const { chainMaterial } = await import('../src/material.js');
    const keyDer = (await import('node:crypto')).createPrivateKey(leaf.keyPem).export({ format: 'der', type: 'pkcs8' });
    const fromPem = chainMaterial(new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)]));
    const fromDer = chainMaterial(new SigningChain([Certificate.fromBuffer(leaf.der), PrivateKey.fromBuffer(keyDer)]));
    expect(new X509Certificate(fromDer.cert).fingerprint256).toBe(new X509Certificate(fromPem.cert).fingerprint256);
    expect(fromDer.leaf.fingerprint256).toBe(new X509Certificate(leaf.certPem).fingerprint256);
  });

  it('takes the key from the certificate data when the chain has none (PEP: PrivateKey | None)', async () => {
    const { chainMaterial } = await import('../src/material.js');
    const material = chainMaterial(new SigningChain([Certificate.fromBuffer(leaf.certPem + leaf.keyPem), null]));
    expect(material.key.asymmetricKeyType).toBe('rsa');
  });

  it('refuses garbage and encrypted keys with clear errors', async () => {
    const { chainMaterial, certificatesAsPem } = await import('../src/material.js');
    expect(() => certificatesAsPem('TrustStore', new Uint8Array([1, 2, 3]))).toThrow(/neither PEM nor a DER certificate/);
    expect(() => chainMaterial(new SigningChain([Certificate.fromBuffer(leaf.certPem), null]))).toThrow(/no PRIVATE KEY block/);
    const encrypted = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n';
    expect(() => chainMaterial(new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(encrypted)]))).toThrow(
      /encrypted private keys are not supported/,
    );
  });

  it('reads the system store from SSL_CERT_FILE when set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitls-store-'));
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, ca.certPem);
    vi.stubEnv('SSL_CERT_FILE', file);
    vi.stubEnv('SSL_CERT_DIR', '');
    const { trustAnchors } = await import('../src/material.js');
    expect(trustAnchors(TrustStore.system())).toEqual([ca.certPem.trim()]);
  });

  it('reads the system store from an SSL_CERT_DIR of hashed names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitls-dir-'));
    writeFileSync(join(dir, '0123abcd.0'), ca.certPem);
    writeFileSync(join(dir, 'README'), 'not a certificate');
    vi.stubEnv('SSL_CERT_DIR', dir);
    vi.stubEnv('SSL_CERT_FILE', '');
    const { trustAnchors } = await import('../src/material.js');
    expect(trustAnchors(null)).toEqual([ca.certPem.trim()]);
  });

  it("finds this machine's OS store by default (not node's bundled list)", async () => {
    vi.stubEnv('SSL_CERT_FILE', '');
    vi.stubEnv('SSL_CERT_DIR', '');
    const { trustAnchors } = await import('../src/material.js');
    const anchors = trustAnchors(null);
    expect(anchors.length).toBeGreaterThan(10);
  });

  it('fails clearly when there is no system store', async () => {
    vi.stubEnv('SSL_CERT_FILE', '/nonexistent/bundle.pem');
    vi.stubEnv('SSL_CERT_DIR', '');
    const { trustAnchors } = await import('../src/material.js');
    expect(() => trustAnchors(null)).toThrow(ConfigurationError);
    expect(() => trustAnchors(null)).toThrow(/no system trust store found/);
  });
});
