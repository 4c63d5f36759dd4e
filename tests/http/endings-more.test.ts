/**
 * breaker9 (session 8): endings the truncation suite did not script. Each case is the exact bytes a
 * hostile origin sends and how it ends the connection; the verdict is the complete body or a typed
 * error, never a short body, from HTTPSConnection and fetch on every implementation.
 */
import { describe, expect, it } from 'vitest';
import { implementations } from '../conformance/implementations.js';
import { answering, viaConnection, viaFetch, type Ending } from './response-endings.js';

const BODY = 'all of the body, or is it?';
const CASES: Array<{ label: string; bytes: string; ending: Ending; verdict: string | 'error' }> = [
  {
    label: 'chunked with Connection: close, cut before the last chunk, then close_notify',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nall \r\n',
    ending: 'closeNotify',
    verdict: 'error',
  },
  {
    label: 'chunked with Connection: close, cut inside a chunk, then close_notify',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n10\r\nall of',
    ending: 'closeNotify',
    verdict: 'error',
  },
  {
    label: 'chunked with Connection: close, cut before the last chunk, FIN without close_notify',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nall \r\n',
    ending: 'fin',
    verdict: 'error',
  },
  {
    label: 'Content-Length with Connection: close and fewer bytes, then close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n${BODY}`,
    ending: 'closeNotify',
    verdict: 'error',
  },
  {
    label: 'a close-delimited body ended by a TCP reset',
    bytes: `HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${BODY}`,
    ending: 'reset',
    verdict: 'error',
  },
  {
    label: 'a FIN without close_notify in the middle of the headers',
    bytes: 'HTTP/1.1 200 OK\r\nContent-Le',
    ending: 'fin',
    verdict: 'error',
  },
  {
    label: 'close_notify in the middle of the headers',
    bytes: 'HTTP/1.1 200 OK\r\nContent-Le',
    ending: 'closeNotify',
    verdict: 'error',
  },
  {
    label: 'a complete Content-Length body then one extra byte then FIN without close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}X`,
    ending: 'fin',
    verdict: BODY,
  },
  {
    label: 'a Transfer-Encoding that does not end in chunked (close-delimited, RFC 9112 6.3 rule 4), FIN without close_notify',
    bytes: `HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n${BODY}`,
    ending: 'fin',
    verdict: 'error',
  },
];

describe.each(implementations.map((i) => [i.name, i] as const))('more endings of a response, over %s', (_, implementation) => {
  it.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    for (const client of [viaConnection, viaFetch]) {
      if (c.ending === 'fin' && c.verdict === 'error' && !implementation.features.raggedEOF) continue;
      const origin = await answering(c.bytes, c.ending);
      const result = await client(origin.port, implementation);
      const what = `${client.name}: ${JSON.stringify(result)}`;
      if (c.verdict === 'error') expect(result, what).toHaveProperty('errors');
      else expect(result, what).toEqual({ body: c.verdict });
    }
  });
});
