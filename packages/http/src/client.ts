/**
 * http.client's HTTPConnection and HTTPSConnection, async, on any unitls TLS implementation.
 * HTTP/1.1 itself is node:http's (llhttp): the connection only supplies the TLSSocket, as a stream.
 *
 * @module
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { TLSClientConfiguration, TLSSocketStream, type ClientContext, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';

/** Raised for bad input (CR/LF in a request line or header) and HTTP failures, with the cause kept. */
export class HTTPException extends Error {
  readonly code: string;
  constructor(message: string, code = 'UNITLS_HTTP', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface HTTPConnectionOptions {
  port?: number;
  /** Milliseconds for connecting and for each response (default 30 000). */
  timeout?: number;
  signal?: AbortSignal;
  /** Largest response header section accepted (default 16 KiB, node:http's). */
  maxHeaderSize?: number;
}

export interface HTTPSConnectionOptions extends HTTPConnectionOptions {
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  /** The name the certificate must match (default: host). */
  serverHostname?: string;
}

/** A response (http.client's HTTPResponse): status, reason, headers, and the body to read or stream. */
export class HTTPResponse implements AsyncIterable<Uint8Array> {
  readonly status: number;
  readonly reason: string;
  /** HTTP version, e.g. "1.1" or "2.0". */
  readonly version: string;
  /** The protocol ALPN chose: "h2" or "http/1.1". */
  readonly protocol: 'h2' | 'http/1.1';
  /** Header names lower-cased; repeated headers joined as node:http does. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as a Node Readable. */
  readonly stream: Readable;

  constructor(fields: { status: number; reason: string; version: string; protocol: 'h2' | 'http/1.1'; headers: Record<string, string | string[] | undefined>; stream: Readable }) {
    this.status = fields.status;
    this.reason = fields.reason;
    this.version = fields.version;
    this.protocol = fields.protocol;
    this.headers = fields.headers;
    this.stream = fields.stream;
  }

  static fromHttp1(message: http.IncomingMessage): HTTPResponse {
    return new HTTPResponse({
      status: message.statusCode ?? 0,
      reason: message.statusMessage ?? '',
      version: message.httpVersion,
      protocol: 'http/1.1',
      headers: message.headers,
      stream: message,
    });
  }

  getheader(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The whole remaining body. */
  async read(): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    for await (const chunk of this.stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for await (const chunk of this.stream) yield chunk as Buffer;
  }
}

/** A request being built by putrequest/putheader/endheaders. */
interface PendingRequest {
  method: string;
  url: string;
  headers: Array<[string, string[]]>;
  body: Buffer[];
  ended: boolean;
}

const FORBIDDEN = /[\r\n\0]/;

function check(what: string, value: string): string {
  if (FORBIDDEN.test(value)) throw new HTTPException(`${what} contains CR, LF or NUL, which could inject HTTP; refused`, 'UNITLS_HTTP_INJECTION');
  return value;
}

/** http.client.HTTPConnection (plain HTTP/1.1, one kept-alive connection). */
export class HTTPConnection implements AsyncDisposable {
  readonly host: string;
  readonly port: number;
  protected readonly options: HTTPConnectionOptions;
  readonly #agent: http.Agent;
  #request: PendingRequest | null = null;

  constructor(host: string, options: HTTPConnectionOptions = {}, defaultPort = 80) {
    this.host = check('the host', host);
    this.port = options.port ?? defaultPort;
    this.options = options;
    const open = (callback: (error: Error | null, socket: Socket) => void) => this.openSocket(callback);
    this.#agent = new (class extends http.Agent {
      override createConnection(_options: unknown, callback?: (error: Error | null, socket: Socket) => void): undefined {
        open(callback!);
        return undefined;
      }
    })({ keepAlive: true, maxSockets: 1 });
  }

  /** Opens the transport (plain TCP here; TLS in HTTPSConnection). */
  protected openSocket(callback: (error: Error | null, socket: Socket) => void): void {
    const socket = netConnect({ host: this.host, port: this.port, noDelay: true });
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (error) => callback(error, socket));
  }

  /** Starts a request (http.client's putrequest); add headers with putheader, then endheaders. */
  putrequest(method: string, url: string): void {
    if (this.#request !== null) throw new HTTPException('a request is already in progress: read its response first', 'UNITLS_HTTP_STATE');
    this.#request = { method: check('the method', method), url: check('the URL', url), headers: [], body: [], ended: false };
  }

  putheader(name: string, ...values: string[]): void {
    const request = this.#requireRequest();
    check('a header name', name);
    for (const value of values) check(`header ${name}`, value);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new HTTPException(`invalid header name ${JSON.stringify(name)}`, 'UNITLS_HTTP_INVALID_HEADER');
    request.headers.push([name, values]);
  }

  /** Ends the headers, with `body` if given (http.client's endheaders(message_body)); getresponse sends. */
  endheaders(body?: Uint8Array | string): void {
    const request = this.#requireRequest();
    if (body !== undefined) request.body.push(Buffer.from(body));
    request.ended = true;
  }

  /** Adds body bytes before endheaders. */
  send(data: Uint8Array | string): void {
    this.#requireRequest().body.push(Buffer.from(data));
  }

  #requireRequest(): PendingRequest {
    if (this.#request === null || this.#request.ended) throw new HTTPException('no request being built: call putrequest first', 'UNITLS_HTTP_STATE');
    return this.#request;
  }

  /** A whole request (http.client's request). */
  request(method: string, url: string, body?: Uint8Array | string, headers: Record<string, string> = {}): void {
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

  /** Sends the request built so far and waits for the response. */
  async getresponse(): Promise<HTTPResponse> {
    const request = this.#request;
    if (request === null || !request.ended) throw new HTTPException('no complete request: call endheaders (or request) first', 'UNITLS_HTTP_STATE');
    this.#request = null;
    return (await this.protocol()) === 'h2' ? this.sendH2(request) : this.#sendH1(request);
  }

  #sendH1(pending: PendingRequest): Promise<HTTPResponse> {
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => reject(new HTTPException(`HTTP request failed: ${error.message}`, (error as { code?: string }).code ?? 'UNITLS_HTTP', { cause: error }));
      let request: http.ClientRequest;
      try {
        request = http.request({
          host: this.host,
          port: this.port,
          method: pending.method,
          path: pending.url,
          agent: this.#agent,
          ...(this.options.maxHeaderSize === undefined ? {} : { maxHeaderSize: this.options.maxHeaderSize }),
          ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
        });
        for (const [name, values] of pending.headers) request.setHeader(name, values.length === 1 ? values[0]! : values);
      } catch (error) {
        fail(error as Error);
        return;
      }
      request.once('response', (message) => resolve(HTTPResponse.fromHttp1(message)));
      request.once('error', fail);
      request.setTimeout(this.options.timeout ?? 30_000, () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      request.end(pending.body.length === 0 ? undefined : Buffer.concat(pending.body));
    });
  }

  async close(): Promise<void> {
    this.#request = null;
    this.#agent.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** http.client.HTTPSConnection: the same over TLS from any unitls implementation; HTTP/2 when ALPN picks it. */
export class HTTPSConnection extends HTTPConnection {
  #context: ClientContext | null = null;
  #protocol: Promise<'h2' | 'http/1.1'> | null = null;
  /** The socket opened to learn ALPN's choice, handed to the HTTP/1.1 agent first. */
  #preopened: TLSSocket | null = null;
  #session: http2.ClientHttp2Session | null = null;

  constructor(host: string, options: HTTPSConnectionOptions = {}) {
    super(host, options, 443);
  }

  #tlsContext(): ClientContext {
    const options = this.options as HTTPSConnectionOptions;
    // Offer h2 and http/1.1 unless the caller chose its own ALPN list.
    const configuration = options.configuration ?? new TLSClientConfiguration();
    this.#context ??= new (options.implementation ?? nodeImplementation).clientContext(
      configuration.innerProtocols === null ? configuration.with({ innerProtocols: ['h2', 'http/1.1'] }) : configuration,
    );
    return this.#context;
  }

  #connect(): Promise<TLSSocket> {
    const options = this.options as HTTPSConnectionOptions;
    return this.#tlsContext().connect({ host: this.host, port: this.port }, { serverHostname: options.serverHostname ?? this.host, timeout: options.timeout ?? 30_000 });
  }

  protected override protocol(): Promise<'h2' | 'http/1.1'> {
    this.#protocol ??= this.#connect().then(
      (tls) => {
        if (tls.negotiatedProtocol() === 'h2') {
          const stream = new TLSSocketStream(tls);
          this.#session = http2.connect(`https://${this.host}:${this.port}`, { createConnection: () => stream as unknown as Socket });
          this.#session.on('error', () => {});
          return 'h2';
        }
        this.#preopened = tls;
        return 'http/1.1';
      },
      (error: unknown) => {
        this.#protocol = null;
        throw new HTTPException(`HTTP request failed: ${(error as Error).message}`, (error as { code?: string }).code ?? 'UNITLS_HTTP', { cause: error });
      },
    );
    return this.#protocol;
  }

  protected override sendH2(pending: { method: string; url: string; headers: Array<[string, string[]]>; body: Buffer[] }): Promise<HTTPResponse> {
    const session = this.#session!;
    const headers: http2.OutgoingHttpHeaders = { ':method': pending.method, ':path': pending.url };
    for (const [name, values] of pending.headers) {
      const lower = name.toLowerCase();
      // Connection-specific headers do not exist in HTTP/2 (RFC 9113 §8.2.2); Host becomes :authority.
      if (['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host'].includes(lower)) continue;
      headers[lower] = values.length === 1 ? values[0]! : values;
    }
    return new Promise((resolve, reject) => {
      const body = Buffer.concat(pending.body);
      const stream = session.request(headers, { endStream: body.length === 0 });
      stream.setTimeout(this.options.timeout ?? 30_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.once('response', (responseHeaders) => {
        const { ':status': status, ...rest } = responseHeaders;
        resolve(new HTTPResponse({ status: Number(status), reason: '', version: '2.0', protocol: 'h2', headers: rest as Record<string, string | string[] | undefined>, stream }));
      });
      stream.once('error', (error) => reject(new HTTPException(`HTTP/2 request failed: ${error.message}`, (error as { code?: string }).code ?? 'UNITLS_HTTP', { cause: error })));
      if (body.length > 0) stream.end(body);
    });
  }

  protected override openSocket(callback: (error: Error | null, socket: Socket) => void): void {
    const preopened = this.#preopened;
    this.#preopened = null;
    (preopened === null ? this.#connect() : Promise.resolve(preopened)).then(
      (tls) => callback(null, new TLSSocketStream(tls) as unknown as Socket),
      (error: unknown) => callback(error as Error, undefined as unknown as Socket),
    );
  }

  override async close(): Promise<void> {
    this.#session?.destroy();
    this.#session = null;
    await this.#preopened?.close(true);
    this.#preopened = null;
    this.#protocol = null;
    await super.close();
  }
}
