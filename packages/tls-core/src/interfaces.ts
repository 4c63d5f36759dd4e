/**
 * The PEP 748 protocols as TypeScript interfaces: contexts, the async TLSSocket, the synchronous
 * sans-IO TLSBuffer, and the features an implementation reports (TLSImplementation is a class, in
 * implementation.ts).
 *
 * @module
 */
import type { Duplex } from 'node:stream';
import type { TLSClientConfiguration, TLSServerConfiguration } from './configuration.js';
import type { CipherSuite, NextProtocol, TLSVersion } from './enums.js';
import type { TLSSession } from './session.js';

export type { TLSSession } from './session.js';

/** A network address, as `(host, port)` is in Python. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link ClientContext.connect}. */
export interface ClientConnectOptions {
  /**
   * The name to send as SNI and to verify the certificate against. Defaults to `address.host`.
   * IP literals are verified against IP SANs and never sent as SNI.
   */
  serverHostname?: string;
  /**
   * Aborts the TCP connect and the handshake (extension). The connect rejects with the signal's
   * reason; a stock one (AbortSignal.timeout's TimeoutError, abort()'s AbortError) as a
   * DOMException of the same name that says what ended and in which phase, the reason as `cause`
   * ("connect to mail.example.com:993 aborted by its signal during the TLS handshake").
   */
  signal?: AbortSignal;
  /**
   * Milliseconds allowed for TCP connect plus handshake (extension). Past it the connect rejects
   * with a TimeoutError (a DOMException) saying what timed out, after how long and in which phase
   * (TCP connect, TLS handshake, verification): "connect to mail.example.com:993 timed out after
   * 5000 ms during the TLS handshake".
   */
  timeout?: number;
  /** A session from an earlier connection to resume (extension; see {@link TLSSession}). */
  session?: TLSSession | null;
}

/** Options of {@link ClientContext.upgrade} (the native STARTTLS path, an extension). */
export interface UpgradeOptions extends Omit<ClientConnectOptions, 'serverHostname'> {
  serverHostname: string;
  /**
   * What a deadline or signal message calls this handshake (extension; default
   * {@link upgradeOperation}: "TLS upgrade (STARTTLS) of the connection to NAME"). A caller whose
   * plain connection is only the first step of an ordinary TLS connect (HTTPS over its own TCP
   * socket) names it so: "connect to example.org:443" (trial 11: HTTPS timeouts said STARTTLS).
   */
  operation?: string;
}

/**
 * The byte stream a TLS connection runs over when the caller supplies it (STARTTLS, TLS inside
 * TLS): a node:net Socket, or any Duplex, e.g. a tunnel through another TLS connection.
 */
export type Transport = Duplex & {
  readonly readyState?: string;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
};

/** The methods a connected or listening TLS socket offers (PEP 748 `TLSSocket`). */
export interface TLSSocket extends AsyncDisposable {
  /** The context this socket was made from. */
  readonly context: ClientContext | ServerContext;
  /**
   * Up to `bufsize` decrypted bytes; an empty array means the peer closed cleanly (its
   * close_notify). The same on every implementation:
   * - One recv at a time: a recv called while another waits rejects at once with TLSError
   *   `CONCURRENT_RECV` (tls-core `concurrentRecv()`; asyncio's StreamReader refuses a second
   *   reader likewise); the waiting one goes on.
   * - A recv still waiting when {@link close} is called on the same socket rejects at once with
   *   TLSError `RECV_ENDED_BY_CLOSE` (tls-core `recvEndedByClose()`), whether close is forced or
   *   not: data the peer sends after close() was called is not returned (as asyncio's
   *   Transport.close: "no more data will be received"). Never an empty array or RaggedEOF, since
   *   neither the peer's close_notify nor its FIN ended it.
   * - A recv called after close() (even while a non-forced close still waits for the peer)
   *   rejects with TLSError "recv on a closed TLSSocket".
   */
  recv(bufsize: number): Promise<Uint8Array>;
  /**
   * Extension (Python's `socket.recv_into`; PEP 748's `TLSBuffer.read(amt, buffer)` is its buffer
   * side): {@link recv} into memory the caller owns and may reuse, so a bulk reader allocates
   * nothing per read. Writes n decrypted bytes at `buffer[0, n)` and resolves with n: at least 1,
   * at most `buffer.length` (every record already decryptable, no bound beyond the buffer's), or 0
   * at the peer's close_notify. The bytes past n are untouched. Until the promise settles the
   * socket may write into `buffer`; afterwards it never touches it again.
   *
   * The same rules and errors as {@link recv}: one recv or recvInto at a time (CONCURRENT_RECV),
   * RECV_ENDED_BY_CLOSE, "recv on a closed TLSSocket", RaggedEOF, TransportError.
   *
   * What each implementation does: tls-openssl decrypts straight into `buffer` (SSL_read into it:
   * no copy, no allocation); tls-pure copies each record's plaintext into it; tls-node copies
   * node:tls's record into it (no gain over recv there, the same bytes).
   *
   * @throws TypeError when `buffer` is not a Uint8Array; RangeError when it is empty (tls-core
   *   `recvIntoMisuse`); RangeError with code UNITLS_RECV_INTO_LOST_BUFFER when the caller
   *   detached `buffer`'s ArrayBuffer or shrank it to nothing while the recv waited (tls-openssl,
   *   tls-pure: nothing read, the bytes wait for the next recv; tls-node: the bytes were already
   *   taken, so the connection is closed); otherwise as {@link recv}.
   */
  recvInto?(buffer: Uint8Array): Promise<number>;
  /**
   * Extension (node:net's `socket.ref()` / `unref()`): whether this connection keeps the Node
   * process alive. A connection is referenced when it opens; a protocol client unrefs it while it
   * is idle (no call in flight), so a script that forgot quit() still exits, as Python's do, and
   * refs it again for its next call. Reaches the one handle that keeps the process alive (the TCP
   * socket under TLS, whichever implementation); a transport without ref/unref (an in-memory
   * Duplex) is left as it is. Works on a closed socket too (then does nothing that matters).
   */
  ref?(): void;
  /** The reverse of {@link ref}: this connection no longer keeps the process alive. */
  unref?(): void;
  /**
   * Encrypts and sends `bytes`; resolves with the count sent once the transport took them.
   * Once `recv` reported RaggedEOF (the peer ended the transport without close_notify) the
   * connection is over: every send rejects with RaggedEOF and writes nothing, on every
   * implementation (Python's `SSLSocket.send` raises SSLEOFError likewise).
   */
  send(bytes: Uint8Array): Promise<number>;
  /**
   * Closes the connection. Without `force`, sends close_notify and waits (bounded) for the
   * peer's; with `force`, drops the transport at once. A recv waiting on this socket is ended:
   * it rejects with TLSError `RECV_ENDED_BY_CLOSE` (see {@link recv}); later recv and send
   * calls reject with TLSError. To stop sending but still read the peer's answer (node:net's
   * `end()`), use {@link shutdown} first.
   */
  close(force?: boolean): Promise<void>;
  /**
   * Extension: a write-side half-close, as `socket.shutdown(SHUT_WR)` and node:net's `end()`:
   * sends close_notify and ends the transport's write side (FIN), but leaves the read side open
   * (RFC 8446 §6.1: close_notify closes only the sender's direction). Named after the PEP's
   * `TLSBuffer.shutdown` and the socket call it mirrors; unlike {@link close}, which ends a
   * waiting recv at once, it ends nothing the peer still sends. Afterwards:
   * - recv keeps returning the peer's data, then an empty array at its close_notify, or RaggedEOF
   *   when it ends the transport without one (a TLS 1.2 peer may answer with its own close_notify
   *   at once, RFC 5246 §7.2.1);
   * - send rejects with TLSError (nothing is written);
   * - close() still has to be called to release the socket.
   * Resolves once close_notify and the FIN are handed to the transport; calling it again does
   * nothing.
   *
   * @throws TLSError when the socket is closed; TransportError when the transport failed.
   */
  shutdown?(): Promise<void>;
  /** Listening sockets: bound how many accepted connections may wait for {@link accept}. */
  listen(backlog: number): void;
  /**
   * Listening sockets: the next connection with its handshake done, and the peer's address.
   *
   * One client's failed handshake (it spoke plain text, offered nothing in common, sent a bad
   * certificate, stayed silent past SERVER_HANDSHAKE_TIMEOUT_MS) rejects one accept() with a
   * TLSError for that client only, as Python's accept() raises per failed connection: the listener
   * goes on, so a server loop catches it and accepts again. After close() every accept() rejects
   * (TLSError "the listening socket was closed"): a loop tells the two apart by its own record of
   * having closed the listener.
   *
   * @throws TLSError (its subclasses CertificateVerificationError, TransportError, ...) for one
   *   client's failed handshake, or once the listener is closed
   * @example
   * ```ts
   * for (;;) {
   *   let socket: TLSSocket;
   *   try {
   *     [socket] = await listener.accept();
   *   } catch (error) {
   *     if (stopping || !(error instanceof TLSError)) throw error; // our own close(), or a bug
   *     console.warn('a client failed its TLS handshake:', error.message);
   *     continue;
   *   }
   *   void serve(socket); // never awaited here: one slow client must not hold the others
   * }
   * ```
   */
  accept(): Promise<[TLSSocket, Address]>;
  getsockname(): Address | null;
  getpeername(): Address | null;
  /** The peer's leaf certificate as DER, or null when it sent none. */
  getpeercert(): Uint8Array | null;
  /** The negotiated cipher suite's IANA id (a CipherSuite member when it is one); null before or after the connection. */
  cipher(): CipherSuite | number | null;
  /** The ALPN protocol agreed on, or null when none was. */
  negotiatedProtocol(): NextProtocol | Uint8Array | null;
  /** The negotiated version; null before the handshake and after close. */
  readonly negotiatedTlsVersion: TLSVersion | null;
  /** Extension: a session to resume later, when the implementation supports resumption. */
  session?(): TLSSession | null;
  /** Extension: whether this connection resumed an earlier session. */
  readonly sessionReused?: boolean;
  /**
   * Extension (diagnostics; `unitls connect` shows it): the key-exchange group of this connection
   * by its IANA TLS Supported Groups name, spelled as the registry does ('x25519', 'secp256r1',
   * 'X25519MLKEM768'). Null before the handshake, after close, for a TLS 1.2 resumption (no key
   * exchange), and on a tls-node server socket (node:tls tells servers nothing). tls-node,
   * tls-openssl and tls-pure have it; an implementation may leave it out, hence the `?.()`.
   */
  negotiatedGroup?(): string | null;
}

/**
 * A synchronous, sans-IO TLS connection (PEP 748 `TLSBuffer`). The caller moves ciphertext:
 * bytes from the network go into {@link processIncoming}; bytes for the network come out of
 * {@link processOutgoing}. Every method returns at once or throws WantReadError /
 * WantWriteError.
 */
export interface TLSBuffer {
  /**
   * Up to `amt` plaintext bytes (into `buffer` when given; then the count is returned).
   * An empty result means the peer closed cleanly; RaggedEOF when it closed without close_notify.
   */
  read(amt: number, buffer?: Uint8Array): Uint8Array | number;
  /** Encrypts `buf`; returns how many bytes were taken. */
  write(buf: Uint8Array): number;
  /** Advances the handshake; WantReadError until it is done. */
  doHandshake(): void;
  /** Sends close_notify; WantReadError until the peer's close_notify has been read. */
  shutdown(): void;
  /** Feeds ciphertext from the network. WantReadError (storing nothing) when the buffer is full. */
  processIncoming(data: Uint8Array): void;
  incomingBytesBuffered(): number;
  /** Takes up to `amt` bytes of ciphertext to send. */
  processOutgoing(amt: number): Uint8Array;
  outgoingBytesBuffered(): number;
  getpeercert(): Uint8Array | null;
  cipher(): CipherSuite | number | null;
  negotiatedProtocol(): NextProtocol | Uint8Array | null;
  readonly context: ClientContext | ServerContext;
  readonly negotiatedTlsVersion: TLSVersion | null;
  /** Extension: a session to resume later. */
  session?(): TLSSession | null;
  readonly sessionReused?: boolean;
}

/** The client side (PEP 748 `ClientContext`). */
export interface ClientContext {
  readonly configuration: TLSClientConfiguration;
  /** Connects over TCP and completes the handshake. */
  connect(address: Address, options?: ClientConnectOptions): Promise<TLSSocket>;
  /**
   * A sans-IO connection to `serverHostname` (sent as SNI unless it is an IP literal, and always
   * verified). Implementations that cannot be synchronous throw ConfigurationError.
   */
  createBuffer(serverHostname: string, options?: { session?: TLSSession | null }): TLSBuffer;
  /**
   * Extension: upgrade an already-connected plain TCP socket in place (STARTTLS). Implementations
   * without it are upgraded by `startTls` through their TLSBuffer.
   */
  upgrade?(socket: Transport, options: UpgradeOptions): Promise<TLSSocket>;
}

/** The server side (PEP 748 `ServerContext`). */
export interface ServerContext {
  readonly configuration: TLSServerConfiguration;
  /** Binds and listens on `address` (port 0 for an ephemeral one); `accept()` yields connections. */
  connect(address: Address): Promise<TLSSocket>;
  /** A sans-IO server connection. */
  createBuffer(): TLSBuffer;
}

/** What an implementation can do beyond the PEP's minimum, so callers and tests can feature-detect. */
export interface ImplementationFeatures {
  /** createBuffer works (a synchronous TLSBuffer). */
  readonly buffer: boolean;
  /** A peer's TCP close without close_notify is reported as RaggedEOF. */
  readonly raggedEOF: boolean;
  /** Client sessions can be resumed (`session()`, connect option `session`). */
  readonly sessionResumption: boolean;
  /** Certificate verification time can be set (tests only). */
  readonly verificationTime: boolean;
}
