/**
 * Hostile HTTP/2 origins (node:http2 servers behaving oddly) against HTTPSConnection. Found: the
 * client advertised SETTINGS_ENABLE_PUSH 1 (node:http2's default), so a server could push responses
 * nobody reads, each holding up to a stream window of data until the connection ends; and
 * `maxHeaderSize` bounded HTTP/1.1 header sections only: over HTTP/2 a 60,000-byte header was
 * taken with the default 16 KiB bound (node:http2's own 64 KiB applied, and node:http2 applies a
 * SETTINGS_MAX_HEADER_LIST_SIZE only after the server acknowledged it, not to the first streams).
 * Pinned: silence after the headers, a server that never takes the request body, GOAWAY with an
 * error code mid-body, an interim 103: each a typed error or the response, no hang. In raw frames:
 * a HEADERS frame followed by endless CONTINUATION frames (CVE-2024-27983's shape: node:http2
 * refuses it after a few thousand), and a PUSH_PROMISE sent although push is disabled (a
 * connection error; it was a pushed stream taken in silence while push was enabled).
 */
import * as http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPException, HTTPSConnection, IncompleteRead } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedH2Origin, scriptedOrigin } from './scripted-origin.js';

const stray: unknown[] = [];
const onStray = (error: unknown) => stray.push(error);
beforeAll(() => {
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
});
afterAll(() => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
  expect(stray).toEqual([]);
});

const BIG_HEADER = 'a'.repeat(60_000);

/** One HTTP/2 frame (RFC 9113 §4.1): type, flags, stream ID, payload. */
function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}
const [HEADERS, PUSH_PROMISE, SETTINGS, CONTINUATION] = [1, 5, 4, 9];
const [END_STREAM, END_HEADERS, ACK] = [0x1, 0x4, 0x1];
/** ':status: 200' from HPACK's static table (RFC 7541 Appendix A, index 8). */
const STATUS_200 = Buffer.from([0x88]);

/** An h2 origin speaking raw frames: its SETTINGS and the ACK of the client's, then `frames()` until the connection ends. */
async function rawH2Origin(frames: () => Buffer | null) {
  return scriptedOrigin(async (c) => {
    c.tls.on('data', () => {});
    await c.write(Buffer.concat([frame(SETTINGS, 0, 0), frame(SETTINGS, ACK, 0)]));
    for (let next = frames(); next !== null && !c.tls.destroyed; next = frames()) await c.write(next);
  }, ['h2']);
}

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection over %s, a hostile HTTP/2 origin', (_, implementation) => {
  const connect = (port: number, options: { timeout?: number; maxHeaderSize?: number } = {}) =>
    new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig(), ...options });
  const get = async (connection: HTTPSConnection, path = '/') => {
    connection.request('GET', path);
    const response = await connection.getresponse();
    return Buffer.from(await response.read()).toString();
  };

  it('is told not to push (SETTINGS_ENABLE_PUSH 0), so a push is refused on the server side', async () => {
    const seen: string[] = [];
    const origin = await scriptedH2Origin((stream) => {
      seen.push(`enablePush ${String(stream.session!.remoteSettings.enablePush)}`);
      try {
        stream.pushStream({ ':path': '/pushed' }, (error, pushed) => {
          if (error) return void seen.push(`push failed ${(error as { code?: string }).code}`);
          pushed.on('error', () => {});
          pushed.respond({ ':status': 200 });
          pushed.end(Buffer.alloc(60_000));
          seen.push('pushed');
        });
      } catch (error) {
        seen.push(`push refused ${(error as { code?: string }).code}`);
      }
      stream.respond({ ':status': 200 });
      stream.end('the response');
    });
    await using connection = connect(origin.port);
    expect(await get(connection)).toBe('the response');
    expect(seen).toEqual(['enablePush false', 'push refused ERR_HTTP2_PUSH_DISABLED']);
  });

  it('a header section over maxHeaderSize fails with HPE_HEADER_OVERFLOW on the first stream, and as node:http2 resets it on later ones', async () => {
    const origin = await scriptedH2Origin((stream, _c, headers) => {
      stream.respond({ ':status': 200, ...(headers[':path'] === '/big' ? { 'x-big': BIG_HEADER } : {}) });
      stream.end('small');
    });
    await using connection = connect(origin.port);
    const first = await get(connection, '/big').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(HTTPException);
    expect((first as HTTPException).code).toBe('HPE_HEADER_OVERFLOW');
    expect((first as Error).message).toMatch(/header section of 60\d{3} bytes, over maxHeaderSize \(16384 bytes/);
    // The connection stays usable; node:http2 applies the acknowledged bound itself from here on.
    expect(await get(connection, '/small')).toBe('small');
    const later = await get(connection, '/big').catch((error: unknown) => error);
    expect(later).toBeInstanceOf(HTTPException);
    expect((later as Error).message).toMatch(/ENHANCE_YOUR_CALM.*maxHeaderSize, 16384 bytes/);
    expect(await get(connection, '/small')).toBe('small');
  });

  it('a larger maxHeaderSize takes the same header, on the first stream and later ones', async () => {
    const origin = await scriptedH2Origin((stream) => {
      stream.respond({ ':status': 200, 'x-big': BIG_HEADER });
      stream.end('big');
    });
    await using connection = connect(origin.port, { maxHeaderSize: 100_000 });
    for (let i = 0; i < 2; i++) {
      connection.request('GET', '/');
      const response = await connection.getresponse();
      expect(response.getheader('x-big')).toBe(BIG_HEADER);
      await response.read();
    }
  });

  it('headers then silence, no END_STREAM: read() fails with ETIMEDOUT after the timeout', async () => {
    const origin = await scriptedH2Origin((stream) => {
      stream.respond({ ':status': 200 });
      stream.write('part of it');
    });
    await using connection = connect(origin.port, { timeout: 1500 });
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const error = await response.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a server that never reads a 200 KB request body (its window fills): ETIMEDOUT saying so, not a hang', async () => {
    const origin = await scriptedH2Origin(() => {});
    // The timeout bounds the connect too: 300 ms failed the handshake at load 40-75.
    await using connection = connect(origin.port, { timeout: 1500 });
    connection.request('POST', '/', Buffer.alloc(200_000));
    await expect(connection.getresponse()).rejects.toMatchObject({ name: 'HTTPException', code: 'ETIMEDOUT', message: expect.stringMatching(/sending the request stalled: the server took (none of the request body \(200000 bytes\)|no more of the request body) for 1500 ms/) });
  });

  it('GOAWAY with an error code mid-body: IncompleteRead', async () => {
    const origin = await scriptedH2Origin((stream) => {
      stream.respond({ ':status': 200 });
      stream.write(Buffer.alloc(1000), () => stream.session!.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 1));
    });
    await using connection = connect(origin.port);
    connection.request('GET', '/');
    const response = await connection.getresponse();
    const error = await response.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompleteRead);
    // node:http2 drops the data it still holds when the GOAWAY came in the same read (tls-openssl, tls-pure).
    expect((error as IncompleteRead).received).toBeLessThanOrEqual(1000);
  });

  it('a HEADERS frame followed by endless CONTINUATION frames: an HTTPException at once, not a hang', async () => {
    let sent = 0;
    const origin = await rawH2Origin(() => {
      // Each batch: 50 CONTINUATION frames of one small field, none with END_HEADERS (up to 100,000 in all).
      if (sent >= 100_000) return null;
      const batch = sent === 0 ? [frame(HEADERS, 0, 1, STATUS_200)] : [];
      for (let i = 0; i < 50; i++) batch.push(frame(CONTINUATION, 0, 1, Buffer.from([0x00, 3, 0x78, 0x2d, 0x61, 1, 0x62])));
      sent += 50;
      return Buffer.concat(batch);
    });
    await using connection = connect(origin.port, { timeout: 10_000 });
    connection.request('GET', '/');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect((error as Error).message).toMatch(/Too many CONTINUATION frames/);
  });

  it('a PUSH_PROMISE although the client disabled push: an HTTPException (a protocol error), no pushed stream', async () => {
    let step = 0;
    const origin = await rawH2Origin(() => {
      if (step++ > 0) return null;
      // Promised stream 2: GET / over https (static table 2, 4, 7), then the response to stream 1.
      const promise = Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from([0x82, 0x84, 0x87])]);
      return Buffer.concat([frame(PUSH_PROMISE, END_HEADERS, 1, promise), frame(HEADERS, END_HEADERS | END_STREAM, 1, STATUS_200)]);
    });
    await using connection = connect(origin.port, { timeout: 10_000 });
    connection.request('GET', '/');
    const error = await connection.getresponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPException);
    expect(String((error as Error).message)).toMatch(/PROTOCOL_ERROR|Protocol error/i);
  });

  it('an interim 103 before the response is skipped', async () => {
    const origin = await scriptedH2Origin((stream) => {
      stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' });
      stream.respond({ ':status': 200 });
      stream.end('final');
    });
    await using connection = connect(origin.port);
    connection.request('GET', '/');
    const response = await connection.getresponse();
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.read()).toString()).toBe('final');
  });
});
