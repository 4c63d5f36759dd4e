/**
 * A close-delimited response (no Content-Length, not chunked) whose connection is reset (TCP RST)
 * before TLS close_notify: however much of the body arrived, it is a typed error, never a short body.
 * undici treats ECONNRESET on a close-delimited response as its end ("On Mac OS, we get an
 * ECONNRESET even if there is a full body"): over TLS a reset is no proof of the body's end.
 */
import { describe, expect, it } from 'vitest';
import { HTTPSConnection, createDispatcher } from '@unitls/http';
import { fetch } from 'undici';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

const N = 1 << 20;
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

type Outcome = { length: number } | { error: string };

async function viaFetch(port: number, implementation: (typeof implementations)[number], slow: boolean): Promise<Outcome> {
  const dispatcher = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false } });
  try {
    const response = await fetch(`https://localhost:${port}/`, { dispatcher });
    const reader = response.body!.getReader();
    let length = 0;
    try {
      for (let next = await reader.read(), n = 0; !next.done; next = await reader.read(), n++) {
        length += next.value.length;
        if (slow) await turns(n % 4 === 0 ? 20 : 1);
      }
    } catch (error) {
      return { error: `${(error as Error).message} <- ${String((error as Error).cause)}` };
    }
    return { length };
  } finally {
    await dispatcher.destroy();
  }
}

async function viaConnection(port: number, implementation: (typeof implementations)[number], slow: boolean): Promise<Outcome> {
  await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });
  connection.request('GET', '/');
  const response = await connection.getresponse();
  let length = 0;
  try {
    for (let chunk = await response.read(16_384), n = 0; chunk.length > 0; chunk = await response.read(16_384), n++) {
      length += chunk.length;
      if (slow) await turns(n % 4 === 0 ? 20 : 1);
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  return { length };
}

describe.each(implementations.map((i) => [i.name, i] as const))('a close-delimited response reset mid-body, over %s', (_, implementation) => {
  it.each([
    ['fetch, read at once', viaFetch, false],
    ['fetch, slow reader', viaFetch, true],
    ['HTTPSConnection, read at once', viaConnection, false],
    ['HTTPSConnection, slow reader', viaConnection, true],
  ] as const)('%s: an error', async (_label, client, slow) => {
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      await c.write(Buffer.alloc(N, 0x61));
      c.reset();
    });
    const result = await client(origin.port, implementation, slow);
    expect(result, JSON.stringify(result)).toHaveProperty('error');
  });
});
