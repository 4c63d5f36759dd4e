/**
 * HTTP/1.1 for HTTPConnection and HTTPSConnection (RFC 9112), spoken directly over the connection:
 * the request head and body go out in one send, the response is read with the TLS socket's own
 * `recv` (or from the TCP stream) and its body handed out as views of the received bytes. node:http
 * cost about three times the TLS work per keep-alive request (its ClientRequest, IncomingMessage,
 * agent and stream machinery, issue #16); what it did for HTTPConnection is here: one kept-alive
 * connection, reconnecting when the server closes it, the idle timeout, the caller's signal,
 * maxHeaderSize, and llhttp's verdict on malformed responses (diagnose.ts).
 *
 * @module
 */
import type { Socket } from 'node:net';
import { BufferSocket, ChunkReader, type Transport } from '@unitls/tls-core';
import { pendingPromise, takeReject, takeResolve } from '@unitls/client-kit';
import { http1BodyEnd } from './body.js';
import { ChunkedDecoder, ChunkedFramingError } from './chunked.js';
import { CHUNKED_HEAD, diagnose, headerOverflow } from './diagnose.js';
import { HTTPException } from './errors.js';
import { parseResponseHead, type Framing, type ResponseHead } from './response-head.js';
import { HTTPResponse, type BodySource } from './response.js';
import { isRaggedEOF, truncationError, type HTTPTransport } from './transport.js';

const READ_SIZE = 64 * 1024;
/** node:http's default largest header section. */
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
/** Interim (1xx) responses allowed before the final one, in header sections of maxHeaderSize. */
const INTERIM_SECTIONS = 64;
/** What each interim response counts beside its reason and fields (status line and CRLFs). */
const INTERIM_OVERHEAD = 16;
const EMPTY = new Uint8Array(0);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What node:http and http.client refuse in a request target: controls, space, and beyond latin1. */
const BAD_TARGET = /[\x00-\x20\x7f]|[^\x00-\xff]/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A connection that ended before any byte of the response (http.client's RemoteDisconnected). */
const NO_RESPONSE = 'HTTP request failed: the server closed the connection without sending a response';

/** Methods RFC 9110 §9.2.2 lets a client send again when a kept-alive connection closed under it. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The byte stream a request runs over. */
export interface Conduit {
  /** Up to `max` bytes; empty at a clean end (FIN, close_notify). */
  recv(max: number): Promise<Uint8Array>;
  /**
   * Up to `buffer.length` bytes into `buffer` (the TLS socket's recvInto); the count, 0 at a clean
   * end. Absent when the connection has no such read (then `recv` and a copy).
   */
  recvInto?(buffer: Uint8Array): Promise<number>;
  send(bytes: Uint8Array): Promise<unknown>;
  destroy(): void;
  /** Whether the connection may keep the process alive (only while a request is in flight). */
  ref(alive: boolean): void;
}

/** A TLS connection this package opened and nobody read yet: its socket's recv/send, directly. */
export function tlsConduit(transport: HTTPTransport): Conduit {
  const socket = transport.tlsSocket!;
  return {
    recv: (max) => socket.recv(max),
    // A BufferSocket's recvInto decrypts into the caller's memory (tls-openssl, tls-pure); tls-node's
    // is its recv and a copy, which costs more than the recv alone.
    ...(socket instanceof BufferSocket ? { recvInto: (buffer: Uint8Array) => socket.recvInto(buffer) } : {}),
    send: (bytes) => socket.send(bytes),
    destroy: () => transport.destroy(),
    ref: (alive) => void (alive ? transport.ref() : transport.unref()),
  };
}

/** Any other connection (TCP, a CONNECT tunnel): read through a ChunkReader. */
export function streamConduit(stream: Transport): Conduit {
  const reader = new ChunkReader(stream);
  const referable = stream as Partial<Pick<Socket, 'ref' | 'unref'>>;
  return {
    recv: (max) => reader.read(max),
    send: (bytes) =>
      new Promise<void>((resolve, reject) => {
        stream.write(bytes, (error) => (error ? reject(error) : resolve()));
      }),
    destroy: () => stream.destroy(),
    ref: (alive) => void (alive ? referable.ref?.() : referable.unref?.()),
  };
}

/** A request ready to send (the connection's PendingRequest). */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Array<[string, string[]]>;
  body: Buffer[];
}

export interface Http1Options {
  /** Opens a new connection. */
  open(): Promise<Conduit>;
  /** The Host header's value. */
  host(): string;
  /** Milliseconds of silence allowed while a response is awaited or read. */
  timeout: number;
  signal?: AbortSignal | undefined;
  maxHeaderSize?: number | undefined;
}

/** The error node:http raised for an aborted request (name AbortError, the signal's reason as cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** The error a silence longer than the timeout ends a request with, while its response is awaited or read. */
export function timedOut(ms: number): Error {
  return Object.assign(new Error(`the server sent nothing for ${ms} ms`), { code: 'ETIMEDOUT' });
}

/**
 * The error a request ends with when the connection took none of its next piece for the timeout
 * (`ms`): `sent` of its `total` bytes (HTTP/1.1: head and body; `what`, HTTP/2: 'the request body') had gone out; `answer` is the response the
 * server had already sent, if any (its status). "None of the request" only when nothing went out:
 * a server that reads slowly took some (tests/http/upload-stall). The kernel's send buffer takes
 * more only once about a third of it drained, so a server reading very slowly can leave no piece
 * accepted for the timeout although it reads.
 */
export function sendStalled(ms: number, sent: number, total: number, answer?: number, what = 'the request'): Error {
  const took = sent === 0 ? `the server took none of ${what} (${total} bytes) for ${ms} ms` : `the server took no more of ${what} for ${ms} ms after ${sent} of its ${total} bytes had gone out`;
  const early = answer === undefined ? '' : `, though it had already answered ${answer} before taking all of it`;
  return Object.assign(
    new Error(
      `sending the request stalled: ${took}${early}; it stopped reading, or reads more slowly than the timeout allows (the system takes more of a request only once a good part of its socket buffer drained); the connection was closed`,
    ),
    { code: 'ETIMEDOUT' },
  );
}

/**
 * The largest piece of a request handed to the connection at once. The timeout starts again after
 * each, so it bounds a stalled upload, not a long one (an upload that took longer than the timeout
 * failed, however steadily the server read it: tests/http/upload-timeout).
 */
export const SEND_PIECE = 64 * 1024;

/** Request head and body as the bytes to send. */
function serialize(request: OutgoingRequest, host: string): Buffer {
  if (!TOKEN.test(request.method)) throw new HTTPException(`invalid method ${JSON.stringify(request.method)}`, 'UNITLS_HTTP_INVALID_METHOD');
  if (BAD_TARGET.test(request.url)) throw new HTTPException(`the URL ${JSON.stringify(request.url)} contains characters that must be percent-encoded`, 'UNITLS_HTTP_INVALID_URL');
  let head = `${request.method} ${request.url} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasConnection = false;
  let length: string | undefined;
  let chunked = false;
  for (const [name, values] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === 'host') hasHost = true;
    else if (lower === 'connection') hasConnection = true;
    for (const value of values) {
      if (BAD_VALUE.test(value)) throw new HTTPException(`header ${name} has a character outside latin1 text`, 'UNITLS_HTTP_INVALID_HEADER');
      if (lower === 'content-length') length = value;
      else if (lower === 'transfer-encoding') chunked = /(?:^|,)[\t ]*chunked[\t ]*$/i.test(value);
      head += `${name}: ${value}\r\n`;
    }
  }
  const body = request.body.length === 1 ? request.body[0]! : Buffer.concat(request.body);
  if (!hasHost) head = `${head}Host: ${host}\r\n`;
  if (!hasConnection) head += 'Connection: keep-alive\r\n';
  if (length === undefined && !chunked && (body.length > 0 || BODY_METHODS.has(request.method))) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  if (chunked) return Buffer.concat([Buffer.from(head, 'latin1'), ...(body.length > 0 ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')] : []), Buffer.from('0\r\n\r\n')]);
  if (body.length === 0) return Buffer.from(head, 'latin1');
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(head, 'latin1') + body.length);
  const at = bytes.write(head, 'latin1');
  bytes.set(body, at);
  return bytes;
}

/** Whether the request asked for the connection to close after its response. */
function closes(request: OutgoingRequest): boolean {
  return request.headers.some(([name, values]) => name.toLowerCase() === 'connection' && values.some((v) => /(?:^|,)[\t ]*close[\t ]*(?:,|$)/i.test(v)));
}

/** The HTTP/1.1 side of one HTTPConnection: one connection at a time, kept alive between requests. */
export class Http1Client {
  readonly #options: Http1Options;
  #conduit: Conduit | null = null;
  /** Responses completed on the current connection (a reused one may have been closed by the server). */
  #served = 0;
  #exchange: Exchange | null = null;
  #listening = false;

  constructor(options: Http1Options) {
    this.#options = options;
  }

  /** Sends `request` and resolves with the response once its head arrived. */
  async request(request: OutgoingRequest): Promise<HTTPResponse> {
    const signal = this.#options.signal;
    if (signal?.aborted) throw HTTPException.from('HTTP request failed', abortError(signal));
    if (signal !== undefined && !this.#listening) {
      this.#listening = true;
      signal.addEventListener('abort', () => this.#abort(signal), { once: true });
    }
    const bytes = serialize(request, this.#options.host());
    // A body left unread: its connection cannot carry this request.
    if (this.#exchange !== null && !this.#exchange.finished) this.#drop(new HTTPException('a new request was sent before this response was read to its end, so its connection was closed', 'UNITLS_HTTP_STATE'));
    for (let attempt = 0; ; attempt++) {
      const reused = this.#conduit !== null && this.#served > 0;
      let conduit = this.#conduit;
      if (conduit === null) {
        conduit = await this.#options.open();
        if (signal?.aborted) {
          conduit.destroy();
          throw HTTPException.from('HTTP request failed', abortError(signal));
        }
        this.#conduit = conduit;
        this.#served = 0;
      }
      const exchange = new Exchange(this, conduit, request.method, this.#options, !closes(request));
      this.#exchange = exchange;
      try {
        return await exchange.start(bytes);
      } catch (error) {
        // A kept-alive connection the server closed before this request reached it (RFC 9112 §9.3.1).
        if (reused && attempt === 0 && exchange.closedBeforeResponse && IDEMPOTENT.has(request.method)) continue;
        if (reused && exchange.closedBeforeResponse && error instanceof Error) {
          // Say why it was not sent again, where a GET would have been.
          const code = error instanceof HTTPException ? error.code : 'ECONNRESET';
          throw new HTTPException(
            `${error.message}; the connection had been kept alive from an earlier response and the server closed it meanwhile (as servers do after an idle time); a ${request.method} is not sent again by itself (not idempotent, RFC 9110 §9.2.2): send it again if that is safe`,
            code,
            { cause: error },
          );
        }
        throw error instanceof HTTPException ? error : HTTPException.from('HTTP request failed', error);
      }
    }
  }

  /** Called by an exchange when its response is complete (reusable) or its connection is done. */
  release(exchange: Exchange, reusable: boolean): void {
    if (this.#exchange !== exchange) return;
    if (reusable) {
      this.#served++;
      exchange.conduit.ref(false);
    } else this.#drop(null);
  }

  #drop(reason: Error | null): void {
    this.#exchange?.fail(reason ?? new HTTPException('the connection was closed', 'UNITLS_HTTP_STATE'));
    this.#exchange = null;
    this.#conduit?.destroy();
    this.#conduit = null;
  }

  #abort(signal: AbortSignal): void {
    if (this.#exchange !== null && !this.#exchange.finished) this.#exchange.fail(abortError(signal));
    this.#drop(null);
  }

  close(): void {
    this.#drop(new HTTPException('the connection was closed', 'UNITLS_HTTP_STATE'));
  }
}

/** One request and its response on a connection. */
class Exchange implements BodySource {
  readonly conduit: Conduit;
  readonly #client: Http1Client;
  readonly #method: string;
  readonly #options: Http1Options;
  readonly #keepAlive: boolean;
  /** Bytes received and not yet used. */
  #buffer: Uint8Array = EMPTY;
  #framing: Framing = { kind: 'none' };
  #remaining = 0;
  #decoder: ChunkedDecoder | null = null;
  #received = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the exchange failed: every later read raises it. */
  #failure: Error | null = null;
  /** Rejects the read in progress, if any. */
  #reject: ((error: Error) => void) | null = null;
  /**
   * Resolves the Content-Length body read in progress ({@link #readLength}), if one is; its
   * promise rejects through {@link #reject}. `#bodyWant`: that read's size.
   */
  #bodyResolve: ((chunk: Uint8Array) => void) | null = null;
  #bodyWant = 0;
  /** The handlers of every {@link #readLength}'s recv, made at the first (not two closures per read). */
  #onBodyChunk: ((chunk: Uint8Array) => void) | null = null;
  #onBodyRecvFailed: ((error: unknown) => void) | null = null;
  #done = false;
  /** Whether the body may be followed by another response on the connection. */
  #reusable = false;
  /** Whether any byte of the response came. */
  #answered = false;
  /** Rejects the send in progress ({@link #sendPieces}), if any. */
  #sendReject: ((error: Error) => void) | null = null;
  /** Request bytes the connection took ({@link #sendPieces}). */
  #sentBytes = 0;
  /** The status of a 2xx response that came before the request was sent whole ({@link #sendWhileReading}). */
  #earlyStatus: number | undefined;
  /** An early response ends the sending ({@link #sendWhileReading}). */
  #stopSending = false;
  /** The request was not sent whole: the connection cannot carry another one. */
  #requestCut = false;
  /** The connection ended before any byte of the response came. */
  closedBeforeResponse = false;
  /**
   * The head was returned and the body is being read: the connection keeps the process alive only
   * while a read of it waits ({@link #holding}), as over HTTP/2 (an unread body kept it alive until
   * the timeout, 30 s by default).
   */
  #inBody = false;

  constructor(client: Http1Client, conduit: Conduit, method: string, options: Http1Options, keepAlive: boolean) {
    this.#client = client;
    this.conduit = conduit;
    this.#method = method;
    this.#options = options;
    this.#keepAlive = keepAlive;
  }

  get finished(): boolean {
    return this.#done || this.#failure !== null;
  }

  /**
   * The body iterator was left early (`break`): the connection is closed, as an HTTP/2 stream is
   * cancelled. Kept, it could carry the next request only after the rest of this body was read
   * and dropped (any size, at the server's pace); a response to the next request must never be
   * read from the middle of this one. Later reads of this body raise UNITLS_HTTP_STATE.
   */
  readonly #cancel = (): void => {
    if (this.finished) return;
    this.fail(new HTTPException('the response body was left early (break or return() on its iterator), so its connection was closed; the rest of the body cannot be read', 'UNITLS_HTTP_STATE'));
    this.#client.release(this, false);
  };

  /** Ends the exchange with `error`: the read in progress and every later one raise it. */
  fail(error: Error): void {
    if (this.finished) return;
    this.#failure = error;
    clearTimeout(this.#timer);
    const reject = this.#reject;
    this.#reject = null;
    const sendReject = this.#sendReject;
    this.#sendReject = null;
    sendReject?.(error);
    if (this.#bodyResolve === null) reject?.(error);
    else {
      // A body read in progress raises what the failure means for the body, as later reads will.
      this.#bodyResolve = null;
      reject!(this.#judgeBody(error));
    }
  }

  async start(bytes: Buffer): Promise<HTTPResponse> {
    this.conduit.ref(true);
    const timeout = this.#options.timeout;
    let sending = true;
    this.#timer = setTimeout(() => {
      this.fail(sending ? sendStalled(timeout, this.#sentBytes, bytes.length, this.#earlyStatus) : timedOut(timeout));
      this.#client.release(this, false);
    }, timeout);
    this.#timer.unref();
    try {
      let head: ResponseHead;
      if (bytes.length <= SEND_PIECE) {
        await this.conduit.send(bytes);
        this.#sentBytes = bytes.length;
        sending = false;
        head = await this.#readFinalHead();
      } else head = await this.#sendWhileReading(bytes, () => (sending = false));
      const keepAlive = head.keepAlive && !this.#requestCut;
      this.#framing = head.framing;
      if (head.framing.kind === 'length') this.#remaining = head.framing.length;
      else if (head.framing.kind === 'chunked') this.#decoder = new ChunkedDecoder(this.#options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE);
      const response = new HTTPResponse({ status: head.status, reason: head.reason, version: head.version, protocol: 'http/1.1', headers: head.headers, source: this, cancel: this.#cancel });
      if (head.framing.kind === 'none' || (head.framing.kind === 'length' && head.framing.length === 0)) this.#finish(keepAlive && head.status !== 101);
      else {
        this.#reusable = keepAlive;
        this.#inBody = true;
        this.conduit.ref(false);
      }
      return response;
    } catch (error) {
      // Nothing came back: the connection was gone (a kept-alive one the server had closed).
      this.closedBeforeResponse = this.#failure === null && !this.#answered && !(error instanceof HTTPException && error.code.startsWith('HPE_'));
      this.fail(error as Error);
      this.#client.release(this, false);
      throw this.#failure ?? error;
    }
  }

  /**
   * The final response head. Interim responses (100 Continue, 102 Processing, 103 Early Hints)
   * come before it; together bounded like one header section per INTERIM_SECTIONS, so a server
   * cannot keep the request busy for ever with a stream of them.
   */
  async #readFinalHead(): Promise<ResponseHead> {
    const interimLimit = INTERIM_SECTIONS * (this.#options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE);
    let interim = 0;
    for (;;) {
      const head = await this.#readHead();
      if (head.status < 100 || head.status >= 200 || head.status === 101) return head;
      interim += head.counted + INTERIM_OVERHEAD;
      if (interim > interimLimit) {
        throw new HTTPException(`the server sent more than ${interimLimit} bytes of interim (1xx) responses before its final response; the connection was closed`, 'UNITLS_HTTP_TOO_MANY_INTERIM');
      }
    }
  }

  /**
   * A request larger than one piece: sent while the response is read (RFC 9112 §9.5: a client
   * sending a body monitors the connection for a response meanwhile; curl does). A server may
   * answer before taking the whole body (nginx: 413 when it passes client_max_body_size) and
   * close or reset the connection: sending first, the client failed with the send's EPIPE or
   * ECONNRESET instead of the server's answer. A final response of 300 or more that arrives
   * before the body is sent stops the sending (curl: "HTTP error before end of send, stop
   * sending") and is returned at once; a 2xx one waits for the rest of the body to go out. Either
   * way, a request not sent whole ({@link #requestCut}) leaves the connection closed after the
   * response: the server would read what we did not send as the next request. `onSent`: the
   * whole request went out.
   */
  async #sendWhileReading(bytes: Buffer, onSent: () => void): Promise<ResponseHead> {
    let sendError: unknown = null;
    let sent = false;
    const sendDone = this.#sendPieces(bytes).then(
      () => {
        sent = true;
        onSent();
      },
      (error: unknown) => {
        sendError = error;
      },
    );
    let head: ResponseHead;
    try {
      head = await this.#readFinalHead();
    } catch (error) {
      if (this.#failure !== null || sent || !(error instanceof HTTPException) || this.#answered) throw error;
      // The connection ended, or was reset, with no response while the body was going out.
      const code = systemCode(error) ?? systemCode(sendError) ?? error.code;
      throw new HTTPException(
        `${error.message}; the server ended the connection while the request body was being sent (${this.#sentBytes} of ${bytes.length} bytes sent), without a response: it may refuse bodies this large`,
        code === 'EPIPE' ? 'ECONNRESET' : code,
        { cause: sendError ?? error },
      );
    }
    if (!sent && sendError === null) {
      if (head.status >= 300) {
        this.#stopSending = true;
        this.#requestCut = true;
        return head;
      }
      this.#earlyStatus = head.status;
      await sendDone;
      // The rest of the body stalled after the early answer (the timeout): the request fails with
      // what happened to it, not with a response whose body then fails to read.
      if (this.#failure !== null) throw this.#failure;
    }
    if (sendError !== null && !sent) this.#requestCut = true;
    return head;
  }

  /**
   * Sends a large request {@link SEND_PIECE} at a time, the timeout starting again after each
   * piece. Ends as soon as the exchange fails (the timeout, the signal, close()): a send pending on
   * a connection being destroyed settled up to 5 s later (tls-openssl, tls-pure). Each piece is
   * {@link #guarded} as a read is (review 11: one race per piece against one shared promise kept a
   * reaction per piece, ~5 MB per GiB uploaded, until the request ended).
   */
  async #sendPieces(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length && !this.#stopSending; at += SEND_PIECE) {
      const piece = bytes.subarray(at, at + SEND_PIECE);
      await this.#guardedSend(this.conduit.send(piece));
      this.#sentBytes += piece.length;
      // One turn of the event loop between pieces, so its poll reads what arrived meanwhile (a
      // server's early answer, then its reset): a write that meets the reset first destroys the
      // socket, and node:net drops the unread answer with it (tls-openssl and tls-pure lost
      // nginx's 413 that way; a send that resolves at once otherwise never lets the poll run).
      if (at + SEND_PIECE < bytes.length) await new Promise(setImmediate);
    }
  }

  /** {@link #guarded} for a send, with its own rejecting function: a read is pending at the same time ({@link #sendWhileReading}). */
  #guardedSend(send: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#sendReject = reject;
      send.then(
        () => {
          this.#sendReject = null;
          if (this.#failure !== null) return reject(this.#failure);
          this.#timer?.refresh();
          resolve();
        },
        (error: unknown) => {
          this.#sendReject = null;
          reject(error);
        },
      );
    });
  }

  /**
   * The next bytes from the connection (the rest of the buffer first); empty at a clean end. Not an
   * async function: a body chunk costs the transport's promise and this one, which {@link fail}
   * can reject while the transport's read is still pending.
   */
  #recv(): Promise<Uint8Array> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#buffer.length > 0) {
      const buffer = this.#buffer;
      this.#buffer = EMPTY;
      return Promise.resolve(buffer);
    }
    this.#holding(true);
    return this.#guarded(this.conduit.recv(READ_SIZE));
  }

  /** In the body: whether a read of the connection waits (the process is kept alive meanwhile). */
  #holding(alive: boolean): void {
    if (this.#inBody) this.conduit.ref(alive);
  }

  /**
   * What the transport's `read` (or a send) settles with, unless {@link fail} ends the exchange first (then
   * its error, at once); a result refreshes the idle timer.
   */
  #guarded<T>(read: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      read.then(
        (result) => {
          this.#reject = null;
          this.#holding(false);
          if (this.#failure !== null) return reject(this.#failure);
          this.#timer?.refresh();
          resolve(result);
        },
        (error: unknown) => {
          this.#reject = null;
          reject(error);
        },
      );
    });
  }

  async #readHead(): Promise<ResponseHead> {
    const maxHeaderSize = this.#options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    // llhttp counts the header names and values only; 4 bytes per line of framing at most besides.
    const limit = 5 * maxHeaderSize + 1024;
    let bytes: Uint8Array = EMPTY;
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await this.#recv();
      } catch (error) {
        if (this.#failure !== null) throw this.#failure;
        // Nothing of a response came: no truncation to speak of, a connection closed unanswered (without close_notify).
        if (bytes.length === 0 && !this.#answered && isRaggedEOF(error)) throw new HTTPException(`${NO_RESPONSE} (without TLS close_notify)`, 'ECONNRESET', { cause: error });
        throw HTTPException.from('HTTP request failed', isRaggedEOF(error) ? truncationError(error as Error) : error);
      }
      if (chunk.length === 0) {
        if (bytes.length === 0 && !this.#answered) throw new HTTPException(NO_RESPONSE, 'ECONNRESET');
        throw await diagnose(bytes, this.#method, maxHeaderSize, 'an incomplete response head');
      }
      this.#answered = true;
      const start = Math.max(bytes.length - 3, 0);
      bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
      const end = headEnd(bytes, start);
      if (end < 0) {
        // A bare LF makes a head this client does not accept; without this check it waited for a
        // CRLF CRLF that a kept-open connection never sends (a hang when no timeout is set).
        if (bytes.length > limit || hasBareLF(bytes, start)) throw await diagnose(bytes, this.#method, maxHeaderSize, 'a response head');
        continue;
      }
      const head = parseResponseHead(bytes, this.#method, end);
      if (head === null || head.counted > maxHeaderSize) throw await diagnose(bytes, this.#method, maxHeaderSize, 'a response head');
      this.#buffer = bytes.subarray(end + 4);
      return head;
    }
  }

  /** The body is complete: the connection may carry the next request when both sides allow it. */
  #finish(reusable: boolean): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#client.release(this, reusable && this.#keepAlive && this.#buffer.length === 0);
  }

  /**
   * Up to `max` body bytes; empty once the body is complete. A Content-Length body (the bulk
   * download case) is one `then` on {@link #recv}, not a chain of async functions per chunk.
   */
  read(max: number): Promise<Uint8Array> {
    if (this.#lengthReadable()) {
      const waiting = pendingPromise<Uint8Array>();
      const resolve = takeResolve<Uint8Array>();
      const reject = takeReject();
      this.#readLength(max, resolve, reject);
      return waiting;
    }
    return this.#readOther(max);
  }

  /**
   * BodySource.readTo: {@link read} settling `resolve`/`reject` (the async iterator's step): a
   * Content-Length chunk costs no promise of the exchange's.
   */
  readTo(max: number, resolve: (chunk: Uint8Array) => void, reject: (error: unknown) => void): void {
    if (this.#lengthReadable()) this.#readLength(max, resolve, reject);
    // A small body came with the head, or it is over (the step after its last bytes): settled at
    // once, with no promise and `then` of the exchange's (issue #16: two of each per keep-alive GET).
    else if (this.#done) resolve(EMPTY);
    else if (this.#bufferedLength()) {
      let chunk: Uint8Array;
      try {
        chunk = this.#takeBuffered(max);
      } catch (error) {
        return reject(this.#bodyFailed(error));
      }
      resolve(chunk);
    } else this.#readOther(max).then(resolve, reject);
  }

  /** Whether the next body read is served from the bytes received with the head (a Content-Length body). */
  #bufferedLength(): boolean {
    return this.#framing.kind === 'length' && this.#buffer.length > 0 && this.#bodyError === null && this.#failure === null;
  }

  /** Up to `max` body bytes of the buffer ({@link #bufferedLength}). */
  #takeBuffered(max: number): Uint8Array {
    const chunk = this.#buffer;
    this.#buffer = EMPTY;
    return this.#takeLength(chunk, max);
  }

  /** Whether the next body read is the usual chunk of a Content-Length body ({@link #readLength}). */
  #lengthReadable(): boolean {
    return !this.#done && this.#bodyError === null && this.#framing.kind === 'length' && this.#failure === null && this.#buffer.length === 0;
  }

  #readOther(max: number): Promise<Uint8Array> {
    if (this.#done) return Promise.resolve(EMPTY);
    if (this.#bodyError !== null) return Promise.reject(this.#bodyError);
    if (this.#bufferedLength()) {
      try {
        return Promise.resolve(this.#takeBuffered(max));
      } catch (error) {
        return Promise.reject(this.#bodyFailed(error));
      }
    }
    if (this.#framing.kind === 'length') {
      return this.#recv().then(
        (chunk) => {
          try {
            return this.#takeLength(chunk, max);
          } catch (error) {
            throw this.#bodyFailed(error);
          }
        },
        (error: unknown) => {
          throw this.#bodyFailed(error);
        },
      );
    }
    return (this.#framing.kind === 'chunked' ? this.#readChunked(max) : this.#readToEnd(max)).catch((error: unknown) => {
      throw this.#bodyFailed(error);
    });
  }

  /**
   * The usual chunk of a Content-Length body (a download): one recv of the connection, its result
   * handed on by two handlers the exchange keeps to `resolve`/`reject` (read's promise, or the
   * async iterator's step's: {@link readTo}), which {@link fail} can call while the recv is still
   * pending (as {@link #guarded} does for the other reads, with a promise, a `then` and three
   * closures more per chunk, ~1 KB of JavaScript allocation per 16 KiB record on tls-node: issue #16).
   */
  #readLength(max: number, resolve: (chunk: Uint8Array) => void, reject: (error: Error) => void): void {
    this.#bodyResolve = resolve;
    this.#reject = reject;
    this.#bodyWant = max;
    this.#holding(true);
    this.conduit
      .recv(READ_SIZE)
      .then((this.#onBodyChunk ??= (chunk) => this.#bodyChunk(chunk)), (this.#onBodyRecvFailed ??= (error) => this.#bodyRecvFailed(error)));
  }

  /** {@link #readLength}'s recv got `chunk` (ignored when {@link fail} already settled the read). */
  #bodyChunk(chunk: Uint8Array): void {
    const resolve = this.#bodyResolve;
    if (resolve === null) return;
    const reject = this.#reject!;
    this.#bodyResolve = this.#reject = null;
    this.#holding(false);
    this.#timer?.refresh();
    let body: Uint8Array;
    try {
      body = this.#takeLength(chunk, this.#bodyWant);
    } catch (error) {
      return reject(this.#bodyFailed(error));
    }
    resolve(body);
  }

  /** {@link #readLength}'s recv failed (ignored when {@link fail} already settled the read). */
  #bodyRecvFailed(error: unknown): void {
    if (this.#bodyResolve === null) return;
    const reject = this.#reject!;
    this.#bodyResolve = this.#reject = null;
    reject(this.#bodyFailed(error));
  }

  /**
   * What the connection's failure (a timeout, the signal, a reset, no close_notify) means for the
   * body; errors already judged (IncompleteRead, llhttp's, a closed connection's) are kept as they
   * are. The exchange fails with it and the connection is dropped.
   */
  #bodyFailed(error: unknown): Error {
    const bodyError = this.#judgeBody(error);
    this.fail(bodyError);
    this.#client.release(this, false);
    return bodyError;
  }

  /** What `error` means for the body ({@link #bodyFailed}), kept as the error of every later read. */
  #judgeBody(error: unknown): Error {
    this.#bodyError =
      error instanceof HTTPException
        ? error
        : (http1BodyEnd(this.#framing, isRaggedEOF(error) ? truncationError(error as Error) : error, this.#received) ?? HTTPException.from('reading the response body failed', error));
    return this.#bodyError;
  }

  #bodyError: Error | null = null;

  /**
   * Body bytes still to come when the body has a Content-Length and {@link readInto} receives
   * straight into memory, else null (see BodySource.remaining).
   */
  get remaining(): number | null {
    if (this.conduit.recvInto === undefined || this.#framing.kind !== 'length') return null;
    return this.#done ? 0 : this.#remaining;
  }

  /**
   * Up to `buffer.length` body bytes into `buffer`: the count, 0 once the body is complete. A
   * Content-Length or close-delimited body is received straight into `buffer` (the TLS socket's
   * recvInto: tls-openssl decrypts into it) once the bytes read with the head are used up; a
   * chunked body, or a connection without recvInto, is read and copied.
   */
  readInto(buffer: Uint8Array): Promise<number> {
    const kind = this.#framing.kind;
    if (this.#done || this.#bodyError !== null || this.#failure !== null || buffer.length === 0 || this.conduit.recvInto === undefined || this.#buffer.length > 0 || (kind !== 'length' && kind !== 'close')) {
      return this.read(buffer.length).then((chunk) => {
        buffer.set(chunk);
        return chunk.length;
      });
    }
    // Never past the body: what follows it (the next response) is not ours to take.
    const target = kind === 'length' && this.#remaining < buffer.length ? buffer.subarray(0, this.#remaining) : buffer;
    this.#holding(true);
    return this.#guarded(this.conduit.recvInto(target)).then(
      (count) => {
        try {
          return this.#tookInto(count);
        } catch (error) {
          throw this.#bodyFailed(error);
        }
      },
      (error: unknown) => {
        throw this.#bodyFailed(error);
      },
    );
  }

  /** Accounts for `count` body bytes received into the caller's memory; throws when the body ended early. */
  #tookInto(count: number): number {
    if (count === 0) {
      if (this.#framing.kind === 'length') throw http1BodyEnd(this.#framing, null, this.#received)!;
      this.#finish(false);
      return 0;
    }
    this.#received += count;
    if (this.#framing.kind === 'length') {
      this.#remaining -= count;
      if (this.#remaining === 0) this.#finish(this.#reusable);
    }
    return count;
  }

  /** The part of `chunk` that belongs to the body (the rest is kept); throws when the body ended early. */
  #takeLength(chunk: Uint8Array, max: number): Uint8Array {
    if (chunk.length === 0) throw http1BodyEnd(this.#framing, null, this.#received)!;
    const take = Math.min(chunk.length, max, this.#remaining);
    if (take < chunk.length) this.#buffer = chunk.subarray(take);
    this.#remaining -= take;
    this.#received += take;
    if (this.#remaining === 0) this.#finish(this.#reusable);
    return take === chunk.length ? chunk : chunk.subarray(0, take);
  }

  async #readChunked(max: number): Promise<Uint8Array> {
    const decoder = this.#decoder!;
    for (;;) {
      const chunk = await this.#recv();
      if (chunk.length === 0) throw http1BodyEnd(this.#framing, null, this.#received)!;
      let step;
      try {
        step = decoder.step(chunk, max);
      } catch (error) {
        if (!(error instanceof ChunkedFramingError)) throw error;
        // llhttp judges with this connection's maxHeaderSize (the trailer section's bound too).
        const replay = Buffer.concat([Buffer.from(CHUNKED_HEAD, 'latin1'), error.replay]);
        const diagnosis = await diagnose(replay, 'GET', this.#options.maxHeaderSize, 'a chunked body');
        // llhttp counts names and values only: a section of short lines past the bound passes it.
        throw error.trailerOverflow && !diagnosis.code.startsWith('HPE_') ? headerOverflow(replay) : diagnosis;
      }
      if (step.used < chunk.length) this.#buffer = chunk.subarray(step.used);
      if (step.data !== null && step.data.length > 0) {
        this.#received += step.data.length;
        if (decoder.done) this.#finish(this.#reusable);
        return step.data;
      }
      if (decoder.done) {
        this.#finish(this.#reusable);
        return EMPTY;
      }
    }
  }

  async #readToEnd(max: number): Promise<Uint8Array> {
    const chunk = await this.#recv();
    if (chunk.length === 0) {
      this.#finish(false);
      return EMPTY;
    }
    if (chunk.length > max) this.#buffer = chunk.subarray(max);
    const out = chunk.length > max ? chunk.subarray(0, max) : chunk;
    this.#received += out.length;
    return out;
  }
}

/** The operating system's code (ECONNRESET, EPIPE) in `error` or its causes, if any. */
function systemCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; systemCode?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.systemCode === 'string') return e.systemCode;
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** Where the first CRLF CRLF at or after `from` in `bytes` starts (the end of a head), or -1. */
function headEnd(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(0x0d, from); i >= 0 && i + 3 < bytes.length; i = bytes.indexOf(0x0d, i + 1)) {
    if (bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i;
  }
  return -1;
}

/** Whether `bytes` holds an LF not preceded by CR at or after `from`. */
function hasBareLF(bytes: Uint8Array, from: number): boolean {
  for (let i = bytes.indexOf(0x0a, from); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    if (i === 0 || bytes[i - 1] !== 0x0d) return true;
  }
  return false;
}
