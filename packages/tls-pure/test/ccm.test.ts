/**
 * The @noble provider's AES-CCM (CBC-MAC and CTR from @noble/ciphers): published vectors (RFC 3610
 * §8 packet vectors, NIST SP 800-38C Appendix C, including C.4's 65536-byte associated data), and
 * node:crypto's aes-*-ccm (OpenSSL) on random inputs with the parameters TLS uses.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCcm } from '../src/crypto/ccm.js';
import { nobleCryptoProvider } from '../src/mod.js';

const h = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const RFC3610_KEY = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf';
const NIST_KEY = '404142434445464748494a4b4c4d4e4f';
const bytesFrom = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

const VECTORS = [
  // RFC 3610 §8, packet vectors #1, #2, #3 (M = 8) and #7 (M = 10); L = 2, 13-byte nonces, 8-byte headers.
  { name: 'RFC 3610 #1', key: RFC3610_KEY, nonce: '00000003020100a0a1a2a3a4a5', aad: bytesFrom(0, 7), plaintext: bytesFrom(8, 0x1e), tag: 8, sealed: '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0' },
  { name: 'RFC 3610 #2', key: RFC3610_KEY, nonce: '00000004030201a0a1a2a3a4a5', aad: bytesFrom(0, 7), plaintext: bytesFrom(8, 0x1f), tag: 8, sealed: '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916' },
  { name: 'RFC 3610 #3', key: RFC3610_KEY, nonce: '00000005040302a0a1a2a3a4a5', aad: bytesFrom(0, 7), plaintext: bytesFrom(8, 0x20), tag: 8, sealed: '51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5' },
  { name: 'RFC 3610 #7', key: RFC3610_KEY, nonce: '00000009080706a0a1a2a3a4a5', aad: bytesFrom(0, 7), plaintext: bytesFrom(8, 0x1e), tag: 10, sealed: '0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c048c56602c97acbb7490' },
  // NIST SP 800-38C Appendix C.1 to C.4.
  { name: 'SP 800-38C C.1', key: NIST_KEY, nonce: '10111213141516', aad: bytesFrom(0, 7), plaintext: bytesFrom(0x20, 0x23), tag: 4, sealed: '7162015b4dac255d' },
  { name: 'SP 800-38C C.2', key: NIST_KEY, nonce: '1011121314151617', aad: bytesFrom(0, 15), plaintext: bytesFrom(0x20, 0x2f), tag: 6, sealed: 'd2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd' },
  { name: 'SP 800-38C C.3', key: NIST_KEY, nonce: '101112131415161718191a1b', aad: bytesFrom(0, 0x13), plaintext: bytesFrom(0x20, 0x37), tag: 8, sealed: 'e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951' },
  {
    name: 'SP 800-38C C.4 (65536-byte associated data: the six-byte length encoding)',
    key: NIST_KEY,
    nonce: '101112131415161718191a1b1c',
    aad: Uint8Array.from({ length: 65536 }, (_, i) => i % 256),
    plaintext: bytesFrom(0x20, 0x3f),
    tag: 14,
    sealed: '69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72b4ac6bec93e8598e7f0dadbcea5b',
  },
];

describe('AES-CCM composed from @noble/ciphers', () => {
  it.each(VECTORS)('$name', ({ key, nonce, aad, plaintext, tag, sealed }) => {
    const ccm = aesCcm(h(key), tag);
    expect(hex(ccm.seal(h(nonce), aad, plaintext))).toBe(sealed);
    expect(ccm.open(h(nonce), aad, h(sealed))).toEqual(plaintext);
    // One bit anywhere (ciphertext, tag, associated data) and nothing comes out.
    const flipped = h(sealed);
    flipped[0]! ^= 1;
    expect(ccm.open(h(nonce), aad, flipped)).toBeNull();
    const tagFlipped = h(sealed);
    tagFlipped[tagFlipped.length - 1]! ^= 0x80;
    expect(ccm.open(h(nonce), aad, tagFlipped)).toBeNull();
    const otherAad = Uint8Array.from(aad);
    otherAad[0]! ^= 1;
    expect(ccm.open(h(nonce), otherAad, h(sealed))).toBeNull();
  });

  it.each([
    ['aes-128-ccm', 16, 16],
    ['aes-128-ccm', 16, 8],
    ['aes-256-ccm', 32, 16],
    ['aes-256-ccm', 32, 8],
  ] as const)('agrees with node:crypto %s (%i-byte key, %i-byte tag) on TLS-shaped random records', (algorithm, keyLength, tagLength) => {
    // (OpenSSL's CCM refuses an empty payload through node:crypto; the empty record is checked on its own below.)
    for (const length of [1, 15, 16, 17, 255, 1000, 16384 + 1]) {
      const key = randomBytes(keyLength);
      const nonce = randomBytes(12); // TLS: 4-byte implicit + 8-byte explicit (1.2), or the 12-byte IV (1.3)
      const aad = randomBytes(length % 2 === 0 ? 13 : 5); // the TLS 1.2 and TLS 1.3 additional data
      const plaintext = randomBytes(length);
      const cipher = createCipheriv(algorithm, key, nonce, { authTagLength: tagLength });
      cipher.setAAD(aad, { plaintextLength: length });
      const expected = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      const sealed = aesCcm(key, tagLength).seal(nonce, aad, plaintext);
      expect(hex(sealed)).toBe(hex(expected));
      const decipher = createDecipheriv(algorithm, key, nonce, { authTagLength: tagLength });
      decipher.setAuthTag(expected.subarray(length));
      decipher.setAAD(aad, { plaintextLength: length });
      expect(hex(Buffer.concat([decipher.update(expected.subarray(0, length)), decipher.final()]))).toBe(hex(plaintext));
      expect(hex(aesCcm(key, tagLength).open(nonce, aad, expected)!)).toBe(hex(plaintext));
    }
    const key = randomBytes(keyLength);
    const empty = aesCcm(key, tagLength).seal(new Uint8Array(12), new Uint8Array(13), new Uint8Array(0));
    expect(empty.length).toBe(tagLength);
    expect(aesCcm(key, tagLength).open(new Uint8Array(12), new Uint8Array(13), empty)).toEqual(new Uint8Array(0));
  });

  it('refuses bad parameters with a RangeError, and a sealed text shorter than the tag with null', () => {
    expect(() => aesCcm(new Uint8Array(15), 16)).toThrow(RangeError);
    expect(() => aesCcm(new Uint8Array(16), 7)).toThrow(RangeError);
    expect(() => aesCcm(new Uint8Array(16), 16).seal(new Uint8Array(6), new Uint8Array(0), new Uint8Array(1))).toThrow(/nonce/);
    // A 13-byte nonce leaves a 2-byte length field: payloads under 64 KiB.
    expect(() => aesCcm(new Uint8Array(16), 16).seal(new Uint8Array(13), new Uint8Array(0), new Uint8Array(65536))).toThrow(/2\^16/);
    expect(aesCcm(new Uint8Array(16), 16).open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15))).toBeNull();
  });

  it('is what the @noble provider seals TLS records with (aes-128-ccm, aes-256-ccm, and the _8 variants)', () => {
    const key = randomBytes(16);
    const nonce = randomBytes(12);
    const aad = randomBytes(5);
    const plaintext = randomBytes(100);
    const aead = nobleCryptoProvider.aead('aes-128-ccm-8', key);
    expect(aead.tagLength).toBe(8);
    const sealed = aead.seal(nonce, aad, [plaintext.subarray(0, 40), plaintext.subarray(40)], Uint8Array.of(1, 2, 3));
    expect(hex(sealed)).toBe(hex(Buffer.concat([Uint8Array.of(1, 2, 3), aesCcm(key, 8).seal(nonce, aad, plaintext)])));
    expect(hex(aead.open(nonce, aad, sealed.subarray(3))!)).toBe(hex(plaintext));
    expect(nobleCryptoProvider.aeads).toEqual(expect.arrayContaining(['aes-128-ccm', 'aes-256-ccm', 'aes-128-ccm-8', 'aes-256-ccm-8']));
  });
});
