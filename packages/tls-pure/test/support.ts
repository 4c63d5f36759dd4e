/** A small PKI and an in-memory pump for tls-pure's own tests. */
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

/** The in-memory pair helpers the conformance suite uses too. */
export { handshake, pump } from '../../../tests/support/buffer-pair.js';
