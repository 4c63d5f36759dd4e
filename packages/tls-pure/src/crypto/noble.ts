/**
 * A provider over the audited @noble packages (@noble/hashes, @noble/ciphers, @noble/curves,
 * @noble/post-quantum), for runtimes without node:crypto. Pure JavaScript: side-channel
 * resistance is what those libraries document (constant-time field arithmetic where JavaScript
 * allows it; no guarantees against timing of the JIT or the garbage collector).
 *
 * Two pieces come from elsewhere, as none of the @noble packages has them: RSA signatures from
 * micro-rsa-dsa-dh (the same author's package, not audited; BigInt signing is not constant-time,
 * see noble-rsa.ts), and AES-CCM composed from @noble/ciphers' CBC and CTR modes (ccm.ts).
 *
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { equalBytes, randomBytes } from '@noble/ciphers/utils.js';
import { ed25519, x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { NamedGroup, SignatureScheme } from '../codec/constants.js';
import { fromHex, toHex } from '../codec/hex.js';
import { childrenOf, contentBytes, decodeDer } from '../x509/der.js';
import { parseSubjectPublicKey, type SubjectPublicKey } from '../x509/public-key.js';
import type { SignatureAlgorithm } from '../x509/signature-verifier.js';
import { aesCcm } from './ccm.js';
import { hybridClient, hybridServer } from './hybrid.js';
import { nobleMlKem768 } from './ml-kem.js';
import { rsaScheme, rsaSigningKey, rsaVerify } from './noble-rsa.js';
import { rememberSuccesses } from './remembered.js';
import { checkSealTarget, type Aead, type AeadAlgorithm, type CryptoProvider, type HashAlgorithm, type HashState, type KeyExchange, type SigningKey } from './provider.js';
import { schemeHash } from './schemes.js';

const HASHES = { sha256, sha384, sha512 } as const;

type NobleHash = { update(data: Uint8Array): unknown; digest(): Uint8Array; clone(): NobleHash };

class NobleHashState implements HashState {
  readonly #hash: NobleHash;
  constructor(hash: NobleHash) {
    this.#hash = hash;
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Uint8Array {
    return this.#hash.clone().digest();
  }
  clone(): HashState {
    return new NobleHashState(this.#hash.clone());
  }
}

const AEADS = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305', 'aes-128-ccm', 'aes-256-ccm', 'aes-128-ccm-8', 'aes-256-ccm-8'] as const satisfies readonly AeadAlgorithm[];

function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function aead(algorithm: AeadAlgorithm, key: Uint8Array): Aead {
  if (!(AEADS as readonly string[]).includes(algorithm)) throw new RangeError(`the @noble provider has no ${algorithm}`);
  const keyCopy = Uint8Array.from(key);
  const tagLength = algorithm.endsWith('-8') ? 8 : 16;
  const make =
    algorithm === 'chacha20-poly1305'
      ? (nonce: Uint8Array, aad: Uint8Array) => chacha20poly1305(keyCopy, nonce, aad)
      : algorithm.endsWith('gcm')
        ? (nonce: Uint8Array, aad: Uint8Array) => gcm(keyCopy, nonce, aad)
        : ccmCipher(aesCcm(keyCopy, tagLength));
  return {
    tagLength,
    seal(nonce, additionalData, plaintext, prefix) {
      const sealed = make(nonce, additionalData).encrypt(plaintext instanceof Uint8Array ? plaintext : join(plaintext));
      return prefix === undefined ? sealed : join([prefix, sealed]);
    },
    // @noble's GCM and CCM take no output buffer, and its ChaCha20-Poly1305 only a 4-byte aligned
    // one (a record's ciphertext starts 5 bytes into it): sealed, then copied in.
    sealInto(nonce, additionalData, plaintext, target, offset) {
      checkSealTarget(plaintext, target, offset, plaintext.length + tagLength);
      const sealed = make(nonce, additionalData).encrypt(plaintext);
      target.set(sealed, offset);
      return sealed.length;
    },
    open(nonce, additionalData, ciphertext) {
      try {
        return make(nonce, additionalData).decrypt(ciphertext);
      } catch {
        return null;
      }
    },
  };
}

/** AES-CCM in the shape of @noble's ciphers (decrypt throws on a bad tag). */
function ccmCipher(ccm: ReturnType<typeof aesCcm>) {
  return (nonce: Uint8Array, aad: Uint8Array) => ({
    encrypt: (plaintext: Uint8Array) => ccm.seal(nonce, aad, plaintext),
    decrypt(sealed: Uint8Array): Uint8Array {
      const opened = ccm.open(nonce, aad, sealed);
      if (opened === null) throw new Error('AES-CCM: the tag does not verify');
      return opened;
    },
  });
}

type Curve = typeof p256;
const CURVES: Record<'p256' | 'p384' | 'p521', { curve: Curve; hash: HashAlgorithm; scheme: number }> = {
  p256: { curve: p256, hash: 'sha256', scheme: SignatureScheme.ecdsa_secp256r1_sha256 },
  p384: { curve: p384 as unknown as Curve, hash: 'sha384', scheme: SignatureScheme.ecdsa_secp384r1_sha384 },
  p521: { curve: p521 as unknown as Curve, hash: 'sha512', scheme: SignatureScheme.ecdsa_secp521r1_sha512 },
};

function x25519(privateKey?: Uint8Array): KeyExchange {
  const secretKey = privateKey ?? nobleX25519.utils.randomSecretKey();
  return {
    group: NamedGroup.x25519,
    publicKey: nobleX25519.getPublicKey(secretKey),
    // getSharedSecret refuses low-order points (the all-zero result) itself.
    agree: (peer) => {
      if (peer.length !== 32) throw new RangeError(`an X25519 key_exchange is 32 bytes, got ${peer.length}`);
      return nobleX25519.getSharedSecret(secretKey, peer);
    },
  };
}

function nist(group: number, curve: Curve, pointLength: number, privateKey?: Uint8Array): KeyExchange {
  const secretKey = privateKey ?? curve.utils.randomSecretKey();
  return {
    group,
    publicKey: curve.getPublicKey(secretKey, false),
    agree(peer) {
      if (peer.length !== pointLength || peer[0] !== 4) throw new RangeError(`an uncompressed point is ${pointLength} bytes starting with 04`);
      // The shared secret is the x-coordinate (RFC 8446 §7.4.2); fromBytes checks the point is on the curve.
      return curve.getSharedSecret(secretKey, peer, true).subarray(1);
    },
  };
}

function keyExchange(group: number, privateKey?: Uint8Array): KeyExchange {
  switch (group) {
    case NamedGroup.X25519MLKEM768:
      return hybridClient(x25519(), nobleMlKem768);
    case NamedGroup.x25519:
      return x25519(privateKey);
    case NamedGroup.secp256r1:
      return nist(group, p256, 65, privateKey);
    case NamedGroup.secp384r1:
      return nist(group, CURVES.p384.curve, 97, privateKey);
    default:
      throw new RangeError(`@noble provider: group 0x${group.toString(16)} is not supported`);
  }
}

// DER pieces of PKCS#8 / SEC1 / SPKI for the key types this provider signs with.
const OID = {
  ecPublicKey: '2a8648ce3d0201',
  p256: '2a8648ce3d030107',
  p384: '2b81040022',
  p521: '2b81040023',
  ed25519: '2b6570',
  rsaEncryption: '2a864886f70d010101',
} as const;

function pemBody(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 65536));
  if (!text.includes('-----BEGIN ')) return bytes;
  if (text.includes('ENCRYPTED PRIVATE KEY')) throw new RangeError('encrypted private keys are not supported');
  const match = /-----BEGIN (EC |RSA |)PRIVATE KEY-----([\s\S]+?)-----END \1PRIVATE KEY-----/.exec(text);
  if (match === null) throw new RangeError('no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block');
  return Uint8Array.from(atob(match[2]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
}

type ParsedKey = { kind: 'ec'; curve: keyof typeof CURVES; secret: Uint8Array } | { kind: 'ed25519'; secret: Uint8Array } | { kind: 'rsa'; pkcs1: Uint8Array };

const isInteger = (block: unknown) => {
  const id = (block as { idBlock: { tagClass: number; tagNumber: number } }).idBlock;
  return id.tagClass === 1 && id.tagNumber === 2;
};

/** An ECDSA, Ed25519 or RSA private key from PKCS#8, SEC1 or PKCS#1 DER. */
function parsePrivateKey(der: Uint8Array): ParsedKey {
  const top = childrenOf(decodeDer(der));
  const second = top[1];
  // PKCS#1 RSAPrivateKey: version, then the modulus (an INTEGER, where SEC1 has an OCTET STRING).
  if (second !== undefined && isInteger(second)) return { kind: 'rsa', pkcs1: der };
  if (second !== undefined && childrenOf(second).length > 0) {
    // PKCS#8: version, AlgorithmIdentifier, OCTET STRING privateKey
    const [algorithm, parameters] = childrenOf(second).map(contentBytes);
    const inner = contentBytes(top[2]!);
    if (toHex(algorithm!) === OID.ed25519) return { kind: 'ed25519', secret: contentBytes(decodeDer(inner)) };
    if (toHex(algorithm!) === OID.rsaEncryption) return { kind: 'rsa', pkcs1: inner };
    if (toHex(algorithm!) !== OID.ecPublicKey) throw new RangeError('an unsupported private key type (the @noble provider signs with ECDSA, Ed25519 and RSA)');
    return { kind: 'ec', curve: curveOf(parameters!), secret: contentBytes(childrenOf(decodeDer(inner))[1]!) };
  }
  // SEC1 ECPrivateKey: version, OCTET STRING key, [0] parameters
  const parameters = top.find((block) => (block as { idBlock: { tagClass: number; tagNumber: number } }).idBlock.tagClass === 3);
  if (parameters === undefined) throw new RangeError('an EC private key without its curve');
  return { kind: 'ec', curve: curveOf(contentBytes(childrenOf(parameters)[0]!)), secret: contentBytes(top[1]!) };
}

function curveOf(oid: Uint8Array): keyof typeof CURVES {
  const name = (Object.keys(CURVES) as Array<keyof typeof CURVES>).find((c) => OID[c] === toHex(oid));
  if (name === undefined) throw new RangeError('an EC key on a curve this provider does not support');
  return name;
}

const SPKI_PREFIX = {
  p256: '3059301306072a8648ce3d020106082a8648ce3d030107034200',
  p384: '3076301006072a8648ce3d020106052b81040022036200',
  p521: '30819b301006072a8648ce3d020106052b8104002303818600',
  ed25519: '302a300506032b6570032100',
};

function signingKey(bytes: Uint8Array): SigningKey {
  const key = parsePrivateKey(pemBody(bytes));
  if (key.kind === 'rsa') return rsaSigningKey(key.pkcs1);
  if (key.kind === 'ed25519') {
    const publicKey = ed25519.getPublicKey(key.secret);
    return {
      schemes: [SignatureScheme.ed25519],
      publicKeyInfo: Uint8Array.from([...fromHex(SPKI_PREFIX.ed25519), ...publicKey]),
      sign(scheme, message) {
        if (scheme !== SignatureScheme.ed25519) throw new RangeError(`this key cannot sign with scheme 0x${scheme.toString(16)}`);
        return ed25519.sign(message, key.secret);
      },
    };
  }
  const { curve, hash, scheme: ours } = CURVES[key.curve];
  const point = curve.getPublicKey(key.secret, false);
  return {
    schemes: [ours],
    publicKeyInfo: Uint8Array.from([...fromHex(SPKI_PREFIX[key.curve]), ...point]),
    sign(scheme, message) {
      if (scheme !== ours) throw new RangeError(`this key cannot sign with scheme 0x${scheme.toString(16)}`);
      return curve.sign(HASHES[hash](message), key.secret, { prehash: false, format: 'der' });
    },
  };
}

function ecdsaVerify(key: SubjectPublicKey, curve: 'p256' | 'p384' | 'p521', hash: HashAlgorithm, message: Uint8Array, signature: Uint8Array): boolean {
  if (key.kind !== 'ec' || key.curve !== curve) return false;
  return CURVES[curve].curve.verify(signature, HASHES[hash](message), key.point, { prehash: false, format: 'der', lowS: false });
}

function verifyScheme(scheme: number, publicKeyInfo: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = parseSubjectPublicKey(publicKeyInfo);
    if (scheme === SignatureScheme.ed25519) return key.kind === 'ed25519' && ed25519.verify(signature, message, key.key);
    const rsa = rsaScheme(scheme);
    if (rsa !== null) return key.kind === 'rsa' && rsaVerify(rsa.padding, rsa.hash, key.modulus, key.exponent, message, signature);
    const curve = (Object.keys(CURVES) as Array<keyof typeof CURVES>).find((c) => CURVES[c].scheme === scheme);
    if (curve === undefined) return false; // rsa_pss_pss_* (RSASSA-PSS keys): not available here
    return ecdsaVerify(key, curve, schemeHash(scheme)!, message, signature);
  } catch {
    return false;
  }
}

function verifySignature(algorithm: SignatureAlgorithm, publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = parseSubjectPublicKey(publicKeyInfo);
    if (algorithm === 'ed25519') return key.kind === 'ed25519' && ed25519.verify(signature, data, key.key);
    const [family, curve, hash] = algorithm.split('-') as [string, string, HashAlgorithm];
    if (family === 'rsa') return key.kind === 'rsa' && rsaVerify(curve as 'pkcs1' | 'pss', hash, key.modulus, key.exponent, data, signature);
    if (family !== 'ecdsa') return false; // Ed448: not available here
    return ecdsaVerify(key, curve as 'p256', hash, data, signature);
  } catch {
    return false;
  }
}

/** The provider over the @noble packages (RSA from micro-rsa-dsa-dh, AES-CCM composed from @noble/ciphers; see the module notes). */
export const nobleCryptoProvider: CryptoProvider = Object.freeze({
  name: '@noble',
  random: (length: number) => randomBytes(length),
  hash: (algorithm: HashAlgorithm, data: Uint8Array) => HASHES[algorithm](data),
  createHash: (algorithm: HashAlgorithm) => new NobleHashState(HASHES[algorithm].create() as unknown as NobleHash),
  hmac: (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) => hmac(HASHES[algorithm], key, data),
  hkdfExtract: (algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array) => extract(HASHES[algorithm], ikm, salt),
  hkdfExpand: (algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number) => expand(HASHES[algorithm], prk, info, length),
  aead,
  aeads: AEADS,
  groups: Object.freeze([NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]),
  keyExchange,
  acceptKeyShare(group: number, clientShare: Uint8Array) {
    if (group === NamedGroup.X25519MLKEM768) return hybridServer(x25519(), clientShare, nobleMlKem768);
    const ours = keyExchange(group);
    return { publicKey: ours.publicKey, sharedSecret: ours.agree(clientShare) };
  },
  signingKey,
  verify: verifyScheme,
  verifySignature: rememberSuccesses({ verifySignature }),
  equal: (a: Uint8Array, b: Uint8Array) => equalBytes(a, b),
});

