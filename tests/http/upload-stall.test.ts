/**
 * A request body that stops going out: the timeout error says what happened (trial13). The server
 * took part of the body (here: a proxy, tests/support/throttle-proxy, passes STOP bytes on and then
 * reads no more), and the old message said it "took none of the request for N ms"; one that had
 * answered 200 early and then stopped reading gave a response whose body failed with "reading the
 * response body failed". Now: "sending the request stalled", the bytes that went out of the total,
 * and the early answer; over HTTP/1.1 getresponse() rejects with it (the request was not sent whole,
 * as a 2xx answer waits for the body to go out); over HTTP/2 the response came first, so its body's
 * read fails with it. The timeout restarts after each 64 KiB piece the connection took (node:http2:
 * each piece node:http2 took into DATA frames), so it bounds the stall, not the upload
 * (upload-timeout.test).
 */
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection } from '@unitls/http';
import { implementations } from '../conformance/implementations.js';
import { clientConfig } from '../support/fixtures.js';
import { throttleProxy } from '../support/throttle-proxy.js';
import { scriptedH2Origin, scriptedOrigin, type OriginConnection } from './scripted-origin.js';

const BODY = 16 << 20;
/** Bytes of the client's the proxy passes on before it stops reading. */
const STOP = 1 << 20;
/** Also bounds the connect (tls-pure's handshake took over 1500 ms at load 40). */
const TIMEOUT = 3000;

/** Reads all the connection sends (the proxy stops passing it on). */
function drain(c: OriginConnection): Promise<void> {
  c.tls.resume();
  return new Promise((resolve) => c.tls.once('close', resolve));
}

/** The message's "after X of its Y bytes" as numbers, or null. */
function sentOf(error: unknown): [number, number] | null {
  const match = / after (\d+) of its (\d+) bytes had gone out/.exec((error as Error).message);
  return match === null ? null : [Number(match[1]), Number(match[2])];
}

describe.each(implementations.map((i) => [i.name, i] as const))('a request body that stops going out, over %s', (_, implementation) => {
  const connect = (port: number) => new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig(), timeout: TIMEOUT });

  it('HTTP/1.1, no answer: ETIMEDOUT saying the sending stalled after X of the Y bytes (X at least what the server got)', async () => {
    const origin = await scriptedOrigin(drain);
    const proxy = await throttleProxy(origin.port, { stopAfter: STOP });
    await using connection = connect(proxy.port);
    connection.request('POST', '/upload', Buffer.alloc(BODY));
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining(`sending the request stalled: the server took no more of the request for ${TIMEOUT} ms after `) });
    const [sent, total] = sentOf(error)!;
    expect(total).toBeGreaterThan(BODY);
    expect(sent).toBeGreaterThanOrEqual(STOP);
    expect(sent).toBeLessThan(BODY);
  }, 30_000);

  it('HTTP/1.1, 200 answered early and then no more read: getresponse() rejects with ETIMEDOUT naming the early 200, not a body read failure', async () => {
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      await drain(c);
    });
    const proxy = await throttleProxy(origin.port, { stopAfter: STOP });
    await using connection = connect(proxy.port);
    connection.request('POST', '/upload', Buffer.alloc(BODY));
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/^HTTP request failed: sending the request stalled: the server took no more of the request for 3000 ms after \d+ of its \d+ bytes had gone out, though it had already answered 200 before taking all of it/),
    });
    expect(sentOf(error)![0]).toBeGreaterThanOrEqual(STOP);
  }, 30_000);

  it('HTTP/2, no answer: ETIMEDOUT saying the sending of the body stalled after X of its Y bytes', async () => {
    const origin = await scriptedH2Origin((stream) => stream.resume());
    const proxy = await throttleProxy(origin.port, { stopAfter: STOP });
    await using connection = connect(proxy.port);
    connection.request('POST', '/upload', Buffer.alloc(BODY));
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining(`sending the request stalled: the server took no more of the request body for ${TIMEOUT} ms after `) });
    const [sent, total] = sentOf(error)!;
    expect(total).toBe(BODY);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(BODY);
  }, 30_000);

  it('HTTP/2, 200 answered early and then no more read: the body read fails saying the sending stalled after the early 200', async () => {
    const origin = await scriptedH2Origin((stream) => {
      stream.respond({ ':status': 200 });
      stream.resume();
    });
    const proxy = await throttleProxy(origin.port, { stopAfter: STOP });
    await using connection = connect(proxy.port);
    connection.request('POST', '/upload', Buffer.alloc(BODY));
    const response = await connection.getresponse();
    expect(response.status).toBe(200);
    const error = await response.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/^reading the response body failed: sending the request stalled: the server took no more of the request body for 3000 ms after \d+ of its \d+ bytes had gone out, though it had already answered 200/),
    });
  }, 30_000);
});
