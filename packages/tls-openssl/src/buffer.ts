import {
  CertificateVerificationError,
  READ_EOF,
  READ_WANT_READ,
  READ_WANT_WRITE,
  RaggedEOF,
  STEP_DONE,
  TLSError,
  WantReadError,
  WantWriteError,
  NOT_TLS,
  describeFirstBytes,
  protocolFromBytes,
  renegotiationRefused,
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
import { addon, State, Status } from './addon.js';
import { fromNativeError, namingMismatch, namingValidity } from './errors.js';

export const IMPLEMENTATION_NAME = 'openssl';

/** The most of a peer's first bytes an error shows (tls-pure's server shows as many). */
const FIRST_BYTES = 5;

/**
 * Ciphertext bytes one TLSBuffer holds from `processIncoming` before they are read; beyond it
 * `processIncoming` raises WantReadError and stores nothing (PEP 748).
 */
export const INCOMING_BUFFER_LIMIT: number = addon.incomingBufferLimit;

/**
 * Ciphertext bytes waiting for `processOutgoing` beyond which `write` takes no more plaintext:
 * `write` takes at most the room left (a partial count) and raises WantWriteError when there is
 * none (PEP 748). The buffer may pass the limit by the record framing of one write (about 22
 * bytes per 16 KiB).
 */
export const OUTGOING_BUFFER_LIMIT: number = addon.outgoingBufferLimit;

/** The verification time a context was made with (OpenSSLContextOptions.verificationTime), for the messages of expired certificates. */
export const verificationTimes = new WeakMap<object, Date>();

/** The most certificate chains one server context takes (ConfigurationError beyond). */
export const MAX_CERTIFICATE_CHAINS: number = addon.maxChains;

/**
 * Records of post-handshake handshake messages (KeyUpdate, NewSessionTicket, TLS 1.2 HelloRequest or
 * renegotiation ClientHello, ...) the peer may send in a row with no application data between them;
 * the next such record ends the connection with a TLSError naming the flood and a fatal alert,
 * unexpected_message (TLS 1.3) or internal_error (TLS 1.2) (RFC 8446 4.6.3 leaves the bound to the
 * implementation; OpenSSL 3.0 sets none). Records, not messages (the name is older): tls-pure's
 * maxEmptyRecords is the same number of the same unit.
 */
export const MAX_IDLE_HANDSHAKE_MESSAGES: number = addon.maxIdleHandshakeMessages;

const versionNames: Record<number, TLSVersion> = { 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/** The largest plaintext of one TLS record (RFC 8446 5.1): what one `read` can return. */
const MAX_RECORD_PLAINTEXT = 16 * 1024;

/** One record is decrypted here and copied out at its size, so `read(amt)` never allocates amt bytes. */
let scratch: Buffer | undefined;

/** What each native call leaves for the connection it ran on (see {@link OpenSSLBuffer.#sync}). */
const state = addon.state;

/**
 * PEP 748's TLSBuffer over an OpenSSL SSL object with in-memory buffers: every method runs to
 * completion synchronously or throws WantReadError / WantWriteError. `processIncoming(new
 * Uint8Array(0))` tells it the transport reached EOF; `read` then returns an empty array after the
 * peer's close_notify, or throws RaggedEOF without one.
 *
 * Not constructible by users: get one from `ClientContext.createBuffer(serverHostname)` or
 * `ServerContext.createBuffer()`.
 */
export class OpenSSLBuffer implements TLSBuffer, TLSBufferFastPath {
  // Private with a getter: sessions are sealed for this context, so it must not be replaceable.
  readonly #context: ClientContext | ServerContext;
  #native: object | null;
  readonly #serverHostname: string | null;
  #describeFailure: ((error: Error) => Error) | undefined;
  /** The version the handshake settled, kept for failures after it (see #fail). */
  #establishedVersion: TLSVersion | null = null;
  /**
   * The peer's first bytes, at most FIRST_BYTES of them: a handshake failing on bytes that are not
   * TLS shows them, as tls-pure does (never more: a plain-text client's request line may hold a
   * secret, and errors reach logs).
   */
  readonly #first = new Uint8Array(FIRST_BYTES);
  #firstCount = 0;
  /**
   * The error a read or write failed with, raised again by every later read and write: the
   * failure is for good (RFC 8446 6.2), and OpenSSL's next SSL_read after it reports no error,
   * which read as the peer's close_notify (an empty recv, a clean end).
   */
  #failure: Error | null = null;
  /**
   * The queues' byte counts and whether a read could do more than want input, as the last native
   * call left them ({@link #sync}): only native calls change them, so the byte counts and a read
   * that can only want input are answered without calling in (issue #16: per-call cost).
   */
  #incoming = 0;
  #outgoing = 0;
  #readable = true;

  /**
   * @internal Built by the contexts' createBuffer.
   * @throws TypeError when called by anyone else (there is no native connection to drive).
   */
  constructor(
    context: ClientContext | ServerContext,
    native: object,
    serverHostname: string | null,
    describeFailure?: (error: Error, info: () => ReturnType<typeof addon.info>) => Error,
  ) {
    if (!addon.isConnection(native)) {
      throw new TypeError('OpenSSLBuffer cannot be constructed directly: use ClientContext.createBuffer(serverHostname) or ServerContext.createBuffer()');
    }
    this.#context = context;
    this.#native = native;
    this.#serverHostname = serverHostname;
    this.#describeFailure = describeFailure === undefined ? undefined : (error) => describeFailure(error, () => addon.info.call(native));
  }

  /** The context this buffer was made from. */
  get context(): ClientContext | ServerContext {
    return this.#context;
  }

  #n(): object {
    if (this.#native === null) throw new TLSError('this TLSBuffer was freed');
    return this.#native;
  }

  /** Takes the state the last native call left (every call on this connection ends with it, thrown or not). */
  #sync(): void {
    this.#incoming = state[State.INCOMING]!;
    this.#outgoing = state[State.OUTGOING]!;
    this.#readable = state[State.READABLE] !== 0;
  }

  #fail(error: unknown, during: string): never {
    let typed = fromNativeError(error, during, this.#serverHostname === null ? 'server' : 'client');
    if (during === 'handshake' && this.#firstCount > 0 && typed instanceof TLSError && (typed.message.includes(NOT_TLS.fromServer) || typed.message.includes(NOT_TLS.fromClient))) {
      // As tls-pure: what the peer sent, as text when it is text ("220 s...": a mail greeting).
      const shown = `${typed.message} (${describeFirstBytes(this.#first.subarray(0, this.#firstCount))})`;
      typed = new TLSError(shown, typed.cause === undefined ? undefined : { cause: typed.cause });
    }
    // After a TLS 1.2 handshake the only handshake that can fail is a renegotiation: OpenSSL
    // refuses the peer's (no_renegotiation) and the peer answers with a fatal alert (OpenSSL:
    // handshake_failure; GnuTLS: internal_error; unexpected_message from others).
    // (OpenSSL reports no version while the refused handshake is under way: the one kept is used.)
    if (during === 'read' && /alert (handshake failure|internal error|unexpected message)/.test((error as { reason?: string }).reason ?? '') && this.#establishedVersion === 'TLSv1.2') {
      typed = renegotiationRefused(error);
    }
    if (typed instanceof CertificateVerificationError && typed.reason === 'hostname-mismatch') {
      typed = namingMismatch(typed, this.#serverHostname, this.#info()?.refusedCert);
    }
    if (typed instanceof CertificateVerificationError && (typed.reason === 'expired' || typed.reason === 'not-yet-valid')) {
      typed = namingValidity(typed, this.#info(), verificationTimes.get(this.#context) ?? new Date());
    }
    const failure = this.#describeFailure?.(typed) ?? typed;
    if (during === 'read' || during === 'write') this.#failure = failure;
    throw failure;
  }

  #status(status: number, during: string): void {
    switch (status) {
      case Status.WANT_READ:
        throw new WantReadError();
      case Status.WANT_WRITE:
        throw new WantWriteError(
          during === 'write' ? `the outgoing buffer is full (${OUTGOING_BUFFER_LIMIT} bytes): call processOutgoing() and retry` : undefined,
        );
      case Status.RAGGED_EOF:
        // A write after the ragged end fails with it too, as Python's SSLSocket.send raises
        // SSLEOFError (OpenSSL keeps the unexpected EOF as the connection's fatal error).
        throw during === 'read' || during === 'write' ? new RaggedEOF() : new TLSError(`the connection closed during the TLS ${during}`);
    }
  }

  doHandshake(): void {
    this.#raiseWant(this.handshakeStep(), 'handshake');
  }

  /**
   * Extension for BufferSocket ({@link TLSBufferFastPath}): doHandshake with a status for wanting
   * I/O (STEP_DONE, READ_WANT_READ, READ_WANT_WRITE), so a handshake builds no exception object
   * per flight (issue #16: a TLSError per handshake and per close, stack trace included).
   */
  handshakeStep(): number {
    let status: number;
    try {
      status = addon.doHandshake.call(this.#n());
    } catch (error) {
      this.#sync();
      this.#fail(error, 'handshake');
    }
    this.#sync();
    if (status === Status.ZERO_RETURN) throw new TLSError('the peer closed the connection during the TLS handshake');
    const step = this.#step(status, 'handshake');
    if (step === STEP_DONE) this.#establishedVersion ??= this.negotiatedTlsVersion;
    return step;
  }

  /** A DONE / WANT_* status as a step's (STEP_DONE, READ_WANT_*); any other is raised as #status does. */
  #step(status: number, during: string): number {
    if (status === Status.DONE) return STEP_DONE;
    if (status === Status.WANT_READ) return READ_WANT_READ;
    if (status === Status.WANT_WRITE) return READ_WANT_WRITE;
    this.#status(status, during);
    throw new TLSError(`unexpected ${during} status ${status}`);
  }

  /** PEP 748's exceptions for a step that wants I/O (doHandshake, shutdown). */
  #raiseWant(step: number, during: string): void {
    if (step === READ_WANT_READ) this.#status(Status.WANT_READ, during);
    else if (step === READ_WANT_WRITE) this.#status(Status.WANT_WRITE, during);
  }

  /** One record's plaintext, at most `amt` bytes (into `buffer` when given: the count is returned). */
  read(amt: number, buffer?: Uint8Array): Uint8Array | number {
    if (!Number.isInteger(amt) || amt <= 0) throw new RangeError(`read: amt must be a positive integer, got ${amt}`);
    if (buffer !== undefined && buffer.length === 0) return 0;
    const target = buffer ?? (scratch ??= Buffer.allocUnsafeSlow(MAX_RECORD_PLAINTEXT));
    const result = this.#readInto(target, Math.min(amt, target.length), false);
    if (result > 0) return buffer === undefined ? Buffer.from(target.subarray(0, result)) : result;
    if (result === -Status.ZERO_RETURN) return buffer === undefined ? new Uint8Array(0) : 0;
    this.#status(-result, 'read');
    throw new TLSError(`unexpected read status ${-result}`);
  }

  /**
   * Extension for BufferSocket ({@link TLSBufferFastPath}): every record already decryptable,
   * straight into `target`; a status number instead of WantReadError.
   */
  readAvailable(target: Uint8Array): number {
    // Nothing to read and nothing to report: the answer is known without calling in.
    if (!this.#readable && this.#failure === null && this.#native !== null && target.length > 0) return READ_WANT_READ;
    const result = this.#readInto(target, target.length, true);
    if (result > 0) return result;
    switch (-result) {
      case Status.ZERO_RETURN:
        return READ_EOF;
      case Status.WANT_READ:
        return READ_WANT_READ;
      case Status.WANT_WRITE:
        return READ_WANT_WRITE;
    }
    this.#status(-result, 'read');
    throw new TLSError(`unexpected read status ${-result}`);
  }

  #readInto(target: Uint8Array, length: number, all: boolean): number {
    if (this.#failure !== null) throw this.#failure;
    let result: number;
    try {
      result = addon.readInto.call(this.#n(), target, 0, length, all);
    } catch (error) {
      this.#sync();
      this.#fail(error, 'read');
    }
    this.#sync();
    return result;
  }

  /**
   * Encrypts as much of `buf` as fits under {@link OUTGOING_BUFFER_LIMIT}; returns the count taken.
   * @throws WantWriteError when the outgoing buffer is full (nothing taken).
   */
  write(buf: Uint8Array): number {
    if (this.#failure !== null) throw this.#failure;
    let result: number;
    try {
      result = addon.write.call(this.#n(), buf);
    } catch (error) {
      this.#sync();
      this.#fail(error, 'write');
    }
    this.#sync();
    if (result >= 0) return result;
    this.#status(-result, 'write');
    throw new TLSError('the connection was closed by the peer');
  }

  /**
   * Extension for BufferSocket ({@link TLSBufferFastPath}): encrypts all of `data` straight into
   * `target` (no copy out of the outgoing queue). Returns the bytes placed there (records that do
   * not fit wait for processOutgoing), or -1 when it cannot (nothing taken; `write` then).
   */
  writeInto(data: Uint8Array, target: Uint8Array): number {
    if (this.#failure !== null) throw this.#failure;
    let result: number;
    try {
      result = addon.writeInto.call(this.#n(), data, target, 0, target.length);
    } catch (error) {
      this.#sync();
      this.#fail(error, 'write');
    }
    this.#sync();
    return result < 0 ? -1 : result;
  }

  shutdown(): void {
    this.#raiseWant(this.shutdownStep(), 'shutdown');
  }

  /**
   * Extension for BufferSocket ({@link TLSBufferFastPath}): shutdown with a status,
   * READ_WANT_READ until the peer's close_notify was read (ours is queued at the first call),
   * then STEP_DONE; no exception object per close.
   */
  shutdownStep(): number {
    let status: number;
    try {
      status = addon.shutdown.call(this.#n());
    } catch (error) {
      this.#sync();
      this.#fail(error, 'shutdown');
    }
    this.#sync();
    return status === Status.ZERO_RETURN ? STEP_DONE : this.#step(status, 'shutdown');
  }

  /**
   * Buffers ciphertext from the network; an empty array signals the transport's EOF.
   * @throws WantReadError when {@link INCOMING_BUFFER_LIMIT} would be passed (nothing is stored).
   */
  processIncoming(data: Uint8Array): void {
    const native = this.#n();
    if (data.length === 0) {
      addon.feedEof.call(native);
      this.#sync();
      return;
    }
    let stored: boolean;
    try {
      stored = addon.feed.call(native, data);
    } finally {
      this.#sync();
    }
    if (stored && this.#firstCount < FIRST_BYTES) this.#noteFirst(data, data.length);
    if (!stored) {
      throw new WantReadError(`the incoming buffer is full (${INCOMING_BUFFER_LIMIT} bytes): read() what is buffered first (nothing was stored)`);
    }
  }

  /** Extension for BufferSocket ({@link TLSBufferFastPath}): processIncoming without a copy. */
  takeIncoming(data: Uint8Array): boolean {
    // Noted before: the native side owns `data` once it took it. Undone when it did not.
    const before = this.#firstCount;
    if (before < FIRST_BYTES) this.#noteFirst(data, data.length);
    let taken = false;
    try {
      taken = addon.feedOwned.call(this.#n(), data);
      return taken;
    } finally {
      this.#sync();
      if (!taken) this.#firstCount = before;
    }
  }

  /**
   * Extension for BufferSocket ({@link TLSBufferFastPath}): copies in as much of `data` as fits
   * under {@link INCOMING_BUFFER_LIMIT} (a socket's reused read buffer may change right after).
   */
  copyIncoming(data: Uint8Array): number {
    let taken = 0;
    try {
      taken = addon.feedSome.call(this.#n(), data);
      return taken;
    } finally {
      this.#sync();
      if (this.#firstCount < FIRST_BYTES) this.#noteFirst(data, taken);
    }
  }

  /** Keeps the first of `data`'s `taken` bytes, up to FIRST_BYTES in all. */
  #noteFirst(data: Uint8Array, taken: number): void {
    const count = Math.min(taken, FIRST_BYTES - this.#firstCount);
    this.#first.set(data.subarray(0, count), this.#firstCount);
    this.#firstCount += count;
  }

  incomingBytesBuffered(): number {
    this.#n();
    return this.#incoming;
  }

  /** Up to `amt` bytes of ciphertext for the network (any size; all that is buffered at most). */
  processOutgoing(amt: number): Uint8Array {
    if (!(amt >= 0) || (!Number.isInteger(amt) && amt !== Infinity)) throw new RangeError(`processOutgoing: amt must be a non-negative integer, got ${amt}`);
    try {
      return addon.drain.call(this.#n(), amt);
    } finally {
      this.#sync();
    }
  }

  /** Extension for BufferSocket ({@link TLSBufferFastPath}): processOutgoing into the caller's memory. */
  takeOutgoing(target: Uint8Array): number {
    try {
      return addon.drainInto.call(this.#n(), target, 0, target.length);
    } finally {
      this.#sync();
    }
  }

  outgoingBytesBuffered(): number {
    this.#n();
    return this.#outgoing;
  }

  #info() {
    return this.#native === null ? null : addon.info.call(this.#native);
  }

  getpeercert(): Uint8Array | null {
    return this.#info()?.peerCert ?? null;
  }

  cipher(): CipherSuite | number | null {
    const cipher = this.#info()?.cipher ?? -1;
    return cipher < 0 ? null : cipher;
  }

  /**
   * Extension (diagnostics, read by `unitls connect`): the key-exchange group of this connection,
   * named as the IANA TLS Supported Groups registry does ('x25519', 'secp256r1', 'X25519MLKEM768',
   * ...); null before
   * the handshake and for a TLS 1.2 resumption, which exchanges no key.
   */
  negotiatedGroup(): string | null {
    return this.#info()?.group ?? null;
  }

  negotiatedProtocol(): NextProtocol | Uint8Array | null {
    const alpn = this.#info()?.alpn;
    return alpn === undefined ? null : protocolFromBytes(alpn);
  }

  get negotiatedTlsVersion(): TLSVersion | null {
    return versionNames[this.#info()?.version ?? 0] ?? null;
  }

  get sessionReused(): boolean {
    return (this.#info()?.sessionReused ?? 0) === 1;
  }

  /** Extension: the session to resume later (in TLS 1.3, once the server's ticket was read). */
  session(): TLSSession | null {
    if (this.#native === null) return null;
    const data = addon.session.call(this.#native);
    if (data === undefined || this.#serverHostname === null) return null;
    // Opaque, bound to this buffer's context and the verified name (tls-core's sealSession).
    return sealSession(this.context, this.#serverHostname, data, this.getpeercert());
  }

  /** Frees the OpenSSL objects now (the garbage collector would, later). */
  free(): void {
    if (this.#native !== null) addon.free(this.#native);
    this.#native = null;
  }
}
