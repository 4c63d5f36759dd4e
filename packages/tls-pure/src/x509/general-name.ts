/**
 * GeneralName (RFC 5280 4.2.1.6) as an @peculiar/asn1-schema CHOICE that keeps an iPAddress as its
 * octets and a directoryName as its DER: @peculiar/asn1-x509's GeneralName turns addresses into
 * text, losing malformed lengths and non-contiguous masks that the validator must see, and names
 * compare by their encodings. Also the subjectAltName and nameConstraints
 * shapes built on it, and the tagged form the rest of the validator works with.
 *
 * @module
 */
import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { EDIPartyName, OtherName } from '@peculiar/asn1-x509';
import { childrenOf, decodeDer, encodedBytes } from './der.js';

/** The CHOICE, with the context tags of RFC 5280 4.2.1.6. */
export class RawGeneralName {
  otherName?: OtherName;
  rfc822Name?: string;
  dNSName?: string;
  x400Address?: ArrayBuffer;
  directoryName?: ArrayBuffer;
  ediPartyName?: EDIPartyName;
  uniformResourceIdentifier?: string;
  iPAddress?: ArrayBuffer;
  registeredID?: string;
}
AsnProp({ type: OtherName, context: 0, implicit: true })(RawGeneralName.prototype, 'otherName');
AsnProp({ type: AsnPropTypes.IA5String, context: 1, implicit: true })(RawGeneralName.prototype, 'rfc822Name');
AsnProp({ type: AsnPropTypes.IA5String, context: 2, implicit: true })(RawGeneralName.prototype, 'dNSName');
AsnProp({ type: AsnPropTypes.Any, context: 3, implicit: true })(RawGeneralName.prototype, 'x400Address');
AsnProp({ type: AsnPropTypes.Any, context: 4, implicit: false })(RawGeneralName.prototype, 'directoryName');
AsnProp({ type: EDIPartyName, context: 5 })(RawGeneralName.prototype, 'ediPartyName');
AsnProp({ type: AsnPropTypes.IA5String, context: 6, implicit: true })(RawGeneralName.prototype, 'uniformResourceIdentifier');
AsnProp({ type: AsnPropTypes.OctetString, context: 7, implicit: true })(RawGeneralName.prototype, 'iPAddress');
AsnProp({ type: AsnPropTypes.ObjectIdentifier, context: 8, implicit: true })(RawGeneralName.prototype, 'registeredID');
AsnType({ type: AsnTypeTypes.Choice })(RawGeneralName);

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName (the subjectAltName value). */
export class RawGeneralNames extends AsnArray<RawGeneralName> {
  constructor(items?: RawGeneralName[]) {
    super(items);
    Object.setPrototypeOf(this, RawGeneralNames.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawGeneralName })(RawGeneralNames);

/** GeneralSubtree (RFC 5280 4.2.1.10). */
export class RawGeneralSubtree {
  base = new RawGeneralName();
  minimum = 0;
  maximum?: number;
}
AsnProp({ type: RawGeneralName })(RawGeneralSubtree.prototype, 'base');
AsnProp({ type: AsnPropTypes.Integer, context: 0, defaultValue: 0, implicit: true })(RawGeneralSubtree.prototype, 'minimum');
AsnProp({ type: AsnPropTypes.Integer, context: 1, optional: true, implicit: true })(RawGeneralSubtree.prototype, 'maximum');

export class RawGeneralSubtrees extends AsnArray<RawGeneralSubtree> {
  constructor(items?: RawGeneralSubtree[]) {
    super(items);
    Object.setPrototypeOf(this, RawGeneralSubtrees.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawGeneralSubtree })(RawGeneralSubtrees);

/** NameConstraints (RFC 5280 4.2.1.10). */
export class RawNameConstraints {
  permittedSubtrees?: RawGeneralSubtrees;
  excludedSubtrees?: RawGeneralSubtrees;
}
AsnProp({ type: RawGeneralSubtrees, context: 0, optional: true, implicit: true })(RawNameConstraints.prototype, 'permittedSubtrees');
AsnProp({ type: RawGeneralSubtrees, context: 1, optional: true, implicit: true })(RawNameConstraints.prototype, 'excludedSubtrees');

/** A GeneralName the validator works with: its kind and the value in the form each rule needs. */
export type GeneralName =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; readonly value: Uint8Array }
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  /** The DER of each RelativeDistinguishedName, in order. */
  | { readonly kind: 'directory'; readonly value: readonly Uint8Array[] }
  | { readonly kind: 'other' | 'x400' | 'edi' | 'registered-id' };

/**
 * The DER of each RDN of a DER Name, so names compare by their encodings (RFC 5280 7.1 permits
 * binary comparison).
 *
 * @throws DerError when `name` is not DER.
 */
export function relativeNames(name: Uint8Array): Uint8Array[] {
  return childrenOf(decodeDer(name)).map(encodedBytes);
}

/** The tagged form of a decoded CHOICE. */
export function toGeneralName(raw: RawGeneralName): GeneralName {
  if (raw.dNSName !== undefined) return { kind: 'dns', value: raw.dNSName };
  if (raw.iPAddress !== undefined) return { kind: 'ip', value: new Uint8Array(raw.iPAddress) };
  if (raw.rfc822Name !== undefined) return { kind: 'email', value: raw.rfc822Name };
  if (raw.uniformResourceIdentifier !== undefined) return { kind: 'uri', value: raw.uniformResourceIdentifier };
  if (raw.directoryName !== undefined) return { kind: 'directory', value: relativeNames(new Uint8Array(raw.directoryName)) };
  if (raw.otherName !== undefined) return { kind: 'other' };
  if (raw.x400Address !== undefined) return { kind: 'x400' };
  if (raw.ediPartyName !== undefined) return { kind: 'edi' };
  return { kind: 'registered-id' };
}
