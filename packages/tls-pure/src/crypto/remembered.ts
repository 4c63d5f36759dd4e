/**
 * Certificate signature checks remembered by their exact inputs. Servers present the same chains on
 * every connection, and a chain the validator has already decoded (its certificate cache) then costs
 * no public-key operation either. Only successes are kept, and only for inputs identical byte for
 * byte (algorithm, key, signed data and signature: the check is a pure function of them), so nothing
 * is accepted that was not verified; the memory is bounded (at most {@link REMEMBERED_ENTRIES}
 * entries of at most {@link REMEMBERED_MAX_INPUT} bytes; least recently used entries go first).
 *
 * @module
 */
import { bytesKey } from '../x509/certificate.js';
import type { SignatureAlgorithm, SignatureVerifier } from '../x509/signature-verifier.js';

/** How many successes a remembering verifier keeps. */
export const REMEMBERED_ENTRIES = 256;
/** Inputs (key, data and signature together) of this many bytes or more are checked every time: keys are made of the inputs themselves. */
export const REMEMBERED_MAX_INPUT = 16 * 1024;

/** `verifier.verifySignature`, remembering up to {@link REMEMBERED_ENTRIES} successes (LRU). */
export function rememberSuccesses(verifier: SignatureVerifier): SignatureVerifier['verifySignature'] {
  const verified = new Map<string, true>();
  return (algorithm: SignatureAlgorithm, publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean => {
    if (publicKeyInfo.length + data.length + signature.length >= REMEMBERED_MAX_INPUT) return verifier.verifySignature(algorithm, publicKeyInfo, data, signature);
    // The algorithm (no spaces) and two lengths first, so no two different inputs make the same key.
    const key = `${algorithm} ${publicKeyInfo.length} ${signature.length} ${bytesKey(publicKeyInfo)}${bytesKey(signature)}${bytesKey(data)}`;
    if (verified.has(key)) {
      verified.delete(key);
      verified.set(key, true);
      return true;
    }
    const valid = verifier.verifySignature(algorithm, publicKeyInfo, data, signature);
    if (valid) {
      verified.set(key, true);
      if (verified.size > REMEMBERED_ENTRIES) verified.delete(verified.keys().next().value!);
    }
    return valid;
  };
}
