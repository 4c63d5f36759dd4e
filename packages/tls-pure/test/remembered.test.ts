import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleCryptoProvider } from '../src/crypto/noble.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { REMEMBERED_ENTRIES, REMEMBERED_MAX_INPUT, rememberSuccesses } from '../src/crypto/remembered.js';
import type { SignatureAlgorithm, SignatureVerifier } from '../src/x509/signature-verifier.js';

type Call = [SignatureAlgorithm, Uint8Array, Uint8Array, Uint8Array];
const bytes = (...values: number[]) => Uint8Array.from(values);

/** A verifier that accepts exactly the inputs in `valid` (compared byte for byte) and counts its calls. */
function counting(valid: Call[]): SignatureVerifier & { calls: number } {
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  const verifier = {
    calls: 0,
    verifySignature(algorithm: SignatureAlgorithm, key: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
      verifier.calls++;
      return valid.some(([a, k, d, s]) => a === algorithm && same(k, key) && same(d, data) && same(s, signature));
    },
  };
  return verifier;
}

describe('rememberSuccesses', () => {
  it('asks the verifier once for a success seen again, every time for a failure', () => {
    const good: Call = ['ed25519', bytes(1, 2), bytes(3), bytes(4)];
    const inner = counting([good]);
    const check = rememberSuccesses(inner);
    expect(check(...good)).toBe(true);
    expect(check(...good)).toBe(true);
    expect(inner.calls).toBe(1);
    const bad: Call = ['ed25519', bytes(1, 2), bytes(3), bytes(5)];
    expect(check(...bad)).toBe(false);
    expect(check(...bad)).toBe(false);
    expect(inner.calls).toBe(3);
  });

  it('never answers for inputs that differ from a remembered success in any part or in where the parts split', () => {
    const good: Call = ['ecdsa-p256-sha256', bytes(1, 2), bytes(3, 4), bytes(5, 6)];
    const inner = counting([good]);
    const check = rememberSuccesses(inner);
    expect(check(...good)).toBe(true);
    const others: Call[] = [
      ['ecdsa-p256-sha384', bytes(1, 2), bytes(3, 4), bytes(5, 6)],
      ['ecdsa-p256-sha256', bytes(1, 9), bytes(3, 4), bytes(5, 6)],
      ['ecdsa-p256-sha256', bytes(1, 2), bytes(3, 9), bytes(5, 6)],
      ['ecdsa-p256-sha256', bytes(1, 2), bytes(3, 4), bytes(5, 9)],
      // The same bytes in the same order, split differently between key, data and signature.
      ['ecdsa-p256-sha256', bytes(1), bytes(2, 3, 4), bytes(5, 6)],
      ['ecdsa-p256-sha256', bytes(1, 2, 3), bytes(4), bytes(5, 6)],
      ['ecdsa-p256-sha256', bytes(1, 2), bytes(3), bytes(4, 5, 6)],
      ['ecdsa-p256-sha256', bytes(1, 2), bytes(3, 4, 5), bytes(6)],
      ['ecdsa-p256-sha256', bytes(1, 2), bytes(3, 4, 5, 6), bytes()],
      ['ecdsa-p256-sha256', bytes(1, 2), bytes(3, 4, 0), bytes(5, 6)],
    ];
    for (const other of others) expect(check(...other)).toBe(false);
    expect(inner.calls).toBe(1 + others.length);
  });

  it(`keeps at most ${REMEMBERED_ENTRIES} successes, forgetting the least recently used first`, () => {
    const call = (n: number): Call => ['ed25519', bytes(n >> 8, n & 0xff), bytes(7), bytes(8)];
    const all = Array.from({ length: REMEMBERED_ENTRIES + 1 }, (_, n) => call(n));
    const inner = counting(all);
    const check = rememberSuccesses(inner);
    for (let n = 0; n < REMEMBERED_ENTRIES; n++) expect(check(...call(n))).toBe(true);
    expect(check(...call(0))).toBe(true); // used again: now the most recent
    expect(inner.calls).toBe(REMEMBERED_ENTRIES);
    expect(check(...call(REMEMBERED_ENTRIES))).toBe(true); // one more: entry 1 goes
    expect(inner.calls).toBe(REMEMBERED_ENTRIES + 1);
    expect(check(...call(0))).toBe(true);
    expect(inner.calls).toBe(REMEMBERED_ENTRIES + 1);
    expect(check(...call(1))).toBe(true);
    expect(inner.calls).toBe(REMEMBERED_ENTRIES + 2);
  });

  it(`checks inputs larger than ${REMEMBERED_MAX_INPUT} bytes every time`, () => {
    const large: Call = ['ed25519', bytes(1), new Uint8Array(REMEMBERED_MAX_INPUT), bytes(2)];
    const inner = counting([large]);
    const check = rememberSuccesses(inner);
    expect(check(...large)).toBe(true);
    expect(check(...large)).toBe(true);
    expect(inner.calls).toBe(2);
  });

  it.each([
    ['node:crypto', nodeCryptoProvider],
    ['@noble', nobleCryptoProvider],
  ])('the %s provider still refuses a changed message or signature after verifying the original', (_name, provider) => {
    const pair = generateKeyPairSync('ed25519');
    const key = new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' }));
    const data = new TextEncoder().encode('the TBSCertificate bytes');
    const signature = new Uint8Array(sign(null, data, pair.privateKey));
    for (let i = 0; i < 2; i++) expect(provider.verifySignature('ed25519', key, data, signature)).toBe(true);
    expect(provider.verifySignature('ed25519', key, Uint8Array.of(...data, 0), signature)).toBe(false);
    const changed = Uint8Array.from(signature);
    changed[0]! ^= 1;
    expect(provider.verifySignature('ed25519', key, data, changed)).toBe(false);
    expect(provider.verifySignature('ed448', key, data, signature)).toBe(false);
  });
});
