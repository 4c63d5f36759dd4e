/**
 * Turns tls-core descriptors into what node:tls takes (PEM text), reading files now. fromId
 * material is refused: node:tls has no key store to resolve ids in.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import {
  ConfigurationError,
  readDescriptorBytes,
  type Certificate,
  type PrivateKey,
  type SigningChain,
  type TrustStore,
} from '@unitls/tls-core';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PEM_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ');
}

/** Every certificate in PEM text or DER bytes, as PEM blocks. */
export function certificatesAsPem(what: string, bytes: Uint8Array): string[] {
  if (isPem(bytes)) {
    const blocks = Buffer.from(bytes).toString('latin1').match(PEM_CERT) ?? [];
    if (blocks.length === 0) throw new ConfigurationError(`${what}: the PEM data holds no CERTIFICATE block`);
    return blocks;
  }
  try {
    return [new X509Certificate(bytes).toString()];
  } catch (cause) {
    throw new ConfigurationError(`${what}: neither PEM nor a DER certificate`, { cause });
  }
}

export function certificatePem(cert: Certificate): string[] {
  return certificatesAsPem('Certificate', cert.bytes());
}

/** A private key from PEM or DER; with `fallback` (a certificate's file) when the chain has no key. */
export function privateKeyObject(key: PrivateKey | null, leaf: Certificate): KeyObject {
  let bytes: Uint8Array;
  let what: string;
  if (key === null) {
    // PEP 748: a null key means the key sits with the certificate.
    bytes = leaf.bytes();
    what = 'SigningChain (key taken from the certificate data)';
  } else {
    bytes = key.bytes();
    what = 'PrivateKey';
  }
  if (isPem(bytes)) {
    const text = Buffer.from(bytes).toString('latin1');
    const block = PEM_KEY.exec(text)?.[0];
    if (block === undefined) throw new ConfigurationError(`${what}: no PRIVATE KEY block found`);
    if (block.includes('ENCRYPTED')) throw new ConfigurationError(`${what}: encrypted private keys are not supported yet`);
    try {
      return createPrivateKey(block);
    } catch (cause) {
      throw new ConfigurationError(`${what}: the key cannot be parsed`, { cause });
    }
  }
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: Buffer.from(bytes), format: 'der', type });
    } catch {
      // try the next DER layout
    }
  }
  throw new ConfigurationError(`${what}: neither PEM nor a DER (PKCS#8, SEC1, PKCS#1) private key`);
}

/** cert (leaf first, then intermediates) and key for node:tls. */
export function chainMaterial(chain: SigningChain): { cert: string; key: KeyObject; leaf: X509Certificate } {
  const [leafCert, key] = chain.leaf;
  const pems = [...certificatePem(leafCert).slice(0, 1), ...chain.chain.flatMap(certificatePem)];
  return { cert: pems.join('\n'), key: privateKeyObject(key, leafCert), leaf: new X509Certificate(pems[0]!) };
}

/** The `cert` and `key` options of tls.createSecureContext for a chain. */
export function certAndKey(material: { cert: string; key: KeyObject }): { cert: string; key: string } {
  return { cert: material.cert, key: material.key.export({ format: 'pem', type: 'pkcs8' }) as string };
}

let systemStore: string[] | null = null;

/** Where OpenSSL-based systems keep the CA bundle, most common first. */
const BUNDLE_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
  '/usr/local/etc/openssl/cert.pem',
];
const HASHED_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs', '/usr/lib/ssl/certs'];

function readIfFile(path: string): string | null {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'latin1') : null;
  } catch {
    return null;
  }
}

function hashedDirCertificates(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  // OpenSSL's CApath layout: subject-hash names like 002c0b4f.0.
  return names.filter((name) => /^[0-9a-f]{8}\.\d+$/.test(name)).flatMap((name) => readIfFile(join(dir, name))?.match(PEM_CERT) ?? []);
}

/**
 * The operating system's trust anchors, as OpenSSL would find them: SSL_CERT_FILE and
 * SSL_CERT_DIR when set, else the distribution's bundle file, else its hashed directory.
 * Read once per process. Node 20 has no tls.getCACertificates('system'); newer Node is used when
 * present.
 */
export function systemTrustAnchors(): string[] {
  if (systemStore !== null) return systemStore;
  const getCACertificates = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  const fromNode = getCACertificates?.('system');
  let found: string[] = [];
  const file = process.env.SSL_CERT_FILE || undefined;
  const dirList = process.env.SSL_CERT_DIR?.split(':').filter(Boolean);
  const dirs = dirList === undefined || dirList.length === 0 ? undefined : dirList;
  if (fromNode !== undefined && fromNode.length > 0 && file === undefined && dirs === undefined) {
    found = fromNode;
  } else {
    if (file !== undefined) found.push(...(readIfFile(file)?.match(PEM_CERT) ?? []));
    if (dirs !== undefined) found.push(...dirs.flatMap(hashedDirCertificates));
    if (file === undefined && dirs === undefined) {
      for (const bundle of BUNDLE_FILES) {
        const pems = readIfFile(bundle)?.match(PEM_CERT);
        if (pems && pems.length > 0) {
          found = [...pems];
          break;
        }
      }
      if (found.length === 0) for (const dir of HASHED_DIRS) found.push(...hashedDirCertificates(dir));
    }
  }
  if (found.length === 0) {
    throw new ConfigurationError(
      'no system trust store found (looked at SSL_CERT_FILE, SSL_CERT_DIR and the usual bundle paths); install ca-certificates or pass TrustStore.fromFile()',
    );
  }
  systemStore = found;
  return found;
}

/** The anchors a TrustStore names, as PEM blocks (null store or system() = the OS store). */
export function trustAnchors(store: TrustStore | null): string[] {
  if (store === null || store.source.kind === 'system') return systemTrustAnchors();
  return certificatesAsPem('TrustStore', readDescriptorBytes('TrustStore', store.source));
}
