/**
 * SubjectPublicKeyInfo (RFC 5280 4.1.2.7) decoding and the key policy: RSA (RFC 3279 2.3.1) of
 * 2048 to 8192 bits in whole bytes, ECDSA on the named curves P-256/P-384/P-521 with uncompressed
 * points (RFC 5480 2.1.1, 2.2; explicit curve parameters are refused, CA/B Forum BR 7.1.3.1.2),
 * Ed25519 and Ed448 (RFC 8410 3). DSA, P-192 and everything else are refused.
 *
 * @module
 */
import type { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { loadEcc, loadRsa, loadX509 } from './asn1-stack.js';
import { DerError, parseDer } from './der.js';
import { VerificationFailure, invalid } from './failure.js';

export type NamedCurve = 'p256' | 'p384' | 'p521';

/** A public key in the raw parts a crypto provider needs. */
export type SubjectPublicKey =
  | { readonly kind: 'rsa'; readonly modulus: Uint8Array; readonly exponent: Uint8Array; readonly bits: number }
  /** `point` is the uncompressed SEC 1 point, 0x04 || X || Y. */
  | { readonly kind: 'ec'; readonly curve: NamedCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519' | 'ed448'; readonly key: Uint8Array };

/** The bounds of RSA keys, in bits (CA/B Forum BR 6.1.5 for the minimum; webpki's maximum). */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';
const curveByOid: Record<string, { curve: NamedCurve; pointLength: number }> = {
  '1.2.840.10045.3.1.7': { curve: 'p256', pointLength: 65 },
  '1.3.132.0.34': { curve: 'p384', pointLength: 97 },
  '1.3.132.0.35': { curve: 'p521', pointLength: 133 },
};

// @peculiar/asn1-schema decodes a NULL as null and absent parameters as undefined.
const isDerNull = (parameters: ArrayBuffer | null | undefined) => parameters === null;

function unsigned(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function bitLength(magnitude: Uint8Array): number {
  const top = magnitude[0] ?? 0;
  return top === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(top));
}

function rsaKey(info: SubjectPublicKeyInfo): SubjectPublicKey {
  // RFC 3279 2.3.1: the parameters MUST be NULL.
  if (!isDerNull(info.algorithm.parameters)) throw invalid('UNSUPPORTED_PUBLIC_KEY', 'an RSA key must have NULL parameters (RFC 3279 2.3.1)');
  const key = parseDer(new Uint8Array(info.subjectPublicKey), loadRsa().RSAPublicKey);
  const modulus = new Uint8Array(key.modulus);
  const exponent = new Uint8Array(key.publicExponent);
  if ((modulus[0] ?? 0) & 0x80 || (exponent[0] ?? 0) & 0x80) throw invalid('UNSUPPORTED_PUBLIC_KEY', 'the RSA key has a negative modulus or exponent');
  const n = unsigned(modulus);
  const e = unsigned(exponent);
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS || bits % 8 !== 0) {
    throw new VerificationFailure('invalid-certificate', 'WEAK_PUBLIC_KEY', `an RSA key of ${bits} bits is refused: it must be ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits in whole bytes (CA/B Forum BR 6.1.5)`);
  }
  // An even or unit exponent is no RSA key (RFC 8017 3.1).
  if (e.length === 0 || (e[e.length - 1]! & 1) === 0 || (e.length === 1 && e[0]! < 3)) throw invalid('UNSUPPORTED_PUBLIC_KEY', 'the RSA public exponent is not an odd number >= 3');
  return { kind: 'rsa', modulus: n, exponent: e, bits };
}

function ecKey(info: SubjectPublicKeyInfo): SubjectPublicKey {
  const parameters = info.algorithm.parameters;
  if (!parameters) throw invalid('UNSUPPORTED_PUBLIC_KEY', 'an EC key must name its curve (RFC 5480 2.1.1)');
  const named = parseDer(new Uint8Array(parameters), loadEcc().ECParameters).namedCurve;
  const curve = named === undefined ? undefined : curveByOid[named];
  if (curve === undefined) {
    throw new VerificationFailure(
      'invalid-certificate',
      'UNSUPPORTED_PUBLIC_KEY',
      named === undefined ? 'EC keys with explicit curve parameters are refused (RFC 5480 2.1.1.1)' : `the EC curve ${named} is not supported (P-256, P-384, P-521 are)`,
    );
  }
  const point = new Uint8Array(info.subjectPublicKey);
  if (point.length !== curve.pointLength || point[0] !== 0x04) throw invalid('UNSUPPORTED_PUBLIC_KEY', `the ${curve.curve} key is not an uncompressed point (RFC 5480 2.2)`);
  return { kind: 'ec', curve: curve.curve, point };
}

function edwardsKey(info: SubjectPublicKeyInfo, kind: 'ed25519' | 'ed448', length: number): SubjectPublicKey {
  // RFC 8410 3: the parameters MUST be absent.
  if (info.algorithm.parameters !== undefined) throw invalid('UNSUPPORTED_PUBLIC_KEY', `an ${kind} key must have no parameters (RFC 8410 3)`);
  const key = new Uint8Array(info.subjectPublicKey);
  if (key.length !== length) throw invalid('UNSUPPORTED_PUBLIC_KEY', `an ${kind} key must be ${length} bytes`);
  return { kind, key };
}

/**
 * Decodes a DER SubjectPublicKeyInfo and applies the key policy.
 *
 * @throws VerificationFailure (`invalid-certificate`, code UNSUPPORTED_PUBLIC_KEY or
 *   WEAK_PUBLIC_KEY) for malformed, unsupported or too weak keys.
 */
export function parseSubjectPublicKey(subjectPublicKeyInfo: Uint8Array): SubjectPublicKey {
  try {
    const info = parseDer(subjectPublicKeyInfo, loadX509().SubjectPublicKeyInfo);
    switch (info.algorithm.algorithm) {
      case RSA_ENCRYPTION:
        return rsaKey(info);
      case EC_PUBLIC_KEY:
        return ecKey(info);
      case ED25519:
        return edwardsKey(info, 'ed25519', 32);
      case ED448:
        return edwardsKey(info, 'ed448', 57);
      default:
        throw invalid('UNSUPPORTED_PUBLIC_KEY', `public keys of algorithm ${info.algorithm.algorithm} are not supported (RSA, ECDSA P-256/P-384/P-521, Ed25519 and Ed448 are)`);
    }
  } catch (error) {
    if (error instanceof DerError) throw invalid('UNSUPPORTED_PUBLIC_KEY', `malformed public key: ${error.message}`);
    throw error;
  }
}
