/**
 * Turns tls-core descriptors into what the engine uses: certificate DER lists and signing keys
 * through the provider (PEM decoding and certificate parsing are the x509 module's).
 *
 * @module
 */
import { ConfigurationError, type Certificate, type SigningChain } from '@unitls/tls-core';
import type { CryptoProvider, SigningKey } from '../crypto/provider.js';
import { parseCertificate } from '../x509/certificate.js';
import { DEFAULT_LIMITS } from '../x509/limits.js';
import { certificatesIn } from '../x509/pem.js';

function certificateDer(cert: Certificate): Uint8Array[] {
  const { certificates, malformed } = certificatesIn(cert.bytes());
  if (malformed > 0 || certificates.length === 0) throw new ConfigurationError('Certificate: neither PEM CERTIFICATE blocks nor a DER certificate');
  return certificates;
}

/** A chain ready to serve: leaf first, its signing key, and the leaf parsed. */
export interface LoadedChain {
  readonly certificates: readonly Uint8Array[];
  readonly key: SigningKey;
}

/** The parsed leaf of DER bytes, or a ConfigurationError. */
export function parseLeaf(der: Uint8Array) {
  try {
    return parseCertificate(der, DEFAULT_LIMITS.maxCertificateSize);
  } catch (cause) {
    throw new ConfigurationError(`Certificate: ${(cause as Error).message}`, { cause });
  }
}

/** Loads a SigningChain; a null key means the key sits with the certificate (PEP 748). */
export function loadChain(chain: SigningChain, provider: CryptoProvider): LoadedChain {
  const [leaf, keyDescriptor] = chain.leaf;
  const leafDer = certificateDer(leaf)[0]!;
  const certificates = [leafDer, ...chain.chain.flatMap(certificateDer)];
  const keyBytes = keyDescriptor === null ? leaf.bytes() : keyDescriptor.bytes();
  let key: SigningKey;
  try {
    key = provider.signingKey(keyBytes);
  } catch (cause) {
    throw new ConfigurationError(`PrivateKey: ${(cause as Error).message}`, { cause });
  }
  if (Buffer.compare(Buffer.from(parseLeaf(leafDer).subjectPublicKeyInfo), Buffer.from(key.publicKeyInfo)) !== 0) {
    throw new ConfigurationError('the private key does not match the leaf certificate of the SigningChain');
  }
  return { certificates, key };
}
