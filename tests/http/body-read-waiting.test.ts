/**
 * A Content-Length body read that waits for the server when the exchange fails under it: the
 * caller's signal, the idle timeout, or close(). Such a read is the download's usual one (issue
 * #16: one promise of the exchange's own, settled by the recv's handlers or by the failure, no
 * `then` chain per chunk); it rejects at once with what the failure means for the body, the same
 * error every later read raises, and the connection is not used again.
 */
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection, type HTTPResponse } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { originHoldingBody } from './scripted-origin.js';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';

/** The ways of reading whose read waits on the connection: read(n), read() and async iteration. */
const READS: Record<string, (response: HTTPResponse) => Promise<unknown>> = {
  'read(4)': (response) => response.read(4),
  'read()': (response) => response.read(),
  iteration: (response) => response[Symbol.asyncIterator]().next(),
};

describe.each(implementations.map((i) => [i.name, i] as const))('a waiting Content-Length body read when the exchange fails, over %s', (_, implementation) => {
  it.each(Object.keys(READS))('the signal fires during %s: ABORT_ERR, at once and for every later read', async (how) => {
    const origin = await originHoldingBody(HEAD, '0123456789');
    const controller = new AbortController();
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), signal: controller.signal });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const reading = READS[how]!(response).catch((e: unknown) => e);
    controller.abort(new Error('caller gave up'));
    const error = await reading;
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'ABORT_ERR', message: expect.stringMatching(/^reading the response body failed/), cause: { name: 'AbortError' } });
    await expect(response.read(4)).rejects.toBe(error);
    origin.sendBody();
  });

  it.each(Object.keys(READS))('the server stays silent during %s: ETIMEDOUT for every later read, and the next request opens a new connection', async (how) => {
    const origin = await originHoldingBody(HEAD, '0123456789');
    // 1500 ms: the connect is bounded by the timeout too, and needs room on a loaded machine.
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), timeout: 1500 });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const error = await READS[how]!(response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/^reading the response body failed: the server sent nothing for 1500 ms/) });
    await expect(response.read()).rejects.toBe(error);
    // The timed-out connection was dropped: the next request gets a connection (and a head) of its own.
    origin.sendBody();
    connection.request('GET', '/');
    const next = await connection.getresponse();
    expect(next.status).toBe(200);
  });

  it.each(Object.keys(READS))('close() during %s: the read fails as closed, and so does every later one', async (how) => {
    const origin = await originHoldingBody(HEAD, '0123456789');
    const connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const reading = READS[how]!(response).catch((e: unknown) => e);
    await connection.close();
    const error = await reading;
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'UNITLS_HTTP_STATE', message: 'the connection was closed' });
    await expect(response.read(4)).rejects.toBe(error);
    origin.sendBody();
  });
});
