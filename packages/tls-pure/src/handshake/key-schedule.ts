/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): HKDF-Expand-Label, Derive-Secret, the early /
 * handshake / master secret chain, traffic keys, Finished keys, key updates and resumption PSKs.
 * Tested against RFC 8448's traces.
 *
 * @module
 */
import { Writer } from '../codec/writer.js';
import { HASH_LENGTH, type CryptoProvider, type HashAlgorithm } from '../crypto/provider.js';

const LABEL_PREFIX = new TextEncoder().encode('tls13 ');

/** HKDF-Expand-Label(Secret, Label, Context, Length). */
export function expandLabel(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const info = new Writer()
    .u16(length)
    .vector(1, (w) => w.bytes(LABEL_PREFIX).bytes(new TextEncoder().encode(label)))
    .opaque(1, context)
    .finish();
  return provider.hkdfExpand(hash, secret, info, length);
}

/** Traffic key and IV for one direction (RFC 8446 §7.3). */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/** One connection's key schedule, for one cipher suite's hash. */
export class KeySchedule {
  readonly provider: CryptoProvider;
  readonly hash: HashAlgorithm;
  readonly hashLength: number;
  #secret: Uint8Array;

  /** Starts with the early secret: Extract(0, PSK or zeros). */
  constructor(provider: CryptoProvider, hash: HashAlgorithm, psk: Uint8Array | null = null) {
    this.provider = provider;
    this.hash = hash;
    this.hashLength = HASH_LENGTH[hash];
    this.#secret = provider.hkdfExtract(hash, new Uint8Array(this.hashLength), psk ?? new Uint8Array(this.hashLength));
  }

  /** The current stage's secret (early, then handshake, then master); for tests. */
  get current(): Uint8Array {
    return this.#secret;
  }

  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return expandLabel(this.provider, this.hash, secret, label, context, length);
  }

  /** Derive-Secret(current, label, transcript hash). */
  derive(label: string, transcriptHash: Uint8Array): Uint8Array {
    return this.expandLabel(this.#secret, label, transcriptHash, this.hashLength);
  }

  #emptyHash(): Uint8Array {
    return this.provider.hash(this.hash, new Uint8Array(0));
  }

  /** binder_key for resumption PSKs ("res binder"). */
  binderKey(): Uint8Array {
    return this.derive('res binder', this.#emptyHash());
  }

  /** Moves to the handshake secret: Extract(Derive-Secret(., "derived", ""), (EC)DHE). */
  inputSharedSecret(shared: Uint8Array): void {
    this.#secret = this.provider.hkdfExtract(this.hash, this.derive('derived', this.#emptyHash()), shared);
  }

  /** Moves to the master secret: Extract(Derive-Secret(., "derived", ""), 0). */
  toMaster(): void {
    this.#secret = this.provider.hkdfExtract(this.hash, this.derive('derived', this.#emptyHash()), new Uint8Array(this.hashLength));
  }

  trafficKeys(secret: Uint8Array, keyLength: number): TrafficKeys {
    return { key: this.expandLabel(secret, 'key', new Uint8Array(0), keyLength), iv: this.expandLabel(secret, 'iv', new Uint8Array(0), 12) };
  }

  /** verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(baseKey, 'finished', new Uint8Array(0), this.hashLength);
    return this.provider.hmac(this.hash, finishedKey, transcriptHash);
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
