/**
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3, group 0x11EC): a post-quantum hybrid of ML-KEM-768
 * (FIPS 203, from the provider's choice in ml-kem.ts, since Node 20 has no ML-KEM) and X25519 (from
 * the provider). Shares are the ML-KEM part first, then X25519's 32 bytes; the secret is ML-KEM's,
 * then X25519's.
 *
 * @module
 */
import { NamedGroup } from '../codec/constants.js';
import { ML_KEM_768_CT as CT, ML_KEM_768_EK as EK, type MlKem768 } from './ml-kem.js';
import type { KeyExchange } from './provider.js';

/** The client side: an ML-KEM-768 key pair from `kem` beside `x25519`'s. */
export function hybridClient(x25519: KeyExchange, kem: MlKem768): KeyExchange {
  const keyPair = kem.generate();
  const share = new Uint8Array(EK + 32);
  share.set(keyPair.encapsulationKey);
  share.set(x25519.publicKey, EK);
  return {
    group: NamedGroup.X25519MLKEM768,
    publicKey: share,
    classical: x25519,
    agree(peer: Uint8Array): Uint8Array {
      if (peer.length !== CT + 32) throw new RangeError(`an X25519MLKEM768 server share is ${CT + 32} bytes, got ${peer.length}`);
      const secret = keyPair.decapsulate(peer.subarray(0, CT));
      return concat(secret, x25519.agree(peer.subarray(CT)));
    },
  };
}

/** The server side: encapsulates to the client's ML-KEM key with `kem` and answers its X25519 key with `x25519`. */
export function hybridServer(x25519: KeyExchange, clientShare: Uint8Array, kem: MlKem768): { publicKey: Uint8Array; sharedSecret: Uint8Array } {
  if (clientShare.length !== EK + 32) throw new RangeError(`an X25519MLKEM768 client share is ${EK + 32} bytes, got ${clientShare.length}`);
  // encapsulate checks the encapsulation key (FIPS 203 §7.2 modulus check) and throws on a bad one.
  const { cipherText, sharedSecret } = kem.encapsulate(clientShare.subarray(0, EK));
  const ecdh = x25519.agree(clientShare.subarray(EK));
  return { publicKey: concat(cipherText, x25519.publicKey), sharedSecret: concat(sharedSecret, ecdh) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
