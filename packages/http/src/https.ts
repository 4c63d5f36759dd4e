/**
 * http.client's HTTPSConnection on any unitls TLS implementation: HTTP/1.1 over the TLS socket as in
 * HTTPConnection, HTTP/2 through node:http2 when ALPN picks h2 (one session for all requests).
 *
 * @module
 */
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import { TLSClientConfiguration, deadlineSignal, type ClientContext, type TLSImplementation, type Transport } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { h2ErrorName, http2Verdict } from './body.js';
import { HTTPConnection, type HTTPSConnectionOptions, type PendingRequest } from './client.js';
import { TLS_OPTION_NAMES, checkTlsOptions } from './arguments.js';
import { HTTPException, connectFailure } from './errors.js';
import { DEFAULT_MAX_HEADER_SIZE, SEND_PIECE, sendStalled, timedOut, tlsConduit, type Conduit } from './http1.js';
import { HTTPResponse } from './response.js';
import { HTTPTransport, connectTcp, startHttpTls } from './transport.js';
import { authority } from './tunnel.js';

/**
 * HTTP/2 request failures the server did not process: safe to send again (RFC 9113 §8.7), each
 * with the session it failed on (the one to leave, unless another request left it already).
 */
const unprocessed = new WeakMap<object, http2.ClientHttp2Session>();
function notProcessed(error: HTTPException, session: http2.ClientHttp2Session): HTTPException {
  unprocessed.set(error, session);
  return error;
}

/** The server's GOAWAY on one HTTP/2 connection (RFC 9113 §6.8): its error code and the last stream it may have processed. */
interface GoAway {
  readonly code: number;
  readonly lastStreamID: number;
}

/** What ended one HTTP/2 connection (an error), and the GOAWAY the server sent on it. */
interface SessionFailure {
  error: Error | null;
  goaway: GoAway | null;
}

/** http.client.HTTPSConnection: the same over TLS from any unitls implementation; HTTP/2 when ALPN picks it. */
export class HTTPSConnection extends HTTPConnection {
  #context: ClientContext | null = null;
  #protocol: Promise<'h2' | 'http/1.1'> | null = null;
  /** The connection opened to learn ALPN's choice, used by the first HTTP/1.1 request. */
  #preopened: HTTPTransport | null = null;
  #session: http2.ClientHttp2Session | null = null;
  /** The connection under the HTTP/2 session (node:http2 wraps it, so its ref/unref do not reach it). */
  #sessionTransport: HTTPTransport | null = null;
  /** HTTP/2 streams not yet closed: while there are none, the session does not keep the process alive. */
  #activeStreams = 0;
  /** What ended the current HTTP/2 connection, if it failed, and its GOAWAY (one holder per connection, for its streams). */
  #sessionFailure: SessionFailure = { error: null, goaway: null };

  /** Every option name HTTPSConnection takes: HTTPConnection's and the TLS ones. */
  protected static override readonly optionNames: readonly string[] = [...HTTPConnection.optionNames, ...TLS_OPTION_NAMES];

  /** @throws as HTTPConnection's, and for an `implementation`, `configuration` or `serverHostname` of the wrong type. */
  constructor(host: string, options: HTTPSConnectionOptions = {}) {
    super(host, options, 443);
    checkTlsOptions('HTTPSConnection', this.options as HTTPSConnectionOptions);
  }

  protected override get defaultPort(): number {
    return 443;
  }

  get #tlsOptions(): HTTPSConnectionOptions {
    return this.options as HTTPSConnectionOptions;
  }

  #tlsContext(): ClientContext {
    // Offer h2 and http/1.1 unless the caller chose its own ALPN list.
    const configuration = this.#tlsOptions.configuration ?? new TLSClientConfiguration();
    this.#context ??= new (this.#tlsOptions.implementation ?? nodeImplementation).clientContext(
      configuration.innerProtocols.length === 0 ? configuration.with({ innerProtocols: ['h2', 'http/1.1'] }) : configuration,
    );
    return this.#context;
  }

  protected override proxyContext(implementation: TLSImplementation | undefined, configuration: TLSClientConfiguration | undefined): ClientContext {
    return super.proxyContext(implementation ?? this.#tlsOptions.implementation, configuration ?? this.#tlsOptions.configuration);
  }

  /** TLS with the origin: directly, or inside the tunnel. */
  async #connect(): Promise<HTTPTransport> {
    const signal = deadlineSignal(this.options.signal, this.timeout);
    const { host, port } = this.origin;
    const serverHostname = this.#tlsOptions.serverHostname ?? host;
    try {
      const context = this.#tlsContext();
      // An implementation without a native upgrade reads the socket itself (BufferSocket): into
      // reused memory then (issue #16: a 32 MiB download cost ~2x Python's CPU on tls-openssl).
      const under = this.tunnelled ? await this.openTransport(signal) : await connectTcp(host, port, signal, context.upgrade === undefined);
      return await startHttpTls(context, under, serverHostname, signal, { host, port });
    } catch (error) {
      throw connectFailure(authority(host, port), error);
    }
  }

  protected override protocol(): Promise<'h2' | 'http/1.1'> {
    // The server closed the HTTP/2 connection since the last request (GOAWAY after an idle time, or
    // it went away): the next request opens a new connection and asks ALPN again, as HTTP/1.1
    // reconnects (every later request failed with node:http2's "The session has been destroyed").
    const session = this.#session;
    if (session !== null && (session.closed || session.destroyed)) this.#dropSession();
    this.#protocol ??= this.#connect().then(
      (transport) => {
        if (transport.tlsSocket?.negotiatedProtocol() === 'h2') {
          const { host, port } = this.origin;
          this.#session = http2.connect(`https://${authority(host, port)}`, {
            createConnection: () => transport as unknown as Socket,
            // No server push: nothing here takes pushed responses, so node:http2 would hold each one's
            // data (up to a window per push) until the session ends. And the same bound on a header
            // section as over HTTP/1.1 (RFC 9113 §6.5.2: name + value + 32 per field; node:http2
            // resets a stream whose headers pass it), where node:http2's default is 64 KiB.
            settings: { enablePush: false, maxHeaderListSize: this.options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE },
          });
          this.#sessionTransport = transport;
          const failure: SessionFailure = { error: null, goaway: null };
          this.#sessionFailure = failure;
          this.#session.on('error', (error) => (failure.error ??= error));
          // Before node:http2 ends the streams it cuts off (it emits 'goaway' first): their errors read it.
          // The latest one counts: a graceful shutdown sends a last stream ID of 2^31-1, then the real one.
          this.#session.on('goaway', (code: number, lastStreamID: number) => (failure.goaway = { code, lastStreamID }));
          return 'h2';
        }
        this.#preopened = transport;
        return 'http/1.1';
      },
      (error: unknown) => {
        this.#protocol = null;
        throw error;
      },
    );
    return this.#protocol;
  }

  /** Leaves the HTTP/2 connection for a new one; streams still open on it (a body being read) finish. */
  #dropSession(): void {
    this.#session?.close();
    this.#session = null;
    this.#sessionTransport = null;
    this.#protocol = null;
  }

  /**
   * Sends an HTTP/2 request; once more on a new connection when the server did not process it
   * (RFC 9113 §8.7: a stream refused with REFUSED_STREAM, or one above the last stream ID of the
   * server's GOAWAY, §6.8, as when it closes an idle connection or one that served its quota of
   * requests while the request is on its way), whatever the method. A stream at or below that
   * last stream ID may have been processed: it fails, saying so, and is not sent again.
   */
  protected override async sendH2(pending: PendingRequest): Promise<HTTPResponse> {
    try {
      return await this.#streamH2(pending);
    } catch (error) {
      const failedOn = unprocessed.get(error as object);
      if (failedOn === undefined) throw error;
      // Only the connection it failed on: requests refused together by one GOAWAY share the next
      // connection (each left "the current" one: all but the last connection opened were leaked).
      if (this.#session === failedOn) this.#dropSession();
      return (await this.protocol()) === 'h2' ? this.#streamH2(pending) : this.sendH1(pending);
    }
  }

  #streamH2(pending: PendingRequest): Promise<HTTPResponse> {
    const session = this.#session!;
    const headers: http2.OutgoingHttpHeaders = { ':method': pending.method, ':path': pending.url };
    for (const [name, values] of pending.headers) {
      const lower = name.toLowerCase();
      // Connection-specific headers do not exist in HTTP/2 (RFC 9113 §8.2.2); Host becomes :authority.
      if (['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host'].includes(lower)) continue;
      headers[lower] = values.length === 1 ? values[0]! : values;
    }
    const failure = this.#sessionFailure;
    return new Promise((resolve, reject) => {
      const body = Buffer.concat(pending.body);
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers, { endStream: body.length === 0, ...(this.options.signal === undefined ? {} : { signal: this.options.signal }) });
      } catch (error) {
        // node:http2 throws here for a session that ended in the meantime (nothing was sent: worth
        // one more try on a new connection), and for headers it refuses (TE: gzip, a repeated
        // Content-Length: the same on any connection, so not retried).
        const failed = HTTPException.from('HTTP/2 request failed', error);
        reject(sessionEnded(session, error) ? notProcessed(failed, session) : failed);
        return;
      }
      // Like Node's agent: a session with a request in flight keeps the process alive, an idle one does not.
      // Counted while the response is awaited and while its body is read (HTTPResponse's hold), not
      // while an unread body waits: that does not keep the process alive.
      let counted = true;
      if (this.#activeStreams++ === 0) this.#refSession(true);
      const hold = (alive: boolean): void => {
        if (alive === counted || (alive && stream.closed)) return;
        counted = alive;
        if (alive ? this.#activeStreams++ === 0 : --this.#activeStreams === 0) this.#refSession(alive);
      };
      stream.once('close', () => hold(false));
      // Body bytes node:http2 took into DATA frames (the server's flow-control window let them out),
      // and the status of a response that came before all of them.
      let sent = 0;
      let early: number | undefined;
      // The timer starts again at each write (node:http2's stream timeout), so with one piece
      // written at a time it bounds each piece: a request body still on its way out when it fires
      // (the server keeps its window shut) stalled after `sent` bytes.
      stream.setTimeout(this.timeout, () =>
        stream.destroy(sent < body.length ? sendStalled(this.timeout, sent, body.length, early, 'the request body') : timedOut(this.timeout)),
      );
      const maxHeaderSize = this.options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
      let cancelled = false;
      stream.once('response', (responseHeaders: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, _flags: number, rawHeaders: string[]) => {
        // node:http2 applies maxHeaderListSize only once the server acknowledged the SETTINGS, so
        // not to the first streams of a connection: the same bound here, for every stream.
        const size = headerListSize(rawHeaders);
        if (size > maxHeaderSize) {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(headerOverflow(size, maxHeaderSize));
          return;
        }
        const { ':status': status, ...rest } = responseHeaders;
        if (sent < body.length) early = Number(status);
        resolve(
          new HTTPResponse({
            status: Number(status),
            reason: '',
            version: '2.0',
            protocol: 'h2',
            headers: rest as Record<string, string | string[] | undefined>,
            stream,
            verdict: http2Verdict(stream, session, () => failure.error, () => cancelled),
            cancel: () => {
              if (stream.readableEnded || stream.destroyed) return;
              cancelled = true;
              stream.close(http2.constants.NGHTTP2_CANCEL);
            },
            hold,
          }),
        );
        hold(false);
      });
      stream.on('error', (error) => reject(streamFailure(stream, error, failure.goaway, session, maxHeaderSize)));
      if (body.length > 0) {
        // SEND_PIECE at a time, the next once node:http2 took the last (the timeout bounds each).
        const writeFrom = (at: number): void => {
          if (stream.destroyed) return;
          const end = Math.min(at + SEND_PIECE, body.length);
          stream.write(body.subarray(at, end), (error) => {
            if (error !== null && error !== undefined) return;
            sent = end;
            if (end < body.length) writeFrom(end);
            else stream.end();
          });
        };
        writeFrom(0);
      }
    });
  }

  /** Whether the HTTP/2 connection may keep the process alive (node:http2's wrapper, and the TCP socket under it). */
  #refSession(alive: boolean): void {
    const session = this.#session;
    if (session === null || session.destroyed) return;
    if (alive) {
      session.ref();
      this.#sessionTransport?.ref();
    } else {
      session.unref();
      this.#sessionTransport?.unref();
    }
  }

  /** TLS with the origin, read with the TLS socket's own recv (nothing else reads that connection). */
  protected override async openConduit(): Promise<Conduit> {
    return tlsConduit((await this.openSocket()) as HTTPTransport);
  }

  protected override async openSocket(): Promise<Transport> {
    const preopened = this.#preopened;
    this.#preopened = null;
    return preopened ?? (await this.#connect());
  }

  override async close(): Promise<void> {
    this.#session?.destroy();
    this.#session = null;
    this.#sessionTransport = null;
    this.#preopened?.destroy();
    this.#preopened = null;
    this.#protocol = null;
    await super.close();
  }
}

/**
 * What a request whose stream failed before any response rejects with. Not processed by the server,
 * so sent again ({@link notProcessed}): a stream it refused (REFUSED_STREAM), one node:http2 never
 * sent (the session ended first: ERR_HTTP2_GOAWAY_SESSION, or no stream ID yet), one above the last
 * stream ID of the server's GOAWAY whatever its error code (node:http2 ends every stream of a
 * GOAWAY with an error code alike, with ERR_HTTP2_SESSION_ERROR). One at or below it after a
 * GOAWAY may have been processed: its error says why it is not sent again.
 */
function streamFailure(stream: http2.ClientHttp2Stream, error: unknown, goaway: GoAway | null, session: http2.ClientHttp2Session, maxHeaderSize: number): HTTPException {
  const failed = HTTPException.from('HTTP/2 request failed', error);
  const code = (error as { code?: unknown } | null)?.code;
  if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM || code === 'ERR_HTTP2_GOAWAY_SESSION') return notProcessed(failed, session);
  if (stream.rstCode === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM && goaway === null) {
    // The reset may be node:http2's own, sent as the headers arrive (it does not say whose it is).
    return new HTTPException(
      `${failed.message} (node:http2 itself resets a stream with ENHANCE_YOUR_CALM when the response's header section passes maxHeaderSize, ` +
        `${maxHeaderSize} bytes, or 128 fields, or when the connection holds more than its session memory allows, 10 MB of request bodies waiting to go out and responses not yet read; otherwise the server reset it)`,
      failed.code,
      { cause: error },
    );
  }
  if (goaway === null) return failed;
  const id = stream.id;
  if (id === undefined || id > goaway.lastStreamID) return notProcessed(failed, session);
  return new HTTPException(
    `${failed.message}: the server's GOAWAY (${h2ErrorName(goaway.code)}, last stream ${goaway.lastStreamID}) ended the connection while this request (stream ${id}) was open; ` +
      'the server may have processed it, so it is not sent again (RFC 9113 §6.8)',
    failed.code,
    { cause: error },
  );
}

/** Whether `session.request` threw because the session had ended (closed, destroyed, or after GOAWAY). */
function sessionEnded(session: http2.ClientHttp2Session, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return session.closed || session.destroyed || code === 'ERR_HTTP2_INVALID_SESSION' || code === 'ERR_HTTP2_GOAWAY_SESSION';
}

/** The size of a header section as RFC 9113 §6.5.2 counts it: name + value + 32 octets per field. */
function headerListSize(rawHeaders: readonly string[]): number {
  let size = 0;
  for (const field of rawHeaders) size += Buffer.byteLength(field, 'latin1');
  return size + 16 * rawHeaders.length;
}

/** The response's header section passed maxHeaderSize: the code HTTP/1.1 gives (llhttp's) for the same. */
function headerOverflow(size: number, maxHeaderSize: number): HTTPException {
  return new HTTPException(
    `the server sent a header section of ${size} bytes, over maxHeaderSize (${maxHeaderSize} bytes, counted as RFC 9113 §6.5.2 does: ` +
      'name + value + 32 per field); raise it only for a server you trust',
    'HPE_HEADER_OVERFLOW',
  );
}
