/**
 * What each certificate must be for its place in a path, whatever path it is in: the RFC 5280
 * certificate profile (4.1, 4.2) and, where the validator is stricter than RFC 5280, webpki's and
 * the CA/B Forum Baseline Requirements' choices (each marked). Path-dependent rules (signatures,
 * path length, name constraints, validity at a time) live in path-builder.ts.
 *
 * @module
 */
import type { ParsedCertificate } from './certificate.js';
import {
  KEY_PURPOSE,
  KEY_USAGE,
  OID,
  UNDERSTOOD,
  authorityKeyIdentifier,
  basicConstraints,
  decodeAll,
  extendedKeyUsage,
  keyUsage,
  policyConstraints,
  subjectKeyIdentifier,
} from './extensions.js';
import { VerificationFailure, invalid } from './failure.js';
import { subtrees } from './name-constraints.js';
import { parseSubjectPublicKey } from './public-key.js';
import { checkTimeEncoding } from './validity.js';

/** The key purpose a leaf must serve (RFC 5280 4.2.1.12): a TLS server or a TLS client. */
export type Purpose = 'serverAuth' | 'clientAuth';

/** DER of an empty Name (an RDNSequence of nothing). */
const isEmptyName = (der: Uint8Array) => der.length === 2 && der[0] === 0x30 && der[1] === 0x00;

function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function criticality(cert: ParsedCertificate, oid: string, rule: 'critical' | 'non-critical', section: string): void {
  const extension = cert.extensions.get(oid);
  if (extension !== undefined && extension.critical !== (rule === 'critical')) {
    throw invalid('EXTENSION_CRITICALITY', `the extension ${oid} must be ${rule} (RFC 5280 ${section})`);
  }
}

/** RFC 5280 4.1.2.2: a positive integer of at most 20 octets (a 21st octet may only be the sign pad). */
function checkSerialNumber(serial: Uint8Array): void {
  if ((serial[0] ?? 0) & 0x80) throw invalid('BAD_SERIAL_NUMBER', 'the serial number is negative (RFC 5280 4.1.2.2)');
  if (serial.every((byte) => byte === 0)) throw invalid('BAD_SERIAL_NUMBER', 'the serial number is zero (RFC 5280 4.1.2.2)');
  if (serial.length > 21 || (serial.length === 21 && serial[0] !== 0)) throw invalid('BAD_SERIAL_NUMBER', 'the serial number is longer than 20 octets (RFC 5280 4.1.2.2)');
}

/**
 * RFC 5280 4.2.1.11: policyConstraints MUST be critical. This validator computes no policy tree,
 * which only matters when some certificate requires an explicit policy (6.1.5 (g)); without one,
 * certificatePolicies, policyMappings, inhibitAnyPolicy and inhibitPolicyMapping cannot make a
 * path invalid, so they are understood as satisfied.
 */
function checkPolicyConstraints(cert: ParsedCertificate): void {
  criticality(cert, OID.policyConstraints, 'critical', '4.2.1.11');
  if (policyConstraints(cert)?.requireExplicitPolicy !== undefined) {
    throw invalid('UNSUPPORTED_CRITICAL_EXTENSION', 'requireExplicitPolicy needs certificate policy processing, which this validator does not do');
  }
}

/** Rules for every certificate, leaf, intermediate or trust anchor. */
function checkCommon(cert: ParsedCertificate): void {
  // CA/B Forum BR 7.1.1 (and only v3 has extensions, RFC 5280 4.1.2.1).
  if (cert.version !== 3) throw invalid('UNSUPPORTED_VERSION', `an X.509 v${cert.version} certificate is refused: only v3 is`);
  if (!cert.signatureAlgorithmsMatch) throw invalid('SIGNATURE_ALGORITHM_MISMATCH', 'signatureAlgorithm differs from the TBSCertificate signature field (RFC 5280 4.1.1.2)');
  if (isEmptyName(cert.issuer)) throw invalid('EMPTY_ISSUER', 'the issuer name is empty (RFC 5280 4.1.2.4)');
  checkTimeEncoding(cert.notBefore);
  checkTimeEncoding(cert.notAfter);
  if (cert.duplicateExtension !== undefined) throw invalid('DUPLICATE_EXTENSION', `the extension ${cert.duplicateExtension} appears twice (RFC 5280 4.2)`);
  for (const extension of cert.extensions.values()) {
    if (extension.critical && !UNDERSTOOD.has(extension.oid)) {
      throw invalid('UNSUPPORTED_CRITICAL_EXTENSION', `the critical extension ${extension.oid} is not understood (RFC 5280 4.2)`);
    }
  }
  decodeAll(cert);
  criticality(cert, OID.authorityKeyIdentifier, 'non-critical', '4.2.1.1');
  criticality(cert, OID.subjectKeyIdentifier, 'non-critical', '4.2.1.2');
  criticality(cert, OID.authorityInfoAccess, 'non-critical', '4.2.2.1');
  checkPolicyConstraints(cert);
  parseSubjectPublicKey(cert.subjectPublicKeyInfo);
}

/**
 * RFC 5280 4.2.1.1: the key identifier is how paths are built; only self-signed certificates may
 * omit it. Not asked of trust anchors, which end the path (RFC 5280 6.1.1 (d)).
 */
function checkAuthorityKeyIdentifierPresent(cert: ParsedCertificate): void {
  if (!cert.selfIssued && authorityKeyIdentifier(cert)?.keyIdentifier === undefined) {
    throw invalid('MISSING_EXTENSION', 'the authorityKeyIdentifier keyIdentifier is missing (RFC 5280 4.2.1.1)');
  }
}

/**
 * The leaf's own rules (RFC 5280 and webpki): not a CA (webpki, as OpenSSL's TLS purpose check,
 * refuses a CA certificate as the end entity) and no keyCertSign unless `trustedAsIs` (the leaf
 * is itself a trust anchor), no nameConstraints, a valid
 * serial number, a subjectAltName that is critical when the subject is empty (4.2.1.6), and
 * `purpose` in its extKeyUsage when it has one. A missing extKeyUsage means any purpose (RFC
 * 5280 4.2.1.12, as webpki, Chromium and Go read it); anyExtendedKeyUsage does not stand in for
 * the purpose (webpki). A server's leaf also meets {@link checkServerCertificateProfile}.
 *
 * @throws VerificationFailure
 */
export function checkEndEntity(cert: ParsedCertificate, purpose: Purpose, trustedAsIs = false): void {
  checkCommon(cert);
  checkSerialNumber(cert.serialNumber);
  checkAuthorityKeyIdentifierPresent(cert);
  // A CA certificate that is itself a trust anchor (`openssl req -x509` makes CA:TRUE by default)
  // may be the end entity, as OpenSSL, Go and Python's ssl accept it: whoever trusts that key
  // already trusts anything it signs, so accepting it as a server's own certificate grants nothing
  // more. A CA certificate that chains to an anchor is still refused (CA/B Forum 7.1.2.7.8, webpki).
  if (!trustedAsIs && basicConstraints(cert)?.cA === true) {
    throw new VerificationFailure('invalid-purpose', 'CA_USED_AS_END_ENTITY', 'a CA certificate cannot be the end-entity certificate (unless it is itself in the trust store)');
  }
  if (!trustedAsIs && ((keyUsage(cert) ?? 0) & KEY_USAGE.keyCertSign) !== 0) {
    throw new VerificationFailure('invalid-purpose', 'KEY_USAGE', 'an end-entity certificate asserts keyCertSign (RFC 5280 4.2.1.3, 4.2.1.9)');
  }
  if (cert.extensions.has(OID.nameConstraints)) throw invalid('UNSUPPORTED_CRITICAL_EXTENSION', 'nameConstraints may only appear in a CA certificate (RFC 5280 4.2.1.10)');
  const san = cert.extensions.get(OID.subjectAltName);
  if (isEmptyName(cert.subject) && san?.critical !== true) {
    throw invalid('EXTENSION_CRITICALITY', 'with an empty subject, the subjectAltName must be present and critical (RFC 5280 4.2.1.6)');
  }
  const purposes = extendedKeyUsage(cert);
  if (purposes !== undefined && !purposes.includes(KEY_PURPOSE[purpose])) {
    throw new VerificationFailure('invalid-purpose', 'REQUIRED_EKU_NOT_FOUND', `the certificate's extKeyUsage does not include ${purpose}`);
  }
  if (purpose === 'serverAuth' && !trustedAsIs) checkServerCertificateProfile(cert, purposes);
}

/**
 * The CA/B Forum's TLS server certificate profile where it asks more of a leaf than RFC 5280
 * does (BR 7.1.2.7.6, 7.1.2.7.10, 7.1.2.7.12): a non-critical extKeyUsage without
 * anyExtendedKeyUsage, and a non-critical subjectAltName unless the subject is empty. Asked of
 * server certificates only (client certificates are outside the Baseline Requirements), and not of
 * a leaf that is itself a trust anchor (the application trusts those bytes, not an issuer's
 * profile).
 *
 * @throws VerificationFailure
 */
function checkServerCertificateProfile(cert: ParsedCertificate, purposes: readonly string[] | undefined): void {
  if (cert.extensions.get(OID.extKeyUsage)?.critical === true) {
    throw invalid('EXTENSION_CRITICALITY', 'a TLS server certificate\'s extKeyUsage must be non-critical (CA/B Forum BR 7.1.2.7.6)');
  }
  if (purposes?.includes(KEY_PURPOSE.any) === true) {
    throw new VerificationFailure('invalid-purpose', 'PROHIBITED_EKU', 'a TLS server certificate\'s extKeyUsage must not list anyExtendedKeyUsage (CA/B Forum BR 7.1.2.7.10)');
  }
  if (!isEmptyName(cert.subject) && cert.extensions.get(OID.subjectAltName)?.critical === true) {
    throw invalid('EXTENSION_CRITICALITY', 'with a non-empty subject, a TLS server certificate\'s subjectAltName must be non-critical (CA/B Forum BR 7.1.2.7.12)');
  }
}

/**
 * An issuer's own rules (RFC 5280 4.2.1.2, 4.2.1.3, 4.2.1.9, 4.2.1.10; CA/B Forum BR 7.1.2.11.1
 * for the authorityKeyIdentifier shape): a critical basicConstraints with cA, keyCertSign when it
 * has a keyUsage, a subjectKeyIdentifier, a non-empty subject, well-formed name constraints.
 * Trust anchors meet the same rules (their serial number excepted: old roots have odd ones),
 * and a self-issued anchor's authorityKeyIdentifier must name its own key.
 *
 * @throws VerificationFailure
 */
export function checkAuthority(cert: ParsedCertificate, anchor: boolean): void {
  checkCommon(cert);
  if (!anchor) {
    checkSerialNumber(cert.serialNumber);
    checkAuthorityKeyIdentifierPresent(cert);
  }
  const constraints = basicConstraints(cert);
  if (constraints?.cA !== true) {
    throw new VerificationFailure('invalid-certificate', 'END_ENTITY_USED_AS_CA', 'the issuer is not a CA: its basicConstraints lacks cA (RFC 5280 4.2.1.9)');
  }
  criticality(cert, OID.basicConstraints, 'critical', '4.2.1.9');
  const usage = keyUsage(cert);
  if (usage !== undefined && (usage & KEY_USAGE.keyCertSign) === 0) {
    throw new VerificationFailure('invalid-purpose', 'KEY_USAGE', 'the issuer\'s keyUsage lacks keyCertSign (RFC 5280 4.2.1.3)');
  }
  if (isEmptyName(cert.subject)) throw invalid('EMPTY_SUBJECT', 'a CA certificate has an empty subject (RFC 5280 4.1.2.6)');
  const ski = subjectKeyIdentifier(cert);
  if (ski === undefined) throw invalid('MISSING_EXTENSION', 'a CA certificate lacks the subjectKeyIdentifier (RFC 5280 4.2.1.2)');
  const aki = authorityKeyIdentifier(cert);
  if (aki !== undefined) {
    if (aki.keyIdentifier === undefined || aki.authorityCertIssuer !== undefined || aki.authorityCertSerialNumber !== undefined) {
      throw invalid('MALFORMED_EXTENSION', 'a CA\'s authorityKeyIdentifier must hold exactly a keyIdentifier (CA/B Forum BR 7.1.2.11.1)');
    }
    if (anchor && cert.selfIssued && !bytesEqual(new Uint8Array(aki.keyIdentifier.buffer), ski)) {
      throw invalid('MALFORMED_EXTENSION', 'a self-issued root\'s authorityKeyIdentifier does not name its own key (CA/B Forum BR 7.1.2.1.3)');
    }
  }
  subtrees(cert);
}

/**
 * What is asked of an anchor that is not held to the profile: a key this validator can verify
 * with (the constraints it carries still apply along the path).
 *
 * @throws VerificationFailure
 */
export function checkTrustAnchorKey(cert: ParsedCertificate): void {
  parseSubjectPublicKey(cert.subjectPublicKeyInfo);
}

/**
 * Chromium's reading of an issuer's extKeyUsage: when present it limits what the CA may issue for,
 * so it must include `purpose` or anyExtendedKeyUsage.
 *
 * @throws VerificationFailure `invalid-purpose`
 */
export function checkAuthorityPurpose(cert: ParsedCertificate, purpose: Purpose): void {
  const purposes = extendedKeyUsage(cert);
  if (purposes !== undefined && !purposes.includes(KEY_PURPOSE[purpose]) && !purposes.includes(KEY_PURPOSE.any)) {
    throw new VerificationFailure('invalid-purpose', 'REQUIRED_EKU_NOT_FOUND', `a CA's extKeyUsage does not allow ${purpose}`);
  }
}

/**
 * CA/B Forum BR 7.1.2.1.2: a root CA certificate of the TLS server Web PKI carries no extKeyUsage
 * (its subordinate CAs carry the one that limits them, 7.1.2.2). Asked, for server certificates, of
 * self-issued trust anchors held to the profile (the application's own roots, not the operating
 * system's store: see TrustAnchors.checkProfile).
 *
 * @throws VerificationFailure `invalid-purpose`
 */
export function checkServerRootProfile(cert: ParsedCertificate): void {
  if (cert.selfIssued && cert.extensions.has(OID.extKeyUsage)) {
    throw new VerificationFailure('invalid-purpose', 'PROHIBITED_EKU', 'a root certificate for TLS servers must not carry extKeyUsage (CA/B Forum BR 7.1.2.1.2)');
  }
}

/** The issuer's pathLenConstraint, or undefined when unlimited. */
export function pathLengthConstraint(cert: ParsedCertificate): number | undefined {
  return basicConstraints(cert)?.pathLenConstraint;
}
