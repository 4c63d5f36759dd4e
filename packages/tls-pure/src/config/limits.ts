/**
 * Every bound the engine enforces, in one place. The buffered-byte bounds match tls-openssl's
 * (4 MiB incoming), so the conformance suite's limits hold for every implementation.
 *
 * @module
 */
export interface Limits {
  /** Ciphertext processIncoming may hold unread; beyond it processIncoming throws WantReadError and stores nothing. */
  readonly maxIncomingBytes: number;
  /** Ciphertext waiting for processOutgoing; beyond it write throws WantWriteError. */
  readonly maxOutgoingBytes: number;
  /** Largest handshake message accepted (a Certificate chain is the big one). */
  readonly maxHandshakeMessageSize: number;
  /** Most certificates accepted in a peer's chain. */
  readonly maxChainLength: number;
  /** Records in a row that carry nothing for the caller (empty data, change_cipher_spec, warnings, key updates, tickets). */
  readonly maxEmptyRecords: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxIncomingBytes: 4 * 1024 * 1024,
  maxOutgoingBytes: 4 * 1024 * 1024,
  maxHandshakeMessageSize: 128 * 1024,
  maxChainLength: 10,
  maxEmptyRecords: 32,
});
