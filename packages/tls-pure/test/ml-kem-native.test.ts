/**
 * node:crypto's own ML-KEM-768 (Node >= 24.7), feature-detected: on a Node without it (20, 22) the
 * detection declines without an error and the node:crypto provider still completes X25519MLKEM768
 * handshakes; on a Node with it, it agrees with @noble/post-quantum's
 * ml_kem768 (the same encapsulation key from the same seed where Node imports raw seeds, shared
 * secrets both ways, the same implicit-rejection secret, FIPS 203 §7.2's refusal).
 * Which branch runs depends on the Node running the tests: CI's Node 20 runs the first; run this file
 * under Node 24 or 26 (e.g. tests/smoke's runtimes) for the second.
 */
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { NamedGroup } from '../src/codec/constants.js';
import { nativeMlKem768 } from '../src/crypto/ml-kem-native.js';
import { nodeCryptoProvider, PureClientContext, PureServerContext, nobleCryptoProvider, type PureBuffer } from '../src/mod.js';
import { clientConfiguration, handshake, serverConfiguration, testPki } from './support.js';

const nodeHasMlKem = typeof (crypto as unknown as { encapsulate?: unknown }).encapsulate === 'function';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe(`node:crypto's ML-KEM-768 (this Node ${process.version}: ${nodeHasMlKem ? 'has' : 'has no'} crypto.encapsulate)`, () => {
  it('is detected exactly where node:crypto has it, declining elsewhere without an error', () => {
    const native = nativeMlKem768();
    if (nodeHasMlKem) expect(native?.name).toBe('node:crypto');
    else expect(native).toBeNull();
    expect(nativeMlKem768()).toBe(native); // detected once
  });

  it('the node:crypto provider completes X25519MLKEM768 handshakes with a @noble peer either way', async () => {
    const pki = await testPki();
    for (const [clientProvider, serverProvider] of [
      [nodeCryptoProvider, nobleCryptoProvider],
      [nobleCryptoProvider, nodeCryptoProvider],
    ] as const) {
      const client = new PureClientContext(clientConfiguration(pki), { provider: clientProvider }).createBuffer('localhost');
      const server = new PureServerContext(serverConfiguration(pki), { provider: serverProvider }).createBuffer();
      handshake(client, server);
      expect((client as PureBuffer).keyExchangeGroup()).toBe(NamedGroup.X25519MLKEM768);
      expect((server as PureBuffer).keyExchangeGroup()).toBe(NamedGroup.X25519MLKEM768);
    }
  });

  it('where node:crypto has it: agrees with @noble/post-quantum (elsewhere: asserts it is absent)', () => {
    const native = nativeMlKem768();
    if (native === null) {
      expect(nodeHasMlKem).toBe(false);
      return;
    }
    // Its key, @noble's encapsulation, its decapsulation.
    const pair = native.generate();
    expect(pair.encapsulationKey.length).toBe(1184);
    const toNative = ml_kem768.encapsulate(pair.encapsulationKey, new Uint8Array(32).fill(7));
    expect(hex(pair.decapsulate(toNative.cipherText))).toBe(hex(toNative.sharedSecret));
    expect(() => pair.decapsulate(toNative.cipherText)).toThrow(/already used/);

    // @noble's key, its encapsulation, @noble's decapsulation.
    const reference = ml_kem768.keygen(Uint8Array.from({ length: 64 }, (_, i) => i));
    const fromNative = native.encapsulate(reference.publicKey);
    expect(fromNative.cipherText.length).toBe(1088);
    expect(hex(ml_kem768.decapsulate(fromNative.cipherText, reference.secretKey))).toBe(hex(fromNative.sharedSecret));

    // FIPS 203 §7.2: a coefficient of 4095 is refused.
    const bad = reference.publicKey.slice();
    bad[0] = 0xff;
    bad[1]! |= 0x0f;
    expect(() => native.encapsulate(bad)).toThrow(new RangeError("the ML-KEM-768 encapsulation key fails FIPS 203's modulus check (§7.2)"));

    // The same key from the same seed, and the same implicit rejection, where Node imports raw seeds.
    const seed = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
    let privateKey: crypto.KeyObject;
    try {
      privateKey = crypto.createPrivateKey({ key: Buffer.from(seed), format: 'raw-seed', asymmetricKeyType: 'ml-kem-768' } as unknown as crypto.PrivateKeyInput);
    } catch {
      return; // Node 24.7 reads no raw seeds: the checks above are what it allows
    }
    const seeded = ml_kem768.keygen(seed);
    const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    expect(hex(spki.subarray(22))).toBe(hex(seeded.publicKey));
    const corrupted = ml_kem768.encapsulate(seeded.publicKey).cipherText;
    corrupted[100]! ^= 0x10;
    const decapsulate = (crypto as unknown as { decapsulate(key: crypto.KeyObject, ct: Uint8Array): Buffer }).decapsulate;
    expect(hex(decapsulate(privateKey, corrupted))).toBe(hex(ml_kem768.decapsulate(corrupted, seeded.secretKey)));
  });
});
