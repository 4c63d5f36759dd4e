/**
 * fetch and undici on any unitls TLS implementation: an undici Agent whose connector opens TLS
 * with the chosen implementation (pooling, keep-alive, redirects and decompression stay undici's).
 *
 * @module
 */
import type { Socket } from 'node:net';
import { TLSClientConfiguration, connectTcp as connectPlainTcp, deadlineSignal, type TLSImplementation } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import type { Agent, Dispatcher, fetch as undiciFetch } from 'undici';
import { checkAmount, checkNames, checkOptions, checkTlsOptions } from './arguments.js';
import { http1BodyEnd } from './body.js';
import { SEND_PIECE } from './http1.js';
import { HTTPTransport, connectTcp, raggedEnd, startHttpTls, truncationError } from './transport.js';
import { undici } from './undici.js';

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** The TLS implementation (default @unitls/tls-node). */
  implementation?: TLSImplementation;
  /** TLS settings (default: secure defaults with the system trust store). */
  configuration?: TLSClientConfiguration;
  /** Milliseconds for TCP connect plus handshake (default 10 000). */
  connectTimeout?: number;
  /**
   * Passed on to undici's Agent (pool sizes, keep-alive, `headersTimeout`, `bodyTimeout`, ...).
   * `allowH2` defaults to true here: HTTP/2 is used when the server picks `h2` by ALPN.
   */
  agent?: Omit<Agent.Options, 'connect'>;
}

/**
 * An undici Dispatcher (an Agent) whose HTTPS connections are made by `implementation`, verifying
 * the origin's name with it. Use it as fetch's `dispatcher` or with undici's `request`. Idle
 * pooled connections do not keep the process alive; `close()` ends them at once.
 *
 * A missing TLS close_notify (RFC 9112 §9.8): a response complete by its Content-Length or last
 * chunk is complete without it, however slowly its body is read. A close-delimited response
 * ended that way fails (fetch: a TypeError whose cause is an IncompleteRead, code
 * `UNITLS_HTTP_INCOMPLETE_READ`, caused by `UNITLS_HTTP_TRUNCATED`); a framed one cut short fails
 * with undici's error (its SocketError, Content-Length mismatch or parser error) whose cause has
 * code `UNITLS_HTTP_TRUNCATED`. Over HTTP/2 a missing close_notify fails every open stream.
 *
 * @throws ConfigurationError when the runtime replaces undici with an Agent that would ignore the
 *   connector and the real package cannot be loaded (see the README's Runtimes); HTTPException
 *   (`UNITLS_HTTP_INVALID_ARGUMENT`) for options of the wrong type or an option name it does not
 *   take ("createDispatcher: unknown option 'conectTimeout' (did you mean 'connectTimeout'?)").
 * @example
 * ```ts
 * import { createDispatcher, fetch } from '@unitls/http';
 * import { implementation } from '@unitls/tls-openssl';
 * const dispatcher = createDispatcher({ implementation });
 * const response = await fetch('https://example.org/', { dispatcher });
 * await dispatcher.close();
 * ```
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  options = checkOptions('createDispatcher: options', options, '{ implementation, configuration }');
  checkNames('createDispatcher', options, ['implementation', 'configuration', 'connectTimeout', 'agent']);
  checkTlsOptions('createDispatcher', options);
  checkAmount('createDispatcher: connectTimeout (milliseconds)', options.connectTimeout);
  if (options.agent !== undefined) checkOptions('createDispatcher: agent', options.agent, '{ connections: 8 }');
  const { Agent } = undici();
  const implementation = options.implementation ?? nodeImplementation;
  const allowH2 = options.agent?.allowH2 ?? true;
  const configuration = options.configuration ?? new TLSClientConfiguration();
  // ALPN offers what the Agent can speak, unless the caller chose its own list.
  const offered = configuration.innerProtocols.length === 0 ? configuration.with({ innerProtocols: allowH2 ? ['h2', 'http/1.1'] : ['http/1.1'] }) : configuration;
  const context = new implementation.clientContext(offered);
  const timeout = options.connectTimeout ?? 10_000;
  const agent = new Agent({
    ...options.agent,
    allowH2,
    connect(connectOptions, callback) {
      const { hostname, protocol, servername } = connectOptions;
      const port = Number(connectOptions.port) || (protocol === 'https:' ? 443 : 80);
      const signal = deadlineSignal(undefined, timeout);
      const opened =
        protocol === 'https:'
          ? // Bracketed IPv6 literals come without brackets from undici's hostname.
            connectTcp(hostname, port, signal).then((tcp) => startHttpTls(context, tcp, servername || hostname, signal, { host: hostname, port }, 'end'))
          : connectPlainTcp(hostname, port, signal);
      opened.then(
        (socket) => callback(null, socket as unknown as Socket),
        (error: unknown) => callback(error as Error, null),
      );
    },
  });
  return withUnitlsRules(agent);
}

/**
 * `agent` as the dispatcher callers get: its dispatch() applies {@link errorsAfterHeaders}'s rules
 * to every request (a Proxy over the Agent, as undici's own `compose` makes, so every other
 * member is the Agent's). fetch's handler (undici's legacy handler API: onConnect, onHeaders,
 * onData, ...) is wrapped in kind ({@link LegacyRules}) and reaches the Agent as fetch's does over
 * node:tls: undici's `compose` would convert it to the controller API and back on every request,
 * the response headers parsed into an object and then into fresh Buffers again, names lowercased
 * and repeated fields grouped. A controller-API handler gets {@link errorsAfterHeaders}.
 */
function withUnitlsRules(agent: Agent): Dispatcher {
  const dispatch = agent.dispatch.bind(agent);
  const controllerRules = errorsAfterHeaders(dispatch);
  const ours = (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean => {
    // Not a handler, or a legacy one without a method undici requires: given to the Agent as it
    // is, whose handler check refuses it (InvalidArgumentError) before anything is sent.
    if (handler === null || typeof handler !== 'object') return dispatch(options, handler);
    if (typeof handler.onRequestStart === 'function') return controllerRules(options, handler);
    const legacy = handler as unknown as LegacyHandler;
    if (!isLegacyHandler(legacy, options)) return dispatch(options, handler);
    return dispatch(piecewise(options), new LegacyRules(legacy) as unknown as Dispatcher.DispatchHandler);
  };
  return new Proxy(agent, { get: (target, key) => (key === 'dispatch' ? ours : (target as unknown as Record<PropertyKey, unknown>)[key]) });
}

/** `options` with a plain async iterable body sent {@link inPieces}. */
function piecewise(options: Dispatcher.DispatchOptions): Dispatcher.DispatchOptions {
  const body = options.body;
  return isPlainAsyncIterable(body) ? { ...options, body: inPieces(body) as unknown as Dispatcher.DispatchOptions['body'] } : options;
}

/** undici's legacy handler API (fetch's handler in undici 7): raw headers as Buffers. */
interface LegacyHandler {
  onConnect?(abort: (reason?: Error) => void, context?: object): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onUpgrade?(statusCode: number, rawHeaders: Buffer[], socket: unknown): void;
  onData?(chunk: Buffer): boolean;
  onComplete?(rawTrailers: Buffer[] | null): void;
  onError(error: Error): void;
  onRequestSent?(): void;
  onBodySent?(chunk: unknown): void;
}

/** The methods undici's handler check requires of a legacy handler (undici 7, core/util.js assertRequestHandler). */
function isLegacyHandler(handler: LegacyHandler, options: Dispatcher.DispatchOptions): boolean {
  const has = (name: keyof LegacyHandler) => typeof handler[name] === 'function';
  if (!has('onConnect') || !has('onError') || (handler.onBodySent !== undefined && !has('onBodySent'))) return false;
  return options.upgrade || options.method === 'CONNECT' ? has('onUpgrade') : has('onHeaders') && has('onData') && has('onComplete');
}

/**
 * {@link errorsAfterHeaders}'s rules for a legacy handler, in the same API (no conversion): an
 * empty body span is not passed on, a close-delimited response ended without close_notify is an
 * IncompleteRead, errors arrive one event-loop turn later, an upgraded connection is handed over.
 */
class LegacyRules {
  readonly #handler: LegacyHandler;
  #received = 0;

  constructor(handler: LegacyHandler) {
    this.#handler = handler;
  }

  onConnect(abort: (reason?: Error) => void, context?: object): void {
    this.#handler.onConnect?.(abort, context);
  }

  onResponseStarted(): void {
    this.#handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    return this.#handler.onHeaders?.(statusCode, rawHeaders, resume, statusText) !== false;
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[], socket: unknown): void {
    if (socket instanceof HTTPTransport) socket.handOver();
    this.#handler.onUpgrade?.(statusCode, rawHeaders, socket);
  }

  onData(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    this.#received += chunk.length;
    return this.#handler.onData?.(chunk) !== false;
  }

  onComplete(rawTrailers: Buffer[] | null): void {
    const ragged = raggedEnd();
    if (ragged === null) return this.#handler.onComplete?.(rawTrailers);
    const error = http1BodyEnd({ kind: 'close' }, truncationError(ragged), this.#received)!;
    setImmediate(() => this.#handler.onError(error));
  }

  onError(error: Error): void {
    setImmediate(() => this.#handler.onError(error));
  }

  onRequestSent(): void {
    this.#handler.onRequestSent?.();
  }

  onBodySent(chunk: unknown): void {
    this.#handler.onBodySent?.(chunk);
  }
}

/**
 * Between undici and the caller's handler, for every request of a dispatcher made here whose
 * handler speaks undici's controller API (fetch's legacy handler gets {@link LegacyRules}).
 *
 * A missing TLS close_notify (RFC 9112 §9.8, RFC 8446 §6.1): the connections end their readable
 * side quietly at it, after every byte received (HTTPTransport's mode 'end'), so undici's parser,
 * paused by a slow body reader, still completes a response framed by Content-Length or its last
 * chunk, as it does over node:tls. undici then finishes a close-delimited response at that end as
 * if complete; its onResponseEnd arrives while the connection's 'end' is being emitted
 * ({@link raggedEnd}), and becomes an IncompleteRead here: a truncation attack cannot pass as a
 * complete body. A framed response cut short fails in undici (its SocketError, Content-Length
 * mismatch or parser error), with the truncation as that error's cause. A connection handed over
 * (101, CONNECT) fails at a missing close_notify again.
 *
 * Errors go to the handler one event-loop turn later. undici's fetch (7.x) leaves a response
 * body unsettled forever when the error arrives in the same turn as the response headers (it
 * subscribes to the termination only after its `await` on them): an HTTP/2 stream reset right
 * after its headers, or a missing close_notify read together with the headers, would hang
 * instead of failing. One turn later the error reaches fetch's body.
 */
const errorsAfterHeaders: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
  let received = 0;
  return dispatch(piecewise(options), {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, statusCode, headers, socket) => {
      // What follows a 101 or a CONNECT is not HTTP: only TLS can tell where it ends.
      if (socket instanceof HTTPTransport) socket.handOver();
      return handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
    },
    onResponseStart: (controller, statusCode, headers, statusMessage) => handler.onResponseStart?.(controller, statusCode, headers, statusMessage),
    onResponseData: (controller, chunk) => {
      // llhttp hands the body span it paused in over again, empty, when undici resumes; passed
      // on, fetch answers "pause" (its queue is still full), and an 'end' undici read just before
      // then reaches a paused parser, which throws (llhttp_finish asserts it is not paused).
      if (chunk.length === 0) return;
      received += chunk.length;
      return handler.onResponseData?.(controller, chunk);
    },
    onResponseEnd: (controller, trailers) => {
      const ragged = raggedEnd();
      if (ragged === null) return handler.onResponseEnd?.(controller, trailers);
      const error = http1BodyEnd({ kind: 'close' }, truncationError(ragged), received)!;
      setImmediate(() => handler.onResponseError?.(controller, error));
    },
    onResponseError: (controller, error) => void setImmediate(() => handler.onResponseError?.(controller, error)),
  });
};

/** Whether `body` is an async iterable other than a stream (fetch hands undici its body as an async generator). */
function isPlainAsyncIterable(body: unknown): body is AsyncIterable<Uint8Array | string> {
  if (body === null || typeof body !== 'object') return false;
  return typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' && typeof (body as { pipe?: unknown }).pipe !== 'function';
}

/**
 * `source` in chunks of at most {@link SEND_PIECE} bytes. fetch hands undici a Buffer or
 * Uint8Array body as one chunk, which undici writes to an HTTP/2 stream at once: node:http2 counts
 * the queued bytes against the session's memory (maxSessionMemory, 10 MB), and with a body over
 * that it resets the stream of the response headers that arrive meanwhile with ENHANCE_YOUR_CALM
 * (nginx's 413 for a body over client_max_body_size became "fetch failed"). In pieces, undici
 * waits for each to drain (the server's flow-control window), so little is queued.
 */
async function* inPieces(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  for await (const chunk of source) {
    if (typeof chunk === 'string' || chunk.length <= SEND_PIECE) yield chunk;
    else for (let at = 0; at < chunk.length; at += SEND_PIECE) yield chunk.subarray(at, at + SEND_PIECE);
  }
}

let defaultDispatcher: Dispatcher | null = null;

/**
 * The dispatcher {@link fetch} uses when `init.dispatcher` is not given: tls-node with secure
 * defaults, made on first use. Its idle connections never keep the process alive; `close()` or
 * `destroy()` it to end them now (the next fetch then makes a new one).
 */
export function getDefaultDispatcher(): Dispatcher {
  const current = defaultDispatcher as (Dispatcher & { closed?: boolean; destroyed?: boolean }) | null;
  if (current === null || current.closed === true || current.destroyed === true) defaultDispatcher = createDispatcher();
  return defaultDispatcher!;
}

/**
 * `fetch` (undici's) whose HTTPS goes through a unitls implementation: tls-node unless
 * `init.dispatcher` says otherwise (pass `createDispatcher({ implementation })`).
 *
 * @throws ConfigurationError as {@link createDispatcher}.
 */
export function fetch(input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}): ReturnType<typeof undiciFetch> {
  try {
    return undici().fetch(input, { dispatcher: getDefaultDispatcher(), ...init });
  } catch (error) {
    return Promise.reject(error); // like fetch itself: failures arrive as a rejection
  }
}
