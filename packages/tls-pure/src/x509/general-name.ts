/**
 * GeneralName (RFC 5280 4.2.1.6), and the subjectAltName and nameConstraints values built on it,
 * read from asn1js's tree: the CHOICE is decided by the context tag, and each alternative keeps
 * what the rules compare (an iPAddress as its octets, a directoryName as the DER of its RDNs).
 * @peculiar/asn1-x509's GeneralName turns addresses into text, losing the malformed lengths and
 * non-contiguous masks the validator must see, and its schema parsing of a few hundred names costs
 * milliseconds.
 *
 * @module
 */
import type * as asn1js from 'asn1js';
import { checkName } from './certificate-shape.js';
import { DerError, childrenOf, contentBytes, decodeDer, encodedBytes, tagOf } from './der.js';

/** A GeneralName the validator works with: its kind and the value in the form each rule needs. */
export type GeneralName =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; readonly value: Uint8Array }
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  /** The DER of each RelativeDistinguishedName, in order. */
  | { readonly kind: 'directory'; readonly value: readonly Uint8Array[] }
  | { readonly kind: 'other' | 'x400' | 'edi' | 'registered-id' };

/** One GeneralSubtree (RFC 5280 4.2.1.10); `bounded` when minimum or maximum is encoded. */
export interface GeneralSubtree {
  readonly base: GeneralName;
  readonly bounded: boolean;
}

/** NameConstraints: each list is absent or holds at least one subtree. */
export interface NameConstraintsValue {
  readonly permitted?: readonly GeneralSubtree[];
  readonly excluded?: readonly GeneralSubtree[];
}

const CONTEXT = 3;
// WHATWG's windows-1252 ("latin1") decoder keeps every byte distinct; a non-ASCII byte in an
// IA5String then shows as a character no DNS name or mailbox accepts.
const latin1 = new TextDecoder('latin1');

function constructed(block: asn1js.AsnType): boolean {
  return (block as unknown as { idBlock: { isConstructed: boolean } }).idBlock.isConstructed;
}

/** The GeneralName CHOICE of one context-tagged block. */
function generalNameOf(block: asn1js.AsnType): GeneralName {
  const { tagClass, tagNumber } = tagOf(block);
  if (tagClass !== CONTEXT) throw new DerError('a GeneralName must be context-tagged');
  const primitive = [1, 2, 6, 7, 8].includes(tagNumber);
  if (tagNumber > 8 || constructed(block) === primitive) throw new DerError(`GeneralName [${tagNumber}] has the wrong form`);
  switch (tagNumber) {
    case 1:
      return { kind: 'email', value: latin1.decode(contentBytes(block)) };
    case 2:
      return { kind: 'dns', value: latin1.decode(contentBytes(block)) };
    case 4: {
      const [name, extra] = childrenOf(block);
      if (name === undefined || extra !== undefined) throw new DerError('a directoryName holds one Name');
      checkName(name, 'directoryName');
      return { kind: 'directory', value: childrenOf(name).map(encodedBytes) };
    }
    case 6:
      return { kind: 'uri', value: latin1.decode(contentBytes(block)) };
    case 7:
      return { kind: 'ip', value: Uint8Array.from(contentBytes(block)) };
    case 0:
      return { kind: 'other' };
    case 3:
      return { kind: 'x400' };
    case 5:
      return { kind: 'edi' };
    default:
      return { kind: 'registered-id' };
  }
}

function isSequence(block: asn1js.AsnType | undefined): block is asn1js.AsnType {
  return block !== undefined && tagOf(block).tagClass === 1 && tagOf(block).tagNumber === 16 && constructed(block);
}

/**
 * GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName (a subjectAltName value).
 *
 * @throws DerError when `der` is not that.
 */
export function decodeGeneralNames(der: Uint8Array): GeneralName[] {
  const tree = decodeDer(der);
  if (!isSequence(tree)) throw new DerError('GeneralNames must be a SEQUENCE');
  const names = childrenOf(tree).map(generalNameOf);
  if (names.length === 0) throw new DerError('GeneralNames must not be empty');
  return names;
}

function subtreesOf(block: asn1js.AsnType): GeneralSubtree[] {
  if (!constructed(block)) throw new DerError('GeneralSubtrees must be constructed');
  const subtrees = childrenOf(block).map((subtree) => {
    if (!isSequence(subtree)) throw new DerError('a GeneralSubtree must be a SEQUENCE');
    const [base, ...bounds] = childrenOf(subtree);
    if (base === undefined) throw new DerError('a GeneralSubtree needs a base');
    for (const bound of bounds) {
      const { tagClass, tagNumber } = tagOf(bound);
      if (tagClass !== CONTEXT || tagNumber > 1 || constructed(bound)) throw new DerError('a GeneralSubtree bound has the wrong tag');
    }
    return { base: generalNameOf(base), bounded: bounds.length > 0 };
  });
  if (subtrees.length === 0) throw new DerError('GeneralSubtrees must not be empty');
  return subtrees;
}

/**
 * NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL,
 * excludedSubtrees [1] GeneralSubtrees OPTIONAL } (RFC 5280 4.2.1.10).
 *
 * @throws DerError when `der` is not that.
 */
export function decodeNameConstraints(der: Uint8Array): NameConstraintsValue {
  const tree = decodeDer(der);
  if (!isSequence(tree)) throw new DerError('NameConstraints must be a SEQUENCE');
  const value: { permitted?: GeneralSubtree[]; excluded?: GeneralSubtree[] } = {};
  let last = -1;
  for (const field of childrenOf(tree)) {
    const { tagClass, tagNumber } = tagOf(field);
    if (tagClass !== CONTEXT || tagNumber <= last || tagNumber > 1) throw new DerError('NameConstraints has an unexpected field');
    last = tagNumber;
    if (tagNumber === 0) value.permitted = subtreesOf(field);
    else value.excluded = subtreesOf(field);
  }
  return value;
}
