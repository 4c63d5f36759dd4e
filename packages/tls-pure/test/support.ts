/** A small PKI and an in-memory pump for tls-pure's own tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueCertificate, type IssuedCertificate } from '@unitls/demo-pki';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore, type TLSClientConfigurationOptions, type TLSServerConfigurationOptions } from '@unitls/tls-core';

export interface TestPki {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  serverEc: IssuedCertificate;
  serverRsa: IssuedCertificate;
  client: IssuedCertificate;
}

let cached: Promise<TestPki> | undefined;

export function testPki(): Promise<TestPki> {
  cached ??= (async () => {
    const root = await createAuthority({ name: 'tls-pure test root' });
    const intermediate = await createAuthority({ name: 'tls-pure test intermediate', issuer: root });
    const names = ['localhost', '127.0.0.1'];
    return {
      root,
      intermediate,
      serverEc: await issueCertificate(intermediate, { names, keyType: 'ec' }),
      serverRsa: await issueCertificate(intermediate, { names, keyType: 'rsa' }),
      client: await issueCertificate(intermediate, { names: ['client.test'], usage: 'client' }),
    };
  })();
  return cached;
}

export function chain(leaf: IssuedCertificate, pki: TestPki): SigningChain {
  return new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)], [Certificate.fromBuffer(pki.intermediate.certPem)]);
}

export function serverConfiguration(pki: TestPki, options: TLSServerConfigurationOptions = {}, leaf = pki.serverEc): TLSServerConfiguration {
  return new TLSServerConfiguration({ certificateChain: [chain(leaf, pki)], ...options });
}

export function clientConfiguration(pki: TestPki, options: TLSClientConfigurationOptions = {}): TLSClientConfiguration {
  return new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(pki.root.certPem), ...options });
}

/**
 * The PKI as PEM files in a fresh temporary folder, for the openssl/gnutls command lines: the root,
 * the EC server's certificate, intermediate and key, the client's certificate and key. `remove()`
 * deletes the folder (call it in afterAll); `dir` and `file` are for further files.
 */
export function pkiFiles(pki: TestPki, prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  return {
    root: file('root.crt', pki.root.certPem),
    serverCert: file('server.crt', pki.serverEc.certPem),
    intermediate: file('intermediate.crt', pki.intermediate.certPem),
    serverKey: file('server.key', pki.serverEc.keyPem),
    clientCert: file('client.crt', pki.client.certPem),
    clientKey: file('client.key', pki.client.keyPem),
    dir,
    file,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The in-memory pair helpers the conformance suite uses too. */
export { handshake, pump } from '../../../tests/support/buffer-pair.js';
