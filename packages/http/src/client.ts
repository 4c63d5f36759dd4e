/**
 * http.client's HTTPConnection and HTTPSConnection, async, on any unitls TLS implementation.
 * HTTP/1.1 is this package's own (http1.ts, llhttp judging malformed responses), HTTP/2
 * node:http2's; the transport is TCP, TLS, or either through a CONNECT tunnel (HTTPSConnection:
 * https.ts).
 *
 * @module
 */
import {
  TLSClientConfiguration,
  connectTcp as connectPlainTcp,
  deadlineSignal,
  untilAborted,
  type ClientContext,
  type TLSImplementation,
  type Transport,
} from '@unitls/tls-core';
import { optionNames } from '@unitls/client-kit';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { TLS_OPTION_NAMES, checkAmount, checkArity, checkBody, checkNames, checkOptions, checkSignal, checkString, checkTlsOptions } from './arguments.js';
import { HTTPException, checkField, checkHeaderName, connectFailure, invalidArgument } from './errors.js';
import { Http1Client, streamConduit, type Conduit } from './http1.js';
import type { HTTPResponse } from './response.js';
import { connectTcp, startHttpTls } from './transport.js';
import { authority, openTunnel, tunnelFailure, tunnelTarget, type TunnelTarget } from './tunnel.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface HTTPConnectionOptions {
  port?: number;
  /**
   * Milliseconds allowed to connect (TCP, proxy CONNECT and TLS handshake together) and, after
   * that, the longest silence while waiting for response headers or body bytes (default 30 000).
   */
  timeout?: number;
  signal?: AbortSignal;
  /** Largest response header section accepted (default 16 KiB, node:http's). */
  maxHeaderSize?: number;
}

export interface HTTPSConnectionOptions extends HTTPConnectionOptions {
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  /** The name the origin's certificate must match (default: the host, or the tunnel's host). */
  serverHostname?: string;
}

/** How to reach the proxy of a {@link HTTPConnection.setTunnel} tunnel. */
export interface TunnelOptions {
  /**
   * The proxy itself speaks TLS (an HTTPS proxy). `true` uses the connection's implementation and
   * configuration (HTTPConnection: tls-node, secure defaults); the proxy's certificate is checked
   * against the connection's host unless `serverHostname` says otherwise.
   */
  proxyTLS?: boolean | { implementation?: TLSImplementation; configuration?: TLSClientConfiguration; serverHostname?: string };
}

/** Every option name setTunnel's `options` take. */
const TUNNEL_OPTION_NAMES = optionNames<TunnelOptions>({ proxyTLS: true });

/** A request being built by putrequest/putheader/endheaders. */
export interface PendingRequest {
  method: string;
  url: string;
  headers: Array<[string, string[]]>;
  body: Buffer[];
  ended: boolean;
}

/** http.client.HTTPConnection (plain HTTP/1.1, one kept-alive connection). */
export class HTTPConnection implements AsyncDisposable {
  /** The server connected to: the origin, or the proxy once setTunnel was called. */
  readonly host: string;
  readonly port: number;
  protected readonly options: HTTPConnectionOptions;
  readonly #http1: Http1Client;
  #request: PendingRequest | null = null;
  #tunnel: TunnelTarget | null = null;
  #tunnelOptions: TunnelOptions = {};
  #used = false;

  /** Every option name the class takes: any other is an argument error. */
  protected static readonly optionNames: readonly string[] = optionNames<HTTPConnectionOptions>({ port: true, timeout: true, signal: true, maxHeaderSize: true });

  /**
   * @throws HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`) for a host that is not a string, options
   *   that are not an object, an option name the class does not take ("HTTPSConnection: unknown
   *   option 'timout' (did you mean 'timeout'?)"), an option of the wrong type, or a `port` option
   *   that is not an integer from 0 to 65535; (`UNITLS_HTTP_INVALID_URL`) for a port inside `host`
   *   ("example.org:http") that is not one (http.client's InvalidURL).
   */
  constructor(host: string, options: HTTPConnectionOptions = {}, defaultPort = 80) {
    const owner = new.target.name;
    checkString(`${owner}: the host`, host, "'example.org', or 'example.org:8443'");
    options = checkOptions(`${owner}: options`, options, '{ port: 8443, timeout: 10_000 }');
    checkNames(owner, options, new.target.optionNames);
    checkAmount(`${owner}: timeout (milliseconds)`, options.timeout);
    checkAmount(`${owner}: maxHeaderSize (bytes)`, options.maxHeaderSize);
    checkSignal(`${owner}: signal`, options.signal);
    if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
      throw invalidArgument(`${owner}: port`, 'an integer from 0 to 65535 (a number, such as 8443)', options.port);
    }
    [this.host, this.port] = hostAndPort(owner, checkField('the host', host), options.port, defaultPort);
    this.options = options;
    this.#http1 = new Http1Client({
      open: () => this.openConduit(),
      host: () => {
        const { host, port } = this.origin;
        // As http.client and node:http write it: the port only when it is not the scheme's.
        return port === this.defaultPort ? authority(host, port).replace(/:\d+$/, '') : authority(host, port);
      },
      timeout: this.timeout,
      signal: options.signal,
      maxHeaderSize: options.maxHeaderSize,
    });
  }

  /** Milliseconds for connecting and for each silence in a response. */
  protected get timeout(): number {
    return this.options.timeout ?? DEFAULT_TIMEOUT_MS;
  }

  /** Where requests go: the tunnel's far end, or host:port. */
  protected get origin(): { host: string; port: number } {
    return this.#tunnel ?? { host: this.host, port: this.port };
  }

  /** Whether setTunnel was called. */
  protected get tunnelled(): boolean {
    return this.#tunnel !== null;
  }

  /**
   * http.client's set_tunnel: the connection's host and port become the proxy, and requests go to
   * `host`:`port` through a CONNECT tunnel (with `headers`, e.g. Proxy-Authorization, on the
   * CONNECT request only). For HTTPSConnection, TLS with the origin runs inside the tunnel and
   * verifies the origin's certificate; with `proxyTLS`, the tunnel itself runs inside TLS with
   * the proxy (TLS inside TLS). Call before the first request.
   *
   * @throws HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`) for an argument of the wrong type, an
   *   option name it does not take (in `options` or `proxyTLS`) or a fifth argument;
   *   (`UNITLS_HTTP_STATE`) after the first request.
   */
  setTunnel(host: string, port = this.defaultPort, headers: Record<string, string> = {}, options: TunnelOptions = {}): void {
    checkArity('setTunnel', arguments.length, 4, '(host, port, headers, options)');
    headers = checkOptions('setTunnel: headers', headers, "{ 'Proxy-Authorization': 'Basic ...' }");
    options = checkOptions('setTunnel: options', options, '{ proxyTLS: true }');
    checkNames('setTunnel', options, TUNNEL_OPTION_NAMES);
    const proxyTLS = options.proxyTLS;
    if (proxyTLS !== undefined && typeof proxyTLS !== 'boolean') {
      checkNames('setTunnel: proxyTLS', checkOptions('setTunnel: proxyTLS', proxyTLS, 'true, or { serverHostname }'), TLS_OPTION_NAMES);
      checkTlsOptions('setTunnel: proxyTLS', proxyTLS);
    }
    if (this.#used) throw new HTTPException('setTunnel must be called before the first request', 'UNITLS_HTTP_STATE');
    this.#tunnel = tunnelTarget(host, port, headers);
    this.#tunnelOptions = options;
  }

  /** The origin port when setTunnel is not given one. */
  protected get defaultPort(): number {
    return 80;
  }

  /** The first hop: TCP to host:port, inside TLS when the proxy is an HTTPS proxy. */
  protected async firstHop(signal: AbortSignal | undefined): Promise<Transport> {
    const proxyTLS = this.#tunnelOptions.proxyTLS;
    if (this.#tunnel === null || proxyTLS === undefined || proxyTLS === false) return connectPlainTcp(this.host, this.port, signal);
    const settings = proxyTLS === true ? {} : proxyTLS;
    const context = this.proxyContext(settings.implementation, settings.configuration);
    return startHttpTls(context, await connectTcp(this.host, this.port, signal), settings.serverHostname ?? this.host, signal, { host: this.host, port: this.port });
  }

  /** The client context for an HTTPS proxy (HTTP/1.1 only: CONNECT over h2 is another protocol). */
  protected proxyContext(implementation: TLSImplementation | undefined, configuration: TLSClientConfiguration | undefined): ClientContext {
    return new (implementation ?? nodeImplementation).clientContext((configuration ?? new TLSClientConfiguration()).with({ innerProtocols: ['http/1.1'] }));
  }

  /** The byte stream to the origin: direct, or through the tunnel. */
  protected async openTransport(signal: AbortSignal | undefined): Promise<Transport> {
    const first = await this.firstHop(signal);
    if (this.#tunnel === null) return first;
    try {
      return await untilAborted(openTunnel(first, this.#tunnel, { timeout: this.timeout, maxHeaderSize: this.options.maxHeaderSize }), signal, () => first.destroy());
    } catch (error) {
      throw tunnelFailure(error, { proxy: authority(this.host, this.port), target: this.#tunnel, timeout: this.timeout, callerSignal: this.options.signal });
    }
  }

  /** Opens the connection HTTP/1.1 requests go over. */
  protected async openConduit(): Promise<Conduit> {
    return streamConduit(await this.openSocket());
  }

  /** Opens the byte stream to the origin (TLS to the origin in HTTPSConnection). */
  protected async openSocket(): Promise<Transport> {
    try {
      return await this.openTransport(deadlineSignal(this.options.signal, this.timeout));
    } catch (error) {
      throw connectFailure(authority(this.host, this.port), error);
    }
  }

  /**
   * Starts a request (http.client's putrequest); add headers with putheader, then endheaders.
   *
   * @throws HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`) for a method or URL that is not a
   *   string, or a third argument; (`UNITLS_HTTP_STATE`) while another request is being built.
   */
  putrequest(method: string, url: string): void {
    checkArity('putrequest', arguments.length, 2, '(method, url)');
    if (this.#request !== null) throw new HTTPException('a request is already in progress: call getresponse() for it first', 'UNITLS_HTTP_STATE');
    this.#request = { method: checkField('the method', method), url: checkField('the URL', url), headers: [], body: [], ended: false };
  }

  putheader(name: string, ...values: string[]): void {
    const request = this.#requireRequest();
    checkHeaderName(name);
    for (const value of values) checkField(`header ${name}`, value);
    request.headers.push([name, values]);
  }

  /** Ends the headers, with `body` if given (http.client's endheaders(message_body)); getresponse sends. */
  endheaders(body?: Uint8Array | string): void {
    checkArity('endheaders', arguments.length, 1, '(body)');
    checkBody('endheaders: body', body);
    const request = this.#requireRequest();
    if (body !== undefined) request.body.push(Buffer.from(body));
    request.ended = true;
  }

  /** Adds body bytes before endheaders. */
  send(data: Uint8Array | string): void {
    checkArity('send', arguments.length, 1, '(data)');
    if (data === undefined) throw invalidArgument('send: data', 'a string or a Uint8Array (Buffer)', data);
    checkBody('send: data', data);
    this.#requireRequest().body.push(Buffer.from(data));
  }

  #requireRequest(): PendingRequest {
    if (this.#request === null || this.#request.ended) throw new HTTPException('no request being built: call putrequest first', 'UNITLS_HTTP_STATE');
    return this.#request;
  }

  /**
   * A whole request (http.client's request).
   *
   * @throws HTTPException for an argument of the wrong type or a fifth argument
   *   (`UNITLS_HTTP_INVALID_ARGUMENT`), CR/LF/NUL (`UNITLS_HTTP_INJECTION`) or an invalid header
   *   name; nothing of the request is kept then.
   */
  request(method: string, url: string, body?: Uint8Array | string, headers: Record<string, string> = {}): void {
    checkArity('request', arguments.length, 4, '(method, url, body, headers)', ": a signal or a timeout goes in the connection's options");
    checkBody('request: body', body);
    headers = checkOptions('request: headers', headers, "{ 'Content-Type': 'application/json' }");
    // Every header checked before the request starts: a refused one leaves nothing half-built.
    for (const [name, value] of Object.entries(headers)) checkField(`header ${checkHeaderName(name)}`, value);
    this.putrequest(method, url);
    for (const [name, value] of Object.entries(headers)) this.putheader(name, value);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      this.putheader('Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
    }
    this.endheaders(body);
  }

  /** Which protocol the connection speaks (HTTPS: what ALPN chose on the first request). */
  protected async protocol(): Promise<'h2' | 'http/1.1'> {
    return 'http/1.1';
  }

  /** Sends an HTTP/2 request; only HTTPSConnection can. */
  protected sendH2(request: PendingRequest): Promise<HTTPResponse> {
    void request;
    return Promise.reject(new HTTPException('HTTP/2 needs TLS with ALPN', 'UNITLS_HTTP_STATE'));
  }

  /**
   * Sends the request built so far (opening the connection when there is none) and waits for the
   * response headers.
   *
   * @throws CertificateVerificationError (from @unitls/tls-core, as the implementation raised it)
   *   when the origin's or an HTTPS proxy's certificate is refused; HTTPException for any other
   *   failure (its `code`: `ECONNREFUSED`, `ETIMEDOUT`, llhttp's `HPE_...`, `UNITLS_HTTP_...`);
   *   HTTPException (`UNITLS_HTTP_INVALID_ARGUMENT`) for any argument (it takes none, as
   *   http.client's: a `signal` or `timeout` goes in the connection's options), before anything
   *   is sent, the request kept for the next getresponse().
   */
  async getresponse(): Promise<HTTPResponse> {
    checkArity('getresponse', arguments.length, 0, '()', ": a signal or a timeout goes in the connection's options (new HTTPSConnection(host, { signal, timeout }))");
    const request = this.#request;
    if (request === null || !request.ended) throw new HTTPException('no complete request: call endheaders (or request) first', 'UNITLS_HTTP_STATE');
    this.#request = null;
    this.#used = true;
    return (await this.protocol()) === 'h2' ? this.sendH2(request) : this.sendH1(request);
  }

  /** Sends an HTTP/1.1 request on the kept-alive connection (opened when there is none). */
  protected sendH1(pending: PendingRequest): Promise<HTTPResponse> {
    return this.#http1.request(pending);
  }

  async close(): Promise<void> {
    this.#request = null;
    this.#http1.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * http.client's `_get_hostport`: without a `port`, `host` may carry one ("example.org:8443",
 * "[::1]:8443"; an empty port means the default); IPv6 brackets are removed, and a bare IPv6
 * address ("::1") is taken whole.
 *
 * @throws HTTPException (`UNITLS_HTTP_INVALID_URL`) for a port in `host` that is not a number from 0
 *   to 65535, as http.client raises InvalidURL("nonnumeric port"); `owner` starts the message.
 */
function hostAndPort(owner: string, host: string, port: number | undefined, defaultPort: number): [string, number] {
  // A URL's colons read as a bare IPv6 address below ("https://example.org:8443/" would become a
  // host of that name on the default port, failing only at the request with ENOTFOUND).
  if (/[/?#@\s]/.test(host)) {
    throw new HTTPException(
      `${owner}: the host must be a name or an address (with ':port' if you like), not a URL: got ${JSON.stringify(host)}; use new ${owner}('example.org', { port: 8443 }), then request('GET', '/path')`,
      'UNITLS_HTTP_INVALID_URL',
    );
  }
  if (port === undefined) {
    const colon = host.lastIndexOf(':');
    // A bare IPv6 address ("::1", several colons, no brackets) carries no port (http.client would
    // misread it; Node's own APIs take it as an address).
    const bareIPv6 = !host.startsWith('[') && host.indexOf(':') !== colon;
    if (colon > host.lastIndexOf(']') && !bareIPv6) {
      const digits = host.slice(colon + 1);
      if (digits !== '' && !/^[0-9]{1,5}$/.test(digits)) throw new HTTPException(`${owner}: nonnumeric port in the host: ${JSON.stringify(digits)} (a number from 0 to 65535, such as 'example.org:8443')`, 'UNITLS_HTTP_INVALID_URL');
      port = digits === '' ? defaultPort : Number(digits);
      host = host.slice(0, colon);
    } else port = defaultPort;
  }
  if (port > 65535) throw new HTTPException(`${owner}: the port in the host must be from 0 to 65535, got ${port}`, 'UNITLS_HTTP_INVALID_URL');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}
