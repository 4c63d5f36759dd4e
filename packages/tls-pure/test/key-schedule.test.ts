/**
 * The key schedule's fast paths (issue #17, handshake CPU): HKDF-Expand's one-block case, the
 * HkdfLabel written in place, and the no-PSK constants computed once per provider and hash. Each
 * is checked against an independent computation; RFC 8448's traces (rfc8448.test.ts) check the
 * whole schedule.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Writer } from '../src/codec/writer.js';
import { hkdfExpandWithHmac } from '../src/crypto/hkdf.js';
import { nobleCryptoProvider } from '../src/crypto/noble.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import type { CryptoProvider, HashAlgorithm } from '../src/crypto/provider.js';
import { hkdfLabel, KeySchedule } from '../src/handshake/key-schedule.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('hkdfExpandWithHmac', () => {
  // node:crypto's hkdfSync is Extract then Expand: with PRK = HMAC(salt, ikm) computed here, its
  // output is HKDF-Expand(PRK, info, L), an independent reference for every length.
  const LENGTHS = [1, 12, 16, 31, 32, 33, 48, 49, 64, 65, 100, 255 * 32];
  for (const hash of ['sha256', 'sha384'] as const) {
    it(`equals node:crypto's HKDF for one block and many (${hash})`, () => {
      const size = hash === 'sha256' ? 32 : 48;
      for (const length of LENGTHS.filter((l) => l <= 255 * size)) {
        for (const infoLength of [0, 1, 60, 300]) {
          const salt = Buffer.alloc(size, length);
          const ikm = Buffer.alloc(size + 3, infoLength);
          const info = Buffer.alloc(infoLength, 0x5a);
          const prk = createHmac(hash, salt).update(ikm).digest();
          const expected = Buffer.from(hkdfSync(hash, ikm, salt, info, length));
          const out = hkdfExpandWithHmac((key, data) => createHmac(hash, key).update(data).digest(), size, prk, info, length);
          expect(out).toBeInstanceOf(Uint8Array);
          expect(out.length).toBe(length);
          expect(hex(out)).toBe(hex(expected));
        }
      }
    });
  }

  it('refuses more than 255 blocks', () => {
    expect(() => hkdfExpandWithHmac(() => new Uint8Array(32), 32, new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
  });
});

describe('hkdfLabel', () => {
  const reference = (label: string, context: Uint8Array, length: number) =>
    new Writer()
      .u16(length)
      .vector(1, (w) => w.bytes(new TextEncoder().encode(`tls13 ${label}`)))
      .opaque(1, context)
      .finish();

  it('writes RFC 8446 §7.1 HkdfLabel as the general encoder does', () => {
    for (const label of ['', 'key', 'iv', 'c hs traffic', 'x'.repeat(249)]) {
      for (const context of [new Uint8Array(0), new Uint8Array(32).fill(7), new Uint8Array(255).fill(1)]) {
        for (const length of [0, 12, 32, 48, 0x1234]) expect(hex(hkdfLabel(label, context, length))).toBe(hex(reference(label, context, length)));
      }
    }
  });

  it('refuses a label or a context too long for its one-byte length', () => {
    expect(() => hkdfLabel('x'.repeat(250), new Uint8Array(0), 32)).toThrow(RangeError);
    expect(() => hkdfLabel('key', new Uint8Array(256), 32)).toThrow(RangeError);
  });
});

/** `provider` with a count of its hkdfExtract and hash calls. */
function counting(provider: CryptoProvider): { provider: CryptoProvider; calls: { extract: number; hash: number } } {
  const calls = { extract: 0, hash: 0 };
  return {
    calls,
    provider: {
      ...provider,
      hkdfExtract: (algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array) => (calls.extract++, provider.hkdfExtract(algorithm, salt, ikm)),
      hash: (algorithm: HashAlgorithm, data: Uint8Array) => (calls.hash++, provider.hash(algorithm, data)),
    },
  };
}

/** The schedule's stages computed step by step from RFC 8446 §7.1, with no shortcut. */
function stages(provider: CryptoProvider, hash: HashAlgorithm, psk: Uint8Array | null, shared: Uint8Array): { early: string; handshake: string; master: string } {
  const size = hash === 'sha256' ? 32 : 48;
  const zeros = new Uint8Array(size);
  const empty = provider.hash(hash, new Uint8Array(0));
  const derive = (secret: Uint8Array) => provider.hkdfExpand(hash, secret, hkdfLabel('derived', empty, size), size);
  const early = provider.hkdfExtract(hash, zeros, psk ?? zeros);
  const handshake = provider.hkdfExtract(hash, derive(early), shared);
  const master = provider.hkdfExtract(hash, derive(handshake), zeros);
  return { early: hex(early), handshake: hex(handshake), master: hex(master) };
}

describe('KeySchedule', () => {
  for (const [name, base] of [['node:crypto', nodeCryptoProvider], ['@noble', nobleCryptoProvider]] as const) {
    for (const hash of ['sha256', 'sha384'] as const) {
      it(`computes the no-PSK constants once per provider and hash, with the same stages (${name}, ${hash})`, () => {
        const { provider, calls } = counting(base);
        const shared = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)];
        for (const secret of shared) {
          const schedule = new KeySchedule(provider, hash);
          const expected = stages(base, hash, null, secret);
          expect(hex(schedule.current)).toBe(expected.early);
          schedule.inputSharedSecret(secret);
          expect(hex(schedule.current)).toBe(expected.handshake);
          schedule.toMaster();
          expect(hex(schedule.current)).toBe(expected.master);
        }
        // Once for the constant early secret, then two per connection (handshake and master);
        // one hash (of the empty string) in all.
        expect(calls.extract).toBe(1 + 2 * shared.length);
        expect(calls.hash).toBe(1);
      });

      it(`derives a PSK's early secret from the PSK every time (${name}, ${hash})`, () => {
        const { provider, calls } = counting(base);
        const psks = [new Uint8Array(hash === 'sha256' ? 32 : 48).fill(9), new Uint8Array(hash === 'sha256' ? 32 : 48).fill(10)];
        for (const psk of psks) {
          const schedule = new KeySchedule(provider, hash, psk);
          const expected = stages(base, hash, psk, new Uint8Array(32).fill(4));
          expect(hex(schedule.current)).toBe(expected.early);
          schedule.inputSharedSecret(new Uint8Array(32).fill(4));
          expect(hex(schedule.current)).toBe(expected.handshake);
          schedule.toMaster();
          expect(hex(schedule.current)).toBe(expected.master);
        }
        expect(hex(new KeySchedule(provider, hash, psks[0]!).current)).not.toBe(hex(new KeySchedule(provider, hash, psks[1]!).current));
        // The provider's own constants (once) plus Extract(psk) and two stages per schedule, plus the two early secrets just compared.
        expect(calls.extract).toBe(1 + 3 * psks.length + 2);
      });
    }
  }
});
