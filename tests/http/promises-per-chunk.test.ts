/**
 * Promises per chunk of a Content-Length body iterated with `for await` (issue #16 item 2, the
 * HTTPS download row): the iterator's step promise is the one the exchange settles (BodySource
 * readTo), so a chunk costs that promise, the `then` on the TLS socket's recv and the recv's own:
 * 3 on every implementation (before: 4, the exchange's own promise and the iterator's `then` on
 * it). The test's step adds 3 of its own (its async function and its await), so 6 are counted per
 * chunk. The origin is node:tls on callbacks (its writes make no promises).
 */
import { describe, expect, it } from 'vitest';
import { HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { promisesCreatedBy, promisesCreatedDuring } from '../support/promise-count.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin, type OriginConnection } from './scripted-origin.js';

const CHUNK = 1024;
const WARM = 20;
const COUNTED = 100;

describe.each(implementations.map((i) => [i.name, i] as const))('promises per body chunk (%s)', (_, implementation) => {
  it('each chunk of an iterated Content-Length body is 3 promises of the library, the bytes in order', async () => {
    let origin: OriginConnection | null = null;
    let arrived: (() => void) | null = null;
    const ready = new Promise<void>((resolve) => (arrived = resolve));
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const server = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write(`HTTP/1.1 200 OK\r\nContent-Length: ${(WARM + COUNTED) * CHUNK}\r\n\r\n`);
      origin = c;
      arrived!();
      await finished;
      await c.closeNotify();
    });
    await using connection = new HTTPSConnection('localhost', { port: server.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    await ready;
    const iterator = response[Symbol.asyncIterator]();
    const received: number[] = [];
    // One record per step, written (no promise: node:tls's callback-less write) before the step.
    const step = async (n: number) => {
      origin!.tls.write(Buffer.alloc(CHUNK, n & 0xff));
      const { done, value } = await iterator.next();
      expect(done).toBe(false);
      received.push(value!.length, value![0]!, value![CHUNK - 1]!);
    };
    for (let n = 0; n < WARM; n++) await step(n);
    const { promises } = await promisesCreatedDuring(async () => {
      for (let n = WARM; n < WARM + COUNTED; n++) await step(n);
    });
    // Rounded: the count includes a few promises of the measurement itself, not per chunk; 3 per
    // chunk are the test's step (see above).
    expect(Math.round(promises / COUNTED) - 3).toBe(3);
    expect(received).toEqual(Array.from({ length: WARM + COUNTED }, (_, n) => [CHUNK, n & 0xff, n & 0xff]).flat());
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    finish();
  });

  it("a small body that came with the head costs each iterator step its own promise only, and the connection is kept", async () => {
    // The keep-alive GET of a small document (issue #16, the requests row): the body arrives in the
    // head's record. Each step was 3 promises more (the exchange's Promise.resolve of the buffered
    // bytes, a `then` on it and one on that), 2 more for the step that ends the body.
    const server = await scriptedOrigin(async (c) => {
      for (let n = 0; n < 2; n++) {
        await c.head();
        await c.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nbody${n}`);
      }
      await c.closeNotify();
    });
    await using connection = new HTTPSConnection('localhost', { port: server.port, implementation, configuration: clientConfig() });
    for (let n = 0; n < 2; n++) {
      connection.request('GET', '/');
      const response = await connection.getresponse();
      const iterator = response[Symbol.asyncIterator]();
      const first = promisesCreatedBy(() => iterator.next());
      expect(await first.result).toEqual({ done: false, value: Buffer.from(`body${n}`) });
      const last = promisesCreatedBy(() => iterator.next());
      expect(await last.result).toEqual({ done: true, value: undefined });
      expect([first.promises, last.promises]).toEqual([1, 1]);
    }
    await server.done();
  });
});
