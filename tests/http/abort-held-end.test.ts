/**
 * fetch over createDispatcher, a request aborted while its body is read slowly and the connection
 * has already ended (FIN without close_notify, close_notify, or a reset) with body bytes still held
 * unread (HTTPTransport's mode 'end' holds that end until they are read): the read fails with the
 * abort, at once, nothing is left unsettled and no 'error' goes unhandled; the dispatcher closes.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '@unitls/http';
import { fetch } from 'undici';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

const N = 1 << 20;
const HEADS = {
  'close-delimited': 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n',
  'Content-Length': `HTTP/1.1 200 OK\r\nContent-Length: ${N}\r\n\r\n`,
  'Content-Length, short': `HTTP/1.1 200 OK\r\nContent-Length: ${2 * N}\r\n\r\n`,
};
const ENDINGS = ['fin', 'closeNotify', 'reset'] as const;

describe.each(implementations.map((i) => [i.name, i] as const))('a slow fetch aborted after the connection ended, over %s', (_, implementation) => {
  it.each(Object.keys(HEADS).flatMap((head) => ENDINGS.map((ending) => [head, ending] as const)))('%s body, %s', async (head, ending) => {
    let ended!: () => void;
    const endSent = new Promise<void>((resolve) => (ended = resolve));
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write(HEADS[head as keyof typeof HEADS]);
      await c.write(Buffer.alloc(N, 0x62));
      if (ending === 'reset') c.reset();
      else await c[ending]();
      ended();
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onUnhandled);
    process.on('unhandledRejection', onUnhandled);
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false } });
    try {
      const controller = new AbortController();
      const response = await fetch(`https://localhost:${origin.port}/`, { dispatcher, signal: controller.signal });
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      await endSent;
      // Let the end reach the client while the reader waits.
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      let outcome: string;
      try {
        for (let next = await reader.read(); !next.done; next = await reader.read());
        outcome = 'complete';
      } catch (error) {
        outcome = (error as Error).name;
      }
      expect(outcome).toBe('AbortError');
    } finally {
      await dispatcher.destroy();
      process.off('uncaughtException', onUnhandled);
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
