/**
 * HKDF-Expand (RFC 5869 §2.3) as a construction over a provider's HMAC, for providers whose
 * library offers HMAC but no expand-only HKDF (node:crypto's hkdfSync always extracts first).
 * rustls does the same (`HkdfUsingHmac`).
 *
 * @module
 */
export function hkdfExpandWithHmac(
  hmac: (key: Uint8Array, data: Uint8Array) => Uint8Array,
  hashLength: number,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (length > 255 * hashLength) throw new RangeError(`HKDF-Expand: ${length} bytes is more than 255 blocks`);
  // One block (every TLS 1.3 secret, key and IV): T(1) = HMAC(PRK, info | 0x01), cut to length.
  if (length <= hashLength) {
    const input = new Uint8Array(info.length + 1);
    input.set(info);
    input[info.length] = 1;
    const block = hmac(prk, input);
    // A plain Uint8Array view of the block (no copy), as the general path returns.
    return new Uint8Array(block.buffer, block.byteOffset, length);
  }
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous);
    input.set(info, previous.length);
    input[input.length - 1] = i;
    previous = Uint8Array.from(hmac(prk, input));
    out.set(previous.subarray(0, Math.min(hashLength, length - offset)), offset);
    offset += hashLength;
  }
  return out;
}
