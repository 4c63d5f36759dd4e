/**
 * PEP 748's TLSBuffer over the engine: synchronous and sans-IO, exactly as the PEP describes.
 * Every method returns at once or throws WantReadError / WantWriteError; a failure is sticky
 * (every later call throws it again) while the alert it produced can still be drained with
 * processOutgoing.
 *
 * @module
 */
import {
  READ_EOF,
  READ_WANT_READ,
  RaggedEOF,
  TLSError,
  WantReadError,
  WantWriteError,
  protocolFromBytes,
  sealSession,
  type CipherSuite,
  type ClientContext,
  type NextProtocol,
  type ServerContext,
  type TLSBuffer,
  type TLSBufferFastPath,
  type TLSSession,
  type TLSVersion,
} from '@unitls/tls-core';
import { ContentType, NamedGroup } from './codec/constants.js';
import { Engine } from './engine.js';
import { wantRead } from './errors.js';
import { encodeClientSession, type StoredSession } from './handshake/session.js';

/** NamedGroup ids by their IANA names (the keys of NamedGroup). */
const groupNames = new Map<number, string>(Object.entries(NamedGroup).map(([name, id]) => [id, name]));

export const IMPLEMENTATION_NAME = 'pure';

/** How a buffer starts its side of the handshake (a client queues its ClientHello). */
export type Starter = (engine: Engine) => void;

/**
 * PEP 748's TLSBuffer, plus tls-core's {@link TLSBufferFastPath} (an extension BufferSocket uses:
 * reads that return a status instead of throwing, ciphertext taken and given without extra copies).
 */
export class PureBuffer implements TLSBuffer, TLSBufferFastPath {
  // Private with a getter: sessions are sealed for this context, so it must not be replaceable.
  readonly #context: ClientContext | ServerContext;
  readonly #engine: Engine;
  #start: Starter | null;
  readonly #serverHostname: string | null;
  #session: StoredSession | null = null;

  /**
   * @internal Built by the contexts' createBuffer.
   * @throws TypeError for any other caller (PEP 748: buffers come from contexts, issue #14 item 10).
   */
  constructor(context: ClientContext | ServerContext, engine: Engine, start: Starter | null, serverHostname: string | null) {
    // Users cannot reach Engine (not exported), so only the contexts pass this check.
    if (!(engine instanceof Engine)) {
      throw new TypeError('PureBuffer cannot be constructed directly: use ClientContext.createBuffer(serverHostname) or ServerContext.createBuffer()');
    }
    this.#context = context;
    this.#engine = engine;
    this.#start = start;
    this.#serverHostname = serverHostname;
  }

  /** The context this buffer was made from. */
  get context(): ClientContext | ServerContext {
    return this.#context;
  }

  /** @internal The client context's ticket callback. */
  storeSession(session: StoredSession): void {
    this.#session = session;
  }

  #begin(): void {
    if (this.#start === null) return;
    const start = this.#start;
    this.#start = null;
    start(this.#engine);
  }

  /** Advances the handshake as far as the buffered input allows; true once it is complete. */
  #handshake(): boolean {
    const engine = this.#engine;
    this.#begin();
    if (engine.handshakeComplete) return true;
    engine.processRecords(() => engine.handshakeComplete);
    if (engine.handshakeComplete) return true;
    if (engine.closeReceived) throw new TLSError('the peer closed the connection during the TLS handshake');
    if (engine.eof) throw new TLSError('the connection closed during the TLS handshake');
    return false;
  }

  doHandshake(): void {
    this.#engine.guard(() => {
      if (!this.#handshake()) throw wantRead();
    });
  }

  read(amt: number, buffer?: Uint8Array): Uint8Array | number {
    if (!Number.isInteger(amt) || amt <= 0) throw new RangeError(`read: amt must be a positive integer, got ${amt}`);
    const engine = this.#engine;
    const limit = buffer === undefined ? amt : Math.min(amt, buffer.length);
    const data = engine.guard(() => {
      if (!this.#handshake()) throw wantRead();
      let chunk = engine.takeAppData(limit);
      if (chunk === null) {
        engine.processRecords(() => false);
        chunk = engine.takeAppData(limit);
      }
      if (chunk !== null) return chunk;
      if (engine.closeReceived) return new Uint8Array(0);
      if (engine.eof) throw new RaggedEOF();
      throw wantRead();
    });
    if (buffer === undefined) return data;
    buffer.set(data);
    return data.length;
  }

  /**
   * Extension ({@link TLSBufferFastPath}): the plaintext of every record already buffered, up to
   * `target.length` bytes, copied into `target`; a status instead of WantReadError. Bytes read
   * before a failing record are returned first; the failure is sticky, so the next call throws it.
   *
   * @returns the count of bytes (> 0), READ_EOF after the peer's close_notify, or READ_WANT_READ.
   * @throws RaggedEOF when the transport ended without close_notify; TLSError as {@link read} does.
   */
  readAvailable(target: Uint8Array): number {
    const engine = this.#engine;
    let filled = 0;
    try {
      return engine.guard(() => {
        if (!this.#handshake()) return READ_WANT_READ;
        while (filled < target.length) {
          let chunk = engine.takeAppData(target.length - filled);
          if (chunk === null) {
            // Taken into target below, at once: a record that fits may be copied there straight from
            // the AEAD's fresh memory (node:crypto's), or decrypted in place with no fresh memory (an
            // AEAD with openInto: tls-openssl's). Only its content is written there (recv_into's contract).
            engine.processRecords(() => false, target, filled);
            chunk = engine.takeAppData(target.length - filled);
            if (chunk === null) break;
          }
          // Already in place when the record layer wrote it there.
          if (chunk.buffer !== target.buffer || chunk.byteOffset !== target.byteOffset + filled) target.set(chunk, filled);
          filled += chunk.length;
        }
        if (filled > 0) return filled;
        if (engine.closeReceived) return READ_EOF;
        if (engine.eof) throw new RaggedEOF();
        return READ_WANT_READ;
      });
    } catch (error) {
      if (filled > 0) return filled;
      throw error;
    }
  }

  /**
   * Extension ({@link TLSBufferFastPath}): {@link read} with a status instead of WantReadError.
   * Each record's plaintext is fresh memory from the AEAD, so it is handed over as it is (at most
   * `max` bytes of one record; the rest stays for the next call) instead of copied into the
   * caller's: BufferSocket's recv returns it without a copy.
   *
   * @returns the bytes (the caller may keep them), READ_EOF after the peer's close_notify, or READ_WANT_READ.
   * @throws RaggedEOF when the transport ended without close_notify; TLSError as {@link read} does.
   */
  readOwned(max: number): Uint8Array | number {
    const engine = this.#engine;
    return engine.guard(() => {
      if (!this.#handshake()) return READ_WANT_READ;
      let chunk = engine.takeAppData(max);
      if (chunk === null) {
        engine.processRecords(() => false);
        chunk = engine.takeAppData(max);
      }
      if (chunk !== null) return chunk;
      if (engine.closeReceived) return READ_EOF;
      if (engine.eof) throw new RaggedEOF();
      return READ_WANT_READ;
    });
  }

  write(buf: Uint8Array): number {
    const engine = this.#engine;
    if (engine.closeSent && engine.failure === null) throw new TLSError('write after shutdown(): the connection is closing');
    return engine.guard(() => {
      if (!this.#handshake()) throw wantRead();
      if (buf.length === 0) return 0;
      const room = engine.limits.maxOutgoingBytes - engine.records.outgoing.length;
      if (room <= 0) throw new WantWriteError();
      const taken = Math.min(buf.length, room);
      engine.records.write(ContentType.APPLICATION_DATA, buf.subarray(0, taken));
      engine.dataSent();
      return taken;
    });
  }

  /**
   * Extension ({@link TLSBufferFastPath}): encrypts all of `data` straight into `target`, as
   * write + processOutgoing would give it. Returns the bytes placed there (records that do not fit
   * wait for processOutgoing, after them), or -1, taking nothing, when it cannot: before the
   * handshake completed, after shutdown or a failure, while output waits for processOutgoing, for
   * empty `data`, or when more than the outgoing limit would be left queued (use `write` then).
   *
   * @throws TLSError as {@link write} does (the connection then fails, its alert queued).
   */
  writeInto(data: Uint8Array, target: Uint8Array): number {
    const engine = this.#engine;
    if (engine.failure !== null || engine.closeSent || !engine.handshakeComplete) return -1;
    return engine.guard(() => {
      const placed = engine.records.writeInto(ContentType.APPLICATION_DATA, data, target, engine.limits.maxOutgoingBytes);
      if (placed >= 0) engine.dataSent();
      return placed;
    });
  }

  shutdown(): void {
    const engine = this.#engine;
    engine.guard(() => {
      engine.sendCloseNotify();
      // Data still arriving before the peer's close_notify is discarded, as SSL_shutdown does.
      while (!engine.closeReceived) {
        const before = engine.records.incoming.length;
        engine.processRecords(() => false);
        while (engine.takeAppData(Number.MAX_SAFE_INTEGER) !== null);
        if (engine.records.incoming.length === before) break;
      }
      if (engine.closeReceived) return;
      if (engine.eof) throw new TLSError('the connection closed during the TLS shutdown (no close_notify from the peer)');
      throw wantRead();
    });
  }

  processIncoming(data: Uint8Array): void {
    const engine = this.#engine;
    if (data.length === 0) {
      engine.eof = true;
      return;
    }
    if (engine.records.incoming.length + data.length > engine.limits.maxIncomingBytes) {
      throw new WantReadError('the incoming buffer is full: read() what is buffered first (nothing was stored)');
    }
    // Copied in (the caller may reuse its buffer).
    engine.records.incoming.push(data);
  }

  /**
   * Extension ({@link TLSBufferFastPath}): processIncoming of non-empty `data`; false, storing
   * nothing, when the incoming buffer is full. Copies too: records are read from one ring of reused
   * memory (record/incoming-bytes.ts), which costs less than keeping the caller's chunks.
   */
  takeIncoming(data: Uint8Array): boolean {
    const incoming = this.#engine.records.incoming;
    if (incoming.length + data.length > this.#engine.limits.maxIncomingBytes) return false;
    incoming.push(data);
    return true;
  }

  /**
   * Extension ({@link TLSBufferFastPath}): copies in as much of `data` as the incoming limit leaves
   * room for and returns the count (0 when full); `data` may change as soon as this returns (a
   * socket's reused read buffer). With it, BufferSocket reads sockets into reused memory.
   */
  copyIncoming(data: Uint8Array): number {
    const incoming = this.#engine.records.incoming;
    const count = Math.min(data.length, this.#engine.limits.maxIncomingBytes - incoming.length);
    if (count <= 0) return 0;
    incoming.push(count === data.length ? data : data.subarray(0, count));
    return count;
  }

  incomingBytesBuffered(): number {
    return this.#engine.records.incoming.length;
  }

  processOutgoing(amt: number): Uint8Array {
    if (!Number.isInteger(amt) || amt < 0) throw new RangeError(`processOutgoing: amt must be a non-negative integer, got ${amt}`);
    return this.#engine.records.outgoing.take(amt);
  }

  /** Extension ({@link TLSBufferFastPath}): processOutgoing into `target`; returns the count of bytes. */
  takeOutgoing(target: Uint8Array): number {
    return this.#engine.records.outgoing.takeInto(target);
  }

  outgoingBytesBuffered(): number {
    return this.#engine.records.outgoing.length;
  }

  getpeercert(): Uint8Array | null {
    const leaf = this.#engine.negotiated?.peerCertificates[0];
    return leaf === undefined ? null : Uint8Array.from(leaf);
  }

  cipher(): CipherSuite | number | null {
    return this.#engine.negotiated?.cipherSuite ?? null;
  }

  /** Extension: the key-exchange group (a NamedGroup id, e.g. 0x11EC X25519MLKEM768), or null before the handshake. */
  keyExchangeGroup(): number | null {
    return this.#engine.negotiated?.group ?? null;
  }

  /**
   * Extension (diagnostics, read by `unitls connect` through BufferSocket): the key-exchange group
   * by its IANA TLS Supported Groups name ('X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1'),
   * or null before the handshake and for a TLS 1.2 resumption, which exchanges no key.
   */
  negotiatedGroup(): string | null {
    const group = this.keyExchangeGroup();
    return group === null ? null : (groupNames.get(group) ?? `0x${group.toString(16).padStart(4, '0')}`);
  }

  negotiatedProtocol(): NextProtocol | Uint8Array | null {
    const alpn = this.#engine.negotiated?.alpn ?? null;
    return alpn === null ? null : protocolFromBytes(alpn);
  }

  get negotiatedTlsVersion(): TLSVersion | null {
    if (!this.#engine.handshakeComplete) return null;
    return this.#engine.version === 0x0303 ? 'TLSv1.2' : 'TLSv1.3';
  }

  get sessionReused(): boolean {
    return this.#engine.negotiated?.resumed ?? false;
  }

  /** Extension: the session to resume later (once the server's NewSessionTicket was read). */
  session(): TLSSession | null {
    if (this.#session === null || this.#serverHostname === null) return null;
    // Opaque, bound to this buffer's context and the verified name (tls-core's sealSession).
    return sealSession(this.context, this.#serverHostname, encodeClientSession(this.#session), this.getpeercert());
  }

  /**
   * Extension: sends a KeyUpdate (RFC 8446 §4.6.3) so our traffic keys move forward; with
   * `requestPeer`, the peer is asked to update its keys as well.
   * @throws TLSError before the handshake completed or after shutdown.
   */
  keyUpdate(requestPeer = true): void {
    const engine = this.#engine;
    if (engine.failure === null && (!engine.handshakeComplete || engine.closeSent || engine.version !== 0x0304)) {
      throw new TLSError('keyUpdate needs an open TLS 1.3 connection with its handshake done');
    }
    engine.guard(() => {
      engine.sendKeyUpdate(requestPeer);
    });
  }
}
