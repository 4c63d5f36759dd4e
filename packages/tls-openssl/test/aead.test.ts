/**
 * Issue #17: @unitls/tls-openssl/aead, the AEAD tls-pure can take from this addon (one OpenSSL
 * context per key for both directions, a new nonce per call, sealing into the caller's memory). What it
 * seals is node:crypto's AEAD byte for byte (published vectors and random inputs, every offset),
 * each context takes nonce after nonce, a flipped bit or a wrong nonce or additional data opens to
 * null, and bad arguments are refused with typed errors before anything is written. tls-pure's own
 * tests run it through its record layer (test/seal-into, test/rfc8448) and the conformance suite as
 * "pure-opensslaead".
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADDON_PATH_VARIABLE, addon } from '../src/addon.js';
import { OPENSSL_AEADS, openSslAead, withOpenSSLAead, type OpenSSLAeadAlgorithm } from '../src/aead.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const keyLength = (algorithm: OpenSSLAeadAlgorithm) => (algorithm === 'aes-128-gcm' ? 16 : 32);

/** node:crypto's ciphertext || tag, the reference. */
function reference(algorithm: OpenSSLAeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv(algorithm as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

describe('openSslAead', () => {
  it('seals McGrew & Viega GCM test case 4 and opens it back', () => {
    const aead = openSslAead('aes-128-gcm', hex('feffe9928665731c6d6a8f9467308308'));
    const nonce = hex('cafebabefacedbaddecaf888');
    const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const plaintext = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
    const sealed = aead.seal(nonce, aad, plaintext);
    expect(Buffer.from(sealed).toString('hex')).toBe(
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47',
    );
    expect(Buffer.from(aead.open(nonce, aad, sealed)!).equals(plaintext)).toBe(true);
  });

  it('seals as node:crypto does, nonce after nonce on one key, and opens it; any flipped bit opens to null (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OPENSSL_AEADS),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.tuple(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 13 }), fc.uint8Array({ maxLength: 2000 }), fc.nat(30), fc.nat()), { minLength: 1, maxLength: 4 }),
        (algorithm, rawKey, calls) => {
          const key = rawKey.subarray(0, keyLength(algorithm));
          const aead = openSslAead(algorithm, key);
          for (const [nonce, aad, plaintext, offset, flip] of calls) {
            const expected = reference(algorithm, key, nonce, aad, plaintext);
            const target = new Uint8Array(offset + expected.length + 3).fill(0xee);
            expect(aead.sealInto(nonce, aad, plaintext, target, offset)).toBe(expected.length);
            expect(Buffer.from(target.subarray(offset, offset + expected.length)).equals(expected)).toBe(true);
            expect(target.subarray(0, offset).every((b) => b === 0xee) && target.subarray(offset + expected.length).every((b) => b === 0xee)).toBe(true);
            expect(Buffer.from(aead.seal(nonce, aad, plaintext)).equals(expected)).toBe(true);
            expect(Buffer.from(aead.open(nonce, aad, expected)!).equals(Buffer.from(plaintext))).toBe(true);
            const bit = flip % (expected.length * 8);
            const corrupt = Buffer.from(expected);
            corrupt[bit >> 3]! ^= 1 << (bit & 7);
            expect(aead.open(nonce, aad, corrupt)).toBeNull();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('opens to null under another nonce or other additional data, and for input shorter than a tag', () => {
    const key = randomBytes(32);
    const aead = openSslAead('chacha20-poly1305', key);
    const nonce = randomBytes(12);
    const aad = Buffer.from('header');
    const sealed = aead.seal(nonce, aad, Buffer.from('hello'));
    const otherNonce = Buffer.from(nonce);
    otherNonce[11]! ^= 1;
    expect(aead.open(otherNonce, aad, sealed)).toBeNull();
    expect(aead.open(nonce, Buffer.from('headeR'), sealed)).toBeNull();
    expect(aead.open(nonce, aad, sealed.subarray(0, 15))).toBeNull();
    // The failures leave the context usable.
    expect(Buffer.from(aead.open(nonce, aad, sealed)!).toString()).toBe('hello');
  });

  it('puts a prefix before seal\'s output, and seals a plaintext given in parts', () => {
    const key = randomBytes(16);
    const aead = openSslAead('aes-128-gcm', key);
    const nonce = randomBytes(12);
    const expected = reference('aes-128-gcm', key, nonce, Buffer.alloc(0), Buffer.from('abcdef'));
    const sealed = aead.seal(nonce, Buffer.alloc(0), [Buffer.from('abc'), Buffer.from('def')], Buffer.from([1, 2, 3, 4, 5]));
    expect(Buffer.from(sealed).equals(Buffer.concat([Buffer.from([1, 2, 3, 4, 5]), expected]))).toBe(true);
  });

  it('refuses bad arguments with typed errors, writing nothing', () => {
    expect(() => openSslAead('aes-128-ccm' as OpenSSLAeadAlgorithm, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => openSslAead('aes-128-gcm', Buffer.alloc(32))).toThrow(/key has the wrong length/);
    expect(() => openSslAead('aes-256-gcm', 'key' as unknown as Uint8Array)).toThrow(TypeError);
    const aead = openSslAead('aes-128-gcm', Buffer.alloc(16));
    const target = new Uint8Array(100);
    expect(() => aead.sealInto(Buffer.alloc(8), Buffer.alloc(0), Buffer.alloc(10), target, 0)).toThrow(/nonce must be 12 bytes/);
    expect(() => aead.sealInto(Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(10), target, 75)).toThrow(RangeError);
    expect(() => aead.sealInto(Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(10), target, -1)).toThrow(RangeError);
    expect(() => aead.sealInto(Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(10), target, 0.5)).toThrow(RangeError);
    expect(() => aead.sealInto(Buffer.alloc(12), Buffer.alloc(0), target.subarray(0, 10), target, 5)).toThrow(/overlaps the plaintext/);
    expect(target.every((b) => b === 0)).toBe(true);
    expect(() => aead.open(Buffer.alloc(11), Buffer.alloc(0), Buffer.alloc(40))).toThrow(/nonce must be 12 bytes/);
  });

  it('seals into the caller\'s memory with no ArrayBuffer memory allocated (node:crypto allocates a record\'s worth per call)', () => {
    const aead = openSslAead('aes-128-gcm', randomBytes(16));
    const nonce = randomBytes(12);
    const header = Buffer.alloc(5);
    const plaintext = Buffer.alloc(16_385, 1);
    const target = Buffer.alloc(plaintext.length + 16);
    aead.sealInto(nonce, header, plaintext, target, 0);
    // A garbage collection in between could only lower the figure; 64 records through node:crypto raise it by ~1 MiB.
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i++) aead.sealInto(nonce, header, plaintext, target, 0);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThanOrEqual(0);
  });

  it('opens into the caller\'s memory at any offset and in place, with no ArrayBuffer memory; a failed open leaves no plaintext there', () => {
    const key = randomBytes(16);
    const aead = openSslAead('aes-128-gcm', key);
    const nonce = randomBytes(12);
    const header = Buffer.alloc(5, 23);
    const plaintext = randomBytes(16_385);
    const sealed = reference('aes-128-gcm', key, nonce, header, plaintext);
    const target = Buffer.alloc(plaintext.length + 40, 0xee);
    expect(aead.openInto(nonce, header, sealed, target, 7)).toBe(plaintext.length);
    expect(target.subarray(7, 7 + plaintext.length).equals(plaintext)).toBe(true);
    expect(target.subarray(0, 7).every((b) => b === 0xee) && target.subarray(7 + plaintext.length).every((b) => b === 0xee)).toBe(true);
    // In place: the plaintext over the sealed bytes (the record layer's incoming memory).
    const copy = Buffer.from(sealed);
    expect(aead.openInto(nonce, header, copy, copy, 0)).toBe(plaintext.length);
    expect(copy.subarray(0, plaintext.length).equals(plaintext)).toBe(true);
    // A flipped bit: -1, and the range holds zeros, not the unauthenticated plaintext.
    const forged = Buffer.from(sealed);
    forged[100]! ^= 1;
    target.fill(0xee);
    expect(aead.openInto(nonce, header, forged, target, 7)).toBe(-1);
    expect(target.subarray(7, 7 + plaintext.length).every((b) => b === 0)).toBe(true);
    expect(aead.openInto(nonce, header, sealed.subarray(0, 15), target, 0)).toBe(-1);
    // Too small a target, a fractional offset, a partial overlap: RangeErrors, nothing written.
    target.fill(0xee);
    expect(() => aead.openInto(nonce, header, sealed, target, 41)).toThrow(RangeError);
    expect(() => aead.openInto(nonce, header, sealed, target, 0.5)).toThrow(RangeError);
    expect(() => aead.openInto(nonce, header, copy, copy, 1)).toThrow(/overlaps the sealed bytes/);
    expect(target.every((b) => b === 0xee)).toBe(true);
    // A garbage collection in between could only lower the figure; open() allocates a record's worth per call.
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i++) aead.openInto(nonce, header, sealed, target, 0);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThanOrEqual(0);
  });
});

describe('openSslAead memory', () => {
  // Under scripts/asan.mjs (an addon named by ADDON_PATH_VARIABLE) malloc is ASan's, which mallinfo2 does not see.
  it.skipIf(process.env[ADDON_PATH_VARIABLE])('keeps one OpenSSL context per key for both directions (under 2 KB of C memory each; two contexts took 2.8 KB)', () => {
    const bytes = addon.heapInUse();
    expect(bytes, 'heapInUse needs glibc (mallinfo2)').toBeGreaterThan(0);
    const kept = Array.from({ length: 200 }, (_, i) => openSslAead('aes-128-gcm', new Uint8Array(16).fill(i)));
    const perKey = (addon.heapInUse() - bytes) / kept.length;
    expect(perKey).toBeLessThan(2000);
    // Both directions work on the one context, in any order.
    const nonce = new Uint8Array(12);
    const sealed = kept[7]!.seal(nonce, new Uint8Array(0), Buffer.from('x'));
    expect(Buffer.from(kept[7]!.open(nonce, new Uint8Array(0), sealed)!).toString()).toBe('x');
  });
});

describe('withOpenSSLAead', () => {
  const base = {
    name: 'base',
    groups: [29],
    aead: (algorithm: string, key: Uint8Array) => ({ from: 'base', algorithm, key }),
  };

  it('takes AES-GCM and ChaCha20-Poly1305 from the addon and leaves the rest, and every other member, to the provider', () => {
    const provider = withOpenSSLAead(base);
    expect(provider.name).toBe('openssl-aead');
    expect(provider.groups).toBe(base.groups);
    expect(provider.aead('aes-128-ccm' as never, Buffer.alloc(16))).toMatchObject({ from: 'base', algorithm: 'aes-128-ccm' });
    for (const algorithm of OPENSSL_AEADS) expect(provider.aead(algorithm as never, Buffer.alloc(keyLength(algorithm)))).not.toHaveProperty('from');
    expect(Object.isFrozen(provider)).toBe(true);
  });

  // Review 9: built as { ...provider }, a class-based provider lost its prototype's methods and getters.
  it('keeps a class-based provider whole: prototype methods and getters, called on the provider (its private fields work)', () => {
    class ClassProvider {
      readonly name = 'class';
      readonly #secret = 7;
      get groups(): number[] {
        return [this.#secret];
      }
      random(length: number): Uint8Array {
        return new Uint8Array(length).fill(this.#secret);
      }
      aead(algorithm: string, key: Uint8Array): unknown {
        return { from: 'class', algorithm, key, secret: this.#secret };
      }
    }
    const provider = withOpenSSLAead(new ClassProvider());
    expect(provider.name).toBe('openssl-aead');
    expect(provider.groups).toEqual([7]);
    expect(provider.random(3)).toEqual(new Uint8Array([7, 7, 7]));
    expect(provider.random).toBe(provider.random); // bound once
    expect(provider.aead('aes-128-ccm' as never, Buffer.alloc(16))).toMatchObject({ from: 'class', secret: 7 });
    expect(provider.aead('aes-256-gcm' as never, Buffer.alloc(32))).not.toHaveProperty('from');
    expect('random' in provider && 'aead' in provider).toBe(true);
  });
});
