/**
 * Turns tls-core descriptors into what the engine uses: certificate DER lists, trust anchors, and
 * signing keys through the provider. PEM is decoded here (base64 between the markers); DER is
 * taken as it is.
 *
 * @module
 */
import { ConfigurationError, readDescriptorBytes, type Certificate, type SigningChain, type TrustStore } from '@unitls/tls-core';
import { systemTrustAnchors } from '@unitls/tls-node/internal';
import type { CryptoProvider, SigningKey } from '../crypto/provider.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g;

function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ');
}

/** Every certificate (DER) in PEM text or one DER certificate. */
export function certificatesFrom(what: string, bytes: Uint8Array): Uint8Array[] {
  if (!isPem(bytes)) {
    // A DER certificate is a SEQUENCE; anything else is neither PEM nor DER.
    if (bytes[0] !== 0x30) throw new ConfigurationError(`${what}: neither PEM nor a DER certificate`);
    return [Uint8Array.from(bytes)];
  }
  const blocks = [...Buffer.from(bytes).toString('latin1').matchAll(PEM_CERT)].map((m) => Uint8Array.from(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  if (blocks.length === 0) throw new ConfigurationError(`${what}: the PEM data holds no CERTIFICATE block`);
  return blocks;
}

function certificateDer(cert: Certificate): Uint8Array[] {
  return certificatesFrom('Certificate', cert.bytes());
}

/** A chain ready to serve: leaf first, and its signing key. */
export interface LoadedChain {
  readonly certificates: readonly Uint8Array[];
  readonly key: SigningKey;
}

/** Loads a SigningChain; a null key means the key sits with the certificate (PEP 748). */
export function loadChain(chain: SigningChain, provider: CryptoProvider, leafPublicKeyInfo: (der: Uint8Array) => Uint8Array): LoadedChain {
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
  const expected = leafPublicKeyInfo(leafDer);
  if (Buffer.compare(Buffer.from(expected), Buffer.from(key.publicKeyInfo)) !== 0) {
    throw new ConfigurationError('the private key does not match the leaf certificate of the SigningChain');
  }
  return { certificates, key };
}

/** Trust anchors (DER) a TrustStore names; null or system() is the operating system's store. */
export function loadTrustAnchors(store: TrustStore | null): Uint8Array[] {
  if (store === null || store.source.kind === 'system') {
    // TEMPORARY: tls-node's reader of the OS store, until src/x509 provides TrustStore.system().
    return systemTrustAnchors().flatMap((pem) => certificatesFrom('TrustStore.system()', Buffer.from(pem, 'latin1')));
  }
  return certificatesFrom('TrustStore', readDescriptorBytes('TrustStore', store.source));
}
