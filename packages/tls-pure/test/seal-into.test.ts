/**
 * Issue #17: Aead.sealInto, the provider function that seals a record where it goes out (the
 * caller's memory) instead of returning fresh pieces. For every provider (node:crypto, @noble, and
 * node:crypto with tls-openssl's AEAD) and every AEAD each has:
 * a published vector (AES-128-GCM, McGrew & Viega's GCM test case 4; ChaCha20-Poly1305, RFC 8439
 * §2.8.2) comes out byte for byte at any offset; its output is seal's, and open() takes it back
 * while one flipped bit fails authentication (null; bad_record_mac through the record layer, as a
 * typed TLSProtocolError); the memory rules hold: a target range that overlaps the plaintext or
 * does not fit is refused with a RangeError and nothing written, while a nonce and additional data
 * lying in the target just before the range (the record header) are fine; an empty plaintext in
 * memory of no bytes seals under every AEAD (node:crypto's CCM threw). The record protections
 * of both versions seal through it byte for byte as through seal.
 */
import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertDescription, ContentType } from '../src/codec/constants.js';
import { TLSProtocolError } from '../src/errors.js';
import { TLS12_SUITES } from '../src/crypto/schemes.js';
import { nobleCryptoProvider, nodeCryptoProvider, type AeadAlgorithm, type CryptoProvider } from '../src/mod.js';
import { RecordProtection } from '../src/record/protection.js';
import { RecordProtection12 } from '../src/record/protection12.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Published AEAD vectors: key, nonce, additional data, plaintext, ciphertext || tag. */
const VECTORS: { name: string; algorithm: AeadAlgorithm; key: string; nonce: string; aad: string; plaintext: string; sealed: string }[] = [
  {
    name: 'AES-128-GCM, McGrew & Viega test case 4',
    algorithm: 'aes-128-gcm',
    key: 'feffe9928665731c6d6a8f9467308308',
    nonce: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    plaintext:
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    sealed:
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
      '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'ChaCha20-Poly1305, RFC 8439 §2.8.2',
    algorithm: 'chacha20-poly1305',
    key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
    nonce: '070000004041424344454647',
    aad: '50515253c0c1c2c3c4c5c6c7',
    plaintext: Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ).toString('hex'),
    sealed:
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691',
  },
];

const ALGORITHMS: AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305', 'aes-128-ccm', 'aes-128-ccm-8'];
// tls-openssl's AEAD (opt-in, issue #17) over node:crypto: GCM and ChaCha20-Poly1305 its own, CCM node:crypto's.
const PROVIDERS: CryptoProvider[] = [nodeCryptoProvider, nobleCryptoProvider, withOpenSSLAead(nodeCryptoProvider)];
const keyLength = (algorithm: AeadAlgorithm) => (algorithm.startsWith('aes-128') ? 16 : 32);

function sealIntoOf(provider: CryptoProvider, algorithm: AeadAlgorithm, key: Uint8Array) {
  const aead = provider.aead(algorithm, key);
  expect(aead.sealInto, `${provider.name} ${algorithm} offers sealInto`).toBeTypeOf('function');
  return { aead, sealInto: aead.sealInto!.bind(aead) };
}

describe.each(PROVIDERS.map((provider) => [provider.name, provider] as const))('Aead.sealInto (%s)', (_name, provider) => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: the published ciphertext and tag, at any offset', (_label, v) => {
    const { aead, sealInto } = sealIntoOf(provider, v.algorithm, hex(v.key));
    const plaintext = hex(v.plaintext);
    for (const offset of [0, 5, 13]) {
      const target = new Uint8Array(offset + plaintext.length + aead.tagLength + 7).fill(0xee);
      expect(sealInto(hex(v.nonce), hex(v.aad), plaintext, target, offset)).toBe(plaintext.length + aead.tagLength);
      expect(toHex(target.subarray(offset, offset + plaintext.length + aead.tagLength))).toBe(v.sealed);
      // Nothing outside the range changed.
      expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
      expect(target.subarray(offset + plaintext.length + aead.tagLength).every((b) => b === 0xee)).toBe(true);
    }
  });

  it('writes what seal returns, and open takes it back; one flipped bit fails authentication (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALGORITHMS.filter((a) => provider.aeads === undefined || provider.aeads.includes(a))),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.nat(40),
        fc.nat(),
        (algorithm, key, nonce, aad, plaintext, offset, flip) => {
          const { aead, sealInto } = sealIntoOf(provider, algorithm, key.subarray(0, keyLength(algorithm)));
          const length = plaintext.length + aead.tagLength;
          const target = new Uint8Array(offset + length);
          expect(sealInto(nonce, aad, plaintext, target, offset)).toBe(length);
          const sealed = target.subarray(offset);
          expect(toHex(sealed)).toBe(toHex(aead.seal(nonce, aad, plaintext)));
          expect(toHex(aead.open(nonce, aad, sealed)!)).toBe(toHex(plaintext));
          const bit = flip % (length * 8);
          sealed[bit >> 3]! ^= 1 << (bit & 7);
          expect(aead.open(nonce, aad, sealed)).toBeNull();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('seals and opens an empty plaintext in memory of no bytes (node:crypto passed CCM a null pointer: "tag not set")', () => {
    for (const algorithm of ALGORITHMS.filter((a) => provider.aeads === undefined || provider.aeads.includes(a))) {
      const { aead, sealInto } = sealIntoOf(provider, algorithm, new Uint8Array(keyLength(algorithm)).fill(3));
      const nonce = new Uint8Array(12).fill(1);
      const aad = new Uint8Array(13).fill(2);
      const empty = () => new Uint8Array(new ArrayBuffer(0));
      const sealed = aead.seal(nonce, aad, empty());
      expect(sealed.length, algorithm).toBe(aead.tagLength);
      const target = new Uint8Array(aead.tagLength);
      expect(sealInto(nonce, aad, empty(), target, 0)).toBe(aead.tagLength);
      expect(toHex(target), algorithm).toBe(toHex(sealed));
      expect(aead.open(nonce, aad, target)?.length, algorithm).toBe(0);
    }
  });

  it('refuses a target range that overlaps the plaintext, and one that does not fit, writing nothing (RangeError)', () => {
    const { sealInto } = sealIntoOf(provider, 'aes-128-gcm', new Uint8Array(16).fill(1));
    const nonce = new Uint8Array(12);
    const memory = Uint8Array.from({ length: 200 }, (_, i) => i);
    const before = toHex(memory);
    const plaintext = memory.subarray(50, 100);
    // In place, starting inside, ending inside: every overlap is refused.
    for (const offset of [50, 60, 10, 99]) {
      expect(() => sealInto(nonce, new Uint8Array(0), plaintext, memory, offset), `offset ${offset}`).toThrow(/overlaps the plaintext/);
    }
    // Too small a target, a negative or fractional offset.
    for (const [target, offset] of [[new Uint8Array(65), 0], [new Uint8Array(66), 1], [new Uint8Array(100), -1], [new Uint8Array(100), 0.5]] as const) {
      expect(() => sealInto(nonce, new Uint8Array(0), plaintext, target, offset)).toThrow(RangeError);
      expect(target.every((b) => b === 0)).toBe(true);
    }
    expect(toHex(memory)).toBe(before);
    // Right after the plaintext in the same memory: no overlap, allowed.
    expect(sealInto(nonce, new Uint8Array(0), plaintext, memory, 100)).toBe(66);
    expect(toHex(memory.subarray(0, 100))).toBe(before.slice(0, 200));
  });

  it('reads a nonce and additional data lying in the target just before the range (a record header)', () => {
    const { aead, sealInto } = sealIntoOf(provider, 'chacha20-poly1305', new Uint8Array(32).fill(9));
    const plaintext = new Uint8Array(1000).fill(0x41);
    const target = new Uint8Array(17 + plaintext.length + 16);
    target.set(Uint8Array.from({ length: 17 }, (_, i) => 0x30 + i));
    const nonce = target.subarray(0, 12);
    const header = target.subarray(12, 17);
    const expected = aead.seal(Uint8Array.from(nonce), Uint8Array.from(header), plaintext);
    expect(sealInto(nonce, header, plaintext, target, 17)).toBe(plaintext.length + 16);
    expect(toHex(target.subarray(17))).toBe(toHex(expected));
  });
});

describe.each(PROVIDERS.map((provider) => [provider.name, provider] as const))('record protection through sealInto (%s)', (_name, provider) => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
  const iv = Uint8Array.from({ length: 12 }, (_, i) => i * 7);

  it('TLS 1.3: records byte for byte as seal makes them (padding, any content length), opened back; a flipped bit is bad_record_mac', () => {
    const viaSeal = new RecordProtection(provider, 'aes-128-gcm', key.subarray(0, 16), iv);
    const viaInto = new RecordProtection(provider, 'aes-128-gcm', key.subarray(0, 16), iv);
    const reader = new RecordProtection(provider, 'aes-128-gcm', key.subarray(0, 16), iv);
    for (const [length, padding] of [[0, 0], [1, 0], [16_384, 0], [100, 37], [5000, 1]] as const) {
      const content = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const record = viaSeal.seal(ContentType.APPLICATION_DATA, content, padding);
      const target = new Uint8Array(3 + viaInto.sealedLength(length, padding));
      expect(viaInto.sealInto(ContentType.APPLICATION_DATA, content, padding, target, 3)).toBe(record.length);
      expect(toHex(target.subarray(3))).toBe(toHex(record));
      expect(toHex(reader.open(target.subarray(3, 8), target.subarray(8)).content)).toBe(toHex(content));
    }
    const content = new Uint8Array(64).fill(5);
    const target = new Uint8Array(viaInto.sealedLength(64, 0));
    viaInto.sealInto(ContentType.APPLICATION_DATA, content, 0, target, 0);
    target[20]! ^= 0x10;
    let failure: unknown;
    try {
      reader.open(target.subarray(0, 5), target.subarray(5));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(TLSProtocolError);
    expect((failure as TLSProtocolError).alert).toBe(AlertDescription.bad_record_mac);
  });

  it.each(['aes-128-gcm', 'chacha20-poly1305'] as const)('TLS 1.2 %s: records byte for byte as seal makes them, also when the content shares the target memory', (aead) => {
    const suite = TLS12_SUITES.find((s) => s.aead === aead)!;
    const make = () => new RecordProtection12(provider, suite, key.subarray(0, suite.keyLength), iv.subarray(0, suite.fixedIvLength));
    const viaSeal = make();
    const viaInto = make();
    for (const length of [1, 700, 16_384]) {
      const content = Uint8Array.from({ length }, (_, i) => (i * 13 + length) & 0xff);
      const record = viaSeal.seal(ContentType.APPLICATION_DATA, content);
      const target = new Uint8Array(viaInto.sealedLength(length));
      expect(viaInto.sealInto(ContentType.APPLICATION_DATA, content, target, 0)).toBe(record.length);
      expect(toHex(target)).toBe(toHex(record));
    }
    // The content just after the record's room in one piece of memory: sealed all the same.
    const memory = new Uint8Array(viaInto.sealedLength(300) + 300);
    const content = memory.subarray(memory.length - 300).fill(0x77);
    const record = viaSeal.seal(ContentType.APPLICATION_DATA, Uint8Array.from(content));
    expect(viaInto.sealInto(ContentType.APPLICATION_DATA, content, memory, 0)).toBe(record.length);
    expect(toHex(memory.subarray(0, record.length))).toBe(toHex(record));
  });
});
