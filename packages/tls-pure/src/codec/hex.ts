/**
 * Bytes as lowercase hex and back, without Node's Buffer: the @noble provider (crypto/noble.ts) is
 * for runtimes that have none, and X.509 code keys sets by these strings (OIDs, CRL serials).
 *
 * @module
 */

const DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** `bytes` as lowercase hex, two digits a byte (`[0x0a, 0xff]` -> `'0aff'`). */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += DIGITS[byte]!;
  return text;
}

/**
 * The bytes of an even-length hex string (the constants this package writes itself).
 *
 * @throws RangeError when `text` is not pairs of hex digits.
 */
export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new RangeError(`not pairs of hex digits: ${text.slice(0, 40)}`);
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
