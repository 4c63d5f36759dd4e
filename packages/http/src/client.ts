/**
 * http.client's HTTPConnection and HTTPSConnection, async, on any unitls TLS implementation.
 * HTTP/1.1 itself is node:http's (llhttp): the connection only supplies the TLSSocket, as a stream.
 *
 * @module
 */
import * as http from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { TLSClientConfiguration, TLSSocketStream, type ClientContext, type TLSImplementation } from '@unitls/tls-core';
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
  /** HTTP version, e.g. "1.1". */
  readonly version: string;
  /** Header names lower-cased; repeated headers joined as node:http does. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as a Node Readable. */
  readonly stream: Readable;

  constructor(message: http.IncomingMessage) {
    this.status = message.statusCode ?? 0;
    this.reason = message.statusMessage ?? '';
    this.version = message.httpVersion;
    this.headers = message.headers;
    this.stream = message;
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
  #pending: http.ClientRequest | null = null;
  #response: Promise<http.IncomingMessage> | null = null;

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
    if (this.#pending !== null) throw new HTTPException('a request is already in progress: read its response first', 'UNITLS_HTTP_STATE');
    check('the method', method);
    check('the URL', url);
    const request = http.request({
      host: this.host,
      port: this.port,
      method,
      path: url,
      agent: this.#agent,
      setHost: true,
      ...(this.options.maxHeaderSize === undefined ? {} : { maxHeaderSize: this.options.maxHeaderSize }),
      ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
    });
    this.#pending = request;
    this.#response = new Promise((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', (error) => reject(new HTTPException(`HTTP request failed: ${error.message}`, (error as { code?: string }).code ?? 'UNITLS_HTTP', { cause: error })));
      request.setTimeout(this.options.timeout ?? 30_000, () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    });
    this.#response.catch(() => {});
  }

  putheader(name: string, ...values: string[]): void {
    const request = this.#requireRequest();
    check('a header name', name);
    for (const value of values) check(`header ${name}`, value);
    try {
      request.setHeader(name, values.length === 1 ? values[0]! : values);
    } catch (cause) {
      throw new HTTPException(`invalid header ${name}: ${(cause as Error).message}`, 'UNITLS_HTTP_INVALID_HEADER', { cause });
    }
  }

  /** Ends the headers, sending `body` if given (http.client's endheaders(message_body)). */
  endheaders(body?: Uint8Array | string): void {
    const request = this.#requireRequest();
    if (body !== undefined) request.end(body);
    else request.end();
  }

  /** Sends more body bytes before endheaders. */
  send(data: Uint8Array | string): void {
    this.#requireRequest().write(data);
  }

  #requireRequest(): http.ClientRequest {
    if (this.#pending === null) throw new HTTPException('no request in progress: call putrequest first', 'UNITLS_HTTP_STATE');
    return this.#pending;
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

  /** The response to the request in progress. */
  async getresponse(): Promise<HTTPResponse> {
    const response = this.#response;
    if (response === null) throw new HTTPException('no request in progress', 'UNITLS_HTTP_STATE');
    this.#pending = null;
    this.#response = null;
    return new HTTPResponse(await response);
  }

  async close(): Promise<void> {
    this.#pending?.destroy();
    this.#pending = null;
    this.#agent.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** http.client.HTTPSConnection: the same over TLS from any unitls implementation. */
export class HTTPSConnection extends HTTPConnection {
  #context: ClientContext | null = null;

  constructor(host: string, options: HTTPSConnectionOptions = {}) {
    super(host, options, 443);
  }

  /** The TLS settings in use (the implementation's context is made on first use). */
  #tlsContext(): ClientContext {
    const options = this.options as HTTPSConnectionOptions;
    this.#context ??= new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration());
    return this.#context;
  }

  protected override openSocket(callback: (error: Error | null, socket: Socket) => void): void {
    const options = this.options as HTTPSConnectionOptions;
    this.#tlsContext()
      .connect({ host: this.host, port: this.port }, { serverHostname: options.serverHostname ?? this.host, timeout: options.timeout ?? 30_000 })
      .then(
        (tls) => callback(null, new TLSSocketStream(tls) as unknown as Socket),
        (error: unknown) => callback(error as Error, undefined as unknown as Socket),
      );
  }
}
