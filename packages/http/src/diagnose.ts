/**
 * llhttp (node:http's parser) as the judge of malformed responses. HTTPConnection parses the
 * responses it reads itself (response-head.ts, chunked.ts), accepting a strict subset of what llhttp
 * accepts; bytes outside that subset are replayed here through node:http, so the error raised is
 * llhttp's own (its code, reason and position), as when node:http read the connection.
 *
 * @module
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { HTTPException, parseError } from './errors.js';

/** The head replayed before the bytes of a malformed chunked body. */
export const CHUNKED_HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

/**
 * What llhttp makes of `bytes` as the response to a `method` request: its parse error as the
 * HTTPException node:http would have led to, or, when llhttp accepts them, an HTTPException that
 * says this client does not (code UNITLS_HTTP_UNSUPPORTED_RESPONSE).
 */
export async function diagnose(bytes: Uint8Array, method: string, maxHeaderSize: number | undefined, what: string): Promise<HTTPException> {
  const error = await llhttpError(bytes, method, maxHeaderSize);
  if (error !== null) return parseError(error as Parameters<typeof parseError>[0]);
  return new HTTPException(
    `the server sent ${what} that this client does not accept (${JSON.stringify(Buffer.from(bytes.subarray(0, 64)).toString('latin1'))}); the connection was closed`,
    'UNITLS_HTTP_UNSUPPORTED_RESPONSE',
  );
}

/**
 * llhttp's HPE_HEADER_OVERFLOW for `bytes` (a response whose header or trailer section passed
 * maxHeaderSize as this client counts it, whole lines, where llhttp, counting names and values
 * only, still accepts it), in node:http's shape: the same error as llhttp's own overflow.
 */
export function headerOverflow(bytes: Uint8Array): HTTPException {
  const error = Object.assign(new Error('Parse Error: Header overflow'), { code: 'HPE_HEADER_OVERFLOW', reason: 'Header overflow', bytesParsed: bytes.length, rawPacket: bytes });
  return parseError(error);
}

/** llhttp's parse error for `bytes` (followed by the end of the connection), or null when it has none. */
function llhttpError(bytes: Uint8Array, method: string, maxHeaderSize: number | undefined): Promise<Error | null> {
  return new Promise((resolve) => {
    const socket = new Duplex({
      read() {},
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    const settle = (error: Error | null) => {
      socket.destroy();
      const code = (error as { code?: unknown } | null)?.code;
      resolve(typeof code === 'string' && code.startsWith('HPE_') ? error : null);
    };
    const request = http.request({
      method,
      path: '/',
      host: 'localhost',
      createConnection: () => socket as unknown as Socket,
      ...(maxHeaderSize === undefined ? {} : { maxHeaderSize }),
    });
    request.on('error', settle);
    request.once('response', (response: http.IncomingMessage) => {
      response.on('error', () => {});
      response.once('end', () => settle(null));
      response.once('close', () => queueMicrotask(() => settle(null)));
      response.resume();
    });
    request.end();
    socket.push(bytes);
    socket.push(null);
  });
}
