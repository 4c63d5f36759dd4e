/**
 * Strict DER decoding through asn1js and @peculiar/asn1-schema: the libraries parse, this file
 * only refuses what they would tolerate but X.690's Distinguished Encoding Rules forbid (X.690
 * 10-11, required for certificates by RFC 5280 4.1): trailing bytes, indefinite or non-minimal
 * lengths, constructed strings, non-minimal integers, booleans other than 00/FF, non-zero padding
 * bits in BIT STRINGs, children that overrun their parent; and, for values decoded with a schema,
 * anything but the exact bytes the library re-encodes (wrong tags, explicit DEFAULT values).
 *
 * @module
 */
import type * as asn1js from 'asn1js';
import { loadAsn1js, loadSchema } from './asn1-stack.js';

/** Bytes that are not the DER encoding a schema expects. Caught by the validator and reported. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

// Warnings asn1js attaches to valid DER: an empty value, and integers too large for a JS number.
// Its "Needlessly long encoded length" looks at the last length octet instead of the first, so it
// is ignored and the leading octet checked here (checkLengthOctets).
const harmlessWarnings = new Set(['Zero buffer length', 'Too big Integer for decoding, hex only', 'Needlessly long encoded length']);

/** X.690 10.1: the definite form with the fewest octets (no leading zero octet in the long form). */
function checkLengthOctets(block: Block): void {
  const whole = (block as unknown as { valueBeforeDecodeView: Uint8Array }).valueBeforeDecodeView;
  const at = (block.idBlock as unknown as { blockLength: number }).blockLength;
  const first = whole[at] ?? 0;
  if (first > 0x80 && whole[at + 1] === 0x00) throw new DerError('length: not DER (leading zero octet)');
}

// Universal tags whose values DER requires to be primitive (X.690 10.2): BIT STRING, OCTET STRING
// and the character and time strings.
const primitiveOnly = new Set([3, 4, 12, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);

type Block = asn1js.AsnType & {
  idBlock: { tagClass: number; tagNumber: number; isConstructed: boolean; warnings: string[]; error: string };
  lenBlock: { isIndefiniteForm: boolean; warnings: string[]; error: string };
  valueBlock: { value?: unknown; warnings: string[]; error: string; valueHexView?: Uint8Array };
  error: string;
};

function checkWarnings(where: string, warnings: readonly string[]): void {
  for (const warning of warnings) {
    if (!harmlessWarnings.has(warning)) throw new DerError(`${where}: not DER (${warning})`);
  }
}

function checkPrimitiveValue(tag: number, value: Uint8Array): void {
  switch (tag) {
    case 1: // BOOLEAN: X.690 11.1
      if (value.length !== 1 || (value[0] !== 0x00 && value[0] !== 0xff)) throw new DerError('BOOLEAN is not 00 or FF');
      break;
    case 2: // INTEGER, ENUMERATED: X.690 8.3.2
    case 10:
      if (value.length === 0) throw new DerError('empty INTEGER');
      if (value.length > 1 && ((value[0] === 0x00 && value[1]! < 0x80) || (value[0] === 0xff && value[1]! >= 0x80))) {
        throw new DerError('INTEGER is not minimally encoded');
      }
      break;
    case 3: {
      // BIT STRING: X.690 8.6.2.2-3 and 11.2.1
      const unused = value[0];
      if (unused === undefined || unused > 7 || (value.length === 1 && unused !== 0)) throw new DerError('BIT STRING has a bad unused-bits count');
      if (unused > 0 && (value[value.length - 1]! & ((1 << unused) - 1)) !== 0) throw new DerError('BIT STRING padding bits are not zero');
      break;
    }
  }
}

/** Walks an asn1js tree; throws DerError at the first BER-only construct. */
function checkDer(block: Block, depth = 0): void {
  // Certificates nest a dozen levels; deeper input is an attack on the recursion.
  if (depth > 64) throw new DerError('nested too deeply');
  for (const part of [block, block.idBlock, block.lenBlock, block.valueBlock]) {
    if (part.error) throw new DerError(`not DER (${part.error})`);
  }
  checkWarnings('identifier', block.idBlock.warnings);
  checkWarnings('length', block.lenBlock.warnings);
  checkWarnings('value', block.valueBlock.warnings);
  if (block.lenBlock.isIndefiniteForm) throw new DerError('indefinite length');
  checkLengthOctets(block);
  const { tagClass, tagNumber, isConstructed } = block.idBlock;
  if (tagClass === 1 && isConstructed && primitiveOnly.has(tagNumber)) throw new DerError('constructed string encoding');
  const children = block.valueBlock.value;
  if (isConstructed) {
    const list = Array.isArray(children) ? (children as Block[]) : [];
    // asn1js lets the last child run past its parent's end; X.690 8.1.1.3 does not.
    const used = list.reduce((total, child) => total + (child as unknown as { blockLength: number }).blockLength, 0);
    if (used !== (block.lenBlock as unknown as { length: number }).length) throw new DerError('contents do not fill the length exactly');
    for (const child of list) checkDer(child, depth + 1);
  } else if (tagClass === 1) {
    checkPrimitiveValue(tagNumber, rawValue(block));
  }
}

/** The content octets of a primitive block. */
function rawValue(block: Block): Uint8Array {
  const whole = (block as unknown as { valueBeforeDecodeView: Uint8Array }).valueBeforeDecodeView;
  const header = block.idBlock as unknown as { blockLength: number };
  const length = block.lenBlock as unknown as { blockLength: number };
  return whole.subarray(header.blockLength + length.blockLength);
}

/**
 * Decodes exactly one DER value filling all of `bytes` into an asn1js tree.
 *
 * @throws DerError when the bytes are not one DER value.
 */
export function decodeDer(bytes: Uint8Array): asn1js.AsnType {
  if (bytes.length === 0) throw new DerError('empty input');
  const parsed = loadAsn1js().fromBER(bytes);
  if (parsed.offset === -1 || parsed.result.error) throw new DerError(`not DER (${parsed.result.error || 'unparsable'})`);
  if (parsed.offset !== bytes.length) throw new DerError(`${bytes.length - parsed.offset} bytes after the DER value`);
  checkDer(parsed.result as Block);
  return parsed.result;
}

/**
 * Decodes DER `bytes` with an @peculiar/asn1-schema type (e.g. `SubjectAlternativeName`).
 *
 * @throws DerError when the bytes are not DER or do not fit the schema.
 */
export function parseDer<T>(bytes: Uint8Array, type: new () => T): T {
  const tree = decodeDer(bytes);
  let value: T;
  try {
    value = loadSchema().AsnParser.fromASN(tree, type) as T;
  } catch (cause) {
    throw new DerError(`not a ${type.name}: ${(cause as Error).message}`, { cause });
  }
  checkRoundTrip(bytes, value, type.name);
  return value;
}

/**
 * The schema parser accepts some encodings its serializer would never produce (any constructed
 * tag where a SEQUENCE is due, an explicit DEFAULT value); DER has one encoding per value
 * (X.690 10-11), so the bytes must be exactly what the library writes for what it read.
 *
 * @throws DerError when they are not.
 */
export function checkRoundTrip(bytes: Uint8Array, value: unknown, what: string): void {
  let again: Uint8Array;
  try {
    again = new Uint8Array(loadSchema().AsnSerializer.serialize(value));
  } catch (cause) {
    throw new DerError(`not a DER ${what}: it cannot be re-encoded (${(cause as Error).message})`, { cause });
  }
  if (again.length !== bytes.length || !again.every((byte, i) => byte === bytes[i])) throw new DerError(`not the DER encoding of a ${what}`);
}

/** The DER bytes of an asn1js block, as they appeared in the input. */
export function encodedBytes(block: asn1js.AsnType): Uint8Array {
  return (block as unknown as { valueBeforeDecodeView: Uint8Array }).valueBeforeDecodeView;
}

/** The content octets of a primitive asn1js block (e.g. an INTEGER's two's-complement bytes). */
export function contentBytes(block: asn1js.AsnType): Uint8Array {
  return rawValue(block as Block);
}

/** The children of a constructed asn1js block. */
export function childrenOf(block: asn1js.AsnType): asn1js.AsnType[] {
  const value = (block as Block).valueBlock.value;
  return Array.isArray(value) ? (value as asn1js.AsnType[]) : [];
}

/** Tag class (1 universal, 2 application, 3 context-specific, 4 private) and number of a block. */
export function tagOf(block: asn1js.AsnType): { tagClass: number; tagNumber: number } {
  const { tagClass, tagNumber } = (block as Block).idBlock;
  return { tagClass, tagNumber };
}
