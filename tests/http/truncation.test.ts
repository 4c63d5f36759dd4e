/**
 * Issue #15 (HTTP): a response body that ends early gets one verdict on every implementation and
 * from both clients (HTTPSConnection and fetch). RFC 9112 §9.8: a body delimited by the closing of
 * the connection is complete only when TLS closed properly (close_notify); a Content-Length or
 * chunked body knows its own end, so a missing close_notify after it does not matter. Every case
 * is a scripted origin sending exactly these bytes, then ending the connection as stated.
 */
import type * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { RaggedEOF } from '@unitls/tls-core';
import { IncompleteRead } from '@unitls/http';
import { implementations } from '../conformance/implementations.js';
import { scriptedH2Origin, type OriginConnection } from './scripted-origin.js';
import { answering, viaConnection, viaFetch, type Ending, type Outcome } from './response-endings.js';

const TRUNCATED = /truncat/i;

/** The error chain names the possible truncation, and (when close_notify was missing) RFC 9112 §9.8 and RaggedEOF. */
function expectTruncation(result: Outcome, ragged: boolean, what = JSON.stringify(result)): void {
  expect(result, what).toHaveProperty('errors');
  const errors = (result as { errors: Array<{ name: string; code?: string; message: string }> }).errors;
  expect(errors.map((e) => e.message).join(' | '), what).toMatch(TRUNCATED);
  if (ragged) {
    expect(errors.some((e) => e.code === 'UNITLS_HTTP_TRUNCATED' && /RFC 9112 §9\.8/.test(e.message)), what).toBe(true);
    expect(errors.some((e) => e.name === RaggedEOF.name), what).toBe(true);
  }
}

interface Case {
  label: string;
  bytes: string;
  ending: Ending;
  /** The body both clients return, or 'truncated'. */
  verdict: string | 'truncated';
}

const BODY = 'all of the body, or is it?';
const CASES: Case[] = [
  // Issue #15's example.
  {
    label: 'a close-delimited body (Connection: close, no Content-Length) ended by a FIN without close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${BODY}`,
    ending: 'fin',
    verdict: 'truncated',
  },
  {
    label: 'the same body ended by close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${BODY}`,
    ending: 'closeNotify',
    verdict: BODY,
  },
  {
    label: 'a complete Content-Length body with Connection: close, then a FIN without close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`,
    ending: 'fin',
    verdict: BODY,
  },
  {
    label: 'a complete chunked body with Connection: close, then a FIN without close_notify',
    bytes: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nall \r\n${(BODY.length - 4).toString(16)}\r\n${BODY.slice(4)}\r\n0\r\n\r\n`,
    ending: 'fin',
    verdict: BODY,
  },
  // Found: `openssl s_server -www` answers HTTP/1.0 with no Content-Length and never sends close_notify
  // (openssl/openssl#1806; curl/curl#17471 fails on it with OpenSSL >= 3.2). HTTP/1.0 without a
  // length is close-delimited too (RFC 9112 §6.3 rule 8).
  {
    label: "an HTTP/1.0 body without Content-Length (openssl s_server -www's answer) ended by a FIN without close_notify",
    bytes: 'HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<HTML><BODY BGCOLOR="#ffffff">\n<pre>\n\ns_server -www\n',
    ending: 'fin',
    verdict: 'truncated',
  },
  // Found: truncation inside a chunked body (the connection drops between chunks, no last chunk).
  {
    label: 'a chunked body cut off before its last chunk, FIN without close_notify',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n10\r\nof the bo',
    ending: 'fin',
    verdict: 'truncated',
  },
  // Found: the same cut with a proper close_notify: TLS ended cleanly, the body did not.
  {
    label: 'a chunked body cut off before its last chunk, then close_notify',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n',
    ending: 'closeNotify',
    verdict: 'truncated',
  },
  // Found: truncation inside a Content-Length body (the "lying Content-Length" of connection.test.ts,
  // here with both endings).
  {
    label: 'a Content-Length body with fewer bytes than announced, FIN without close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${BODY}`,
    ending: 'fin',
    verdict: 'truncated',
  },
  {
    label: 'a Content-Length body with fewer bytes than announced, then close_notify',
    bytes: `HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n${BODY}`,
    ending: 'closeNotify',
    verdict: 'truncated',
  },
];

describe.each(implementations.map((i) => [i.name, i] as const))('a body that may end early, over %s', (_, implementation) => {
  // An implementation that cannot tell a FIN without close_notify from a proper close (features.raggedEOF
  // false) cannot give the truncation verdict; its two clients must still agree with each other.
  const detects = implementation.features.raggedEOF;

  it.each(CASES.map((c) => [c.label, c] as const))('%s: one verdict from both clients', async (_label, c) => {
    const results: Outcome[] = [];
    for (const client of [viaConnection, viaFetch]) {
      const origin = await answering(c.bytes, c.ending);
      const result = await client(origin.port, implementation);
      results.push(result);
      const what = `${client.name}: ${JSON.stringify(result)}`;
      if (c.verdict !== 'truncated') {
        expect(result, what).toEqual({ body: c.verdict });
      } else if (c.ending === 'fin' && !detects) {
        continue;
      } else {
        expect(result, what).toHaveProperty('errors');
        if (client === viaConnection) {
          expectTruncation(result, c.ending === 'fin', what);
          expect((result as { errors: Array<{ name: string }> }).errors[0]!.name, what).toBe(IncompleteRead.name);
        } else if (c.ending === 'fin') {
          expectTruncation(result, true, what);
        }
      }
    }
    expect('body' in results[0]!, JSON.stringify(results)).toBe('body' in results[1]!);
  });

  /** An HTTP/2 origin that answers every stream with `status` headers and `body`, then does `after`. */
  const h2Origin = (body: string, after: (stream: http2.ServerHttp2Stream, connection: OriginConnection) => void) =>
    scriptedH2Origin((stream, connection) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.write(body, () => after(stream, connection));
    });

  // Found: HTTP/2 frames its own bodies (END_STREAM), so what matters is whether the stream ended.
  it('HTTP/2: a stream reset by the server mid-body is an error from both clients', async () => {
    for (const client of [viaConnection, viaFetch]) {
      // destroy() sends RST_STREAM(INTERNAL_ERROR) at once; close(code) would send END_STREAM first.
      const origin = await h2Origin('part of the', (stream) => stream.destroy(new Error('the origin gave up')));
      const result = await client(origin.port, implementation);
      expect(result, `${client.name}: ${JSON.stringify(result)}`).toHaveProperty('errors');
      if (client === viaConnection) {
        expect((result as { errors: Array<{ name: string; message: string }> }).errors[0]).toMatchObject({ name: IncompleteRead.name, message: expect.stringMatching(/reset.*INTERNAL_ERROR/) });
      }
    }
  });

  it('HTTP/2: a FIN without close_notify in the middle of a stream is a truncation for both clients', async () => {
    for (const client of [viaConnection, viaFetch]) {
      // Without ragged-EOF detection this is a clean close to fetch, which undici reports as complete (below).
      if (client === viaFetch && !detects) continue;
      const origin = await h2Origin('part of the', (_stream, connection) => void connection.fin());
      const result = await client(origin.port, implementation);
      expectTruncation(result, detects, `${client.name}: ${JSON.stringify(result)}`);
    }
  });

  // Found: the connection closed properly (close_notify, FIN) while a stream has not ended. The
  // body is incomplete (no END_STREAM). Only HTTPSConnection says so: undici 7.30's fetch ends
  // the body as complete when node:http2 closes the stream with the session (reported upstream;
  // a missing close_notify is caught before it, by the test above).
  it('HTTP/2: a connection closed with close_notify in the middle of a stream is an IncompleteRead for HTTPSConnection', async () => {
    const origin = await h2Origin('part of the', (_stream, connection) => void connection.closeNotify());
    const result = await viaConnection(origin.port, implementation);
    expect(result, JSON.stringify(result)).toMatchObject({ errors: [{ name: IncompleteRead.name, message: expect.stringMatching(/truncated: the connection ended after \d+ bytes, before the stream's end/) }] });
  });

  it('HTTP/2: a complete stream (END_STREAM) followed by a FIN without close_notify is fine for both clients', async () => {
    for (const client of [viaConnection, viaFetch]) {
      const origin = await scriptedH2Origin((stream, connection) => {
        stream.respond({ ':status': 200 });
        stream.end(BODY, () => setImmediate(() => void connection.fin()));
      });
      expect(await client(origin.port, implementation), client.name).toEqual({ body: BODY });
    }
  });
});
