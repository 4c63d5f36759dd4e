/**
 * Which {@link SignatureAlgorithm} a certificate's signatureAlgorithm (RFC 5280 4.1.1.2) means
 * with its issuer's key: RSASSA-PKCS1-v1_5 and RSASSA-PSS with SHA-256/384/512 (RFC 4055),
 * ECDSA with SHA-256/384/512 (RFC 5758 3.2), Ed25519 and Ed448 (RFC 8410 6). SHA-1, MD5, DSA and
 * RSA-PSS with any parameters but the canonical ones are refused.
 *
 * @module
 */
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { loadRsa, loadX509 } from './asn1-stack.js';
import { DerError, parseDer } from './der.js';
import { VerificationFailure } from './failure.js';
import type { SubjectPublicKey } from './public-key.js';
import type { SignatureAlgorithm } from './signature-verifier.js';

type Hash = 'sha256' | 'sha384' | 'sha512';
type Scheme = { family: 'ecdsa' | 'rsa-pkcs1' | 'rsa-pss'; hash: Hash } | { family: 'ed25519' | 'ed448' };

const hashByOid: Record<string, Hash> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const hashLength: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };
const pkcs1ByOid: Record<string, Hash> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const ecdsaByOid: Record<string, Hash> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';

function unsupported(message: string): VerificationFailure {
  return new VerificationFailure('invalid-certificate', 'UNSUPPORTED_SIGNATURE_ALGORITHM', message);
}

// @peculiar/asn1-schema decodes absent parameters as undefined and a NULL as null.
const absent = (parameters: ArrayBuffer | null | undefined) => parameters === undefined;
const absentOrNull = (parameters: ArrayBuffer | null | undefined) => parameters === undefined || parameters === null;

/** RFC 4055 3.1 parameters, accepted only as TLS 1.3 uses them: one hash throughout, salt = hash length. */
function pssHash(parameters: ArrayBuffer | null | undefined): Hash {
  if (parameters === undefined || parameters === null) throw unsupported('RSASSA-PSS without parameters means SHA-1, which is refused');
  const params = parseDer(new Uint8Array(parameters), loadRsa().RsaSaPssParams);
  const hash = hashByOid[params.hashAlgorithm.algorithm];
  if (hash === undefined || !absentOrNull(params.hashAlgorithm.parameters)) throw unsupported('RSASSA-PSS must use SHA-256, SHA-384 or SHA-512');
  const mgfParameters = params.maskGenAlgorithm.parameters;
  if (params.maskGenAlgorithm.algorithm !== MGF1 || mgfParameters === undefined || mgfParameters === null) throw unsupported('RSASSA-PSS must use MGF1');
  const mgfHash = parseDer(new Uint8Array(mgfParameters), loadX509().AlgorithmIdentifier);
  if (hashByOid[mgfHash.algorithm] !== hash || !absentOrNull(mgfHash.parameters)) throw unsupported('RSASSA-PSS must use MGF1 with its own hash');
  if (params.saltLength !== hashLength[hash]) throw unsupported(`RSASSA-PSS with ${hash} must use a ${hashLength[hash]}-byte salt`);
  if (params.trailerField !== 1) throw unsupported('RSASSA-PSS must use trailer field 1');
  return hash;
}

function scheme(identifier: AlgorithmIdentifier): Scheme {
  const { algorithm, parameters } = identifier;
  const pkcs1 = pkcs1ByOid[algorithm];
  // RFC 4055 5: NULL, and absent parameters MUST be accepted too.
  if (pkcs1 !== undefined && absentOrNull(parameters)) return { family: 'rsa-pkcs1', hash: pkcs1 };
  const ecdsa = ecdsaByOid[algorithm];
  // RFC 5758 3.2: the parameters MUST be absent.
  if (ecdsa !== undefined && absent(parameters)) return { family: 'ecdsa', hash: ecdsa };
  if (algorithm === RSASSA_PSS) return { family: 'rsa-pss', hash: pssHash(parameters) };
  if ((algorithm === ED25519 || algorithm === ED448) && absent(parameters)) return { family: algorithm === ED25519 ? 'ed25519' : 'ed448' };
  throw unsupported(`the signature algorithm ${algorithm} (with these parameters) is not supported`);
}

/**
 * The scheme to verify a signature made with `identifier` by `issuerKey`.
 *
 * @throws VerificationFailure (`invalid-certificate`, UNSUPPORTED_SIGNATURE_ALGORITHM) when the
 *   algorithm is refused or does not fit the key.
 */
export function signatureAlgorithmFor(identifier: AlgorithmIdentifier, issuerKey: SubjectPublicKey): SignatureAlgorithm {
  let resolved: Scheme;
  try {
    resolved = scheme(identifier);
  } catch (error) {
    if (error instanceof DerError) throw unsupported(`malformed signature algorithm parameters: ${error.message}`);
    throw error;
  }
  switch (resolved.family) {
    case 'ecdsa':
      if (issuerKey.kind === 'ec') return `ecdsa-${issuerKey.curve}-${resolved.hash}`;
      break;
    case 'rsa-pkcs1':
    case 'rsa-pss':
      if (issuerKey.kind === 'rsa') return `${resolved.family}-${resolved.hash}`;
      break;
    case 'ed25519':
    case 'ed448':
      if (issuerKey.kind === resolved.family) return resolved.family;
      break;
  }
  throw unsupported(`a ${resolved.family} signature cannot come from the issuer's ${issuerKey.kind} key`);
}
