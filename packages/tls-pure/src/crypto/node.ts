/**
 * The default provider, over node:crypto's synchronous functions (OpenSSL's primitives inside
 * Node; only the primitives, never its TLS). Side-channel protections are OpenSSL's: constant-time
 * AES-GCM/ChaCha20-Poly1305/X25519/P-256 code paths, RSA blinding; secrets are compared with
 * crypto.timingSafeEqual.
 *
 * @module
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type CipherGCM,
  type Hash,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { NamedGroup, SignatureScheme } from '../codec/constants.js';
import { releaseMemory } from './release.js';
import { HASH_LENGTH, checkSealTarget, type Aead, type AeadAlgorithm, type CryptoProvider, type HashAlgorithm, type HashState, type KeyExchange, type SigningKey } from './provider.js';
import { hkdfExpandWithHmac } from './hkdf.js';
import { hybridClient, hybridServer } from './hybrid.js';
import { fastestMlKem768, type MlKem768 } from './ml-kem.js';
import { nativeMlKem768 } from './ml-kem-native.js';
import { RSAE_SCHEMES, schemeHash } from './schemes.js';
import { cachedPublicKey, nodeSignatureVerifier } from '../x509/node-signature-verifier.js';
import { rememberSuccesses } from './remembered.js';

class NodeHashState implements HashState {
  readonly #hash: Hash;
  constructor(hash: Hash) {
    this.#hash = hash;
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Uint8Array {
    return this.#hash.copy().digest();
  }
  clone(): HashState {
    return new NodeHashState(this.#hash.copy());
  }
}

const AEAD: Record<AeadAlgorithm, { cipher: string; tag: number; ccm: boolean }> = {
  'aes-128-gcm': { cipher: 'aes-128-gcm', tag: 16, ccm: false },
  'aes-256-gcm': { cipher: 'aes-256-gcm', tag: 16, ccm: false },
  'chacha20-poly1305': { cipher: 'chacha20-poly1305', tag: 16, ccm: false },
  'aes-128-ccm': { cipher: 'aes-128-ccm', tag: 16, ccm: true },
  'aes-256-ccm': { cipher: 'aes-256-ccm', tag: 16, ccm: true },
  'aes-128-ccm-8': { cipher: 'aes-128-ccm', tag: 8, ccm: true },
  'aes-256-ccm-8': { cipher: 'aes-256-ccm', tag: 8, ccm: true },
};

/**
 * No bytes, at an address: node:crypto hands OpenSSL a null pointer for an empty view of a
 * zero-length ArrayBuffer (`new Uint8Array(0)` once its `.buffer` was read), which CCM takes as
 * "no data call" and then fails `final` with "tag not set". An empty view of real memory does not.
 */
const NO_BYTES = Buffer.alloc(1).subarray(0, 0);

/** `bytes`, or {@link NO_BYTES} when empty. */
const nonNull = (bytes: Uint8Array): Uint8Array => (bytes.length === 0 ? NO_BYTES : bytes);

/** The options object node:crypto wants for a tag length other than the mode's default. */
type CipherOptions = { authTagLength: number } | undefined;

class NodeAead implements Aead {
  readonly tagLength: number;
  /** `open` returns `update`'s fresh memory, which `openInto` only copies (Aead.freshOpen). */
  readonly freshOpen = true;
  readonly #cipher: string;
  readonly #ccm: boolean;
  // A KeyObject, imported once per traffic key: every record's cipher then skips the key's
  // conversion and copy (createCipheriv takes a KeyObject's handle as it is).
  readonly #key: KeyObject;
  // GCM and ChaCha20-Poly1305 default to 16-byte tags: no options object to validate per record.
  readonly #options: CipherOptions;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array) {
    const spec = AEAD[algorithm];
    this.#cipher = spec.cipher;
    this.tagLength = spec.tag;
    this.#ccm = spec.ccm;
    this.#key = createSecretKey(key);
    this.#options = spec.ccm ? { authTagLength: spec.tag } : undefined;
  }

  seal(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array | readonly Uint8Array[], prefix?: Uint8Array): Uint8Array {
    const contiguous = plaintext instanceof Uint8Array ? plaintext : plaintext.length === 1 ? plaintext[0]! : Buffer.concat(plaintext);
    const parts = this.sealParts(nonce, additionalData, contiguous, prefix);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * One Cipheriv per record: node:crypto cannot take a new nonce on a keyed cipher, so this is
   * the floor (see the README's performance notes); everything else per record is kept small.
   */
  sealParts(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array): Uint8Array[] {
    const cipher = this.#cipherFor(nonce, additionalData, plaintext.length);
    const body = cipher.update(nonNull(plaintext));
    const rest = cipher.final(); // empty for these AEADs, which encrypt as they go
    const tag = cipher.getAuthTag();
    const out = prefix === undefined || prefix.length === 0 ? [body] : [prefix, body];
    if (rest.length > 0) out.push(rest);
    out.push(tag);
    return out;
  }

  /**
   * {@link Aead.sealInto}: node:crypto has no output argument (its `update` returns fresh memory),
   * so the ciphertext is copied in once; no array of pieces per record.
   */
  sealInto(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, target: Uint8Array, offset: number): number {
    const length = plaintext.length + this.tagLength;
    checkSealTarget(plaintext, target, offset, length);
    const cipher = this.#cipherFor(nonce, additionalData, plaintext.length);
    const body = cipher.update(nonNull(plaintext));
    target.set(body, offset);
    releaseMemory(body); // copied: freed now, never counted by a garbage collection (release.ts)
    const rest = cipher.final(); // empty for these AEADs, which encrypt as they go
    if (rest.length > 0) target.set(rest, offset + body.length);
    target.set(cipher.getAuthTag(), offset + plaintext.length);
    return length;
  }

  /** A Cipheriv for one record, its additional data given. */
  #cipherFor(nonce: Uint8Array, additionalData: Uint8Array, plaintextLength: number): CipherGCM {
    // The option type differs per mode; node:crypto checks it at run time.
    const cipher = createCipheriv(this.#cipher as 'aes-128-gcm', this.#key, nonce, this.#options);
    if (this.#ccm) (cipher as unknown as { setAAD(b: Uint8Array, o: object): void }).setAAD(additionalData, { plaintextLength });
    else cipher.setAAD(additionalData);
    return cipher;
  }

  open(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (ciphertext.length < this.tagLength) return null;
    const split = ciphertext.length - this.tagLength;
    try {
      const decipher = createDecipheriv(this.#cipher as 'aes-128-gcm', this.#key, nonce, this.#options);
      decipher.setAuthTag(ciphertext.subarray(split));
      if (this.#ccm) (decipher as unknown as { setAAD(b: Uint8Array, o: object): void }).setAAD(additionalData, { plaintextLength: split });
      else decipher.setAAD(additionalData);
      const body = decipher.update(split === 0 ? NO_BYTES : ciphertext.subarray(0, split));
      const rest = decipher.final();
      return rest.length === 0 ? body : Buffer.concat([body, rest]);
    } catch {
      return null;
    }
  }

  /**
   * {@link Aead.openInto}: node:crypto decrypts into fresh memory only, so the plaintext is copied
   * to `target` once authenticated and that memory freed at once (release.ts). A record read by
   * recv_into (decrypted in place in the incoming memory, then copied out) so costs one 16 KiB copy
   * more than {@link open} and leaves no ArrayBuffer memory for the garbage collector to count.
   * The ciphertext is read in full before anything is written, so `target` may be `ciphertext`.
   */
  openInto(nonce: Uint8Array, additionalData: Uint8Array, ciphertext: Uint8Array, target: Uint8Array, offset: number): number {
    const length = Math.max(0, ciphertext.length - this.tagLength);
    if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
      throw new RangeError(`openInto: ${length} bytes from offset ${offset} do not fit in a target of ${target.length} bytes`);
    }
    const plaintext = this.open(nonce, additionalData, ciphertext);
    if (plaintext === null) return -1; // nothing written: no plaintext in target
    const count = plaintext.length; // read before the release empties the view
    target.set(plaintext, offset);
    releaseMemory(plaintext);
    return count;
  }
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
// PKCS#8 wrapping of a raw X25519 private key (RFC 8410 §7).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

// Raw X25519 keys go in and out as JWK: OpenSSL 3 takes raw OKP keys directly, while its DER
// encoders and decoders cost ten times more (measured: 9 µs for a JWK import, 130 µs for SPKI DER).
// A generated public key is encoded as JWK by the key generation itself, never exported from the
// KeyObject afterwards: on Node 20, KeyObject.export({ format: 'jwk' }) allocates while holding the
// key's mutex, and a garbage collection there that finalises the generation job (which locks the
// same mutex) deadlocks the process (seen: a tls-pure server hung for good after a few thousand
// handshakes; test/x25519-keygen-gc.test.ts). Node 22 and later, Bun and Deno do not deadlock.
function x25519(privateKey?: Uint8Array): KeyExchange {
  let key: KeyObject;
  let publicKey: Buffer;
  if (privateKey === undefined) {
    // @types/node has no overload for a JWK public key beside a KeyObject private key.
    const pair = (generateKeyPairSync as unknown as (type: 'x25519', options: object) => { privateKey: KeyObject; publicKey: JsonWebKey })('x25519', {
      publicKeyEncoding: { format: 'jwk' },
    });
    key = pair.privateKey;
    publicKey = Buffer.from(pair.publicKey.x!, 'base64url');
  } else {
    key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    publicKey = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
  }
  return {
    group: NamedGroup.x25519,
    publicKey,
    agree(peer: Uint8Array): Uint8Array {
      if (peer.length !== 32) throw new RangeError(`an X25519 key_exchange is 32 bytes, got ${peer.length}`);
      const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(peer) }, format: 'jwk' });
      const shared = diffieHellman({ privateKey: key, publicKey: peerKey });
      // RFC 7748 §6.1 / RFC 8446 §7.4.2: an all-zero result means a small-order peer key.
      if (shared.every((b) => b === 0)) throw new RangeError('X25519 produced the all-zero value (small-order peer key)');
      return shared;
    },
  };
}

function nist(group: number, curve: string, pointLength: number, privateKey?: Uint8Array): KeyExchange {
  const ecdh = createECDH(curve);
  if (privateKey === undefined) ecdh.generateKeys();
  else ecdh.setPrivateKey(Buffer.from(privateKey));
  return {
    group,
    publicKey: ecdh.getPublicKey(),
    agree(peer: Uint8Array): Uint8Array {
      // RFC 8446 §4.2.8.2: uncompressed points only; computeSecret checks the point is on the curve.
      if (peer.length !== pointLength || peer[0] !== 4) throw new RangeError(`an uncompressed ${curve} point is ${pointLength} bytes starting with 04`);
      return ecdh.computeSecret(peer);
    },
  };
}

const PEM_KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;

function loadPrivateKey(bytes: Uint8Array): KeyObject {
  const text = Buffer.from(bytes.subarray(0, 65536)).toString('latin1');
  if (text.includes('-----BEGIN ')) {
    if (text.includes('ENCRYPTED PRIVATE KEY')) throw new RangeError('encrypted private keys are not supported');
    const block = PEM_KEY.exec(text)?.[0];
    if (block === undefined) throw new RangeError('no PRIVATE KEY block in the PEM data');
    return createPrivateKey(block);
  }
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: Buffer.from(bytes), format: 'der', type });
    } catch {
      // the next DER layout
    }
  }
  throw new RangeError('neither PEM nor a DER (PKCS#8, SEC1, PKCS#1) private key');
}

const CURVE_SCHEME: Record<string, number> = {
  prime256v1: SignatureScheme.ecdsa_secp256r1_sha256,
  secp384r1: SignatureScheme.ecdsa_secp384r1_sha384,
  secp521r1: SignatureScheme.ecdsa_secp521r1_sha512,
};

/** The schemes a key of this type can make or check. */
function schemesFor(key: KeyObject): number[] {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const scheme = CURVE_SCHEME[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return scheme === undefined ? [] : [scheme];
    }
    case 'rsa':
      return [...RSAE_SCHEMES];
    case 'rsa-pss':
      return [SignatureScheme.rsa_pss_pss_sha256, SignatureScheme.rsa_pss_pss_sha384, SignatureScheme.rsa_pss_pss_sha512];
    case 'ed25519':
      return [SignatureScheme.ed25519];
    default:
      return [];
  }
}

/** node:crypto's options for one scheme. */
function signOptions(scheme: number): { hash: HashAlgorithm | null; padding?: number; saltLength?: number } {
  const hash = schemeHash(scheme);
  if (scheme === SignatureScheme.ed25519) return { hash: null };
  if ((scheme >= 0x0804 && scheme <= 0x0806) || (scheme >= 0x0809 && scheme <= 0x080b)) {
    // RFC 8446 §4.2.3: PSS salt as long as the digest.
    return { hash, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash!] };
  }
  if ((scheme & 0xff) === 0x01) return { hash, padding: constants.RSA_PKCS1_PADDING };
  return { hash };
}

/** node:crypto's own ML-KEM-768 where Node has one (>= 24.7), else liboqs's once loaded, else @noble's. */
function mlKem768(server: boolean): MlKem768 {
  return nativeMlKem768() ?? fastestMlKem768(server);
}

/** The provider over node:crypto. */
export const nodeCryptoProvider: CryptoProvider = Object.freeze({
  name: 'node:crypto',
  random: (length: number) => randomBytes(length),
  hash: (algorithm: HashAlgorithm, data: Uint8Array) => createHash(algorithm).update(data).digest(),
  createHash: (algorithm: HashAlgorithm) => new NodeHashState(createHash(algorithm)),
  hmac: (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) => createHmac(algorithm, key).update(data).digest(),
  hkdfExtract: (algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array) => createHmac(algorithm, salt).update(ikm).digest(),
  hkdfExpand: (algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number) =>
    hkdfExpandWithHmac((key, data) => createHmac(algorithm, key).update(data).digest(), HASH_LENGTH[algorithm], prk, info, length),
  aead: (algorithm: AeadAlgorithm, key: Uint8Array) => new NodeAead(algorithm, key),
  // The post-quantum hybrid first: offered by default, used whenever the peer supports it.
  groups: Object.freeze([NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]),
  acceptKeyShare(group: number, clientShare: Uint8Array) {
    if (group === NamedGroup.X25519MLKEM768) return hybridServer(x25519(), clientShare, mlKem768(true));
    const ours = nodeCryptoProvider.keyExchange(group);
    return { publicKey: ours.publicKey, sharedSecret: ours.agree(clientShare) };
  },
  keyExchange(group: number, privateKey?: Uint8Array): KeyExchange {
    switch (group) {
      case NamedGroup.X25519MLKEM768:
        return hybridClient(x25519(), mlKem768(false));
      case NamedGroup.x25519:
        return x25519(privateKey);
      case NamedGroup.secp256r1:
        return nist(group, 'prime256v1', 65, privateKey);
      case NamedGroup.secp384r1:
        return nist(group, 'secp384r1', 97, privateKey);
      default:
        throw new RangeError(`node:crypto provider: group 0x${group.toString(16)} is not supported`);
    }
  },
  signingKey(bytes: Uint8Array): SigningKey {
    const key = loadPrivateKey(bytes);
    const schemes = schemesFor(key);
    if (schemes.length === 0) throw new RangeError(`unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}`);
    return {
      schemes,
      publicKeyInfo: createPublicKey(key).export({ format: 'der', type: 'spki' }),
      sign(scheme: number, message: Uint8Array): Uint8Array {
        if (!schemes.includes(scheme)) throw new RangeError(`this key cannot sign with scheme 0x${scheme.toString(16)}`);
        const { hash, ...options } = signOptions(scheme);
        return sign(hash, message, { key, dsaEncoding: 'der', ...options });
      },
    };
  },
  verify(scheme: number, publicKeyInfo: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    try {
      // The peer's key repeats on every connection to the same server: loading it costs more than ECDSA.
      const key = cachedPublicKey(publicKeyInfo);
      if (!schemesFor(key).includes(scheme)) return false;
      const { hash, ...options } = signOptions(scheme);
      return verify(hash, message, { key, dsaEncoding: 'der', ...options }, signature);
    } catch {
      return false;
    }
  },
  verifySignature: rememberSuccesses(nodeSignatureVerifier),
  equal: (a: Uint8Array, b: Uint8Array) => a.length === b.length && timingSafeEqual(a, b),
});
