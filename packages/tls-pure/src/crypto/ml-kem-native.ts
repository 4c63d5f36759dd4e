/**
 * ML-KEM-768 from node:crypto itself where Node has it (Node >= 24.7 with OpenSSL >= 3.5:
 * `generateKeyPairSync('ml-kem-768')`, `crypto.encapsulate` / `crypto.decapsulate`), feature-detected
 * once; elsewhere (Node 20 and 22) it declines and the provider uses ml-kem.ts's builds. Keys cross
 * node:crypto as SubjectPublicKeyInfo DER (draft-ietf-lamps-kyber-certificates: a fixed 22-byte
 * prefix, then the 1184-byte encapsulation key), which every Node with ML-KEM reads and writes.
 *
 * @module
 */
import * as crypto from 'node:crypto';
import { ML_KEM_768_EK, type MlKem768, type MlKemKeyPair } from './ml-kem.js';

/** SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.4.2 (id-alg-ml-kem-768) }, BIT STRING (1185 bytes, 0 unused bits) }. */
const SPKI_PREFIX = Buffer.from('308204b2300b0609608648016503040402038204a100', 'hex');

/** What Node >= 24.7 adds to node:crypto (absent from Node 20's types). */
interface NativeKem {
  encapsulate(key: crypto.KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: crypto.KeyObject, ciphertext: Uint8Array): Buffer;
}
const generateKeyPairSync = crypto.generateKeyPairSync as unknown as (type: 'ml-kem-768') => crypto.KeyPairKeyObjectResult;

function encapsulationKey(publicKey: crypto.KeyObject): Uint8Array {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  if (der.length !== SPKI_PREFIX.length + ML_KEM_768_EK || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    throw new RangeError('node:crypto exported an ML-KEM-768 public key in an unexpected form');
  }
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

function build(kem: NativeKem): MlKem768 {
  return Object.freeze({
    name: 'node:crypto',
    generate(): MlKemKeyPair {
      const pair = generateKeyPairSync('ml-kem-768');
      let privateKey: crypto.KeyObject | null = pair.privateKey;
      return {
        encapsulationKey: encapsulationKey(pair.publicKey),
        decapsulate(cipherText: Uint8Array) {
          if (privateKey === null) throw new Error('this ML-KEM-768 key pair was already used');
          // A KeyObject cannot be wiped; dropping the only reference is what is possible.
          const key = privateKey;
          privateKey = null;
          return new Uint8Array(kem.decapsulate(key, cipherText));
        },
      };
    },
    encapsulate(encapsulationKey: Uint8Array) {
      let key: crypto.KeyObject;
      try {
        // OpenSSL's decoder runs FIPS 203 §7.2's check: a coefficient not below q fails the import.
        key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, encapsulationKey]), format: 'der', type: 'spki' });
      } catch (cause) {
        throw new RangeError("the ML-KEM-768 encapsulation key fails FIPS 203's modulus check (§7.2)", { cause });
      }
      const { sharedKey, ciphertext } = kem.encapsulate(key);
      return { cipherText: new Uint8Array(ciphertext), sharedSecret: new Uint8Array(sharedKey) };
    },
  });
}

let detected: MlKem768 | null | undefined;

/**
 * node:crypto's ML-KEM-768, or null where this Node has none (the first call tries one key pair
 * and one encapsulation; any failure means none). Never throws.
 */
export function nativeMlKem768(): MlKem768 | null {
  if (detected !== undefined) return detected;
  detected = null;
  const kem = crypto as unknown as Partial<NativeKem>;
  if (typeof kem.encapsulate !== 'function' || typeof kem.decapsulate !== 'function') return null;
  try {
    const candidate = build(kem as NativeKem);
    const pair = candidate.generate();
    const { cipherText, sharedSecret } = candidate.encapsulate(pair.encapsulationKey);
    if (Buffer.compare(pair.decapsulate(cipherText), sharedSecret) === 0) detected = candidate;
  } catch {
    // No ML-KEM in this Node's OpenSSL (or a form this code does not know): the other builds serve.
  }
  return detected;
}
