/**
 * RFC 9112 §9.8 with a slow reader: a response complete by its Content-Length or its last chunk
 * is complete without TLS close_notify, however far behind the reader is when the server's FIN
 * arrives; a close-delimited response, or a framed one cut short, ended that way is a typed
 * failure (a truncation attack, RFC 8446 §6.1, never passes as a complete body). Both clients
 * (fetch over createDispatcher, HTTPSConnection) on every implementation, against a scripted
 * origin that sends 1 MiB bodies and ends the connection exactly as each case says while the
 * reader is paused between chunks (undici's parser then sits paused with the end of the body
 * still unread when the missing close_notify is seen).
 */
import { describe, expect, it } from 'vitest';
import { RaggedEOF } from '@unitls/tls-core';
import { HTTPSConnection, IncompleteRead, createDispatcher } from '@unitls/http';
import { fetch } from 'undici';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

const N = 1 << 20;
const BODY = Buffer.from(Array.from({ length: N }, (_, i) => (i * 7 + (i >> 10)) & 0xff));

/** Lets the event loop run `count` times: the reader falls behind the connection. */
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

type Link = { name: string; code?: string };
/** What a client made of the response: the body, or the chain of errors (outermost first). */
type Outcome = { body: Buffer } | { errors: Link[] };

function chain(error: unknown): Link[] {
  const out: Link[] = [];
  for (let e = error as (Error & { code?: unknown }) | undefined; e instanceof Error && out.length < 6; e = e.cause as typeof e) {
    out.push({ name: e.constructor.name, ...(typeof e.code === 'string' ? { code: e.code } : {}) });
  }
  return out;
}

/** A GET by fetch, its body read one chunk per few event-loop turns. */
async function viaFetch(port: number, implementation: (typeof implementations)[number]): Promise<Outcome> {
  const dispatcher = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false } });
  try {
    const response = await fetch(`https://localhost:${port}/`, { dispatcher });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const parts: Uint8Array[] = [];
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        parts.push(next.value);
        await turns(parts.length % 4 === 0 ? 20 : 1);
      }
    } catch (error) {
      return { errors: chain(error) };
    }
    return { body: Buffer.concat(parts) };
  } finally {
    await dispatcher.destroy();
  }
}

/** A GET by HTTPSConnection, its body read 16 KiB at a time with event-loop turns between. */
async function viaConnection(port: number, implementation: (typeof implementations)[number]): Promise<Outcome> {
  await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });
  connection.request('GET', '/');
  const response = await connection.getresponse();
  expect(response.status).toBe(200);
  const parts: Uint8Array[] = [];
  try {
    for (let chunk = await response.read(16_384); chunk.length > 0; chunk = await response.read(16_384)) {
      parts.push(chunk);
      await turns(parts.length % 4 === 0 ? 20 : 1);
    }
  } catch (error) {
    return { errors: chain(error) };
  }
  return { body: Buffer.concat(parts) };
}

const clients = [viaFetch, viaConnection];

type Ending = 'fin' | 'closeNotify';

/** An origin that answers the request with `head`, then `body`, then ends the connection as `ending` says. */
const origin = (head: string, body: Buffer, ending: Ending) =>
  scriptedOrigin(async (c) => {
    await c.head();
    await c.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    await c[ending]();
  });

/** `body` as chunks of 64 KiB, then the last chunk (and no trailer). */
function chunked(body: Buffer, last = true): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 65_536) {
    const piece = body.subarray(at, at + 65_536);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  if (last) parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** The chain is a truncation by a missing close_notify: UNITLS_HTTP_TRUNCATED caused by RaggedEOF. */
function expectRaggedTruncation(errors: Link[], what: string): void {
  const at = errors.findIndex((e) => e.code === 'UNITLS_HTTP_TRUNCATED');
  expect(at, what).toBeGreaterThanOrEqual(0);
  expect(errors[at + 1], what).toEqual({ name: RaggedEOF.name, code: 'UNITLS_RAGGED_EOF' });
}

describe.each(implementations.map((each) => [each.name, each] as const))('a missing close_notify behind a slow reader, on %s', (_, implementation) => {
  it.each([
    ['HTTP/1.1 keep-alive', `HTTP/1.1 200 OK\r\nContent-Length: ${N}\r\n\r\n`],
    ['HTTP/1.1 Connection: close', `HTTP/1.1 200 OK\r\nContent-Length: ${N}\r\nConnection: close\r\n\r\n`],
    ['HTTP/1.0 (as Python http.server)', `HTTP/1.0 200 OK\r\nContent-Length: ${N}\r\n\r\n`],
  ])('a complete Content-Length body (%s) then a FIN: complete for both clients', async (_label, head) => {
    for (const client of clients) {
      const result = await client((await origin(head, BODY, 'fin')).port, implementation);
      expect('body' in result && result.body.equals(BODY), `${client.name}: ${'errors' in result ? JSON.stringify(result.errors) : 'other bytes'}`).toBe(true);
    }
  });

  it.each([
    ['a FIN without close_notify', 'fin'],
    ['close_notify', 'closeNotify'],
  ] as const)('a chunked body with its last chunk, then %s: complete for both clients', async (_label, ending) => {
    for (const client of clients) {
      const result = await client((await origin('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunked(BODY), ending)).port, implementation);
      expect('body' in result && result.body.equals(BODY), `${client.name}: ${'errors' in result ? JSON.stringify(result.errors) : 'other bytes'}`).toBe(true);
    }
  });

  it.each([
    ['HTTP/1.1 keep-alive', `HTTP/1.1 200 OK\r\nContent-Length: ${N}\r\n\r\n`, 'UND_ERR_SOCKET'],
    ['HTTP/1.1 Connection: close', `HTTP/1.1 200 OK\r\nContent-Length: ${N}\r\nConnection: close\r\n\r\n`, 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'],
    ['HTTP/1.0', `HTTP/1.0 200 OK\r\nContent-Length: ${N}\r\n\r\n`, 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'],
  ])('a hostile Content-Length of N with N/2 bytes (%s), then a FIN: a typed truncation from both clients', async (_label, head, undiciCode) => {
    for (const client of clients) {
      const result = await client((await origin(head, BODY.subarray(0, N / 2), 'fin')).port, implementation);
      const what = `${client.name}: ${JSON.stringify(result)}`;
      expect(result, what).toHaveProperty('errors');
      const errors = (result as { errors: Link[] }).errors;
      // undici's own verdict on the framing, with the missing close_notify as its cause.
      if (client === viaFetch) expect(errors.slice(0, 2), what).toEqual([{ name: 'TypeError' }, expect.objectContaining({ code: undiciCode })]);
      else expect(errors[0], what).toEqual({ name: IncompleteRead.name, code: 'UNITLS_HTTP_INCOMPLETE_READ' });
      expectRaggedTruncation(errors, what);
    }
  });

  it('a chunked body cut off before its last chunk, then a FIN: a typed truncation from both clients', async () => {
    for (const client of clients) {
      const result = await client((await origin('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunked(BODY, false), 'fin')).port, implementation);
      const what = `${client.name}: ${JSON.stringify(result)}`;
      expect(result, what).toHaveProperty('errors');
      const errors = (result as { errors: Link[] }).errors;
      // llhttp's invalid EOF state (undici's HTTPParserError carries no code).
      if (client === viaFetch) expect(errors.slice(0, 2), what).toEqual([{ name: 'TypeError' }, { name: 'HTTPParserError' }]);
      else expect(errors[0], what).toEqual({ name: IncompleteRead.name, code: 'UNITLS_HTTP_INCOMPLETE_READ' });
      expectRaggedTruncation(errors, what);
    }
  });

  it.each([
    ['HTTP/1.1 Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0', 'HTTP/1.0 200 OK\r\n\r\n'],
  ])('a close-delimited body (%s) then a FIN without close_notify: an IncompleteRead from both clients, never complete', async (_label, head) => {
    for (const client of clients) {
      const result = await client((await origin(head, BODY, 'fin')).port, implementation);
      const what = `${client.name}: ${JSON.stringify(result)}`;
      expect(result, what).toHaveProperty('errors');
      const errors = (result as { errors: Link[] }).errors;
      expect(errors.slice(client === viaFetch ? 1 : 0), what).toEqual([
        { name: IncompleteRead.name, code: 'UNITLS_HTTP_INCOMPLETE_READ' },
        { name: 'HTTPException', code: 'UNITLS_HTTP_TRUNCATED' },
        { name: RaggedEOF.name, code: 'UNITLS_RAGGED_EOF' },
      ]);
    }
  });

  it('a close-delimited body then close_notify: complete for both clients', async () => {
    for (const client of clients) {
      const result = await client((await origin('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', BODY, 'closeNotify')).port, implementation);
      expect('body' in result && result.body.equals(BODY), `${client.name}: ${'errors' in result ? JSON.stringify(result.errors) : 'other bytes'}`).toBe(true);
    }
  });
});
