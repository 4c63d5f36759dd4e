/**
 * An HTTPSConnection whose `signal` times out (AbortSignal.timeout(ms): the signal aborts with a
 * TimeoutError) says that it timed out, code ETIMEDOUT as for the connection's own `timeout`, with
 * the TimeoutError kept in the cause chain; it said "The operation was aborted" (code ABORT_ERR) with
 * the TimeoutError two causes down, and over HTTP/2 mid-body "the server reset the HTTP/2 stream
 * (CANCEL)" (the client's own reset). A plain abort stays an abort (ABORT_ERR), not a truncation.
 * The signal is aborted by the test with AbortSignal.timeout's reason (a TimeoutError DOMException)
 * once the response is where the case wants it, rather than by a timer.
 */
import type * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection, IncompleteRead } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedH2Origin, scriptedOrigin } from './scripted-origin.js';

/** What AbortSignal.timeout(ms) aborts with. */
const timeoutReason = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 6; e = (e as Error).cause) chain.push(e);
  return chain;
}

/**
 * An origin (HTTP/1.1 or h2) that sends the head and 10 of 100 body bytes, then holds the rest;
 * with `answer: false` it sends nothing. `requested` resolves once the request has arrived.
 */
async function holdingOrigin(protocol: 'http/1.1' | 'h2', answer: boolean): Promise<{ port: number; requested: Promise<void> }> {
  let arrived!: () => void;
  const requested = new Promise<void>((resolve) => (arrived = resolve));
  if (protocol === 'http/1.1') {
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      arrived();
      if (answer) await c.write(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(10)}`);
    });
    return { port: origin.port, requested };
  }
  const origin = await scriptedH2Origin((stream: http2.ServerHttp2Stream) => {
    arrived();
    if (!answer) return;
    stream.respond({ ':status': 200, 'content-length': '100' });
    stream.write('x'.repeat(10));
  });
  return { port: origin.port, requested };
}

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection whose signal times out, over %s', (_, implementation) => {
  describe.each(['http/1.1', 'h2'] as const)('%s', (protocol) => {
    async function exchange(answer: boolean, reason: unknown): Promise<{ error: unknown; version: string | null }> {
      const { port, requested } = await holdingOrigin(protocol, answer);
      const controller = new AbortController();
      await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig(), signal: controller.signal });
      connection.request('GET', '/');
      if (!answer) {
        const pending = connection.getresponse().catch((e: unknown) => e);
        // Aborted while the response head is awaited (the request has arrived).
        await requested;
        controller.abort(reason);
        return { error: await pending, version: null };
      }
      const response = await connection.getresponse();
      let got = 0;
      while (got < 10) got += (await response.read(10 - got)).length;
      const pending = response.read().catch((e: unknown) => e);
      controller.abort(reason);
      return { error: await pending, version: response.version };
    }

    it('mid-body: says it timed out, code ETIMEDOUT, the TimeoutError in its causes', async () => {
      const { error, version } = await exchange(true, timeoutReason());
      expect(version).toBe(protocol === 'h2' ? '2.0' : '1.1');
      expect(error).toBeInstanceOf(HTTPException);
      expect(error).not.toBeInstanceOf(IncompleteRead);
      expect((error as HTTPException).code).toBe('ETIMEDOUT');
      expect((error as Error).message).toMatch(/^reading the response body failed: timed out \(.*AbortSignal\.timeout/);
      expect(causes(error).some((e) => (e as Error).name === 'TimeoutError')).toBe(true);
    });

    it('awaiting the head: says it timed out, code ETIMEDOUT', async () => {
      const { error } = await exchange(false, timeoutReason());
      expect(error).toBeInstanceOf(HTTPException);
      expect((error as HTTPException).code).toBe('ETIMEDOUT');
      expect((error as Error).message).toMatch(/timed out \(.*AbortSignal\.timeout/);
      expect(causes(error).some((e) => (e as Error).name === 'TimeoutError')).toBe(true);
    });

    it('mid-body, a plain abort: code ABORT_ERR, not a truncation and not a timeout', async () => {
      const reason = new Error('caller gave up');
      const { error } = await exchange(true, reason);
      expect(error).toBeInstanceOf(HTTPException);
      expect(error).not.toBeInstanceOf(IncompleteRead);
      expect((error as HTTPException).code).toBe('ABORT_ERR');
      expect((error as Error).message).not.toMatch(/timed out/);
      expect(causes(error)).toContain(reason);
    });
  });
});
