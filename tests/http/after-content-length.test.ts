/**
 * Bytes after a complete Content-Length body on a kept-alive connection were sent before the next
 * request: they cannot be its response (RFC 9112 §9.3, response splitting). The next request on
 * HTTPSConnection must not read them as its response.
 */
import { describe, expect, it } from 'vitest';
import { HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

describe.each(implementations.map((i) => [i.name, i] as const))('bytes after a complete body, over %s', (_, implementation) => {
  it('are not the next response', async () => {
    let connections = 0;
    const origin = await scriptedOrigin(async (c) => {
      // One write, so one TLS record: the extra bytes are there before the client reads 'hello'.
      if (connections++ === 0) await c.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled');
      for (;;) {
        const head = await c.head().catch(() => null);
        if (head === null) return;
        if (connections > 1) await c.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal');
      }
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const first = await connection.getresponse();
    expect(Buffer.from(await first.read()).toString()).toBe('hello');
    let second: string;
    try {
      connection.request('GET', '/2');
      const response = await connection.getresponse();
      second = Buffer.from(await response.read()).toString();
    } catch (error) {
      second = `error: ${(error as Error).message}`;
    }
    expect(second).toBe('real');
    expect(connections).toBe(2);
  });
});
