/**
 * Leaving an HTTP/2 response's async iteration early (breaker11's lead, fixed by breaker12): the
 * iterator's return() only marked itself done, so the stream stayed open (no RST_STREAM) until the
 * connection ended, holding a window of data and one of the server's concurrent stream slots; many
 * such breaks could use up MAX_CONCURRENT_STREAMS. Now return() cancels the stream (RST_STREAM
 * CANCEL, as Node's own Readable iterator destroys its stream), and reading that body afterwards
 * fails with UNITLS_HTTP_STATE rather than as a reset by the server. The connection carries on.
 */
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection, IncompleteRead } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedH2Origin } from './scripted-origin.js';

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection over %s, HTTP/2', (_, implementation) => {
  it('break out of for await: the stream is cancelled (CANCEL at the server), later reads say why, the connection goes on', async () => {
    let firstClosed!: Promise<number | undefined>;
    const origin = await scriptedH2Origin((stream, _c, headers) => {
      if (headers[':path'] === '/big') {
        firstClosed = new Promise((resolve) => stream.once('close', () => resolve(stream.rstCode)));
        stream.respond({ ':status': 200 });
        stream.end(Buffer.alloc(1 << 20, 0x61));
        return;
      }
      // Answers once the first stream is closed: before the fix it never was, and this request timed out.
      void firstClosed.then((code) => {
        stream.respond({ ':status': 200 });
        stream.end(`first stream closed, code ${code === http2.constants.NGHTTP2_CANCEL ? 'CANCEL' : String(code)}`);
      });
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig(), timeout: 5000 });
    connection.request('GET', '/big');
    const response = await connection.getresponse();
    let chunks = 0;
    for await (const chunk of response) {
      expect(chunk.length).toBeGreaterThan(0);
      chunks++;
      break;
    }
    expect(chunks).toBe(1);
    const after = await response.read().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(HTTPException);
    expect(after).not.toBeInstanceOf(IncompleteRead);
    expect(after).toMatchObject({ code: 'UNITLS_HTTP_STATE', message: expect.stringMatching(/left early \(break or return\(\)\), which cancelled its HTTP\/2 stream/) });
    connection.request('GET', '/state');
    const state = await connection.getresponse();
    expect(Buffer.from(await state.read()).toString()).toBe('first stream closed, code CANCEL');
  });

  it('return() after the whole body was read cancels nothing', async () => {
    const origin = await scriptedH2Origin((stream) => {
      stream.respond({ ':status': 200 });
      stream.end('all of it');
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const iterator = response[Symbol.asyncIterator]();
    const parts: string[] = [];
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) parts.push(Buffer.from(step.value).toString());
    await iterator.return!();
    expect(parts.join('')).toBe('all of it');
    expect(await response.read()).toHaveLength(0);
  });
});
