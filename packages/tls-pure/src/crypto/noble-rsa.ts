/**
 * RSA for the @noble provider: RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 8017 §8) from
 * micro-rsa-dsa-dh, the @noble author's RSA package (on @noble/hashes); this file only maps TLS
 * schemes and key encodings onto it. Verification is public-key work. Signing (a server or client
 * certificate with an RSA key) uses JavaScript BigInt modular exponentiation without CRT or
 * blinding, which is not constant-time: prefer ECDSA or Ed25519 keys with this provider.
 *
 * @module
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { loadRsa, loadSchema, loadX509 } from '../x509/asn1-stack.js';
import { PKCS1_SHA256, PKCS1_SHA384, PKCS1_SHA512, PSS, mgf1, type PrivateKey, type PublicKey } from 'micro-rsa-dsa-dh/rsa.js';
import { SignatureScheme } from '../codec/constants.js';
import { toHex } from '../codec/hex.js';
import type { HashAlgorithm, SigningKey } from './provider.js';
import { RSAE_SCHEMES } from './schemes.js';

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const PKCS1 = { sha256: PKCS1_SHA256, sha384: PKCS1_SHA384, sha512: PKCS1_SHA512 } as const;
// RFC 8446 §4.2.3 and RFC 4055: MGF1 with the same hash, a salt as long as the digest.
const PSS_BY_HASH = {
  sha256: PSS(sha256, mgf1(sha256), 32),
  sha384: PSS(sha384, mgf1(sha384), 48),
  sha512: PSS(sha512, mgf1(sha512), 64),
} as const;

/** RSA padding and hash of a TLS scheme, or null for a scheme that is not rsaEncryption-keyed RSA. */
export function rsaScheme(scheme: number): { padding: 'pkcs1' | 'pss'; hash: HashAlgorithm } | null {
  switch (scheme) {
    case SignatureScheme.rsa_pkcs1_sha256:
      return { padding: 'pkcs1', hash: 'sha256' };
    case SignatureScheme.rsa_pkcs1_sha384:
      return { padding: 'pkcs1', hash: 'sha384' };
    case SignatureScheme.rsa_pkcs1_sha512:
      return { padding: 'pkcs1', hash: 'sha512' };
    case SignatureScheme.rsa_pss_rsae_sha256:
      return { padding: 'pss', hash: 'sha256' };
    case SignatureScheme.rsa_pss_rsae_sha384:
      return { padding: 'pss', hash: 'sha384' };
    case SignatureScheme.rsa_pss_rsae_sha512:
      return { padding: 'pss', hash: 'sha512' };
    default:
      return null;
  }
}

const toBigInt = (bytes: Uint8Array | ArrayBuffer) => {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return view.length === 0 ? 0n : BigInt(`0x${toHex(view)}`);
};
const byteLength = (n: bigint) => Math.ceil(n.toString(16).length / 2);

function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

/**
 * Checks an RSA signature (`modulus`, `exponent`: the key's unsigned big-endian integers).
 * False for a bad signature, one of the wrong length (RFC 8017 §8.1.2 step 1), or a malformed key.
 */
export function rsaVerify(padding: 'pkcs1' | 'pss', hash: HashAlgorithm, modulus: Uint8Array, exponent: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key: PublicKey = { n: toBigInt(modulus), e: toBigInt(exponent) };
    if (signature.length !== byteLength(key.n)) return false;
    return padding === 'pss' ? PSS_BY_HASH[hash].verify(key, message, signature) : PKCS1[hash].verify(key, message, signature);
  } catch {
    return false;
  }
}

/** An RSA signing key from DER PKCS#1 RSAPrivateKey (PKCS#8 is unwrapped by the caller). */
export function rsaSigningKey(pkcs1: Uint8Array): SigningKey {
  const { AsnConvert } = loadSchema();
  const { RSAPrivateKey, RSAPublicKey } = loadRsa();
  const { AlgorithmIdentifier, SubjectPublicKeyInfo } = loadX509();
  const parsed = AsnConvert.parse(pkcs1, RSAPrivateKey);
  const n = toBigInt(parsed.modulus);
  const key: PrivateKey = { n, d: toBigInt(parsed.privateExponent) };
  const length = byteLength(n);
  const publicKey = new RSAPublicKey({ modulus: parsed.modulus, publicExponent: parsed.publicExponent });
  const publicKeyInfo = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: RSA_ENCRYPTION, parameters: null }),
    subjectPublicKey: AsnConvert.serialize(publicKey),
  });
  return {
    schemes: RSAE_SCHEMES,
    publicKeyInfo: new Uint8Array(AsnConvert.serialize(publicKeyInfo)),
    sign(scheme, message) {
      const chosen = rsaScheme(scheme);
      if (chosen === null) throw new RangeError(`this key cannot sign with scheme 0x${scheme.toString(16)}`);
      const signature = chosen.padding === 'pss' ? PSS_BY_HASH[chosen.hash].sign(key, message) : PKCS1[chosen.hash].sign(key, message);
      return leftPad(signature, length);
    },
  };
}
