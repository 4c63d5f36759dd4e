/**
 * The TLS 1.2 PRF (RFC 5246 §5): P_hash over the provider's HMAC, with the suite's hash, plus the
 * secrets built on it: the extended master secret (RFC 7627 §4), the key block and Finished.
 *
 * @module
 */
import { concat } from '../codec/writer.js';
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';

export function prf(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelSeed = concat(new TextEncoder().encode(label), seed);
  const out = new Uint8Array(length);
  let a = labelSeed; // A(0)
  for (let offset = 0; offset < length; ) {
    a = Uint8Array.from(provider.hmac(hash, secret, a));
    const block = provider.hmac(hash, secret, concat(a, labelSeed));
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/** master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627 §4). */
export function extendedMasterSecret(provider: CryptoProvider, hash: HashAlgorithm, preMaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(provider, hash, preMaster, 'extended master secret', sessionHash, 48);
}

/** The AEAD keys and IVs of both directions (RFC 5246 §6.3; AEAD suites have no MAC keys). */
export function keyBlock(provider: CryptoProvider, hash: HashAlgorithm, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, keyLength: number, ivLength: number) {
  const block = prf(provider, hash, master, 'key expansion', concat(serverRandom, clientRandom), 2 * (keyLength + ivLength));
  let at = 0;
  const take = (n: number) => block.slice(at, (at += n));
  const clientKey = take(keyLength);
  const serverKey = take(keyLength);
  return { clientKey, serverKey, clientIv: take(ivLength), serverIv: take(ivLength) };
}

/** verify_data of Finished (RFC 5246 §7.4.9): 12 bytes. */
export function finished12(provider: CryptoProvider, hash: HashAlgorithm, master: Uint8Array, side: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  return prf(provider, hash, master, `${side} finished`, transcriptHash, 12);
}
