import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ChunkReader } from '@unitls/tls-core';
import type { BodyVerdict } from './body.js';
import { HTTPException } from './errors.js';

const READ_SIZE = 64 * 1024;

/**
 * A response (http.client's HTTPResponse): status, reason, headers, and the body to read or
 * stream. Read the body one way: `read`/`readinto`/async iteration, or `stream`.
 */
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
  #reader: ChunkReader | null = null;
  readonly #verdict: BodyVerdict | undefined;
  #received = 0;

  /** `verdict` decides whether the end of the body (or its failure) means a complete body. */
  constructor(fields: {
    status: number;
    reason: string;
    version: string;
    protocol: 'h2' | 'http/1.1';
    headers: Record<string, string | string[] | undefined>;
    stream: Readable;
    verdict?: BodyVerdict;
  }) {
    this.status = fields.status;
    this.reason = fields.reason;
    this.version = fields.version;
    this.protocol = fields.protocol;
    this.headers = fields.headers;
    this.stream = fields.stream;
    this.#verdict = fields.verdict;
  }

  static fromHttp1(message: IncomingMessage, verdict?: BodyVerdict): HTTPResponse {
    return new HTTPResponse({
      status: message.statusCode ?? 0,
      reason: message.statusMessage ?? '',
      version: message.httpVersion,
      protocol: 'http/1.1',
      headers: message.headers,
      stream: message,
      ...(verdict === undefined ? {} : { verdict }),
    });
  }

  getheader(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  async #next(max: number): Promise<Uint8Array> {
    this.#reader ??= new ChunkReader(this.stream);
    let chunk: Uint8Array;
    try {
      chunk = await this.#reader.read(max);
    } catch (error) {
      throw this.#verdict?.(error, this.#received) ?? HTTPException.from('reading the response body failed', error);
    }
    this.#received += chunk.length;
    if (chunk.length === 0) {
      const incomplete = this.#verdict?.(null, this.#received);
      if (incomplete) throw incomplete;
    }
    return chunk;
  }

  /**
   * Up to `amt` bytes of the body (fewer only at its end), or all that remains when `amt` is
   * omitted; empty once the body is done.
   *
   * @throws IncompleteRead when the body ended before it was complete (or, delimited by the
   *   connection's close, without TLS close_notify: RFC 9112 §9.8); HTTPException for a malformed
   *   body (llhttp's error as the cause) or a timeout (code ETIMEDOUT).
   */
  async read(amt?: number): Promise<Uint8Array> {
    if (amt !== undefined && (!Number.isInteger(amt) || amt < 0)) throw new RangeError(`read size must be a non-negative integer, got ${amt}`);
    const parts: Uint8Array[] = [];
    let total = 0;
    while (amt === undefined || total < amt) {
      const chunk = await this.#next(amt === undefined ? READ_SIZE : amt - total);
      if (chunk.length === 0) break;
      parts.push(chunk);
      total += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  /** Fills `buffer` from the body and returns how many bytes it got (0 at the end). */
  async readinto(buffer: Uint8Array): Promise<number> {
    if (buffer.length === 0) return 0;
    const data = await this.read(buffer.length);
    buffer.set(data);
    return data.length;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.#next(READ_SIZE);
      if (chunk.length === 0) return;
      yield chunk;
    }
  }
}
