/**
 * The timeout bounds a stalled upload, not a long one (found by breaker12): the timer started before
 * the request was handed to the connection and nothing refreshed it while the body went out, so a
 * request whose body took longer than `timeout` to send failed with ETIMEDOUT ("the server sent
 * nothing") however steadily the server read it: with the default 30 s, any upload slower than
 * 30 s. The body now goes out in pieces and the timeout starts again after each; a server that
 * takes nothing for `timeout` fails the request saying so.
 */
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection } from '@unitls/http';
import { implementations } from '../conformance/implementations.js';
import { clientConfig } from '../support/fixtures.js';
import { scriptedOrigin, type OriginConnection } from './scripted-origin.js';

const BODY = 32 << 20;
const TIMEOUT = 2500;
/** Where the server stops reading for STALL ms: three stalls, 3 s in all, more than TIMEOUT; each one less. */
const STALLS = [BODY / 4, BODY / 2, (3 * BODY) / 4];
const STALL = 1000;

/** Reads the request head and `Content-Length` body bytes, stopping for STALL ms at each STALLS offset; resolves with the body size. */
function readStalling(c: OriginConnection): Promise<number> {
  return new Promise((resolve) => {
    let head = '';
    let body = -1;
    let length = Infinity;
    const stalls = [...STALLS];
    c.tls.on('data', (chunk: Buffer) => {
      if (body < 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        length = Number(/content-length: (\d+)/i.exec(head)![1]);
        body = head.length - end - 4;
      } else body += chunk.length;
      if (body >= length) return resolve(body);
      if (stalls.length > 0 && body >= stalls[0]!) {
        stalls.shift();
        c.tls.pause();
        setTimeout(() => c.tls.resume(), STALL);
      }
    });
  });
}

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection over %s, an upload', (_, implementation) => {
  it(`longer than the timeout (three ${STALL} ms stalls, timeout ${TIMEOUT} ms): the response`, async () => {
    const origin = await scriptedOrigin(async (c) => {
      const received = await readStalling(c);
      await c.write(`HTTP/1.1 200 OK\r\nContent-Length: ${String(received).length}\r\n\r\n${received}`);
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), timeout: TIMEOUT });
    connection.request('POST', '/', Buffer.alloc(BODY));
    const response = await connection.getresponse();
    expect([response.status, Buffer.from(await response.read()).toString()]).toEqual([200, String(BODY)]);
  }, 60_000);

  it('to a server that reads none of the body: ETIMEDOUT, saying the sending stalled', async () => {
    const origin = await scriptedOrigin(async (c) => {
      c.tls.pause();
      await new Promise((resolve) => c.tls.once('close', resolve));
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), timeout: 1500 });
    connection.request('POST', '/', Buffer.alloc(BODY));
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/sending the request stalled: the server took (none of the request \(\d+ bytes\)|no more of the request) for 1500 ms/) });
  });
});
