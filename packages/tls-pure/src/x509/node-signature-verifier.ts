/**
 * A {@link SignatureVerifier} over node:crypto, for the node:crypto provider and for tests. The
 * validator itself never imports this file.
 *
 * @module
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm, SignatureVerifier } from './signature-verifier.js';

type Scheme =
  | { kind: 'ecdsa'; curve: string; hash: string }
  | { kind: 'rsa-pkcs1'; hash: string }
  | { kind: 'rsa-pss'; hash: string; saltLength: number }
  | { kind: 'eddsa'; key: 'ed25519' | 'ed448' };

// node:crypto's names for the curves (asymmetricKeyDetails.namedCurve).
const curves = { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' } as const;
const hashLength = { sha256: 32, sha384: 48, sha512: 64 } as const;

function scheme(algorithm: SignatureAlgorithm): Scheme {
  if (algorithm === 'ed25519' || algorithm === 'ed448') return { kind: 'eddsa', key: algorithm };
  const [family, second, third] = algorithm.split('-') as [string, string, string?];
  if (family === 'ecdsa') return { kind: 'ecdsa', curve: curves[second as keyof typeof curves], hash: third! };
  if (second === 'pkcs1') return { kind: 'rsa-pkcs1', hash: third! };
  return { kind: 'rsa-pss', hash: third!, saltLength: hashLength[third as keyof typeof hashLength] };
}

function keyMatches(key: KeyObject, wanted: Scheme): boolean {
  switch (wanted.kind) {
    case 'ecdsa':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === wanted.curve;
    case 'rsa-pkcs1':
    case 'rsa-pss':
      return key.asymmetricKeyType === 'rsa';
    case 'eddsa':
      return key.asymmetricKeyType === wanted.key;
  }
}

// Loading a key costs more than an ECDSA verification; chains repeat their issuers' keys, and a
// server its own key on every connection. Bounded: 128 keys of at most 4 KiB (an RSA-16384 SPKI is ~2 KiB).
const KEY_CACHE_ENTRIES = 128;
const KEY_CACHE_MAX_SIZE = 4096;
const keys = new Map<string, KeyObject>();

/** The KeyObject of a SubjectPublicKeyInfo (DER), from the cache; throws for a key node:crypto cannot load. */
export function cachedPublicKey(subjectPublicKeyInfo: Uint8Array): KeyObject {
  if (subjectPublicKeyInfo.length > KEY_CACHE_MAX_SIZE) return createPublicKey({ key: Buffer.from(subjectPublicKeyInfo), format: 'der', type: 'spki' });
  const id = Buffer.from(subjectPublicKeyInfo).toString('latin1');
  let key = keys.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.from(subjectPublicKeyInfo), format: 'der', type: 'spki' });
    keys.set(id, key);
    if (keys.size > KEY_CACHE_ENTRIES) keys.delete(keys.keys().next().value!);
  }
  return key;
}

/**
 * Verifies with node:crypto's synchronous `crypto.verify`. A key of another family or curve than
 * `algorithm` names, or a key node:crypto cannot load, verifies nothing.
 *
 * @example
 * ```ts
 * import { nodeSignatureVerifier } from './node-signature-verifier.js';
 * nodeSignatureVerifier.verifySignature('ed25519', spki, message, signature); // true or false
 * ```
 */
export const nodeSignatureVerifier: SignatureVerifier = Object.freeze({
  verifySignature(algorithm: SignatureAlgorithm, subjectPublicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
    try {
      const wanted = scheme(algorithm);
      const key = cachedPublicKey(subjectPublicKeyInfo);
      if (!keyMatches(key, wanted)) return false;
      switch (wanted.kind) {
        case 'ecdsa':
          return verify(wanted.hash, data, { key, dsaEncoding: 'der' }, signature);
        case 'rsa-pkcs1':
          return verify(wanted.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
        case 'rsa-pss':
          return verify(wanted.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: wanted.saltLength }, signature);
        case 'eddsa':
          return verify(null, data, key, signature);
      }
    } catch {
      // node:crypto throws for malformed keys or signatures; for the validator that is "does not verify".
      return false;
    }
  },
});
