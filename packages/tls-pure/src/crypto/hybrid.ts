/**
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3, group 0x11EC): a post-quantum hybrid of ML-KEM-768
 * (FIPS 203, from @noble/post-quantum, since Node 20 has no ML-KEM) and X25519 (from the provider).
 * Shares are the ML-KEM part first, then X25519's 32 bytes; the secret is ML-KEM's, then X25519's.
 *
 * @module
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { NamedGroup } from '../codec/constants.js';
import type { KeyExchange } from './provider.js';

const EK = 1184; // ML-KEM-768 encapsulation key
const CT = 1088; // ML-KEM-768 ciphertext

/** The client side: an ML-KEM-768 key pair beside `x25519`'s. */
export function hybridClient(x25519: KeyExchange, seed?: Uint8Array): KeyExchange {
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  const share = new Uint8Array(EK + 32);
  share.set(publicKey);
  share.set(x25519.publicKey, EK);
  return {
    group: NamedGroup.X25519MLKEM768,
    publicKey: share,
    classical: x25519,
    agree(peer: Uint8Array): Uint8Array {
      if (peer.length !== CT + 32) throw new RangeError(`an X25519MLKEM768 server share is ${CT + 32} bytes, got ${peer.length}`);
      const kem = ml_kem768.decapsulate(peer.subarray(0, CT), secretKey);
      return concat(kem, x25519.agree(peer.subarray(CT)));
    },
  };
}

/** The server side: encapsulates to the client's ML-KEM key and answers its X25519 key with `x25519`. */
export function hybridServer(x25519: KeyExchange, clientShare: Uint8Array): { publicKey: Uint8Array; sharedSecret: Uint8Array } {
  if (clientShare.length !== EK + 32) throw new RangeError(`an X25519MLKEM768 client share is ${EK + 32} bytes, got ${clientShare.length}`);
  // encapsulate checks the encapsulation key (FIPS 203 §7.2 modulus check) and throws on a bad one.
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(clientShare.subarray(0, EK));
  const ecdh = x25519.agree(clientShare.subarray(EK));
  return { publicKey: concat(cipherText, x25519.publicKey), sharedSecret: concat(sharedSecret, ecdh) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
