/**
 * The tags of the X.509 skeleton (RFC 5280 4.1), checked on asn1js's tree. The schema parser of
 * @peculiar/asn1-schema accepts any constructed tag where a SEQUENCE is due; re-encoding a whole
 * certificate to compare costs as much as decoding it, so the skeleton's tags are asserted here
 * instead, and extension values (decoded by parseDer) are compared by re-encoding.
 *
 * @module
 */
import type * as asn1js from 'asn1js';
import { DerError, childrenOf, contentBytes, tagOf } from './der.js';

const UNIVERSAL = 1;
const CONTEXT = 3;
const TAG = { boolean: 1, integer: 2, bitString: 3, octetString: 4, oid: 6, sequence: 16, set: 17, utcTime: 23, generalizedTime: 24 };

function is(block: asn1js.AsnType | undefined, tagClass: number, tagNumber: number): block is asn1js.AsnType {
  if (block === undefined) return false;
  const tag = tagOf(block);
  return tag.tagClass === tagClass && tag.tagNumber === tagNumber;
}

function expect(block: asn1js.AsnType | undefined, tagNumber: number, what: string): asn1js.AsnType {
  if (!is(block, UNIVERSAL, tagNumber)) throw new DerError(`${what} has the wrong tag`);
  return block;
}

function sequence(block: asn1js.AsnType | undefined, what: string, sizes: readonly number[]): asn1js.AsnType[] {
  const children = childrenOf(expect(block, TAG.sequence, what));
  if (!sizes.includes(children.length)) throw new DerError(`${what} has ${children.length} fields`);
  return children;
}

function algorithmIdentifier(block: asn1js.AsnType | undefined, what: string): void {
  expect(sequence(block, what, [1, 2])[0], TAG.oid, `${what}'s algorithm`);
}

/**
 * Name ::= SEQUENCE OF SET SIZE (1..MAX) OF SEQUENCE { type OID, value ANY } (RFC 5280 4.1.2.4).
 *
 * @throws DerError when `block` is not that.
 */
export function checkName(block: asn1js.AsnType | undefined, what: string): void {
  for (const rdn of childrenOf(expect(block, TAG.sequence, what))) {
    const attributes = childrenOf(expect(rdn, TAG.set, `an RDN of the ${what}`));
    if (attributes.length === 0) throw new DerError(`an RDN of the ${what} is empty`);
    for (const attribute of attributes) expect(sequence(attribute, `an attribute of the ${what}`, [2])[0], TAG.oid, `an attribute type of the ${what}`);
  }
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { OID, critical BOOLEAN DEFAULT FALSE, OCTET STRING }. */
function extensions(block: asn1js.AsnType): void {
  const [list, extra] = childrenOf(block);
  if (extra !== undefined) throw new DerError('[3] holds more than the extensions');
  const items = childrenOf(expect(list, TAG.sequence, 'extensions'));
  if (items.length === 0) throw new DerError('the extensions are empty (RFC 5280 4.1: SIZE (1..MAX))');
  for (const item of items) {
    const fields = sequence(item, 'an extension', [2, 3]);
    expect(fields[0], TAG.oid, "an extension's id");
    if (fields.length === 3) {
      // X.690 11.5: a DEFAULT value is never encoded, so a present critical is TRUE.
      const critical = expect(fields[1], TAG.boolean, "an extension's critical flag");
      if (contentBytes(critical)[0] !== 0xff) throw new DerError('an extension encodes critical FALSE, its default');
    }
    expect(fields[fields.length - 1], TAG.octetString, "an extension's value");
  }
}

/**
 * Asserts the tags and field counts of a certificate's skeleton.
 *
 * @throws DerError at the first mismatch.
 */
export function checkCertificateShape(certificate: asn1js.AsnType): void {
  const [tbs, algorithm, signature] = sequence(certificate, 'the Certificate', [3]);
  algorithmIdentifier(algorithm, 'signatureAlgorithm');
  expect(signature, TAG.bitString, 'signatureValue');
  const fields = childrenOf(expect(tbs, TAG.sequence, 'the TBSCertificate'));
  let next = 0;
  if (is(fields[0], CONTEXT, 0)) {
    const [version, extra] = childrenOf(fields[0]);
    if (extra !== undefined) throw new DerError('[0] holds more than the version');
    expect(version, TAG.integer, 'the version');
    next = 1;
  }
  expect(fields[next++], TAG.integer, 'serialNumber');
  algorithmIdentifier(fields[next++], 'the TBSCertificate signature');
  checkName(fields[next++], 'issuer');
  const times = sequence(fields[next++], 'validity', [2]);
  for (const time of times) if (!is(time, UNIVERSAL, TAG.utcTime) && !is(time, UNIVERSAL, TAG.generalizedTime)) throw new DerError('a validity time has the wrong tag');
  checkName(fields[next++], 'subject');
  const [keyAlgorithm, key] = sequence(fields[next++], 'subjectPublicKeyInfo', [2]);
  algorithmIdentifier(keyAlgorithm, "the subject key's algorithm");
  expect(key, TAG.bitString, 'subjectPublicKey');
  // Optional trailing fields, each at most once and in order: [1] and [2] unique identifiers, [3] extensions.
  let lastTag = 0;
  for (const field of fields.slice(next)) {
    const { tagClass, tagNumber } = tagOf(field);
    if (tagClass !== CONTEXT || tagNumber <= lastTag || tagNumber > 3) throw new DerError('the TBSCertificate has an unexpected field');
    lastTag = tagNumber;
    if (tagNumber === 3) extensions(field);
  }
}
