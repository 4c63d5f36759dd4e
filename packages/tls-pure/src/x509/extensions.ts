/**
 * The certificate extensions the validator understands (RFC 5280 4.2), decoded once per
 * certificate. A malformed value makes the certificate invalid, whatever its criticality.
 *
 * @module
 */
import { loadX509 } from './asn1-stack.js';
import type { ParsedCertificate, RawExtension } from './certificate.js';
import { parseDer } from './der.js';
import { invalid } from './failure.js';
import { decodeGeneralNames, decodeNameConstraints, type GeneralName } from './general-name.js';

/** Extension OIDs (RFC 5280 4.2.1, 4.2.2). */
export const OID = Object.freeze({
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
});

/** Key purposes (RFC 5280 4.2.1.12). */
export const KEY_PURPOSE = Object.freeze({
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
});

/** keyUsage bits (RFC 5280 4.2.1.3), as @peculiar/asn1-x509 numbers them. */
export const KEY_USAGE = Object.freeze({ digitalSignature: 1, keyCertSign: 32, cRLSign: 64 });

/** Decodes with a schema type of @peculiar/asn1-x509, looked up when first used (the library loads then). */
const schema = <T>(type: () => new () => T) => (der: Uint8Array) => parseDer(der, type());

function decoder<T>(what: string, decode: (der: Uint8Array) => T, check?: (value: T) => string | null): (extension: RawExtension) => T {
  return (extension) => {
    let value: T;
    try {
      value = decode(extension.value);
    } catch (error) {
      throw invalid('MALFORMED_EXTENSION', `malformed ${what} extension: ${(error as Error).message}`);
    }
    const problem = check?.(value) ?? null;
    if (problem !== null) throw invalid('MALFORMED_EXTENSION', `malformed ${what} extension: ${problem}`);
    return value;
  };
}

const nonEmpty = (value: { length: number }) => (value.length === 0 ? 'it must not be empty' : null);

const decoders = {
  basicConstraints: decoder('basicConstraints', schema(() => loadX509().BasicConstraints)),
  // RFC 5280 4.2.1.3: at least one bit MUST be set.
  keyUsage: decoder('keyUsage', schema(() => loadX509().KeyUsage), (value) => (value.toNumber() === 0 ? 'no bit is set' : null)),
  extKeyUsage: decoder('extKeyUsage', schema(() => loadX509().ExtendedKeyUsage), nonEmpty),
  subjectAltName: decoder('subjectAltName', decodeGeneralNames),
  nameConstraints: decoder('nameConstraints', decodeNameConstraints),
  authorityKeyIdentifier: decoder('authorityKeyIdentifier', schema(() => loadX509().AuthorityKeyIdentifier)),
  subjectKeyIdentifier: decoder('subjectKeyIdentifier', schema(() => loadX509().SubjectKeyIdentifier)),
  // CA/B Forum BR 7.1.2.7.7: one or more AccessDescriptions.
  authorityInfoAccess: decoder('authorityInfoAccess', schema(() => loadX509().AuthorityInfoAccessSyntax), nonEmpty),
  policyConstraints: decoder('policyConstraints', schema(() => loadX509().PolicyConstraints)),
  certificatePolicies: decoder('certificatePolicies', schema(() => loadX509().CertificatePolicies), nonEmpty),
  policyMappings: decoder('policyMappings', schema(() => loadX509().PolicyMappings), nonEmpty),
  inhibitAnyPolicy: decoder('inhibitAnyPolicy', schema(() => loadX509().InhibitAnyPolicy)),
  crlDistributionPoints: decoder('cRLDistributionPoints', schema(() => loadX509().CRLDistributionPoints), nonEmpty),
};

/** The OIDs this validator understands; a critical extension outside this set is refused (RFC 5280 4.2). */
export const UNDERSTOOD = new Set<string>(Object.values(OID));

// Extensions whose content no rule reads: decoded (checked) only when critical, since a
// non-critical one may be ignored (RFC 5280 4.2) and decoding them is the costly part.
const unread = new Set<string>([OID.certificatePolicies, OID.policyMappings, OID.inhibitAnyPolicy, OID.crlDistributionPoints]);

/** Decodes every understood extension present that rules read or that is critical, so a malformed one is found whatever the path. */
export function decodeAll(cert: ParsedCertificate): void {
  for (const [name, oid] of Object.entries(OID)) {
    if (unread.has(oid) && cert.extensions.get(oid)?.critical !== true) continue;
    cert.decodedExtension<unknown>(oid, decoders[name as keyof typeof decoders]);
  }
}

export const basicConstraints = (cert: ParsedCertificate) => cert.decodedExtension(OID.basicConstraints, decoders.basicConstraints);
export const authorityKeyIdentifier = (cert: ParsedCertificate) => cert.decodedExtension(OID.authorityKeyIdentifier, decoders.authorityKeyIdentifier);
export const policyConstraints = (cert: ParsedCertificate) => cert.decodedExtension(OID.policyConstraints, decoders.policyConstraints);
export const nameConstraints = (cert: ParsedCertificate) => cert.decodedExtension(OID.nameConstraints, decoders.nameConstraints);

/** The keyUsage bits, or undefined when the extension is absent. */
export function keyUsage(cert: ParsedCertificate): number | undefined {
  return cert.decodedExtension(OID.keyUsage, decoders.keyUsage)?.toNumber();
}

/** The extKeyUsage purposes, or undefined when the extension is absent. */
export function extendedKeyUsage(cert: ParsedCertificate): readonly string[] | undefined {
  const value = cert.decodedExtension(OID.extKeyUsage, decoders.extKeyUsage);
  return value === undefined ? undefined : Array.from(value);
}

/** The subjectAltName entries, or undefined when the extension is absent. */
export function subjectAltNames(cert: ParsedCertificate): readonly GeneralName[] | undefined {
  return cert.decodedExtension(OID.subjectAltName, decoders.subjectAltName);
}

/** The subjectKeyIdentifier's octets, or undefined. */
export function subjectKeyIdentifier(cert: ParsedCertificate): Uint8Array | undefined {
  const value = cert.decodedExtension(OID.subjectKeyIdentifier, decoders.subjectKeyIdentifier);
  return value === undefined ? undefined : new Uint8Array(value.buffer);
}

/** The key identifiers, read leniently (for ordering candidate issuers only; never fails). */
export function keyIdentifiers(cert: ParsedCertificate): { subject?: Uint8Array; authority?: Uint8Array } {
  const ids: { subject?: Uint8Array; authority?: Uint8Array } = {};
  try {
    const subject = subjectKeyIdentifier(cert);
    if (subject) ids.subject = subject;
  } catch {
    // A malformed identifier only loses its ordering hint; the profile refuses it where it matters.
  }
  try {
    const authority = authorityKeyIdentifier(cert)?.keyIdentifier;
    if (authority) ids.authority = new Uint8Array(authority.buffer);
  } catch {
    // as above
  }
  return ids;
}
