/**
 * Callers who stop early over HTTP (break16): an HTTPResponse iterated whose loop body throws,
 * closes the connection or aborts the connection's signal while the rest of the body is already
 * received, on every implementation. The rest is not handed over as if the body went on; the
 * next read says why; no rejection unhandled.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** A chunked body of three chunks, all sent at once with the head. */
const chunked = () =>
  scriptedOrigin(async (c) => {
    await c.head();
    await c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n');
  });

describe.each(implementations.map((i) => [i.name, i] as const))('an iterated response body left by its loop body, over %s', (_, implementation) => {
  it('a throw: the caller gets its own error; the rest of the body is cancelled (a later read fails)', async () => {
    const origin = await chunked();
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const mine = new Error('mine');
    await expect(
      (async () => {
        for await (const _chunk of response) throw mine;
      })(),
    ).rejects.toBe(mine);
    await expect(response.read()).rejects.toBeInstanceOf(HTTPException);
  });

  it('close() in the loop body: the next step rejects, the rest is not handed over', async () => {
    const origin = await chunked();
    const connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of response) {
        seen.push(Buffer.from(chunk).toString());
        await connection.close();
      }
      return 'ended';
    })().catch((e: unknown) => e);
    expect(seen.join('')).not.toBe('onetwothree');
    expect(error).toBeInstanceOf(HTTPException);
  });

  it("the connection's signal aborted in the loop body: the next step rejects with ABORT_ERR", async () => {
    const origin = await chunked();
    const controller = new AbortController();
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), signal: controller.signal });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of response) {
        seen.push(Buffer.from(chunk).toString());
        controller.abort(new Error('enough'));
      }
      return 'ended';
    })().catch((e: unknown) => e);
    expect(seen.join('')).not.toBe('onetwothree');
    expect(error).toMatchObject({ code: 'ABORT_ERR' });
  });
});
