/**
 * HTTPResponse: read()/readinto() and the async iterator used at once on one body. Each call is
 * served whole, one at a time; the body is complete (nothing lost, nothing read twice), never an
 * IncompleteRead for a body the server sent whole.
 */
import { describe, expect, it } from 'vitest';
import { HTTPSConnection } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { originHoldingBody } from './scripted-origin.js';

describe.each(implementations.map((i) => [i.name, i] as const))('read() beside the async iterator, over %s', (_, implementation) => {
  it('serves both, losing nothing', async () => {
    const origin = await originHoldingBody('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'abcdefghij');
    const { sendBody } = origin;
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const iterator = response[Symbol.asyncIterator]();
    const outcomes = await Promise.allSettled([response.read(3), iterator.next(), response.read()].map((p, i) => (i === 2 ? (sendBody(), p) : p)));
    const text = outcomes.map((o) => (o.status === 'fulfilled' ? Buffer.from((o.value as IteratorResult<Uint8Array>).value ?? (o.value as Uint8Array)).toString('latin1') : `error: ${(o.reason as Error).message}`));
    expect(text.join('')).toBe('abcdefghij');
  });
});
