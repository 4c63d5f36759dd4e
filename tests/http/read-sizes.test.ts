/**
 * HTTPResponse.read(n) at sizes far above the body (2^31, 2^53 - 1) on every implementation and
 * framing: the body whole, then empty; nothing sized by n (no RangeError, no huge allocation).
 */
import { describe, expect, it } from 'vitest';
import { HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

const BODY = 'the whole body';
const ANSWERS = {
  length: `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  chunked: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nthe \r\n${(BODY.length - 4).toString(16)}\r\n${BODY.slice(4)}\r\n0\r\n\r\n`,
  close: `HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${BODY}`,
};

describe.each(implementations.map((i) => [i.name, i] as const))('read(n) with n far above the body, over %s', (_, implementation) => {
  it.each(Object.keys(ANSWERS).flatMap((framing) => [2 ** 31, Number.MAX_SAFE_INTEGER].map((n) => [framing, n] as const)))('%s body, read(%d)', async (framing, n) => {
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write(ANSWERS[framing as keyof typeof ANSWERS]);
      await c.closeNotify();
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    expect(Buffer.from(await response.read(n)).toString('latin1')).toBe(BODY);
    expect((await response.read(n)).length).toBe(0);
  });
});
