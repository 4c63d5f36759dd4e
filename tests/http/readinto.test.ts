/**
 * Issue #16 item 2: HTTPResponse.readinto(buffer) as http.client's (the count, `buffer.length`
 * unless the body ended first, 0 at the end), received straight into the caller's memory over a
 * TLS socket whose recvInto decrypts there (BufferSocket: tls-openssl, tls-pure), and read(amt)
 * of a Content-Length body filled the same way into memory allocated once. Bodies cut at random
 * points are byte-identical (the fast-check property of http1.test.ts mixes read and readinto);
 * here: where the bytes go, and that a body ending early or a reset mid-body still raises the
 * same typed errors through readinto as through read.
 */
import { describe, expect, it, vi } from 'vitest';
import { BufferSocket } from '@unitls/tls-core';
import { HTTPException, HTTPSConnection, IncompleteRead } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

/** A body of `size` bytes whose every byte differs from its neighbours' (a misplaced piece shows). */
function pattern(size: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 7 + (i >> 8)) & 0xff;
  return body;
}

/** A GET answered with a Content-Length `body` over `implementation`: its connection (to close) and response. */
async function lengthResponse(implementation: (typeof implementations)[number], body: Uint8Array) {
  const origin = await scriptedOrigin(async (c) => {
    await c.head();
    await c.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]));
  });
  const connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
  connection.request('GET', '/');
  return { connection, response: await connection.getresponse() };
}

/** What reading ended with: the body, or the error's class, code and its cause chain's codes. */
type Outcome = { body: Buffer } | { error: { name: string; code: unknown; incomplete: boolean; causes: unknown[] } };

async function outcome(read: () => Promise<Buffer>): Promise<Outcome> {
  try {
    return { body: await read() };
  } catch (error) {
    const causes: unknown[] = [];
    for (let e = (error as Error).cause as (Error & { code?: unknown }) | undefined; e !== undefined && causes.length < 5; e = e.cause as typeof e) causes.push(e.code ?? e.name);
    expect(error).toBeInstanceOf(HTTPException);
    const typed = error as HTTPException;
    return { error: { name: typed.name, code: typed.code, incomplete: typed instanceof IncompleteRead, causes } };
  }
}

/** The whole body by readinto into one reused buffer of `size` bytes. */
async function readAllInto(connection: HTTPSConnection, size: number): Promise<Buffer> {
  connection.request('GET', '/');
  const response = await connection.getresponse();
  const into = new Uint8Array(size);
  const parts: Buffer[] = [];
  for (;;) {
    const count = await response.readinto(into);
    if (count === 0) break;
    parts.push(Buffer.from(into.subarray(0, count)));
  }
  return Buffer.concat(parts);
}

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPResponse.readinto over %s', (_, implementation) => {
  const connect = (port: number) => new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });

  it("as http.client's: fills the buffer unless the body ends first, then 0, also after the end; read() then gives nothing", async () => {
    const body = pattern(100_000);
    const { connection, response } = await lengthResponse(implementation, body);
    await using _closed = connection;
    const into = new Uint8Array(30_000);
    const counts: number[] = [];
    const got: Buffer[] = [];
    for (let count; (count = await response.readinto(into)) > 0; ) {
      counts.push(count);
      got.push(Buffer.from(into.subarray(0, count)));
    }
    expect(counts).toEqual([30_000, 30_000, 30_000, 10_000]);
    expect(Buffer.concat(got).equals(body)).toBe(true);
    expect(await response.readinto(into)).toBe(0);
    expect((await response.read()).length).toBe(0);
    expect(await response.readinto(new Uint8Array(0))).toBe(0);
    await expect(response.readinto([1, 2, 3] as unknown as Uint8Array)).rejects.toMatchObject({ code: 'UNITLS_HTTP_INVALID_ARGUMENT' });
  });

  it('a close-delimited body ended by close_notify: readinto returns what came, then 0; the next request opens a new connection', async () => {
    const body = pattern(70_001);
    let connections = 0;
    const origin = await scriptedOrigin(async (c) => {
      connections++;
      await c.head();
      await c.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', 'latin1'), body]));
      await c.closeNotify();
    });
    await using connection = connect(origin.port);
    expect((await readAllInto(connection, 16_384)).equals(body)).toBe(true);
    expect((await readAllInto(connection, 65_536)).equals(body)).toBe(true);
    expect(connections).toBe(2);
  });

  it('never takes bytes past a Content-Length body, even when the next response came with its end', async () => {
    const body = pattern(50_000);
    // The second response in the same write as the first: it arrives with the end of the first body.
    // A client that drops the connection with bytes left over gets the second response on a new one.
    const second = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond';
    let connections = 0;
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      if (connections++ > 0) return c.write(second);
      await c.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body, Buffer.from(second, 'latin1')]));
    });
    await using connection = connect(origin.port);
    expect((await readAllInto(connection, 1 << 20)).equals(body)).toBe(true);
    connection.request('GET', '/two');
    const response = await connection.getresponse();
    expect([response.status, Buffer.from(await response.read()).toString()]).toEqual([200, 'second']);
  });

  it.each([
    ['a Content-Length body cut short, FIN without close_notify', 'fin'],
    ['a Content-Length body cut short, then close_notify', 'closeNotify'],
    ['a Content-Length body cut short by a TCP reset', 'reset'],
  ] as const)('%s: readinto raises what read() raises (typed, with its cause)', async (_label, ending) => {
    const sent = pattern(40_000);
    const head = `HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n`;
    const results: Outcome[] = [];
    for (const via of ['read', 'readinto'] as const) {
      // The connection ends once the client has read the first 10,000 body bytes.
      let firstRead!: () => void;
      const read = new Promise<void>((resolve) => (firstRead = resolve));
      const origin = await scriptedOrigin(async (c) => {
        await c.head();
        await c.write(Buffer.concat([Buffer.from(head, 'latin1'), sent]));
        await read;
        await c[ending]();
      });
      await using connection = connect(origin.port);
      connection.request('GET', '/');
      const response = await connection.getresponse();
      const piece = async (size: number): Promise<Buffer> => {
        if (via === 'read') return Buffer.from(await response.read(size));
        const into = new Uint8Array(size);
        return Buffer.from(into.subarray(0, await response.readinto(into)));
      };
      expect((await piece(10_000)).equals(sent.subarray(0, 10_000))).toBe(true);
      firstRead();
      results.push(await outcome(() => piece(90_000)));
    }
    const [byRead, byReadinto] = results;
    expect(byReadinto, JSON.stringify(results)).toHaveProperty('error');
    expect(byReadinto).toEqual(byRead);
    expect((byReadinto as { error: { incomplete: boolean } }).error.incomplete).toBe(true);
  });
});

describe.each(implementations.filter((i) => i.name !== 'node').map((i) => [i.name, i] as const))('over %s (a BufferSocket: recvInto decrypts into memory)', (_, implementation) => {
  it("readinto receives the body straight into the caller's buffer (the socket's recvInto on views of it, no recv)", async () => {
    const body = pattern(300_000);
    const { connection, response } = await lengthResponse(implementation, body);
    await using _closed = connection;
    const recvInto = vi.spyOn(BufferSocket.prototype, 'recvInto');
    const recv = vi.spyOn(BufferSocket.prototype, 'recv');
    try {
      const into = new Uint8Array(64 * 1024);
      const got: Buffer[] = [];
      for (let count; (count = await response.readinto(into)) > 0; ) got.push(Buffer.from(into.subarray(0, count)));
      expect(Buffer.concat(got).equals(body)).toBe(true);
      expect(recv).not.toHaveBeenCalled();
      expect(recvInto.mock.calls.length).toBeGreaterThan(0);
      for (const [target] of recvInto.mock.calls) expect(target.buffer).toBe(into.buffer);
    } finally {
      recvInto.mockRestore();
      recv.mockRestore();
    }
  });

  it('read(amt) and read() of a Content-Length body are received into the memory they return (recvInto, no recv)', async () => {
    const body = pattern(200_000);
    const { connection, response } = await lengthResponse(implementation, body);
    await using _closed = connection;
    const recv = vi.spyOn(BufferSocket.prototype, 'recv');
    try {
      const first = await response.read(150_000);
      expect(first.length).toBe(150_000);
      const rest = await response.read();
      expect(rest.length).toBe(50_000);
      expect(Buffer.concat([first, rest]).equals(body)).toBe(true);
      expect(recv).not.toHaveBeenCalled();
      expect((await response.read(10)).length).toBe(0);
    } finally {
      recv.mockRestore();
    }
  });
});
