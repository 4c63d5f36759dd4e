import type { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import {
  ChunkReader,
  RaggedEOF,
  SEND_PIECE_SIZE,
  TLSError,
  concurrentRecv,
  endTransport,
  endWriting,
  localAddress,
  recvIntoMisuse,
  protocolFromBytes,
  sealSession,
  sendAfterShutdown,
  type Address,
  type CipherSuite,
  type ClientContext,
  type NextProtocol,
  type ServerContext,
  type TLSSession,
  type TLSSocket,
  type TLSVersion,
} from '@unitls/tls-core';
import { cipherIdFromStandardName } from './ciphers.js';
import { toTLSError } from './errors.js';
import { KEEP_SESSION, NativeEnd, destroyAfterError, peerAddress, type SessionKeeper } from './native-end.js';
import { compactListenerTable } from './listener-table.js';
import { keepPeer, peerChain, peerDer, type KeptPeer } from './peer-certificate.js';
import type { StreamEnd } from './transport.js';

export const IMPLEMENTATION_NAME = 'node';

/** Where {@link captureResolvers} leaves a new send's resolving functions (no executor closure per send). */
let capturedResolve: ((count: number) => void) | null = null;
let capturedReject: ((error: unknown) => void) | null = null;

function captureResolvers(resolve: (count: number) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * How long `close(true)` lets close_notify reach the kernel before dropping the connection anyway
 * (milliseconds), and how long the connection then drops the peer's bytes until its FIN (unref'd,
 * in the background). It never waits for the peer's answer.
 */
export const FORCED_CLOSE_FLUSH_MS = 1_000;

const construction = Symbol('NodeTLSSocket construction');

/** The message users get when they try to build a socket themselves. */
export const NOT_USER_CONSTRUCTED =
  'is not constructed by users (PEP 748: "TLSSockets should not be constructed by the user"): ' +
  'ClientContext.connect() and ServerContext.connect() followed by accept() return connected sockets';

/**
 * A connected TLSSocket over a node:tls socket whose handshake is done. Built only by this
 * package's contexts (a user's `new NodeTLSSocket()` throws TypeError).
 */
export class NodeTLSSocket implements TLSSocket, SessionKeeper {
  readonly #context: ClientContext | ServerContext;
  readonly #socket: NodeTlsSocket;
  /** The end's watcher, which also holds the reader ({@link StreamEnd.reader}: no field of its own, 8 bytes per connection). */
  readonly #end: StreamEnd;
  /**
   * close() was called, the negotiated version and cipher suite, in one small integer (see
   * {@link CLOSED}): three fields of their own were 16 bytes more on every idle connection.
   */
  #state: number;
  // The send in progress (null when none is: an idle connection holds no promise); the next one
  // starts once it settled, whether it was sent or failed.
  #sending: Promise<unknown> | null = null;
  /**
   * What few connections ever hold, in one object made when first needed (null before: an idle
   * connection holds none; three fields of their own were 24 bytes on every connection).
   */
  #rare: RareState | null = null;
  /**
   * The peer's leaf, kept from the handshake (node:tls forgets it once TLS 1.3 tickets arrive): Node's
   * native handle of the X509Certificate node:tls made (it links the chain for
   * peerCertificateChain(); see peer-certificate.ts), or for a resumed session the DER the session
   * kept. One copy per connection.
   */
  readonly #peer: KeptPeer | null;
  readonly #serverHostname: string | null;
  readonly #protocol: NextProtocol | Uint8Array | null;

  /** @internal Use {@link connectedSocket}; users get sockets from the contexts. */
  constructor(
    secret: symbol,
    context: ClientContext | ServerContext,
    socket: NodeTlsSocket,
    end: StreamEnd,
    peer: X509Certificate | Uint8Array | null,
    serverHostname: string | null = null,
  ) {
    if (secret !== construction) throw new TypeError(`NodeTLSSocket ${NOT_USER_CONSTRUCTED}`);
    this.#context = context;
    this.#socket = socket;
    this.#end = end;
    this.#peer = peer === null ? null : keepPeer(peer);
    this.#serverHostname = serverHostname;
    // On the native path records skip node:tls's stream buffering (native-read.ts), and the end's
    // watcher is their flow control. The reader settles recv's promise itself, RaggedEOF and error
    // mapping included (no .then() per read). A TLS error after the handshake (a bad record, a bad
    // KeyUpdate, an alert) is fatal: node:tls has sent its alert; once that is written the
    // connection closes (RFC 8446 §6.2), and recv reports the error (the reader holds it). The
    // reader's own 'error' listener does that through the end's streamFailed (destroySoon), not a
    // listener of ours: a third 'error' listener beside node:tls's and the reader's grows the
    // listener array to 19 slots (~140 bytes per idle connection).
    // On the native path the end's watcher is the reader itself (one object per connection).
    const native = end instanceof NativeEnd ? end : undefined;
    if (end instanceof NativeEnd) end.attachReader();
    else end.reader = new ChunkReader(socket, undefined, undefined, end);
    // node:tls forgets these once the peer closes; the PEP keeps them until our close().
    // The literals, not node:tls's string: each call returns a fresh copy, kept per connection.
    const protocolVersion = socket.getProtocol();
    const version = protocolVersion === 'TLSv1.3' ? 'TLSv1.3' : protocolVersion === 'TLSv1.2' ? 'TLSv1.2' : null;
    // recv's errors depend on it (a TLS 1.2 handshake_failure after the handshake: renegotiation refused).
    end.version = version;
    const cipher = socket.getCipher() as { standardName?: string } | undefined;
    const cipherId = cipher?.standardName === undefined ? null : cipherIdFromStandardName(cipher.standardName);
    this.#state = (Math.max(VERSIONS.indexOf(version), 0) << VERSION_SHIFT) | ((cipherId === null ? 0 : cipherId + 1) << CIPHER_SHIFT);
    const alpn = socket.alpnProtocol;
    // node:tls decodes the ALPN id as latin1, so latin1 gives the wire bytes back.
    this.#protocol = typeof alpn === 'string' && alpn !== '' ? protocolFromBytes(Buffer.from(alpn, 'latin1')) : null;
    const resumedTicket = version === 'TLSv1.3' && serverHostname !== null && socket.isSessionReused() ? (ticketOf(socket) ?? null) : null;
    if (resumedTicket !== null) NodeTLSSocket.#rareState(this).resumedTicket = resumedTicket;
    // session() reads node:tls's session when asked; the end tells this socket before node:tls
    // may let go of it (clients only: servers resume nobody, session() is null there).
    if (serverHostname !== null) end.keepSessionFor(this);
    // Node itself (the native path): the handshake's listeners are gone, the reader's are there.
    if (native !== undefined) compactListenerTable(socket);
  }

  // Private methods are static (the socket passed in): an instance method would give every socket
  // a private brand, 8 bytes more per idle connection.
  static #rareState(tlsSocket: NodeTLSSocket): RareState {
    return (tlsSocket.#rare ??= { session: null, writeShut: null, resumedTicket: null });
  }

  /** The context this socket was made from. */
  get context(): ClientContext | ServerContext {
    return this.#context;
  }

  get negotiatedTlsVersion(): TLSVersion | null {
    return (this.#state & CLOSED) !== 0 ? null : versionOf(this.#state);
  }

  get sessionReused(): boolean {
    return this.#socket.isSessionReused();
  }

  /**
   * The latest resumable session. In TLS 1.3 that is a ticket the server sends after the
   * handshake (usually with its first data); before one arrived this returns null.
   */
  session(): TLSSession | null {
    if (this.#serverHostname === null) return null; // server side: clients resume, servers do not
    const data = this.#rare?.session ?? NodeTLSSocket.#liveSession(this);
    // Bound to this socket's context and the name verified (see tls-core's sealSession).
    return data === null ? null : sealSession(this.#context, this.#serverHostname, data, NodeTLSSocket.#peerDer(this));
  }

  /**
   * @internal Called before node:tls may let go of its TLS state (close(), and the connection's
   * end or failure as its {@link StreamEnd} sees it): keeps the session for session(), as the PEP
   * keeps what a socket negotiated until close(). A connection a TLS error ended keeps none.
   */
  [KEEP_SESSION](): void {
    if ((this.#rare?.session ?? null) !== null) return;
    const session = NodeTLSSocket.#liveSession(this);
    if (session !== null) NodeTLSSocket.#rareState(this).session = session;
  }

  /**
   * The resumable session node:tls holds now (a fresh copy of it), or null: none yet, or its handle
   * is gone. In TLS 1.3 the session becomes resumable with a ticket the server sends after the
   * handshake; OpenSSL keeps the latest in the connection's session (as node:tls's 'session' event
   * hands it out), so a ticket there is one that arrived, unless it is the ticket this connection
   * resumed with (a server may send none on a resumed connection).
   */
  static #liveSession(tlsSocket: NodeTLSSocket): Uint8Array | null {
    const socket = tlsSocket.#socket;
    // Deno's node:tls has no getTLSTicket, and its getSession() returns a placeholder
    // ("deno-tls13-dummy-session:host:port") it cannot resume with: no session there.
    if (typeof socket.getTLSTicket !== 'function') return null;
    if (versionOf(tlsSocket.#state) !== 'TLSv1.3') return socket.getSession() ?? null;
    const ticket = socket.getTLSTicket();
    if (ticket === undefined || ticket === null) return null;
    const resumedTicket = tlsSocket.#rare?.resumedTicket ?? null;
    if (resumedTicket !== null && Buffer.compare(ticket, resumedTicket) === 0) return null;
    return socket.getSession() ?? null;
  }

  /**
   * Up to `bufsize` decrypted bytes; an empty array once the peer's close_notify arrived. One at a
   * time; a recv waiting when close() is called rejects at once with recvEndedByClose (tls-core),
   * and what arrives after close() is not returned (see TLSSocket.recv).
   *
   * @throws TLSError `CONCURRENT_RECV` while another recv waits; RaggedEOF when the peer closed the
   *   transport without close_notify (the data may have been truncated); TransportError when the
   *   peer reset it; TLSError when a TLS error ended the connection or the socket was closed.
   */
  recv(bufsize: number): Promise<Uint8Array> {
    if (!Number.isInteger(bufsize) || bufsize <= 0) return Promise.reject(new RangeError(`recv: bufsize must be a positive integer, got ${bufsize}`));
    if ((this.#state & CLOSED) !== 0) return Promise.reject(new TLSError('recv on a closed TLSSocket'));
    const reader = this.#end.reader!;
    if (reader.waiting) return Promise.reject(concurrentRecv());
    // The reader's own promise: a recv waiting on an idle connection (a server's usual state) holds
    // that promise and its resolving functions, no frame, reaction or closure of its own. RaggedEOF
    // comes from the reader too (this.#end is its ReadOutcome).
    return reader.read(bufsize);
  }

  /**
   * Extension (TLSSocket.recvInto): {@link recv} into the caller's `buffer`. node:tls decrypts
   * each record into memory of its own, so the bytes are copied from there, once: the records
   * held are copied one by one into `buffer` (never joined first, as a recv of their total would),
   * and when none is held the first to arrive is awaited, then the rest that came with it copied.
   * The same bytes and rules as recv (tls-openssl's recvInto is the one that decrypts in place).
   * A `buffer` detached or shrunk while the recv waited: it rejects and nothing is taken (the
   * bytes wait for the next recv), as on the other implementations.
   *
   * @returns the count n written at `buffer[0, n)`; 0 once the peer's close_notify arrived.
   * @throws TypeError when `buffer` is not a Uint8Array; RangeError when it is empty or was lost
   *   while the recv waited (`RECV_INTO_LOST_BUFFER`); otherwise as {@link recv}.
   */
  recvInto(buffer: Uint8Array): Promise<number> {
    const misuse = recvIntoMisuse(buffer);
    if (misuse !== null) return Promise.reject(misuse);
    if ((this.#state & CLOSED) !== 0) return Promise.reject(new TLSError('recv on a closed TLSSocket'));
    const reader = this.#end.reader!;
    if (reader.waiting) return Promise.reject(concurrentRecv());
    // The reader's own promise, settled with the count (no chunk view, reaction or closure per
    // read: a download of 4 KiB records makes thousands per MiB; issue #16).
    return reader.readInto(buffer);
  }

  /**
   * Encrypts and sends all of `bytes`, {@link SEND_PIECE_SIZE} at a time, each piece once the
   * previous one reached the kernel: node:tls encrypts a whole write at once, so one huge write
   * would hold all its ciphertext in memory (measured: +288 MiB for a 256 MiB send). Sends are
   * serialised, so concurrent sends never interleave their pieces.
   *
   * @returns `bytes.length` once the last piece was written.
   * @throws TypeError when `bytes` is not a Uint8Array; RaggedEOF once recv reported one (nothing
   *   is written: as Python's SSLSocket.send raises SSLEOFError); TransportError when the transport
   *   failed (the peer reset it: ECONNRESET or EPIPE); TLSError when the socket is closed or a TLS
   *   error ended the connection.
   */
  send(bytes: Uint8Array): Promise<number> {
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new TypeError('send: bytes must be a Uint8Array'));
    // The usual send (one piece, none in progress): one write and one promise.
    if (this.#sending === null && bytes.length <= SEND_PIECE_SIZE) return NodeTLSSocket.#sendPiece(this, bytes);
    const run = (): Promise<number> => NodeTLSSocket.#sendPieces(this, bytes);
    const sent = this.#sending === null ? run() : this.#sending.then(run, run);
    // Dropped once the last send settled, so an idle connection keeps no settled promise.
    const settled = (): void => {
      if (this.#sending === chain) this.#sending = null;
    };
    const chain: Promise<unknown> = sent.then(settled, settled);
    this.#sending = chain;
    return sent;
  }

  /** Why nothing more can be sent, or null. */
  static #sendFailure(tlsSocket: NodeTLSSocket): Error | null {
    if ((tlsSocket.#state & CLOSED) !== 0) return new TLSError('send on a closed TLSSocket');
    if ((tlsSocket.#rare?.writeShut ?? null) !== null) return sendAfterShutdown();
    // recv reported RaggedEOF: the connection is over, and sends fail with it too.
    if (tlsSocket.#end.raggedEOFReported) return new RaggedEOF();
    // Destroyed by a reset or a failed write: that failure is the answer.
    if (tlsSocket.#socket.destroyed) return tlsSocket.#socket.errored ? toTLSError(tlsSocket.#socket.errored, 'write') : new TLSError('send on a closed TLSSocket');
    return null;
  }

  /**
   * Writes `piece`; the promise is the send in progress until node:tls has written it. Its
   * resolving functions are taken without an executor closure, so a send makes one closure (the
   * write's callback), not two and their contexts: every command of every client (issue #16).
   */
  static #sendPiece(tlsSocket: NodeTLSSocket, piece: Uint8Array): Promise<number> {
    const failure = NodeTLSSocket.#sendFailure(tlsSocket);
    if (failure !== null) return Promise.reject(failure);
    const sent = new Promise<number>(captureResolvers);
    const resolve = capturedResolve!;
    const reject = capturedReject!;
    capturedResolve = capturedReject = null;
    const length = piece.length;
    tlsSocket.#sending = sent;
    const written = (error: Error | null | undefined): void => {
      if (tlsSocket.#sending === sent) tlsSocket.#sending = null;
      if (error) reject(toTLSError(error, 'write'));
      else resolve(length);
    };
    try {
      tlsSocket.#socket.write(piece, written);
    } catch (error) {
      // As the executor did: a write that throws rejects the send.
      written(error as Error);
    }
    return sent;
  }

  static async #sendPieces(tlsSocket: NodeTLSSocket, bytes: Uint8Array): Promise<number> {
    let offset = 0;
    do {
      const failure = NodeTLSSocket.#sendFailure(tlsSocket);
      if (failure !== null) throw failure;
      const piece = bytes.subarray(offset, offset + SEND_PIECE_SIZE);
      await new Promise<void>((resolve, reject) => {
        tlsSocket.#socket.write(piece, (error) => (error ? reject(toTLSError(error, 'write')) : resolve()));
      });
      offset += piece.length;
    } while (offset < bytes.length);
    return bytes.length;
  }

  /**
   * Extension (TLSSocket.shutdown): the write-side half-close, node:tls's `end()`. Pending sends
   * go out, then close_notify and the FIN; the read side stays open, so recv goes on returning
   * what the peer sends until its close_notify (an empty array) or its FIN alone (RaggedEOF).
   * Sends from now on reject. close() is still needed to release the socket.
   *
   * @throws TLSError when the socket is closed.
   */
  shutdown(): Promise<void> {
    if ((this.#state & CLOSED) !== 0) return Promise.reject(new TLSError('shutdown on a closed TLSSocket'));
    const rare = NodeTLSSocket.#rareState(this);
    return (rare.writeShut ??= NodeTLSSocket.#shutdownWrites(this));
  }

  static async #shutdownWrites(tlsSocket: NodeTLSSocket): Promise<void> {
    // After the send in progress: its last piece must not follow close_notify.
    await tlsSocket.#sending?.catch(() => {});
    const socket = tlsSocket.#socket;
    if (socket.destroyed || socket.writableFinished) return;
    // node:tls's end(): close_notify, then the FIN, once the kernel can take them in that order.
    await tlsSocket.#end.readyToShutdown(socket);
    await endWriting(socket);
  }

  /**
   * Sends close_notify. Without `force`, waits (at most CLOSE_NOTIFY_TIMEOUT_MS) for the peer to
   * close its side; with `force`, drops the connection as soon as close_notify is handed to the
   * kernel, without waiting for the peer (PEP 748).
   */
  async close(force = false): Promise<void> {
    if ((this.#state & CLOSED) !== 0) return;
    this.#state |= CLOSED;
    if (this.#serverHostname !== null) this[KEEP_SESSION]();
    // A recv the detach ends rejects with recvEndedByClose, not an empty array (see StreamEnd).
    this.#end.closing();
    // The reader's 'error' listener goes with it: a TLS error while closing still ends the
    // connection once the alert is written, as before close().
    this.#socket.on('error', destroySoon);
    this.#end.reader!.detach();
    if (this.#end instanceof NativeEnd) this.#end.stopReadingDirectly();
    if (force) await this.#end.closeForcefully(this.#socket, FORCED_CLOSE_FLUSH_MS);
    else {
      await this.#end.readyToShutdown(this.#socket);
      await endTransport(this.#socket, false);
    }
  }

  listen(): void {
    throw new TLSError('listen() is only for listening sockets (ServerContext.connect)');
  }

  accept(): Promise<[TLSSocket, Address]> {
    return Promise.reject(new TLSError('accept() is only for listening sockets (ServerContext.connect)'));
  }

  /**
   * The TCP socket under node:tls keeps the process alive again (TLSSocket.ref): `raw`, as the
   * background drop after a forced close unrefs it (node:tls's own socket when it connected itself).
   */
  ref(): void {
    (this.#end.raw as Partial<Socket>).ref?.();
  }

  /** The TCP socket no longer keeps the process alive (TLSSocket.unref). */
  unref(): void {
    (this.#end.raw as Partial<Socket>).unref?.();
  }

  getsockname(): Address | null {
    return (this.#state & CLOSED) !== 0 ? null : localAddress(this.#end.raw);
  }

  getpeername(): Address | null {
    return (this.#state & CLOSED) !== 0 ? null : peerAddress(this.#end.raw);
  }

  getpeercert(): Uint8Array | null {
    const der = NodeTLSSocket.#peerDer(this);
    return der === null ? null : Uint8Array.from(der);
  }

  /** The peer's leaf as DER, possibly the kept bytes themselves: callers copy it before it leaves. */
  static #peerDer(tlsSocket: NodeTLSSocket): Uint8Array | null {
    return tlsSocket.#peer === null ? null : peerDer(tlsSocket.#peer);
  }

  /**
   * Extension (diagnostics, read by `unitls connect`): the certificates the peer presented, leaf
   * first, as DER, as node:tls linked them at the handshake; the leaf alone on a resumed session.
   * Empty when the peer sent none.
   */
  peerCertificateChain(): Uint8Array[] {
    return this.#peer === null ? [] : peerChain(this.#peer);
  }

  /**
   * Extension (diagnostics, read by `unitls connect`): the key-exchange group of this connection by
   * its IANA TLS Supported Groups name ('x25519', 'secp256r1', ...: the names tls-openssl and
   * tls-pure give), client side only (node:tls tells servers nothing), or null.
   */
  negotiatedGroup(): string | null {
    if ((this.#state & CLOSED) !== 0) return null;
    const info = this.#socket.getEphemeralKeyInfo?.();
    if (info === null || typeof info !== 'object' || !('name' in info) || typeof info.name !== 'string') return null;
    return ianaGroupNames[info.name] ?? info.name;
  }

  cipher(): CipherSuite | number | null {
    return (this.#state & CLOSED) !== 0 ? null : cipherOf(this.#state);
  }

  negotiatedProtocol(): NextProtocol | Uint8Array | null {
    const protocol = (this.#state & CLOSED) !== 0 ? null : this.#protocol;
    return protocol instanceof Uint8Array ? Uint8Array.from(protocol) : protocol;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** {@link NodeTLSSocket}'s state: bit 0, close() was called. */
const CLOSED = 1;
/** Bits 1-2: the negotiated version, by its index in {@link VERSIONS} (0: none known). */
const VERSION_SHIFT = 1;
const VERSION_BITS = 0b11 << VERSION_SHIFT;
const VERSIONS: readonly (TLSVersion | null)[] = [null, 'TLSv1.2', 'TLSv1.3'];
/** From bit 3: the cipher suite's IANA number plus one (0: none known). */
const CIPHER_SHIFT = 3;

function versionOf(state: number): TLSVersion | null {
  return VERSIONS[(state & VERSION_BITS) >> VERSION_SHIFT]!;
}

function cipherOf(state: number): number | null {
  const cipher = state >>> CIPHER_SHIFT;
  return cipher === 0 ? null : cipher - 1;
}

/** A {@link NodeTLSSocket}'s state that few connections ever have. */
interface RareState {
  /**
   * The session, kept once node:tls may let go of it ({@link KEEP_SESSION}: close(), the
   * connection's end); null before, while session() reads node:tls's own when asked. Not kept as
   * the tickets arrive: an idle client then held a copy of the session (~0.8 KiB) and a listener.
   */
  session: Uint8Array | null;
  /** shutdown() was called: its close_notify and FIN, sent once; send rejects, recv goes on. */
  writeShut: Promise<void> | null;
  /** The ticket a TLS 1.3 connection resumed with, which session() tells from a new one; null otherwise. */
  resumedTicket: Uint8Array | null;
}

/**
 * Wraps `socket` right after its handshake; nothing of its stream has been read yet.
 * `peer` is the verified leaf (for a resumed session: the DER of the one verified originally).
 */
export function connectedSocket(
  context: ClientContext | ServerContext,
  socket: NodeTlsSocket,
  end: StreamEnd,
  peer: X509Certificate | Uint8Array | null,
  serverHostname: string | null = null,
): NodeTLSSocket {
  return new NodeTLSSocket(construction, context, socket, end, peer, serverHostname);
}

/**
 * The peer's leaf certificate, read while node:tls still has it (right after the handshake): kept
 * by the socket for getpeercert() and peerCertificateChain() (node:tls returns the peer's
 * certificates only once, Node 20). Null when the peer sent none.
 */
export function peerCertificate(socket: NodeTlsSocket): X509Certificate | null {
  return socket.getPeerX509Certificate() ?? null;
}

/** OpenSSL's short names (getEphemeralKeyInfo) that differ from the IANA TLS Supported Groups names. */
const ianaGroupNames: Readonly<Record<string, string>> = { X25519: 'x25519', X448: 'x448', prime256v1: 'secp256r1' };

/** node:tls's socket after an error: {@link destroyAfterError}, as an 'error' listener (shared: `this` is the socket). */
function destroySoon(this: NodeTlsSocket): void {
  destroyAfterError(this);
}

/** node:tls's ticket, or undefined where the runtime's node:tls has no getTLSTicket (Deno). */
function ticketOf(socket: NodeTlsSocket): Buffer | undefined {
  return typeof socket.getTLSTicket === 'function' ? socket.getTLSTicket() : undefined;
}
