/**
 * GeneralName, subjectAltName and nameConstraints as @peculiar/asn1-schema types that keep an
 * iPAddress as its octets (@peculiar/asn1-x509's turns it into text): what the test fixtures
 * encode certificates with, malformed addresses and masks included.
 */
import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { EDIPartyName, OtherName } from '@peculiar/asn1-x509';

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
