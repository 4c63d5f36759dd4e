/**
 * A throwaway PKI for `unitls connect --demo` and for tests: CAs, intermediates, server and
 * client leaves, expired or self-signed ones, with ECDSA P-256 or RSA-2048 keys. Everything is
 * generated in memory by @peculiar/x509 over WebCrypto; nothing here is meant for production.
 *
 * @example
 * ```ts
 * import { createAuthority, issueCertificate } from '@unitls/demo-pki';
 * const ca = await createAuthority({ name: 'demo CA' });
 * const server = await issueCertificate(ca, { names: ['localhost', '127.0.0.1'] });
 * console.log(server.certPem, server.keyPem);
 * ```
 *
 * @module
 */
// @peculiar/x509 resolves its ASN.1 types through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyType = 'ec' | 'rsa';

/** A certificate with its key, in PEM. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Uint8Array;
  readonly subject: string;
  /** @internal signing material for children */
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
  readonly algorithm: EcKeyGenParams | RsaHashedKeyGenParams;
}

const algorithms: Record<KeyType, EcKeyGenParams & { hash: string } | RsaHashedKeyGenParams> = {
  ec: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as EcKeyGenParams & { hash: string },
  rsa: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

const DAY = 86_400_000;
let serial = 1;

function nextSerial(): string {
  return (Date.now() * 1000 + serial++).toString(16).padStart(16, '0');
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair, algorithm: IssuedCertificate['algorithm']): Promise<IssuedCertificate> {
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem: await keyPem(keys),
    der: new Uint8Array(cert.rawData),
    subject: cert.subject,
    keys,
    cert,
    algorithm,
  };
}

function signingAlgorithm(issuer: IssuedCertificate['algorithm']): Algorithm {
  return issuer.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } as Algorithm : issuer;
}

/** Options of {@link createAuthority}. */
export interface AuthorityOptions {
  name: string;
  keyType?: KeyType;
  /** Sign with this CA (an intermediate) instead of self-signing (a root). */
  issuer?: IssuedCertificate;
  /** Start of validity; default one day ago. */
  notBefore?: Date;
  /** End of validity; default in ten years (an expired CA for tests: a date in the past). */
  notAfter?: Date;
}

/** A CA certificate: a self-signed root, or an intermediate when `issuer` is given. */
export async function createAuthority(options: AuthorityOptions): Promise<IssuedCertificate> {
  const algorithm = algorithms[options.keyType ?? 'ec'];
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const extensions = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = {
    serialNumber: nextSerial(),
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 3650 * DAY),
  };
  const cert =
    options.issuer === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned({
          ...common,
          name: `CN=${options.name}`,
          keys,
          signingAlgorithm: signingAlgorithm(algorithm),
          extensions,
        })
      : await x509.X509CertificateGenerator.create({
          ...common,
          subject: `CN=${options.name}`,
          issuer: options.issuer.cert.subject,
          publicKey: keys.publicKey,
          signingKey: options.issuer.keys.privateKey,
          signingAlgorithm: signingAlgorithm(options.issuer.algorithm),
          extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey)],
        });
  return finish(cert, keys, algorithm);
}

/** Options of {@link issueCertificate}. */
export interface LeafOptions {
  /** DNS names and IP addresses for the subjectAltName. */
  names: string[];
  /** Subject CN; defaults to the first name. */
  commonName?: string;
  keyType?: KeyType;
  /** 'server' (default), 'client' or 'both' extended key usage. */
  usage?: 'server' | 'client' | 'both';
  notBefore?: Date;
  notAfter?: Date;
}

/** A leaf certificate signed by `issuer` (or self-signed when `issuer` is null). */
export async function issueCertificate(issuer: IssuedCertificate | null, options: LeafOptions): Promise<IssuedCertificate> {
  const algorithm = algorithms[options.keyType ?? 'ec'];
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const usage = options.usage ?? 'server';
  const ekus = [
    ...(usage !== 'client' ? [x509.ExtendedKeyUsage.serverAuth] : []),
    ...(usage !== 'server' ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(ekus),
    new x509.SubjectAlternativeNameExtension(options.names.map((name) => ({ type: isIP(name) ? 'ip' : 'dns', value: name }) as const)),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = {
    serialNumber: nextSerial(),
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY),
  };
  const subject = `CN=${options.commonName ?? options.names[0] ?? 'unitls demo'}`;
  const cert =
    issuer === null
      ? await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys, signingAlgorithm: signingAlgorithm(algorithm), extensions })
      : await x509.X509CertificateGenerator.create({
          ...common,
          subject,
          issuer: issuer.cert.subject,
          publicKey: keys.publicKey,
          signingKey: issuer.keys.privateKey,
          signingAlgorithm: signingAlgorithm(issuer.algorithm),
          extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey)],
        });
  return finish(cert, keys, algorithm);
}
