/**
 * A decoded X.509 certificate (RFC 5280 4.1): the parts path validation compares as the bytes
 * that were signed (names, TBSCertificate, SubjectPublicKeyInfo), the typed rest from
 * @peculiar/asn1-x509, and its extensions by OID. Decoding checks structure and DER only; what
 * the contents must be is the profile's job (profile.ts).
 *
 * @module
 */
import type { AlgorithmIdentifier, Certificate, Name } from '@peculiar/asn1-x509';
import type * as asn1js from 'asn1js';
import { loadSchema, loadX509 } from './asn1-stack.js';
import { checkCertificateShape } from './certificate-shape.js';
import { DerError, childrenOf, contentBytes, decodeDer, encodedBytes, tagOf } from './der.js';
import { VerificationFailure, invalid } from './failure.js';
import { decodeTime, type CertificateTime } from './validity.js';

/** One extension as it appears in the certificate (RFC 5280 4.1.2.9). */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's contents: the DER of the extension's own type. */
  readonly value: Uint8Array;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function timeOf(block: asn1js.AsnType): CertificateTime {
  return decodeTime(tagOf(block).tagNumber, contentBytes(block));
}

/** A certificate the validator can work with. Build with {@link parseCertificate}. */
export class ParsedCertificate {
  /** The certificate's DER, as received. */
  readonly der: Uint8Array;
  /** The signed TBSCertificate, as received. */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3 (the DER field holds 0, 1 or 2). */
  readonly version: number;
  /** The serialNumber INTEGER's contents (two's complement, big-endian). */
  readonly serialNumber: Uint8Array;
  /** The outer signatureAlgorithm. */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** Whether the outer signatureAlgorithm and TBSCertificate.signature are the same DER (RFC 5280 4.1.1.2). */
  readonly signatureAlgorithmsMatch: boolean;
  /** The signatureValue BIT STRING's bits. */
  readonly signatureValue: Uint8Array;
  /** The DER of the issuer and subject Names; names are compared by their encodings. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  /** The subject, decoded (for emailAddress attributes). */
  readonly subjectName: Name;
  /** The DER of each RDN of the subject, in order (for directoryName constraints). */
  readonly subjectRdns: readonly Uint8Array[];
  readonly notBefore: CertificateTime;
  readonly notAfter: CertificateTime;
  /** The DER SubjectPublicKeyInfo, as received. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** Extensions by OID (the first of each, when duplicated). */
  readonly extensions: ReadonlyMap<string, RawExtension>;
  /** The OID of an extension that appears twice, which RFC 5280 4.2 forbids. */
  readonly duplicateExtension: string | undefined;
  readonly #decoded = new Map<string, unknown>();
  readonly #verdicts = new Map<string, VerificationFailure | null>();
  readonly #memos = new Map<string, unknown>();

  private constructor(der: Uint8Array) {
    this.der = der;
    const tree = decodeDer(der);
    checkCertificateShape(tree);
    const [tbsBlock, outerAlgorithm, signature] = childrenOf(tree);
    if (!tbsBlock || !outerAlgorithm || !signature) throw new DerError('a Certificate is a SEQUENCE of three');
    const fields = childrenOf(tbsBlock);
    const first = fields[0];
    const hasVersion = first !== undefined && tagOf(first).tagClass === 3 && tagOf(first).tagNumber === 0;
    const [serial, innerAlgorithm, issuer, validity, subject, spki] = fields.slice(hasVersion ? 1 : 0);
    if (!serial || !innerAlgorithm || !issuer || !validity || !subject || !spki) throw new DerError('a TBSCertificate lacks fields');
    const [notBefore, notAfter] = childrenOf(validity);
    if (!notBefore || !notAfter) throw new DerError('a Validity is a SEQUENCE of two times');

    // Raw views first: schema parsing annotates the asn1js tree.
    this.tbs = encodedBytes(tbsBlock);
    this.serialNumber = contentBytes(serial);
    this.signatureAlgorithmsMatch = bytesEqual(encodedBytes(outerAlgorithm), encodedBytes(innerAlgorithm));
    this.issuer = encodedBytes(issuer);
    this.subject = encodedBytes(subject);
    this.subjectRdns = childrenOf(subject).map(encodedBytes);
    this.subjectPublicKeyInfo = encodedBytes(spki);
    this.notBefore = timeOf(notBefore);
    this.notAfter = timeOf(notAfter);

    let typed: Certificate;
    try {
      typed = loadSchema().AsnParser.fromASN(tree, loadX509().Certificate) as Certificate;
    } catch (cause) {
      throw new DerError(`not an X.509 Certificate: ${(cause as Error).message}`, { cause });
    }
    const tbs = typed.tbsCertificate;
    // DER never encodes a DEFAULT value (X.690 11.5): an explicit v1 is not DER.
    if (hasVersion && tbs.version === 0) throw new DerError('version v1 is encoded explicitly');
    this.version = tbs.version + 1;
    this.signatureAlgorithm = typed.signatureAlgorithm;
    this.signatureValue = new Uint8Array(typed.signatureValue);
    this.subjectName = tbs.subject;
    const extensions = new Map<string, RawExtension>();
    let duplicate: string | undefined;
    for (const extension of tbs.extensions ?? []) {
      if (extensions.has(extension.extnID)) duplicate ??= extension.extnID;
      else extensions.set(extension.extnID, { oid: extension.extnID, critical: extension.critical, value: new Uint8Array(extension.extnValue.buffer) });
    }
    this.extensions = extensions;
    this.duplicateExtension = duplicate;
  }

  /** @internal used by {@link parseCertificate}. */
  static decode(der: Uint8Array): ParsedCertificate {
    return new ParsedCertificate(der);
  }

  /** RFC 5280 6.1: self-issued when the subject and issuer are the same name. */
  get selfIssued(): boolean {
    return bytesEqual(this.subject, this.issuer);
  }

  /** True when both are the same certificate (same DER). */
  sameAs(other: ParsedCertificate): boolean {
    return this === other || bytesEqual(this.der, other.der);
  }

  /** True when both name the same subject with the same key (the same CA, RFC 4158 2.4.2). */
  sameSubjectAndKey(other: ParsedCertificate): boolean {
    return bytesEqual(this.subject, other.subject) && bytesEqual(this.subjectPublicKeyInfo, other.subjectPublicKeyInfo);
  }

  /**
   * A verdict about this certificate that depends on its bytes alone (a profile check), computed
   * once: the failure it threw, or null.
   */
  verdict(name: string, check: () => void): VerificationFailure | null {
    let result = this.#verdicts.get(name);
    if (result === undefined) {
      try {
        check();
        result = null;
      } catch (error) {
        if (!(error instanceof VerificationFailure)) throw error;
        result = error;
      }
      this.#verdicts.set(name, result);
    }
    return result;
  }

  /** A value derived from this certificate's bytes alone, computed once. */
  memo<T>(name: string, compute: () => T): T {
    if (!this.#memos.has(name)) this.#memos.set(name, compute());
    return this.#memos.get(name) as T;
  }

  /** An extension's decoded value, decoded once by `decode` and then cached. */
  decodedExtension<T>(oid: string, decode: (extension: RawExtension) => T): T | undefined {
    const extension = this.extensions.get(oid);
    if (extension === undefined) return undefined;
    if (!this.#decoded.has(oid)) this.#decoded.set(oid, decode(extension));
    return this.#decoded.get(oid) as T;
  }
}

// WHATWG's windows-1252 ("latin1") decoder maps the 256 byte values to 256 distinct characters.
const latin1 = new TextDecoder('latin1');

/** The bytes as a string, to key a Map by content. */
export function bytesKey(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

// Decoding through the schema library costs about a millisecond per certificate; servers send the
// same chains again and again, and a decoded certificate never changes (its lazily decoded
// extensions and profile verdicts depend on its bytes alone). Small certificates only, LRU.
const CACHE_ENTRIES = 256;
const CACHE_MAX_SIZE = 16 * 1024;
const decoded = new Map<string, ParsedCertificate>();

/**
 * Decodes one DER certificate of at most `maxSize` bytes (recently decoded ones come from a
 * bounded cache, unless `cache` is false: trust stores keep their own).
 *
 * @throws VerificationFailure (`invalid-certificate`, MALFORMED_CERTIFICATE or
 *   CERTIFICATE_TOO_LARGE) when it is not a DER X.509 certificate.
 */
export function parseCertificate(der: Uint8Array, maxSize: number, options: { cache?: boolean } = {}): ParsedCertificate {
  if (der.length > maxSize) throw invalid('CERTIFICATE_TOO_LARGE', `a certificate of ${der.length} bytes exceeds the limit of ${maxSize}`);
  const key = options.cache !== false && der.length <= CACHE_MAX_SIZE ? bytesKey(der) : undefined;
  const known = key === undefined ? undefined : decoded.get(key);
  if (known !== undefined) {
    decoded.delete(key!);
    decoded.set(key!, known);
    return known;
  }
  try {
    const cert = ParsedCertificate.decode(Uint8Array.from(der));
    if (key !== undefined) {
      decoded.set(key, cert);
      if (decoded.size > CACHE_ENTRIES) decoded.delete(decoded.keys().next().value!);
    }
    return cert;
  } catch (error) {
    // Whatever the ASN.1 libraries throw on hostile bytes is the same verdict: not a certificate.
    throw invalid('MALFORMED_CERTIFICATE', `malformed certificate: ${(error as Error)?.message ?? String(error)}`);
  }
}
