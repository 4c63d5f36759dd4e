/**
 * Certificates for the validator's unit tests, built field by field with @peculiar/asn1-x509 and
 * signed with node:crypto, so a test can break exactly one rule (a critical flag, a serial number,
 * a time encoding, an extension twice) that certificate generators do not let one break.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  CRLNumber,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  Name,
  RelativeDistinguishedName,
  RevokedCertificate,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertList,
  TBSCertificate,
  Time,
  Validity,
} from '@peculiar/asn1-x509';
import { createHash } from 'node:crypto';
import { RawGeneralName, RawGeneralNames, RawGeneralSubtree, RawGeneralSubtrees, RawNameConstraints } from './x509-general-name-schema.js';

export type KeyKind = 'p256' | 'p384' | 'rsa' | 'ed25519';

export interface Key {
  readonly kind: KeyKind;
  readonly privateKey: KeyObject;
  readonly spki: Uint8Array;
}

const keyCache = new Map<KeyKind, Key[]>();

/** A key pair; `index` picks one of a few cached keys per kind (RSA generation is slow). */
export function key(kind: KeyKind = 'p256', index = 0): Key {
  const cached = keyCache.get(kind) ?? [];
  while (cached.length <= index) {
    const pair =
      kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : kind === 'ed25519'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' });
    cached.push({ kind, privateKey: pair.privateKey, spki: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })) });
  }
  keyCache.set(kind, cached);
  return cached[index]!;
}

/** A fresh key no other certificate uses. */
export function freshKey(kind: KeyKind = 'p256'): Key {
  return key(kind, (keyCache.get(kind)?.length ?? 0));
}

const NULL = new Uint8Array([0x05, 0x00]).buffer;

function signatureAlgorithm(signer: Key): AlgorithmIdentifier {
  switch (signer.kind) {
    case 'p256':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
    case 'p384':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.3' });
    case 'rsa':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null });
    case 'ed25519':
      return new AlgorithmIdentifier({ algorithm: '1.3.101.112' });
  }
}

function signWith(signer: Key, data: Uint8Array): Uint8Array {
  const hash = signer.kind === 'ed25519' ? null : signer.kind === 'p384' ? 'sha384' : 'sha256';
  return new Uint8Array(sign(hash, data, signer.kind === 'rsa' || signer.kind === 'ed25519' ? signer.privateKey : { key: signer.privateKey, dsaEncoding: 'der' }));
}

/** A Name of CN attributes (or given RDNs); an empty array is the empty Name. */
export function name(...commonNames: string[]): Name {
  return new Name(commonNames.map((cn) => new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) })])));
}

/** A GeneralName from text: "dns:x", "ip:1.2.3.4", "ipnet:10.0.0.0/8" (constraint form), "email:a@b", "uri:...", "dn:CN", "other". Bare text is a DNS name or IP. */
export function generalName(text: string): RawGeneralName {
  const [kind, ...rest] = text.includes(':') && /^(dns|ip|ipnet|email|uri|dn|other|rawip):/.test(text) ? text.split(/:(.*)/s) : [isIP(text) ? 'ip' : 'dns', text];
  const value = rest[0] ?? '';
  const general = new RawGeneralName();
  switch (kind) {
    case 'dns':
      general.dNSName = value;
      break;
    case 'ip':
      general.iPAddress = ipBytes(value).buffer as ArrayBuffer;
      break;
    case 'rawip':
      general.iPAddress = Uint8Array.from(Buffer.from(value, 'hex')).buffer;
      break;
    case 'ipnet': {
      const [address, prefix] = value.split('/') as [string, string];
      const bytes = ipBytes(address);
      const mask = new Uint8Array(bytes.length);
      for (let bit = 0; bit < Number(prefix); bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
      general.iPAddress = Uint8Array.of(...bytes, ...mask).buffer;
      break;
    }
    case 'email':
      general.rfc822Name = value;
      break;
    case 'uri':
      general.uniformResourceIdentifier = value;
      break;
    case 'dn':
      general.directoryName = AsnConvert.serialize(name(value));
      break;
    default:
      general.registeredID = '1.2.3.4';
  }
  return general;
}

function ipBytes(text: string): Uint8Array {
  if (isIP(text) === 4) return Uint8Array.from(text.split('.').map(Number));
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return Uint8Array.from(all.flatMap((group) => [group >> 8, group & 0xff]));
}

/** Builders of extensions (RFC 5280 4.2). */
export const ext = {
  raw: (oid: string, critical: boolean, value: Uint8Array | ArrayBuffer) => new Extension({ extnID: oid, critical, extnValue: new OctetString(value) }),
  basicConstraints: (cA: boolean, pathLength?: number, critical = true) =>
    ext.raw('2.5.29.19', critical, AsnConvert.serialize(new BasicConstraints(pathLength === undefined ? { cA } : { cA, pathLenConstraint: pathLength }))),
  /** Flags as @peculiar/asn1-x509 numbers them: digitalSignature 1, keyEncipherment 4, keyCertSign 32, cRLSign 64. */
  keyUsage: (flags: number, critical = true) => {
    const usage = new KeyUsage();
    usage.fromNumber(flags);
    return ext.raw('2.5.29.15', critical, AsnConvert.serialize(usage));
  },
  extKeyUsage: (purposes: string[], critical = false) => ext.raw('2.5.29.37', critical, AsnConvert.serialize(new ExtendedKeyUsage(purposes))),
  subjectAltName: (names: string[], critical = false) => ext.raw('2.5.29.17', critical, AsnConvert.serialize(new RawGeneralNames(names.map(generalName)))),
  nameConstraints: (permitted: string[] | null, excluded: string[] | null, critical = true) => {
    const subtrees = (list: string[] | null) => (list === null ? undefined : new RawGeneralSubtrees(list.map((text) => Object.assign(new RawGeneralSubtree(), { base: generalName(text) }))));
    const constraints = new RawNameConstraints();
    const permittedSubtrees = subtrees(permitted);
    const excludedSubtrees = subtrees(excluded);
    if (permittedSubtrees) constraints.permittedSubtrees = permittedSubtrees;
    if (excludedSubtrees) constraints.excludedSubtrees = excludedSubtrees;
    return ext.raw('2.5.29.30', critical, AsnConvert.serialize(constraints));
  },
  subjectKeyIdentifier: (subjectKey: Key, critical = false) => ext.raw('2.5.29.14', critical, AsnConvert.serialize(new SubjectKeyIdentifier(keyId(subjectKey)))),
  authorityKeyIdentifier: (issuerKey: Key, critical = false) =>
    ext.raw('2.5.29.35', critical, AsnConvert.serialize(new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(issuerKey)) }))),
};

function keyId(k: Key): Uint8Array {
  return new Uint8Array(createHash('sha1').update(k.spki).digest());
}

export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2', any: '2.5.29.37.0', codeSigning: '1.3.6.1.5.5.7.3.3' };
export const KU = { digitalSignature: 1, keyEncipherment: 4, keyCertSign: 32, cRLSign: 64 };

/** A certificate and what signing under it needs. */
export interface Issued {
  readonly der: Uint8Array;
  readonly key: Key;
  readonly subject: Name;
  readonly serial?: Uint8Array;
}

export interface CertificateSpec {
  subject: Name;
  /** The issuer; omitted: self-signed. */
  issuer?: Issued;
  key?: Key;
  /** serialNumber content octets; default 16 random positive bytes. */
  serial?: Uint8Array;
  notBefore?: Date;
  notAfter?: Date;
  /** Force a time encoding (default per RFC 5280: UTCTime before 2050). */
  timeEncoding?: 'utc' | 'generalized';
  /** The version field (0 = v1, 2 = v3). */
  version?: number;
  extensions: Extension[];
  /** Sign with another algorithm identifier in the outer field than in the TBSCertificate. */
  outerSignatureAlgorithm?: AlgorithmIdentifier;
  /** Sign with this key instead of the issuer's (a bad signature). */
  signingKey?: Key;
}

const DAY = 86_400_000;
const now = Date.now();

function time(exact: Date, encoding: CertificateSpec['timeEncoding']): Time {
  // Certificates carry whole seconds (RFC 5280 4.1.2.5.2: no fractions).
  const date = new Date(Math.floor(exact.getTime() / 1000) * 1000);
  const generalized = encoding === 'generalized' || (encoding === undefined && date.getUTCFullYear() >= 2050);
  return new Time(generalized ? { generalTime: date } : { utcTime: date });
}

export function certificate(spec: CertificateSpec): Issued {
  const subjectKey = spec.key ?? key();
  const issuerKey = spec.issuer?.key ?? subjectKey;
  const signer = spec.signingKey ?? issuerKey;
  const serial = spec.serial ?? Uint8Array.of(0x01, ...randomBytes(15));
  const tbs = new TBSCertificate({
    version: spec.version ?? 2,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength) as ArrayBuffer,
    signature: signatureAlgorithm(signer),
    issuer: spec.issuer?.subject ?? spec.subject,
    validity: Object.assign(new Validity(), { notBefore: time(spec.notBefore ?? new Date(now - DAY), spec.timeEncoding), notAfter: time(spec.notAfter ?? new Date(now + 30 * DAY), spec.timeEncoding) }),
    subject: spec.subject,
    subjectPublicKeyInfo: AsnConvert.parse(subjectKey.spki, SubjectPublicKeyInfo),
    ...(spec.extensions.length > 0 ? { extensions: new Extensions(spec.extensions) } : {}),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signatureValue = signWith(signer, tbsDer);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: spec.outerSignatureAlgorithm ?? signatureAlgorithm(signer), signatureValue: signatureValue.buffer as ArrayBuffer });
  return { der: new Uint8Array(AsnConvert.serialize(cert)), key: subjectKey, subject: spec.subject, serial };
}

export interface CrlSpec {
  /** Serial numbers (contents octets) of revoked certificates. */
  revoked?: Uint8Array[];
  thisUpdate?: Date;
  nextUpdate?: Date | null;
  /** The cRLNumber extension: absent, or its criticality. */
  crlNumber?: 'absent' | 'critical' | 'non-critical';
  version?: number | null;
}

/** A CRL (RFC 5280 5) issued and signed by `issuer`. */
export function crl(issuer: Issued, spec: CrlSpec = {}): Uint8Array {
  const numberExtension = ext.raw('2.5.29.20', spec.crlNumber === 'critical', AsnConvert.serialize(new CRLNumber(7)));
  const tbs = new TBSCertList({
    ...(spec.version === null ? {} : { version: spec.version ?? 1 }),
    signature: signatureAlgorithm(issuer.key),
    issuer: issuer.subject,
    thisUpdate: time(spec.thisUpdate ?? new Date(now - DAY), undefined),
    ...(spec.nextUpdate === null ? {} : { nextUpdate: time(spec.nextUpdate ?? new Date(now + DAY), undefined) }),
    ...(spec.revoked?.length
      ? { revokedCertificates: spec.revoked.map((serial) => new RevokedCertificate({ userCertificate: Uint8Array.from(serial).buffer, revocationDate: time(new Date(now - DAY), undefined) })) }
      : {}),
    ...((spec.crlNumber ?? 'non-critical') === 'absent' ? {} : { crlExtensions: [numberExtension] }),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const list = new CertificateList({ tbsCertList: tbs, signatureAlgorithm: signatureAlgorithm(issuer.key), signature: signWith(issuer.key, tbsDer).buffer as ArrayBuffer });
  return new Uint8Array(AsnConvert.serialize(list));
}

export interface Options {
  key?: Key;
  notBefore?: Date;
  notAfter?: Date;
  serial?: Uint8Array;
  /** Replace (value) or drop (null) a default extension, by name. */
  replace?: Partial<Record<DefaultExtension, Extension | null>>;
  /** Extensions to add after the defaults. */
  add?: Extension[];
  subject?: Name;
  signingKey?: Key;
  timeEncoding?: CertificateSpec['timeEncoding'];
  version?: number;
  outerSignatureAlgorithm?: AlgorithmIdentifier;
}

type DefaultExtension = 'basicConstraints' | 'keyUsage' | 'extKeyUsage' | 'subjectAltName' | 'subjectKeyIdentifier' | 'authorityKeyIdentifier';

function withDefaults(defaults: Partial<Record<DefaultExtension, Extension>>, options: Options): Extension[] {
  const merged = { ...defaults, ...options.replace };
  return [...Object.values(merged).filter((e): e is Extension => e !== null && e !== undefined), ...(options.add ?? [])];
}

function spec(subject: Name, issuer: Issued | undefined, subjectKey: Key, extensions: Extension[], options: Options): CertificateSpec {
  return {
    subject: options.subject ?? subject,
    ...(issuer ? { issuer } : {}),
    key: subjectKey,
    extensions,
    ...(options.serial ? { serial: options.serial } : {}),
    ...(options.notBefore ? { notBefore: options.notBefore } : {}),
    ...(options.notAfter ? { notAfter: options.notAfter } : {}),
    ...(options.signingKey ? { signingKey: options.signingKey } : {}),
    ...(options.timeEncoding ? { timeEncoding: options.timeEncoding } : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.outerSignatureAlgorithm ? { outerSignatureAlgorithm: options.outerSignatureAlgorithm } : {}),
  };
}

/** A CA: a self-signed root without `issuer`, an intermediate with one. */
export function ca(commonName: string, issuer?: Issued, options: Options & { pathLength?: number } = {}): Issued {
  const subjectKey = options.key ?? freshKey();
  const defaults: Partial<Record<DefaultExtension, Extension>> = {
    basicConstraints: ext.basicConstraints(true, options.pathLength),
    keyUsage: ext.keyUsage(KU.keyCertSign | KU.cRLSign),
    subjectKeyIdentifier: ext.subjectKeyIdentifier(subjectKey),
    ...(issuer ? { authorityKeyIdentifier: ext.authorityKeyIdentifier(issuer.key) } : {}),
  };
  return certificate(spec(name(commonName), issuer, subjectKey, withDefaults(defaults, options), options));
}

/** A TLS server leaf for `names` (DNS names and IP addresses), with serverAuth. */
export function leaf(issuer: Issued | undefined, names: string[], options: Options = {}): Issued {
  const subjectKey = options.key ?? key('p256', 1);
  const defaults: Partial<Record<DefaultExtension, Extension>> = {
    basicConstraints: ext.basicConstraints(false),
    keyUsage: ext.keyUsage(KU.digitalSignature),
    extKeyUsage: ext.extKeyUsage([EKU.serverAuth]),
    subjectAltName: ext.subjectAltName(names),
    subjectKeyIdentifier: ext.subjectKeyIdentifier(subjectKey),
    ...(issuer ? { authorityKeyIdentifier: ext.authorityKeyIdentifier(issuer.key) } : {}),
  };
  return certificate(spec(name(names[0] ?? 'leaf'), issuer, subjectKey, withDefaults(defaults, options), options));
}

export { DAY, now };
