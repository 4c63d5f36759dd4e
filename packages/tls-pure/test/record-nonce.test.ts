/**
 * Per-record nonces and additional data (RFC 8446 §5.3; RFC 5288 §3, RFC 7905 §2 for TLS 1.2),
 * now written in place into one buffer per direction (issue #17 performance work): the helper
 * agrees with a BigInt reference for every sequence number up to the 2^48 bound, and a run of
 * records sealed by the record protections opens with nonces and additional data computed
 * independently here, record by record (so a nonce left over from an earlier record, or a byte of
 * the sequence number in the wrong place, fails).
 */
import fc from 'fast-check';
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContentType } from '../src/codec/constants.js';
import { nobleCryptoProvider, nodeCryptoProvider } from '../src/mod.js';
import { RecordProtection, xorSequence } from '../src/record/protection.js';
import { RecordProtection12 } from '../src/record/protection12.js';
import { TLS12_SUITES } from '../src/crypto/schemes.js';

/** IV XOR the sequence number as a left-padded 64-bit big-endian integer, the RFC's way. */
function referenceNonce(iv: Uint8Array, sequence: bigint): Buffer {
  const padded = Buffer.alloc(iv.length);
  padded.writeBigUInt64BE(sequence, iv.length - 8);
  return Buffer.from(iv.map((b, i) => b ^ padded[i]!));
}

/** Opens `sealed` (ciphertext || 16-byte tag) with node:crypto directly; throws when it does not authenticate. */
function openReference(cipher: 'aes-128-gcm' | 'chacha20-poly1305', key: Uint8Array, nonce: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv(cipher as 'aes-128-gcm', key, nonce);
  decipher.setAAD(additionalData);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

describe('xorSequence', () => {
  it('is the IV XOR the 64-bit sequence number for any sequence below 2^48 (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), (iv, sequence, stale) => {
        const nonce = Uint8Array.from(stale); // whatever the previous record left there
        xorSequence(nonce, iv, sequence);
        expect(Buffer.from(nonce).equals(referenceNonce(iv, BigInt(sequence)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the byte and word boundaries', () => {
    const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    for (const sequence of [0, 1, 255, 256, 65_535, 65_536, 2 ** 24, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 48 - 1]) {
      const nonce = new Uint8Array(12);
      xorSequence(nonce, iv, sequence);
      expect(Buffer.from(nonce).toString('hex'), String(sequence)).toBe(referenceNonce(iv, BigInt(sequence)).toString('hex'));
    }
  });
});

describe('records sealed one after another', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3 + 1);
  const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xf0 - i * 5);
  const COUNT = 300; // past the first carry into the second byte of the sequence number

  for (const provider of [nodeCryptoProvider, nobleCryptoProvider]) {
    it(`TLS 1.3 (${provider.name}): record n opens with IV XOR n and its own header as additional data`, () => {
      const writer = new RecordProtection(provider, 'aes-128-gcm', key.subarray(0, 16), iv);
      const reader = new RecordProtection(provider, 'aes-128-gcm', key.subarray(0, 16), iv);
      for (let n = 0; n < COUNT; n++) {
        const content = Buffer.alloc(1 + (n % 40), n & 0xff);
        const record = writer.seal(ContentType.APPLICATION_DATA, content);
        const inner = openReference('aes-128-gcm', key.subarray(0, 16), referenceNonce(iv, BigInt(n)), record.subarray(0, 5), record.subarray(5));
        expect(inner.equals(Buffer.concat([content, Buffer.of(ContentType.APPLICATION_DATA)])), `record ${n}`).toBe(true);
        expect(Buffer.from(reader.open(record.subarray(0, 5), record.subarray(5)).content).equals(content)).toBe(true);
      }
    });
  }

  it('TLS 1.2 GCM: record n carries n as its explicit nonce and authenticates seq_num n || header', () => {
    const suite = TLS12_SUITES.find((s) => s.aead === 'aes-128-gcm')!;
    const salt = iv.subarray(0, suite.fixedIvLength);
    const writer = new RecordProtection12(nodeCryptoProvider, suite, key.subarray(0, 16), salt);
    const reader = new RecordProtection12(nodeCryptoProvider, suite, key.subarray(0, 16), salt);
    for (let n = 0; n < COUNT; n++) {
      const content = Buffer.alloc(1 + (n % 40), n & 0xff);
      const record = writer.seal(ContentType.APPLICATION_DATA, content);
      const explicit = record.subarray(5, 13);
      expect(Buffer.from(explicit).readBigUInt64BE(0)).toBe(BigInt(n));
      const additionalData = Buffer.alloc(13);
      additionalData.writeBigUInt64BE(BigInt(n));
      additionalData.set([ContentType.APPLICATION_DATA, 3, 3, content.length >> 8, content.length & 0xff], 8);
      const opened = openReference('aes-128-gcm', key.subarray(0, 16), Buffer.concat([salt, explicit]), additionalData, record.subarray(13));
      expect(opened.equals(content), `record ${n}`).toBe(true);
      expect(Buffer.from(reader.open(record.subarray(0, 5), record.subarray(5)).content).equals(content)).toBe(true);
    }
  });

  it('TLS 1.2 ChaCha20-Poly1305: record n uses IV XOR n and authenticates seq_num n || header', () => {
    const suite = TLS12_SUITES.find((s) => s.aead === 'chacha20-poly1305')!;
    const writer = new RecordProtection12(nodeCryptoProvider, suite, key, iv);
    const reader = new RecordProtection12(nodeCryptoProvider, suite, key, iv);
    for (let n = 0; n < COUNT; n++) {
      const content = Buffer.alloc(1 + (n % 40), n & 0xff);
      const record = writer.seal(ContentType.APPLICATION_DATA, content);
      const additionalData = Buffer.alloc(13);
      additionalData.writeBigUInt64BE(BigInt(n));
      additionalData.set([ContentType.APPLICATION_DATA, 3, 3, content.length >> 8, content.length & 0xff], 8);
      const opened = openReference('chacha20-poly1305', key, referenceNonce(iv, BigInt(n)), additionalData, record.subarray(5));
      expect(opened.equals(content), `record ${n}`).toBe(true);
      expect(Buffer.from(reader.open(record.subarray(0, 5), record.subarray(5)).content).equals(content)).toBe(true);
    }
  });
});
