/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): HKDF-Expand-Label, Derive-Secret, the early /
 * handshake / master secret chain, traffic keys, Finished keys, key updates and resumption PSKs.
 * Tested against RFC 8448's traces.
 *
 * @module
 */
import { HASH_LENGTH, type CryptoProvider, type HashAlgorithm } from '../crypto/provider.js';

const encoder = new TextEncoder();
const LABEL_PREFIX = encoder.encode('tls13 ');

/**
 * The HkdfLabel structure (RFC 8446 §7.1): uint16 length, opaque label<7..255> ("tls13 " +
 * Label), opaque context<0..255>, written straight into one array (some twenty per handshake).
 *
 * @throws RangeError when the label or the context does not fit its one-byte length.
 */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const name = encoder.encode(label);
  const labelLength = LABEL_PREFIX.length + name.length;
  if (labelLength > 255) throw new RangeError(`vector of ${labelLength} bytes does not fit a 1-byte length`);
  if (context.length > 255) throw new RangeError(`vector of ${context.length} bytes does not fit a 1-byte length`);
  const info = new Uint8Array(4 + labelLength + context.length);
  info[0] = (length >>> 8) & 0xff;
  info[1] = length & 0xff;
  info[2] = labelLength;
  info.set(LABEL_PREFIX, 3);
  info.set(name, 3 + LABEL_PREFIX.length);
  info[3 + labelLength] = context.length;
  info.set(context, 4 + labelLength);
  return info;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length). */
export function expandLabel(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  return provider.hkdfExpand(hash, secret, hkdfLabel(label, context, length), length);
}

/** What a schedule without a PSK starts from: the same for every connection of one provider and hash. */
interface Constants {
  /** Hash(""), the context of every Derive-Secret(., "derived", ""). */
  readonly emptyHash: Uint8Array;
  /** The early secret without a PSK: Extract(0, zeros). */
  readonly earlySecret: Uint8Array;
  /** Derive-Secret(early secret without a PSK, "derived", ""): the salt of the handshake secret. */
  readonly derivedFromEarly: Uint8Array;
}

// Public values only (hashes and HKDF outputs of fixed zero inputs), per provider object and hash:
// a handful of entries, computed once instead of on every handshake.
const constantsByProvider = new WeakMap<CryptoProvider, Map<HashAlgorithm, Constants>>();

function constantsFor(provider: CryptoProvider, hash: HashAlgorithm): Constants {
  let byHash = constantsByProvider.get(provider);
  if (byHash === undefined) constantsByProvider.set(provider, (byHash = new Map()));
  let constants = byHash.get(hash);
  if (constants === undefined) {
    const zeros = new Uint8Array(HASH_LENGTH[hash]);
    const emptyHash = provider.hash(hash, new Uint8Array(0));
    const earlySecret = provider.hkdfExtract(hash, zeros, zeros);
    constants = Object.freeze({ emptyHash, earlySecret, derivedFromEarly: expandLabel(provider, hash, earlySecret, 'derived', emptyHash, zeros.length) });
    byHash.set(hash, constants);
  }
  return constants;
}

/** Traffic key and IV for one direction (RFC 8446 §7.3). */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * Overwrites a secret with zeros once nothing needs it, so it does not stay readable in memory
 * that the garbage collector has yet to reuse (RFC 8446 §7.2: implementations SHOULD delete a
 * traffic secret once its successor is computed). Only for arrays this connection owns.
 */
export function wipe(secret: Uint8Array): void {
  secret.fill(0);
}

const ERASED = new Uint8Array(0);

/** One connection's key schedule, for one cipher suite's hash. */
export class KeySchedule {
  readonly provider: CryptoProvider;
  readonly hash: HashAlgorithm;
  readonly hashLength: number;
  readonly #constants: Constants;
  #secret: Uint8Array;
  // The salt of the next Extract while it is still a constant (early secret without a PSK).
  #derivedNext: Uint8Array | null;

  /** Starts with the early secret: Extract(0, PSK or zeros). */
  constructor(provider: CryptoProvider, hash: HashAlgorithm, psk: Uint8Array | null = null) {
    this.provider = provider;
    this.hash = hash;
    this.hashLength = HASH_LENGTH[hash];
    this.#constants = constantsFor(provider, hash);
    this.#secret = psk === null ? this.#constants.earlySecret : provider.hkdfExtract(hash, new Uint8Array(this.hashLength), psk);
    this.#derivedNext = psk === null ? this.#constants.derivedFromEarly : null;
  }

  /** The current stage's secret (early, then handshake, then master; empty once erased); for tests. */
  get current(): Uint8Array {
    return this.#secret;
  }

  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return expandLabel(this.provider, this.hash, secret, label, context, length);
  }

  /**
   * Derive-Secret(current, label, transcript hash).
   *
   * @throws Error after {@link erase}: the stage's secret is gone.
   */
  derive(label: string, transcriptHash: Uint8Array): Uint8Array {
    if (this.#secret === ERASED) throw new Error(`Derive-Secret "${label}" after the key schedule's secret was erased`);
    return this.expandLabel(this.#secret, label, transcriptHash, this.hashLength);
  }

  /** binder_key for resumption PSKs ("res binder"). */
  binderKey(): Uint8Array {
    return this.derive('res binder', this.#constants.emptyHash);
  }

  /** Derive-Secret(current, "derived", ""): the salt of the next stage's Extract. */
  #derived(): Uint8Array {
    const derived = this.#derivedNext ?? this.derive('derived', this.#constants.emptyHash);
    this.#derivedNext = null;
    return derived;
  }

  /** Moves to the next stage's secret, wiping the salt and the stage left behind unless they are the shared constants. */
  #extractNext(ikm: Uint8Array): void {
    const salt = this.#derived();
    const next = this.provider.hkdfExtract(this.hash, salt, ikm);
    if (salt !== this.#constants.derivedFromEarly) wipe(salt);
    if (this.#secret !== this.#constants.earlySecret) wipe(this.#secret);
    this.#secret = next;
  }

  /** Moves to the handshake secret: Extract(Derive-Secret(., "derived", ""), (EC)DHE). */
  inputSharedSecret(shared: Uint8Array): void {
    this.#extractNext(shared);
  }

  /** Moves to the master secret: Extract(Derive-Secret(., "derived", ""), 0). */
  toMaster(): void {
    this.#extractNext(new Uint8Array(this.hashLength));
  }

  /**
   * Wipes and drops the current stage's secret (the master secret once the application traffic
   * and resumption secrets are derived: nothing after the handshake needs it). The schedule still
   * derives from secrets it is given ({@link nextTrafficSecret}, {@link trafficKeys}, {@link resumptionPsk}).
   */
  erase(): void {
    if (this.#secret !== this.#constants.earlySecret) wipe(this.#secret);
    this.#secret = ERASED;
  }

  trafficKeys(secret: Uint8Array, keyLength: number): TrafficKeys {
    return { key: this.expandLabel(secret, 'key', new Uint8Array(0), keyLength), iv: this.expandLabel(secret, 'iv', new Uint8Array(0), 12) };
  }

  /** verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4); the finished_key is wiped after use. */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(baseKey, 'finished', new Uint8Array(0), this.hashLength);
    const verifyData = this.provider.hmac(this.hash, finishedKey, transcriptHash);
    wipe(finishedKey);
    return verifyData;
  }

  /** application_traffic_secret_N+1 (RFC 8446 §7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.expandLabel(secret, 'traffic upd', new Uint8Array(0), this.hashLength);
  }

  /** The PSK a ticket stands for (RFC 8446 §4.6.1). */
  resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
    return this.expandLabel(resumptionMasterSecret, 'resumption', ticketNonce, this.hashLength);
  }
}
