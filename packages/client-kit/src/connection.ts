/**
 * The I/O adapter under a protocol client: opens a plain, STARTTLS-to-be or implicit-TLS
 * connection over an injectable transport, reads and writes under one deadline per operation,
 * upgrades only when nothing is pending, wraps transport failures in the client's connection
 * error (with `cause`), publishes the client's diagnostics, and closes itself on every failure.
 * The protocol state lives in the client's sans-IO core; this moves its bytes.
 *
 * @module
 */
import { StartTlsInjectionError, TLSError, checkAddress, startTls, localAddress, recvIntoMisuse, remoteAddress, type Address, type ClientContext, type TLSSession, type TLSSocket } from '@unitls/tls-core';
import { CallerChunks, type CallerWaits } from './caller-chunks.js';
import { OperationDeadline } from './deadline.js';
import type { ClientChannels } from './diagnostics.js';
import { ClientTimeoutError, type ErrorFamily, type TimeoutPhase } from './errors.js';
import { pendingPromise, takeReject, takeResolve } from './resolvers.js';
import { PlainChannel, TLSChannel, tcpTransport, type Channel, type TransportFactory } from './transport.js';
import { describeValue } from '@unitls/tls-core';

/** How a client's connection is secured. */
export type Security = 'implicit' | 'starttls' | 'plaintext';

/** Options of {@link ClientConnection}. */
export interface ClientConnectionOptions {
  /** The client that owns this connection (the `client` of diagnostics messages). */
  client: object;
  /** The client's errors. */
  errors: ErrorFamily;
  /** The client package's channels (`diagnostics.smtp`, ...); none published when absent. */
  channels?: ClientChannels | undefined;
  /** Builds the TLS context when one is first needed. */
  context: () => ClientContext;
  /** The name the certificate must match (default: the host opened). */
  serverHostname?: string | undefined;
  /** Milliseconds allowed for each operation as a whole (default 30 000; Infinity for none). */
  timeout?: number | undefined;
  /** Ends whatever is in progress and closes the connection, for the connection's whole life. */
  signal?: AbortSignal | undefined;
  /** Opens the byte stream (default: TCP). With one, implicit TLS runs over it through startTls. */
  transport?: TransportFactory | undefined;
  /**
   * The TLS session to offer for resumption, asked for when a handshake starts (open with
   * 'implicit', upgrade). FTP data connections resume their control connection's session.
   */
  session?: (() => TLSSession | null) | undefined;
  /**
   * What to use when a plain connection's server never spoke (it probably waits for a TLS
   * ClientHello): "use SMTP_SSL or security: 'implicit' (port 465)". Added to the TimeoutError
   * of an operation that ends with not one byte received since open.
   */
  implicitTlsHint?: string | undefined;
  /**
   * False for a connection whose server sends no greeting (an FTP data connection): a timeout
   * before any byte then waited for data, not for a greeting. Default true.
   */
  greets?: boolean | undefined;
}

/** What {@link ClientConnection.nextEvent} drives: a protocol core in the h11 style. */
export interface SansIOCore<E> {
  /** Bytes from the server; empty means it closed. */
  receiveData(data: Uint8Array): void;
  /** An event, or the core's NEED_DATA symbol. */
  nextEvent(): E | symbol;
}

/**
 * A reset (or a write into a closed connection) can only happen once TCP is up: during an
 * implicit-TLS open it is the handshake failing, as tls-node reports it, not a failure to connect.
 */
function afterConnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The transport failed during a TLS handshake: a TLSError with the failure as `cause`, on every
 * implementation alike (tls-node raises one; others pass the socket's ECONNRESET on).
 */
function handshakeFailed(error: unknown): TLSError {
  return new TLSError(`TLS handshake failed: the connection failed during the handshake (${(error as Error)?.message ?? error})`, { cause: error });
}

/**
 * What a transport error says, in words for the connection error's message: node:net's "read
 * ECONNRESET" / "write EPIPE" name a system call, not what happened. TLS implementations already
 * word theirs ("TLS write failed: the peer reset the connection (ECONNRESET)").
 */
function lostConnectionWords(error: unknown): string {
  const message = (error as Error | null)?.message ?? String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNRESET' && !/reset/i.test(message.replace(/ECONNRESET/g, ''))) return `the server reset the connection (${message})`;
  if (code === 'EPIPE' && !/closed/i.test(message)) return `the server closed the connection (${message})`;
  return message;
}

/** The default of {@link ClientConnectionOptions.timeout}. */
export const DEFAULT_TIMEOUT_MS = 30_000;
const READ_SIZE = 64 * 1024;

/**
 * The largest piece of a write handed to the channel at once. The running operation's deadline
 * starts again after each piece the peer accepted, so the timeout bounds a peer that stopped
 * reading, not a long upload (a DATA, BDAT chunk, APPEND literal or STOR that took longer than
 * the timeout failed however steadily the server read it). The size of HTTP's pieces.
 */
export const SEND_PIECE = 64 * 1024;

/** The handlers of one channel's writes, made once per channel (see {@link ClientConnection.send}). */
interface WriteHandlers {
  channel: Channel;
  done: () => void;
  failed: (error: unknown) => void;
}

/** The connection a client's thin async loop drives. */
export class ClientConnection {
  readonly #options: ClientConnectionOptions;
  readonly #errors: ErrorFamily;
  readonly #deadline: OperationDeadline;
  #channel: Channel | null = null;
  #context: ClientContext | null = null;
  #host = '';
  #port = 0;
  /** True while an open or upgrade runs its TLS handshake (a timeout then names that phase). */
  #handshaking = false;
  /**
   * The command whose reply (or write) the running operation waits for, as its verb ('RCPT',
   * 'FETCH', never an argument): set by the client as it sends, null after open. A timeout names it.
   */
  command: string | null = null;
  /** Why the running operation was ended (a TimeoutError, the signal's reason), until the next open. */
  #failure: unknown = null;
  /** Opened once at least: "not connected" then means closed, not never opened. */
  #wasOpen = false;
  /** The read in progress ({@link #read}): its promise's resolving functions, null while none is. */
  #resolveRead: ((data: Uint8Array | number) => void) | null = null;
  #rejectRead: ((reason: unknown) => void) | null = null;
  /**
   * The handlers of every read's channel read, made at the first read of each channel (not two
   * closures and their context per read: every reply, every chunk of a download), and that channel.
   */
  #readHandlers: { channel: Channel; done: (data: Uint8Array | number) => void; failed: (error: unknown) => void } | null = null;
  #rejectWrite: ((reason: unknown) => void) | null = null;
  /**
   * The write in progress on the shared {@link WriteHandlers} (at most one: a write begun while
   * it is pending takes the path with closures of its own), its resolving functions; null when none.
   */
  #plainResolve: (() => void) | null = null;
  #plainReject: ((reason: unknown) => void) | null = null;
  #writeHandlers: WriteHandlers | null = null;
  /** What the last write carried (the timeout's message names it while {@link #rejectWrite} waits). */
  #writing: string | null = null;
  /** The bytes of the last write, and how many of them the peer took (counted per piece; 0 until the first piece went out). */
  #writeSize = 0;
  #written = 0;
  /** Rejects what {@link fromCaller} waits for (the caller's next chunk) when the connection fails. */
  #rejectWait: ((reason: unknown) => void) | null = null;
  #opening: AbortController | null = null;
  /** True once any read since the last open gave bytes (or the end): the server spoke. */
  #heard = false;
  /**
   * Whether the channel keeps the process alive now: true when it opens, false while the client
   * is idle (see {@link #reconsider}). Changed only on a transition: not a ref/unref per read.
   */
  #referenced = true;
  /** Calls running beyond one operation that count as in flight ({@link hold}). */
  #holds = 0;
  /**
   * Bytes the server sent before a write failed (its goodbye, its early refusal), read by
   * {@link #hearBeforeFailing} and handed to the next read; empty when none came (the next read
   * then fails with {@link #writeLost}); null while nothing is held.
   */
  #held: Uint8Array | null = null;
  /** The write failure deferred while {@link #held} bytes are read; later writes fail with it. */
  #writeLost: unknown = null;

  constructor(options: ClientConnectionOptions) {
    this.#options = options;
    this.#errors = options.errors;
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
      throw this.#errors.usage(`timeout must be a non-negative number of milliseconds (Infinity for none), got ${describeValue(timeout)}`);
    }
    this.#deadline = new OperationDeadline(timeout, this.#expired);
  }

  /** True from a successful open until close (or a failure, which closes). */
  get connected(): boolean {
    return this.#channel !== null;
  }

  /** True once the connection runs over TLS. */
  get secure(): boolean {
    return this.#channel?.secure ?? false;
  }

  /** The TLS socket, when there is one (for inspection: certificate, version, session). */
  get tlsSocket(): TLSSocket | null {
    return this.#channel instanceof TLSChannel ? this.#channel.socket : null;
  }

  /** The TLS context (built on first use); FTP data connections share it. */
  get context(): ClientContext {
    this.#context ??= this.#options.context();
    return this.#context;
  }

  /** The name certificates are checked against: the serverHostname option, else the host opened. */
  get serverHostname(): string {
    return this.#options.serverHostname ?? this.#host;
  }

  /** The operation timeout in milliseconds (Infinity: none). */
  get timeout(): number {
    return this.#deadline.timeout;
  }

  /** The peer's address, or null when not connected. */
  remoteAddress(): Address | null {
    const channel = this.#channel;
    if (channel instanceof TLSChannel) return channel.socket.getpeername();
    return channel instanceof PlainChannel ? remoteAddress(channel.transport) : null;
  }

  /** Our end's address, or null when not connected. */
  localAddress(): Address | null {
    const channel = this.#channel;
    if (channel instanceof TLSChannel) return channel.socket.getsockname();
    return channel instanceof PlainChannel ? localAddress(channel.transport) : null;
  }

  /**
   * Starts an operation: from now until {@link end}, reads, writes and upgrades must finish
   * within the timeout, and `signal` ends them early (then the connection is closed and what
   * waits rejects with a TimeoutError or the signal's reason). Prefer {@link run}.
   *
   * @throws the family's usage error for a `signal` that is not an AbortSignal (nothing started).
   */
  begin(signal?: AbortSignal): void {
    // A caller's `signal` option of the wrong type (from JavaScript) is refused before the
    // operation starts: the deadline would otherwise keep it and fail again at close() with a
    // TypeError. (Clients behind a CallGate refuse it before anything, see CallGate.run.)
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw this.#errors.usage(`the signal option must be an AbortSignal (an AbortController's signal, AbortSignal.timeout(ms)), got ${describeValue(signal)}`);
    }
    if (signal?.aborted) {
      // Nothing of the operation may start: fail (and close) before any byte moves.
      this.#fail(signal.reason);
      throw signal.reason;
    }
    this.#deadline.begin(signal);
    if (!this.#referenced) this.#keepAlive();
  }

  /** Ends the operation begun by {@link begin}; an idle connection then stops keeping the process alive. */
  end(): void {
    this.#deadline.end();
    this.#reconsider();
  }

  /**
   * Marks a call that runs beyond one operation (IMAP IDLE, whose wait for updates has no
   * deadline) as in flight until {@link release}: the connection keeps the process alive
   * meanwhile, even while the caller's loop body runs between two reads.
   */
  hold(): void {
    this.#holds++;
    if (!this.#referenced) this.#keepAlive();
  }

  /** Ends a {@link hold}. */
  release(): void {
    if (this.#holds > 0) this.#holds--;
    this.#reconsider();
  }

  /** The channel keeps the process alive: a call is in flight. */
  #keepAlive(): void {
    const channel = this.#channel;
    if (channel === null) return;
    this.#referenced = true;
    channel.ref();
  }

  /**
   * An idle connection (no operation, read, write, wait for the caller's chunk, open or
   * {@link hold}) does not keep the process alive: a script that forgot quit() exits after its
   * last line, as Python's do (trial 12). Node's HTTP agent unrefs its idle sockets likewise.
   */
  #reconsider(): void {
    const channel = this.#channel;
    if (channel === null) return;
    const alive = this.#holds > 0 || this.#opening !== null || this.#resolveRead !== null || this.#rejectWrite !== null || this.#rejectWait !== null || this.#deadline.active;
    if (alive === this.#referenced) return;
    this.#referenced = alive;
    if (alive) channel.ref();
    else channel.unref();
  }

  /** Runs `work` as one operation (see {@link begin}). */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.begin(signal);
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  /**
   * The next event of a sans-IO core (h11 style): `core.nextEvent()` at once when it has one,
   * else one operation that feeds `core.receiveData()` from {@link recv} (an empty array at the
   * server's close) until the core answers something other than `needData`.
   *
   * @throws what the core raises (its protocol error), or as {@link recv}.
   */
  async nextEvent<E>(core: SansIOCore<E>, needData: symbol, signal?: AbortSignal): Promise<E> {
    const event = core.nextEvent();
    if (event !== needData) return event as E;
    // run()'s begin/end inline: no closure and no promise of its own per event (a reply per
    // round trip on the per-message paths).
    this.begin(signal);
    try {
      for (;;) {
        core.receiveData(await this.recv());
        const next = core.nextEvent();
        if (next !== needData) return next as E;
      }
    } finally {
      this.end();
    }
  }

  /**
   * Opens the connection, as one operation: TCP (or the injected transport), then TLS at once
   * for `'implicit'`.
   *
   * @throws the family's usage error for a host that is not a non-empty string without control
   *   characters, or a port that is not an integer from 0 to 65535 (before any I/O);
   *   a TLSError from the handshake as it is (CertificateVerificationError, ...); any other
   *   failure as the family's connection error with `cause`; TimeoutError / the signal's reason
   *   when the deadline passes or a signal aborts.
   */
  async open(host: string, port: number, security: Security, signal?: AbortSignal): Promise<void> {
    checkOpenAddress(this.#errors, host, port);
    if (this.#channel !== null) throw this.#errors.usage('already connected: close() first');
    if (this.#opening !== null) throw this.#errors.usage('a connection is already being opened: await that open() (or close() it) first');
    const session = this.#options.signal;
    session?.throwIfAborted();
    const opening = new AbortController();
    this.#opening = opening;
    this.#failure = null;
    this.#heard = false;
    this.#held = null;
    this.#writeLost = null;
    this.#referenced = true;
    this.#holds = 0;
    this.#host = host;
    this.#port = port;
    this.#handshaking = false;
    this.command = null;
    const channels = this.#options.channels;
    if (channels?.connect.hasSubscribers) channels.connect.publish({ client: this.#options.client, host, port, security });
    session?.addEventListener('abort', this.#abortSession, { once: true });
    try {
      this.begin(signal);
    } catch (error) {
      this.#opening = null;
      await this.#shutdown(true);
      throw error;
    }
    try {
      const serverHostname = this.serverHostname;
      if (security === 'implicit' && this.#options.transport === undefined) {
        // TCP and the handshake in one call: a timeout says 'connect' (its message names both).
        this.#channel = new TLSChannel(await this.context.connect({ host, port }, { serverHostname, signal: opening.signal, ...this.#session() }));
      } else {
        const transport = await (this.#options.transport ?? tcpTransport)({ host, port }, { signal: opening.signal });
        if (opening.signal.aborted) transport.destroy();
        opening.signal.throwIfAborted();
        if (security !== 'implicit') this.#channel = new PlainChannel(transport);
        else {
          try {
            this.#handshaking = true;
            this.#channel = new TLSChannel(await startTls(this.context, transport, { serverHostname, signal: opening.signal, ...this.#session() }));
          } catch (error) {
            transport.destroy();
            throw error;
          }
        }
      }
      // An implementation that finished its handshake despite the abort (close() or a signal
      // during open): what it opened is closed, never handed to the caller.
      if (opening.signal.aborted) throw opening.signal.reason;
      if (security === 'implicit') this.#publishTls(false);
      this.#wasOpen = true;
    } catch (error) {
      await this.#shutdown(true);
      if (this.#failure !== null) throw this.#failure;
      if (error instanceof TLSError) throw error;
      if (security === 'implicit' && afterConnect(error)) throw handshakeFailed(error);
      throw this.#errors.connection(`could not connect to ${host}:${port}: ${(error as Error)?.message ?? error}`, { cause: error });
    } finally {
      this.#opening = null;
      this.#handshaking = false;
      this.end();
    }
  }

  /**
   * The next bytes received (empty at end of stream). Bounded by the running operation's
   * deadline when there is one; without one it may wait indefinitely (IMAP IDLE), until the
   * connection's signal aborts.
   *
   * @throws the family's connection error (cause: the transport's or TLS error), or the
   *   operation's TimeoutError / abort reason; the connection is closed first.
   */
  recv(): Promise<Uint8Array> {
    const channel = this.#channel;
    if (channel === null) return Promise.reject(this.#notConnected());
    return this.#read(channel, null) as Promise<Uint8Array>;
  }

  /** True when {@link recvInto} can be used: the channel reads straight into the caller's memory (a TLSSocket with recvInto). */
  get receivesInto(): boolean {
    return this.#channel?.receivesInto === true;
  }

  /**
   * {@link recv} into `memory` (at most its length): resolves with the count n written at
   * `memory[0, n)`, 0 at the end of the stream. For bulk bytes whose place is known before they
   * arrive (an IMAP literal): no copy out of a chunk. Until it settles the channel may write into
   * `memory`; a failure or deadline closes the connection first, as for recv.
   *
   * @throws the family's usage error when not {@link receivesInto}, or when `memory` is not a
   *   non-empty Uint8Array (nothing read, the connection stays open); otherwise as {@link recv}.
   */
  recvInto(memory: Uint8Array): Promise<number> {
    const misuse = recvIntoMisuse(memory);
    if (misuse !== null) return Promise.reject(this.#errors.usage(misuse.message));
    const channel = this.#channel;
    if (channel === null) return Promise.reject(this.#notConnected());
    if (channel.receivesInto !== true) return Promise.reject(this.#errors.usage('recvInto needs a channel that receives into memory (receivesInto): use recv()'));
    return this.#read(channel, memory) as Promise<number>;
  }

  /** One read on `channel` under the running operation's deadline: recv, or recvInto `into`. */
  #read(channel: Channel, into: Uint8Array | null): Promise<Uint8Array | number> {
    if (this.#held !== null) {
      if (this.#held.length > 0) return Promise.resolve(this.#takeHeld(into));
      // The write's failure, now that the client looked for a reply and none came.
      this.#held = null;
      return new Promise((_resolve, reject) => this.#failed(channel, this.#writeLost, 'the connection failed while sending', reject));
    }
    // Not an async function: one promise the deadline can reject and one reaction on the
    // channel's read per call (the read path of every reply, every chunk of a download), with
    // handlers made once per channel (a closure, its context and two handlers per read were
    // ~0.7 KB of a download's JavaScript allocation per chunk: issue #16).
    const reading = pendingPromise<Uint8Array | number>();
    this.#resolveRead = takeResolve<Uint8Array | number>();
    this.#rejectRead = takeReject();
    // A read outside any operation (IMAP IDLE's wait for updates) is in flight too.
    if (!this.#referenced) this.#keepAlive();
    let handlers = this.#readHandlers;
    if (handlers === null || handlers.channel !== channel) {
      handlers = { channel, done: (data) => this.#readDone(channel, data), failed: (error) => this.#readFailed(channel, error) };
      this.#readHandlers = handlers;
    }
    let read: Promise<Uint8Array | number>;
    try {
      read = into === null ? channel.recv(READ_SIZE) : channel.recvInto!(into);
    } catch (error) {
      read = Promise.reject(error);
    }
    read.then(handlers.done, handlers.failed);
    return reading;
  }

  /** Bytes of {@link #held} for a read (all of them, or what fits `into`). */
  #takeHeld(into: Uint8Array | null): Uint8Array | number {
    const held = this.#held!;
    this.#heard = true;
    if (into === null) {
      this.#held = null;
      return held;
    }
    const count = Math.min(into.length, held.length);
    into.set(held.subarray(0, count));
    this.#held = count === held.length ? null : held.subarray(count);
    return count;
  }

  /**
   * A channel read gave `data`. Ignored when its read was already settled ({@link #fail}: the
   * deadline, a signal, close()), which also closed that channel: the read waiting now, if any,
   * is on another channel (opened since) and not this one's to settle.
   */
  #readDone(channel: Channel, data: Uint8Array | number): void {
    const resolve = this.#resolveRead;
    if (resolve === null || this.#readHandlers?.channel !== channel) return;
    this.#resolveRead = this.#rejectRead = null;
    this.#heard = true;
    resolve(data);
    // Within an operation nothing changes; after a read of its own (IDLE), the connection is idle.
    if (!this.#deadline.active) this.#reconsider();
  }

  /** A channel read failed (ignored as in {@link #readDone}). */
  #readFailed(channel: Channel, error: unknown): void {
    const reject = this.#rejectRead;
    if (reject === null || this.#readHandlers?.channel !== channel) return;
    this.#resolveRead = this.#rejectRead = null;
    this.#failed(channel, error, 'the connection failed', reject);
  }

  /**
   * Writes bytes as they are. Command lines must come from `encodeCommand` (the CR/LF/NUL guard);
   * this is also the path for payloads (DATA, literals, BDAT chunks). More than {@link SEND_PIECE}
   * bytes go out a piece at a time, the running operation's deadline starting again after each
   * piece the peer accepted: the timeout bounds a peer that takes none of the write for that
   * long (a TimeoutError naming `what`, the connection closed: a write cut short cannot be
   * resumed), not a long write.
   *
   * A write the transport refuses (the server closed or reset the connection) on a connection
   * with replies resolves once what the server had sent is held for the next read: that read
   * gives the server's last words (a 421, a BYE, a DATA's early 554), or, when none came, fails
   * with the write's error (the family's connection error "the connection failed while
   * sending", the transport's error as `cause`); later writes are dropped until then. Without a
   * greeting (`greets: false`) the write itself fails.
   *
   * @param what - what the bytes are, for the timeout's message: "the DATA message", "the APPEND
   *   command" (default "the command").
   * @throws as {@link recv}.
   */
  send(bytes: Uint8Array, what = 'the command'): Promise<void> {
    const channel = this.#channel;
    if (channel === null) return Promise.reject(this.#notConnected());
    if (!this.#referenced) this.#keepAlive();
    this.#writing = what;
    this.#writeSize = bytes.length;
    this.#written = 0;
    return bytes.length <= SEND_PIECE ? this.#write(channel, bytes) : this.#writePieces(channel, bytes);
  }

  /** {@link send}'s pieces, one after the other; the first failure (the deadline, close()) ends it. */
  async #writePieces(channel: Channel, bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; at += SEND_PIECE) {
      const piece = bytes.subarray(at, at + SEND_PIECE);
      await this.#write(channel, piece);
      this.#written += piece.length;
      this.#deadline.restart();
    }
  }

  /**
   * One write on `channel`, rejected at once when the operation fails. The usual write (none in
   * progress, no earlier write failed) makes no closure: one promise whose resolving functions
   * wait in fields, and one reaction on the channel's write with handlers made once per channel
   * (an executor and two reactions per call were ~0.3 KB of each command's JavaScript allocation:
   * issue #16). Others take {@link #writeWithClosures}.
   */
  #write(channel: Channel, bytes: Uint8Array): Promise<void> {
    if (this.#writeLost !== null || this.#plainReject !== null) return this.#writeWithClosures(channel, bytes);
    const writing = pendingPromise<void>();
    const resolve = takeResolve<void>();
    const reject = takeReject();
    this.#plainResolve = resolve;
    this.#plainReject = reject;
    this.#rejectWrite = reject;
    let handlers = this.#writeHandlers;
    if (handlers === null || handlers.channel !== channel) {
      handlers = { channel, done: () => this.#writeDone(channel), failed: (error) => this.#writeFailed(channel, error) };
      this.#writeHandlers = handlers;
    }
    let write: Promise<unknown>;
    try {
      write = channel.send(bytes);
    } catch (error) {
      write = Promise.reject(error);
    }
    write.then(handlers.done, handlers.failed);
    return writing;
  }

  /**
   * The channel took the shared write (as the closure of {@link #writeWithClosures}). Ignored when
   * that write was already settled by {@link #fail} (which also closed its channel), as for reads.
   */
  #writeDone(channel: Channel): void {
    const resolve = this.#plainResolve;
    const reject = this.#plainReject;
    if (resolve === null || reject === null || this.#writeHandlers?.channel !== channel) return;
    this.#plainResolve = this.#plainReject = null;
    if (this.#rejectWrite === reject) {
      this.#rejectWrite = null;
      if (!this.#deadline.active) this.#reconsider();
    }
    resolve();
  }

  /** The channel refused the shared write (as the closure of {@link #writeWithClosures}). */
  #writeFailed(channel: Channel, error: unknown): void {
    const resolve = this.#plainResolve;
    const reject = this.#plainReject;
    if (resolve === null || reject === null || this.#writeHandlers?.channel !== channel) return;
    this.#plainResolve = this.#plainReject = null;
    this.#writeRefused(channel, error, resolve, reject);
  }

  /** A write failed: at once, or after hearing what the server said first (see {@link #hearBeforeFailing}). */
  #writeRefused(channel: Channel, error: unknown, resolve: () => void, reject: (reason: unknown) => void): void {
    if (this.#rejectWrite !== reject || this.#failure !== null || this.#channel !== channel || this.#resolveRead !== null) {
      if (this.#rejectWrite === reject) this.#rejectWrite = null;
      this.#failed(channel, error, 'the connection failed while sending', reject);
      return;
    }
    this.#hearBeforeFailing(channel, error, resolve, reject);
  }

  /** {@link #write} with closures of its own: while the shared write is pending, or after a write failed. */
  #writeWithClosures(channel: Channel, bytes: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#rejectWrite = reject;
      if (this.#writeLost !== null) {
        // A write failed: until the client read for a reply, writes are dropped (the connection
        // is gone); then they fail with that write's error.
        if (this.#held !== null) {
          this.#rejectWrite = null;
          resolve();
        } else {
          this.#rejectWrite = null;
          this.#failed(channel, this.#writeLost, 'the connection failed while sending', reject);
        }
        return;
      }
      let write: Promise<unknown>;
      try {
        write = channel.send(bytes);
      } catch (error) {
        write = Promise.reject(error);
      }
      write.then(
        () => {
          if (this.#rejectWrite === reject) {
            this.#rejectWrite = null;
            if (!this.#deadline.active) this.#reconsider();
          }
          resolve();
        },
        (error: unknown) => this.#writeRefused(channel, error, resolve, reject),
      );
    });
  }

  /**
   * A write failed (the server closed or reset the connection): the server may have answered
   * first, as Python's clients find when they read a 421 or a BYE after a send into a closed
   * connection (break14: the goodbye of a server closing an idle connection, the 554 of a DATA
   * refused early, were thrown away for "the server closed the connection"). What the channel
   * still gives is read and held for the client's next read, and the write resolves: the client
   * then reads its reply (from those bytes, or from bytes its core already holds) and fails with
   * the server's words; when no reply is there, that read fails with this write's error, as the
   * write did before. A connection without a greeting (an FTP data connection: no replies) fails
   * the write at once when nothing came. The read is bounded by the running operation's
   * deadline; close() and signals end it.
   */
  #hearBeforeFailing(channel: Channel, error: unknown, resolve: () => void, reject: (reason: unknown) => void): void {
    const heard = (data: Uint8Array): void => {
      if (this.#rejectWrite !== reject) return; // ended meanwhile (deadline, signal, close()): rejected already
      this.#rejectWrite = null;
      if ((data.length === 0 && this.#options.greets === false) || this.#channel !== channel) {
        this.#failed(channel, error, 'the connection failed while sending', reject);
        return;
      }
      this.#held = data;
      this.#writeLost = error;
      resolve();
    };
    let read: Promise<Uint8Array>;
    try {
      read = channel.recv(READ_SIZE);
    } catch {
      read = Promise.resolve(new Uint8Array(0));
    }
    read.then(heard, () => heard(new Uint8Array(0)));
  }

  /**
   * A read or write on `channel` failed: the connection is closed, then `reject` gets why the
   * operation ended (a TimeoutError, the signal's reason, close()) or else the family's
   * connection error with the channel's error as `cause`. A channel already closed (a failure
   * that rejected the call first, then closed it) closes nothing: the connection may have been
   * opened again since.
   */
  #failed(channel: Channel, error: unknown, what: string, reject: (reason: unknown) => void): void {
    const settle = (): void => reject(this.#failure ?? this.#errors.connection(`${what}: ${lostConnectionWords(error)}`, { cause: error }));
    if (this.#channel !== channel) settle();
    else this.#shutdown(true).then(settle, settle);
  }

  /**
   * The chunks of a caller's message stream, sent between operations (each write is one): the
   * wait for the next chunk has no deadline (a slow source is the caller's), but it ends with the
   * connection. When `signal` or the connection's signal aborts, or close() is called, while the
   * stream has not yielded, the iteration rejects with that reason at once and the connection is
   * closed (the stream itself is then told to return once it yields). The stream's own failure
   * passes through as it is.
   */
  fromCaller<T>(source: AsyncIterable<T>, signal?: AbortSignal): AsyncIterableIterator<T, undefined, undefined> {
    return new CallerChunks(source, signal, this.#callerWaits);
  }

  /** {@link fromCaller}'s hold on the connection while it waits for the caller (made once per connection). */
  readonly #callerWaits: CallerWaits = {
    begin: (reject) => {
      if (this.#channel === null) throw this.#notConnected();
      this.#rejectWait = reject;
      if (!this.#referenced) this.#keepAlive();
    },
    end: () => {
      this.#rejectWait = null;
      this.#reconsider();
    },
    fail: (reason) => this.#fail(reason),
  };

  /**
   * STARTTLS / STLS / AUTH TLS, as one operation. `pending` is how many bytes the client's core
   * received and did not consume: any there, or left in the transport, came before the handshake
   * and are refused as a possible injection.
   *
   * @throws StartTlsInjectionError (connection closed); a TLSError from the handshake; else as {@link recv}.
   */
  async upgrade(pending: number, signal?: AbortSignal): Promise<void> {
    const plain = this.#channel;
    if (!(plain instanceof PlainChannel)) throw this.#errors.usage('the connection already uses TLS (or is closed)');
    const leftover = plain.detach();
    if (leftover.length > 0 || pending > 0 || this.#held !== null) {
      await this.#shutdown(true);
      throw new StartTlsInjectionError('the server sent data after its go-ahead and before the TLS handshake (possible response injection); connection closed');
    }
    this.begin(signal);
    const opening = new AbortController();
    this.#opening = opening;
    this.#handshaking = true;
    try {
      this.#channel = new TLSChannel(await startTls(this.context, plain.transport, { serverHostname: this.serverHostname, signal: opening.signal, ...this.#session() }));
      this.#publishTls(true);
    } catch (error) {
      await this.#shutdown(true);
      // The transport was up before the handshake: a reset during it is the handshake failing, as
      // tls-node reports it (and every implementation a FIN): a TLSError with the reset as cause.
      throw this.#failure ?? (error instanceof TLSError ? error : handshakeFailed(error));
    } finally {
      this.#opening = null;
      this.#handshaking = false;
      this.end();
    }
  }

  /** True when someone listens to this client's `command` channel (build the redacted text only then). */
  get tracesCommands(): boolean {
    return this.#options.channels?.command.hasSubscribers ?? false;
  }

  /** True when someone listens to this client's `reply` channel. */
  get tracesReplies(): boolean {
    return this.#options.channels?.reply.hasSubscribers ?? false;
  }

  /** Publishes a command line (without CRLF, secrets already redacted) on `unitls:<package>:command`. */
  publishCommand(command: string): void {
    const channel = this.#options.channels?.command;
    if (channel?.hasSubscribers) channel.publish({ client: this.#options.client, command });
  }

  /** Publishes a reply (secrets already redacted) on `unitls:<package>:reply`. */
  publishReply(reply: string): void {
    const channel = this.#options.channels?.reply;
    if (channel?.hasSubscribers) channel.publish({ client: this.#options.client, reply });
  }

  /**
   * True while a call is in progress (an open, a read, a write, an operation) and nothing ended
   * it yet: what {@link close} would end with "closed by close()". A client's close() asks this
   * first to take over the failure of its running calls ({@link InFlight.endedByClose}).
   */
  get busy(): boolean {
    return this.#failure === null && (this.#opening !== null || this.#rejectRead !== null || this.#rejectWrite !== null || this.#rejectWait !== null || this.#deadline.active);
  }

  /**
   * Closes (gracefully unless `force`); a no-op when already closed. What is in progress (an open,
   * a read, a write, an operation) rejects with the family's connection error "closed by close()".
   *
   * `reason`, when given, is the failure the client closes for (a server that ended the session
   * with its last words): the next call's "not connected" says it ({@link closedError}, `cause`
   * that reason). A failure recorded before (a timeout) is kept.
   */
  async close(force = false, reason?: unknown): Promise<void> {
    if (this.busy) {
      this.#fail(this.#errors.connection('the connection was closed by close() while a call was in progress'), false);
    } else if (reason !== undefined && this.#wasOpen) this.#failure ??= reason;
    await this.#shutdown(force);
  }

  /**
   * Closes gracefully, as close(false), and rejects when a plain connection was reset on the way
   * (before or while closing, until the peer's end): the peer's application did not take all that
   * was sent (an FTP upload's data connection, whose end is the end of the file, RFC 959 §3.4: a
   * server that saw only the end would store a truncated file as complete). Over TLS as
   * close(false): the implementations report nothing once close_notify is handed on.
   *
   * @throws the family's connection error "the connection failed while closing: the server reset
   *   the connection (...)", the transport's error as `cause`.
   */
  async finish(): Promise<void> {
    const channel = this.#channel;
    await this.close(false);
    const lost = channel instanceof PlainChannel ? channel.lost : null;
    if (lost !== null) throw this.#errors.connection(`the connection failed while closing: ${lostConnectionWords(lost)}`, { cause: lost });
  }

  /**
   * The error a call on this closed connection raises: "not connected", with why it closed when
   * it was ended by a failure or by close() during a call (`cause`: that failure).
   */
  closedError(): Error {
    return this.#notConnected();
  }

  /**
   * For a call that ran the caller's code between two of its steps (a loop body between two
   * yields, a callback): whether that code ended the call. It may have aborted the call's
   * `signal` while no operation was running (nothing then heard it): the connection is closed
   * with the reason as its failure and the reason thrown. It may have closed the client: the
   * closed error is thrown. Either way the call must not go on with what was already received
   * (break16: a retrLines() loop whose body called close() or aborted its signal still got the
   * buffered rest of the message and ended as if complete).
   *
   * Synchronous (no promise per step on the per-line and per-message paths): the close goes on
   * as a failure's does ({@link begin} with an aborted signal), the channel already let go.
   *
   * @throws `signal.reason`, or {@link closedError}
   */
  afterCaller(signal?: AbortSignal): void {
    if (signal?.aborted) {
      if (this.connected) void this.close(true, signal.reason);
      throw signal.reason;
    }
    if (!this.connected) throw this.#notConnected();
  }

  async #shutdown(force: boolean): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    this.#options.signal?.removeEventListener('abort', this.#abortSession);
    this.#deadline.dispose();
    if (channel === null) return;
    // The close is awaited (quit(), a failure the caller is about to get): until it is done the
    // process stays alive. The implementations unref what they keep doing in the background.
    if (!this.#referenced) channel.ref();
    this.#referenced = true;
    this.#holds = 0;
    const channels = this.#options.channels;
    if (channels?.close.hasSubscribers) channels.close.publish({ client: this.#options.client });
    await channel.close(force).catch(() => {});
  }

  /** The session option's answer, as handshake options (none when there is nothing to resume). */
  #session(): { session?: TLSSession } {
    const session = this.#options.session?.() ?? null;
    return session === null ? {} : { session };
  }

  #publishTls(upgraded: boolean): void {
    const channel = this.#options.channels?.tls;
    if (channel?.hasSubscribers) channel.publish({ client: this.#options.client, socket: this.tlsSocket, upgraded });
  }

  #notConnected(): Error {
    const failure = this.#failure;
    if (failure === null) {
      // Trial 8: after a clean quit() the old text named only failures. A protocol layer that
      // fails closes with close() too, so "closed" cannot say which.
      return this.#errors.connection(this.#wasOpen ? 'not connected: the connection was closed (by quit(), logout() or close(), or after a failure); run connect() to open it again' : 'not connected: run connect() first');
    }
    const why = failure instanceof Error ? failure.message : String(failure);
    return this.#errors.connection(`not connected (${why}): run connect() first`, { cause: failure });
  }

  /** Ends the running operation: what waits rejects with `reason`, and the connection closes. */
  readonly #fail = (reason: unknown, shutdown = true): void => {
    if (this.#failure !== null) return;
    this.#failure = reason;
    const rejectRead = this.#rejectRead;
    this.#resolveRead = this.#rejectRead = null;
    rejectRead?.(reason);
    // The shared write rejects here too (a later write may have taken #rejectWrite), and its
    // channel's late answer is then ignored.
    const rejectPlain = this.#plainReject;
    this.#plainResolve = this.#plainReject = null;
    rejectPlain?.(reason);
    this.#rejectWrite?.(reason);
    this.#rejectWait?.(reason);
    this.#opening?.abort(reason);
    if (shutdown) void this.#shutdown(true);
  };

  /** The deadline passed (`timedOut`: the client's timeout error) or the operation's signal aborted. */
  readonly #expired = (reason: unknown, timedOut: boolean): void => {
    this.#fail(timedOut ? this.#timeoutError(reason) : reason);
  };

  /**
   * The client's timeout error (trial 12, finding 5: a bare DOMException named neither the client
   * nor what timed out): which phase, which command, the timeout, and the timer's DOMException as
   * `cause`. Read before #fail changes anything.
   */
  #timeoutError(cause: unknown): Error {
    const timeout = this.#deadline.timeout;
    const peer = `${this.#host}:${this.#port}`;
    const command = this.command;
    let phase: TimeoutPhase;
    let what: string;
    // A write the peer stopped taking: each piece re-arms the deadline, so this is a stall.
    let stalled: string | null = null;
    if (this.#opening !== null) {
      phase = this.#handshaking ? 'tls-handshake' : 'connect';
      what = this.#handshaking ? `in the TLS handshake with ${peer}` : `connecting to ${peer}`;
    } else if (this.#rejectWrite !== null) {
      phase = 'write';
      what = command === null ? `sending to ${peer}` : `sending ${command}`;
      const writing = this.#writing;
      if (writing !== null) {
        // A write of several pieces says how much went out (the server may have read part of it
        // slowly: "took none" would be false), as HTTP's message does.
        const written = this.#written;
        const took =
          this.#writeSize <= SEND_PIECE
            ? `the server took none of ${writing} for ${timeout} ms`
            : written === 0
              ? `the server took none of ${writing} (${this.#writeSize} bytes) for ${timeout} ms`
              : `the server took no more of ${writing} for ${timeout} ms after ${written} of its ${this.#writeSize} bytes had gone out`;
        stalled = `timed out sending to ${peer}: ${took}: it stopped reading (the timeout option bounds each piece of a write); the connection was closed, so what was sent of it is discarded`;
        const said = serverSaid(this.#channel?.takeHeld?.(SAID_BYTES));
        if (said !== null) stalled += `; before it stopped reading, the server said ${said}`;
      }
    } else if (command === null && !this.#heard && this.#options.greets !== false) {
      phase = 'greeting';
      what = `waiting for the greeting of ${peer}`;
    } else {
      phase = 'read';
      what = command === null ? `waiting for data from ${peer}` : `waiting for the reply to ${command}`;
    }
    const hint = stalled === null ? this.#silenceHint() : '';
    const message =
      stalled ?? `timed out ${what}: no answer within ${timeout} ms (the timeout option bounds each reply or operation as a whole)${hint === '' ? '' : `; ${hint}`}`;
    const details = { timeout, phase, command, cause };
    return this.#errors.timeout?.(message, details) ?? new ClientTimeoutError(message, details);
  }

  /**
   * Trial 7: a STARTTLS client pointed at an implicit-TLS port waits for a greeting that never
   * comes (the server waits for our ClientHello); the reverse mistake already says what to do.
   */
  readonly #silenceHint = (): string => {
    const hint = this.#options.implicitTlsHint;
    if (hint === undefined || this.#heard || this.#channel === null || this.#channel.secure) return '';
    return `not one byte came from the server since it was opened: it may expect TLS at once (an implicit-TLS port); ${hint}`;
  };


  readonly #abortSession = (): void => {
    this.#fail(this.#options.signal!.reason);
  };
}

/** How much of what a server said before it stopped reading a timeout's message shows. */
const SAID_BYTES = 512;

/**
 * The complete lines of `bytes` (what the server sent and nobody read), quoted, control
 * characters escaped; null when there is no complete line. Server bytes only: never what the
 * client sent (break14: a DATA refused early with a 554, then the server stopped reading).
 */
function serverSaid(bytes: Uint8Array | undefined): string | null {
  if (bytes === undefined || bytes.length === 0) return null;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const end = text.lastIndexOf('\n');
  if (end < 0) return null;
  // JSON.stringify escapes the C0 controls; DEL and the C1 controls as \u escapes too.
  // eslint-disable-next-line no-control-regex
  return text.slice(0, end + 1).split(/\r?\n/).slice(0, -1).map((line) => JSON.stringify(line).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join(', ');
}

/** The host and port a client was asked to open, checked before any lookup or connect. */
function checkOpenAddress(errors: ErrorFamily, host: string, port: number): void {
  try {
    checkAddress('open', { host, port });
  } catch (error) {
    // tls-core's check of host and port, reported as the caller's mistake in the client's family.
    throw errors.usage((error as Error).message.replace(/^open: /, ''));
  }
  // A NUL would cut the name short in the resolver; no host name or IP address holds a control character.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(host);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw errors.usage(`the host holds a control character (U+${code} at index ${control.index}); nothing was sent`);
  }
}
