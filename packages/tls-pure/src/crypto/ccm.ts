/**
 * AES-CCM (NIST SP 800-38C, RFC 3610) for the @noble provider, which has no CCM: the mode is
 * composed from two of @noble/ciphers' audited AES modes, never from a hand-written primitive.
 * CCM is CBC-MAC then CTR (SP 800-38C §6.1):
 *
 * - the tag T is the first `tagLength` bytes of the last block of AES-CBC with a zero IV over
 *   B0 || encoded associated data || payload, each part zero-padded to 16 bytes (@noble's `cbc`,
 *   no padding);
 * - payload and tag are encrypted with AES-CTR from the counter block A0 (@noble's `ctr`): the
 *   first keystream block masks T, the next ones the payload. @noble increments the whole 16-byte
 *   block; CCM increments only its last q = 15 - nonceLength bytes, which is the same as long as
 *   the payload is shorter than 2^(8q) bytes, as CCM requires anyway (checked).
 *
 * Checked against RFC 3610 §8 and SP 800-38C Appendix C vectors, against node:crypto's aes-*-ccm
 * with TLS parameters, and in TLS against OpenSSL and GnuTLS (test/ccm.test.ts, the conformance suite).
 *
 * @module
 */
import { cbc, ctr } from '@noble/ciphers/aes.js';
import { equalBytes } from '@noble/ciphers/utils.js';

const BLOCK = 16;

/** An AES-CCM key: seal and open with a nonce of 7 to 13 bytes and a tag of `tagLength` bytes. */
export interface Ccm {
  seal(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify (no partial plaintext is returned). */
  open(nonce: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

/**
 * @param key 16, 24 or 32 bytes (AES-128/192/256).
 * @param tagLength 4, 6, 8, 10, 12, 14 or 16 (SP 800-38C §A.1); TLS uses 16, and 8 for CCM_8.
 * @throws RangeError for another key or tag length.
 */
export function aesCcm(key: Uint8Array, tagLength: number): Ccm {
  if (![16, 24, 32].includes(key.length)) throw new RangeError(`AES-CCM: a key is 16, 24 or 32 bytes, got ${key.length}`);
  if (tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) throw new RangeError(`AES-CCM: the tag is 4 to 16 bytes and even, got ${tagLength}`);
  const k = Uint8Array.from(key);

  /** The counter block A0 (flags = q - 1, then the nonce, then a zero counter). */
  function counterZero(nonce: Uint8Array): Uint8Array {
    const a0 = new Uint8Array(BLOCK);
    a0[0] = 15 - nonce.length - 1;
    a0.set(nonce, 1);
    return a0;
  }

  /** CBC-MAC over B0 || encoded associated data || payload (SP 800-38C §A.2), the full last block. */
  function mac(nonce: Uint8Array, additionalData: Uint8Array, payload: Uint8Array): Uint8Array {
    const q = 15 - nonce.length;
    const a = additionalData.length;
    const aLength = a === 0 ? 0 : a < 0xff00 ? 2 : 6;
    const headerLength = roundUp(BLOCK + aLength + a);
    const input = new Uint8Array(headerLength + roundUp(payload.length));
    input[0] = (a > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (q - 1);
    input.set(nonce, 1);
    for (let i = 0, n = payload.length; i < q; i++, n = Math.floor(n / 256)) input[15 - i] = n % 256;
    if (aLength === 2) {
      input[16] = a >>> 8;
      input[17] = a & 0xff;
    } else if (aLength === 6) {
      input.set([0xff, 0xfe, a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff], 16);
    }
    input.set(additionalData, BLOCK + aLength);
    input.set(payload, headerLength);
    const chained = cbc(k, new Uint8Array(BLOCK), { disablePadding: true }).encrypt(input);
    return chained.subarray(chained.length - BLOCK);
  }

  function check(nonce: Uint8Array, additionalData: Uint8Array, payloadLength: number): void {
    if (nonce.length < 7 || nonce.length > 13) throw new RangeError(`AES-CCM: the nonce is 7 to 13 bytes, got ${nonce.length}`);
    const q = 15 - nonce.length;
    if (payloadLength >= 2 ** (8 * q)) throw new RangeError(`AES-CCM: a ${nonce.length}-byte nonce allows payloads under 2^${8 * q} bytes`);
    if (additionalData.length >= 2 ** 32) throw new RangeError('AES-CCM: associated data under 2^32 bytes only');
  }

  return {
    seal(nonce, additionalData, plaintext) {
      check(nonce, additionalData, plaintext.length);
      const blocks = new Uint8Array(BLOCK + plaintext.length);
      blocks.set(mac(nonce, additionalData, plaintext).subarray(0, tagLength));
      blocks.set(plaintext, BLOCK);
      const encrypted = ctr(k, counterZero(nonce)).encrypt(blocks);
      const out = new Uint8Array(plaintext.length + tagLength);
      out.set(encrypted.subarray(BLOCK));
      out.set(encrypted.subarray(0, tagLength), plaintext.length);
      return out;
    },
    open(nonce, additionalData, sealed) {
      if (sealed.length < tagLength) return null;
      const length = sealed.length - tagLength;
      check(nonce, additionalData, length);
      const blocks = new Uint8Array(BLOCK + length);
      blocks.set(sealed.subarray(length));
      blocks.set(sealed.subarray(0, length), BLOCK);
      const decrypted = ctr(k, counterZero(nonce)).decrypt(blocks);
      const plaintext = decrypted.slice(BLOCK);
      const expected = mac(nonce, additionalData, plaintext).subarray(0, tagLength);
      if (!equalBytes(expected, decrypted.subarray(0, tagLength))) {
        plaintext.fill(0);
        return null;
      }
      return plaintext;
    },
  };
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
