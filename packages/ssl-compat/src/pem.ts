import { Certificate, ConfigurationError, SigningChain, type PrivateKey } from '@unitls/tls-core';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * A SigningChain from PEM text holding the leaf first and then its chain, as node:tls's `cert`
 * and Python's `load_cert_chain` read it.
 */
export function chainFromPem(what: string, text: string, key: PrivateKey): SigningChain {
  const certs = text.match(PEM_CERTIFICATE);
  if (certs === null) throw new ConfigurationError(`${what}: no PEM CERTIFICATE found`);
  return new SigningChain([Certificate.fromBuffer(certs[0]!), key], certs.slice(1).map((pem) => Certificate.fromBuffer(pem)));
}
