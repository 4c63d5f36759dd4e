/** Framing (RFC 9051 §4.3): literal sizes exact, limits named, and the one harmless blank line accepted where servers send it. */
import { describe, expect, it } from 'vitest';
import { IMAP4ProtocolError, LITERAL_OVERHEAD, ResponseFramer, STREAM_END, parseResponse } from '../src/mod.js';
import { LIMITS, bytes, protocolError, responses } from './helpers.js';

describe('a spurious blank line after a literal (CPython gh-88574)', () => {
  it('issue #15: inside an open list, the exact bytes, and the connection stays usable', () => {
    const body = 'Subject: hi\r\n\r\nbody\r\n';
    expect(body).toHaveLength(21);
    const [fetch, next] = responses(`* 9 FETCH (UID 17 BODY[] {21}\r\n${body}\r\n)\r\nA0001 OK FETCH completed\r\n`);
    expect(fetch).toMatchObject({ type: 'FETCH', fetch: { seq: 9, uid: 17 } });
    expect(fetch?.kind === 'untagged' && fetch.type === 'FETCH' && Buffer.from(fetch.fetch.body['BODY[]']!).toString()).toBe(body);
    expect(next).toMatchObject({ kind: 'tagged', tag: 'A0001', status: 'OK' });
  });

  it("Nylas's server, as reported to imapclient (mjs/imapclient#162)", () => {
    const [fetch] = responses('* 9 FETCH (UID 17 BODY[] {28}\r\nTHIS PART IS THE MIME BODY\r\n\r\n)\r\n');
    expect(fetch).toMatchObject({ fetch: { uid: 17, body: { 'BODY[]': bytes('THIS PART IS THE MIME BODY\r\n') } } });
  });

  it('between responses, after one that ended with a literal (CPython gh-153317: LIST names as literals)', () => {
    const all = responses('* LIST () "/" {5}\r\nhello\r\n\r\n* LIST () "/" {5}\r\nworld\r\n\r\nA1 OK listed\r\n');
    expect(all.map((r) => (r.kind === 'untagged' && r.type === 'LIST' ? r.mailbox : r.kind))).toEqual(['hello', 'world', 'tagged']);
  });

  it('a literal that ends the response keeps its empty trailer (the next line is not swallowed)', () => {
    const all = responses('* LIST () "/" {5}\r\nhello\r\n* 3 EXISTS\r\n');
    expect(all.map((r) => r.kind === 'untagged' && r.type)).toEqual(['LIST', 'EXISTS']);
  });

  it.each([
    ['two blank lines', '* 1 FETCH (BODY[] {2}\r\nab\r\n\r\n\r\n)\r\n'],
    ['a blank line not after a literal', '* 1 EXISTS\r\n\r\n* 2 EXISTS\r\n'],
    ['a blank line first', '\r\n* OK hi\r\n'],
  ])('stays strict: %s is an error', (_, wire) => {
    expect(protocolError(wire)).toBeInstanceOf(IMAP4ProtocolError);
  });
});

describe('a blank after each of many literals (the breaker: quadratic time)', () => {
  it('100 000 literals each followed by the tolerated blank line frame in linear time (each part counted once)', () => {
    // Before, every blank recounted the open lists over all the parts so far: this 2 MB response
    // kept the CPU busy for minutes (a 400 KB one blocked the event loop 27 s past a 3 s deadline),
    // so this test ran into its timeout. bench/linear.mjs measures the cost per byte.
    const count = 100_000;
    const items = Array.from({ length: count }, (_, i) => `BODY[${i + 1}] {0}\r\n\r\n`).join(' ');
    const [fetch] = responses(`* 1 FETCH (${items} UID 5)\r\n`);
    expect(fetch?.kind === 'untagged' && fetch.type === 'FETCH' && Object.keys(fetch.fetch.body)).toHaveLength(count);
    expect(fetch).toMatchObject({ fetch: { uid: 5 } });
  });
});

describe('literal sizes are exact', () => {
  it.each([
    ['a literal whose length lies (too short)', '* 1 FETCH (BODY[] {3}\r\nabcdefgh)\r\n', /literal length does not match/],
    ['a "+" literal from the server', '* 1 FETCH (BODY[] {3+}\r\nabc)\r\n', /malformed/],
    ['a literal of 20 digits', '* 1 FETCH (BODY[] {99999999999999999999}\r\n', /above the .*-byte limit/],
    ['a literal in the middle of a line', '* 1 FETCH (BODY[] {3} x\r\n', /not at the end of a line/],
  ])('%s', (_, wire, message) => {
    expect(protocolError(wire).message).toMatch(message);
  });

  it('literal8 (~{n}, RFC 3516) carries any bytes', () => {
    const [fetch] = responses(Buffer.concat([bytes('* 1 FETCH (BINARY[1] ~{3}\r\n'), Buffer.from([0, 1, 2]), bytes(')\r\n')]));
    expect(fetch).toMatchObject({ fetch: { body: { 'BINARY[1]': Buffer.from([0, 1, 2]) } } });
  });
});

describe('limits', () => {
  const framer = (limits: Partial<{ maxLineLength: number; maxLiteralSize: number; maxResponseSize: number }>) =>
    new ResponseFramer({ maxLineLength: 1024, maxLiteralSize: 4096, maxResponseSize: 8192, ...limits });
  const drain = (f: ResponseFramer) => {
    for (let parts = f.next(); parts !== null && parts !== STREAM_END; parts = f.next());
  };

  it('a line over maxLineLength, found as the bytes arrive (no CRLF needed)', () => {
    const f = framer({ maxLineLength: 100 });
    f.push(bytes('* OK '));
    drain(f);
    f.push(bytes('x'.repeat(200)));
    expect(() => drain(f)).toThrow(/longer than 100 bytes/);
  });

  it('a literal over maxLiteralSize, refused at its announcement', () => {
    const f = framer({});
    f.push(bytes('* 1 FETCH (BODY[] {4097}\r\n'));
    expect(() => drain(f)).toThrow(/4097-byte literal, above the 4096-byte limit \(limits.maxLiteralSize\)/);
  });

  it('a response of many small literals over maxResponseSize', () => {
    let wire = '* 1 FETCH (';
    for (let i = 0; i < 100; i++) wire += `BODY[${i}] {100}\r\n${'x'.repeat(100)} `;
    const g = framer({});
    g.push(bytes(wire));
    expect(() => drain(g)).toThrow(/larger than 8192 bytes \(limits.maxResponseSize\)/);
  });

  it('a chain of {0} literals is charged for what each costs', () => {
    const g = framer({});
    g.push(bytes(`* 1 FETCH (${'X {0}\r\n'.repeat(1000)}`));
    expect(() => drain(g)).toThrow(/limits.maxResponseSize/);
    expect(Math.floor(8192 / (LITERAL_OVERHEAD + 7))).toBeLessThan(1000);
  });

  it('the end of the stream in the middle of a response', () => {
    const f = framer({});
    f.push(bytes('* 1 FETCH (BODY[] {50}\r\nonly a little'));
    f.push(new Uint8Array(0));
    expect(() => drain(f)).toThrow(/closed the connection in the middle of a response/);
  });

  it('buffered counts what was received and not returned', () => {
    const f = framer({});
    f.push(bytes('* OK hi\r\nA1 OK done\r\n* 3 EX'));
    expect(f.next()).toEqual(['* OK hi']);
    expect(f.buffered).toBe('A1 OK done\r\n* 3 EX'.length);
  });
});

describe('receiveFetchLiteralsInto: FETCH literals in the caller memory, one response at a time (issue #16)', () => {
  const within = (view: Uint8Array, memory: Uint8Array) => view.buffer === memory.buffer && view.byteOffset >= memory.byteOffset && view.byteOffset + view.length <= memory.byteOffset + memory.length;
  /** Responses as each is returned, copied before the next next() call (what fetchEach's pump does). */
  function frame(wire: Buffer, memory: Uint8Array | null, chunks: number[] = [wire.length]) {
    const framer = new ResponseFramer(LIMITS);
    framer.receiveFetchLiteralsInto(memory);
    const seen: Array<{ parts: ReturnType<ResponseFramer['next']>; copies: Array<string | Buffer>; response: ReturnType<typeof parseResponse> }> = [];
    let at = 0;
    for (const size of chunks) {
      framer.push(wire.subarray(at, at + size));
      at += size;
      for (let parts = framer.next(); parts !== null && parts !== STREAM_END; parts = framer.next()) {
        seen.push({ parts, copies: parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p))), response: parseResponse(parts, { utf8Accept: false, maxDepth: 64 }) });
      }
    }
    return seen;
  }
  const bodies = ['first body\r\n', 'the second, longer body\r\n', 'third\r\n'].map((b, i) => Buffer.concat([Buffer.from(b), Buffer.from([0x00, 0xff, 0x80 + i])]));
  const fetch3 = Buffer.concat([
    ...bodies.flatMap((b, i) => [Buffer.from(`* ${i + 1} FETCH (UID ${10 + i} BODY[] {${b.length}}\r\n`), b, Buffer.from(')\r\n')]),
    Buffer.from('A0001 OK FETCH completed\r\n'),
  ]);

  it('FETCH 1:3 BODY[]: each body lands in the memory, right when its response is returned, and the next one reuses it', () => {
    const memory = new Uint8Array(64);
    const seen = frame(fetch3, memory);
    expect(seen).toHaveLength(4);
    for (const [i, body] of bodies.entries()) {
      const literal = seen[i]!.parts as Array<string | Uint8Array>;
      expect(seen[i]!.copies[1]).toEqual(body);
      expect(within(literal[1] as Uint8Array, memory)).toBe(true);
      expect((literal[1] as Uint8Array).byteOffset).toBe(memory.byteOffset);
    }
    // Reused: the first response's view now shows the last body's bytes (why fetchEach hands each over at once).
    expect(Buffer.from((seen[0]!.parts as Uint8Array[])[1]!).subarray(0, bodies[2]!.length)).toEqual(bodies[2]);
  });

  it('ENVELOPE beside BODY[]: the literals of one response lie side by side, each decoded right', () => {
    const subject = 'Subject as a literal';
    const body = Buffer.from('Subject: x\r\n\r\nbody bytes \xe9\r\n', 'latin1');
    const wire = Buffer.concat([
      Buffer.from(`* 1 FETCH (UID 5 ENVELOPE ("Mon, 1 Jan 2024 00:00:00 +0000" {${subject.length}}\r\n${subject} NIL NIL NIL NIL NIL NIL NIL "<id@x>") BODY[] {${body.length}}\r\n`, 'latin1'),
      body,
      Buffer.from(' BODY[HEADER] {3}\r\nabc)\r\n'),
    ]);
    const memory = new Uint8Array(256).fill(0x2a);
    for (const chunks of [[wire.length], Array<number>(wire.length).fill(1)]) {
      const [first] = frame(wire, memory, chunks);
      const { parts, response } = first!;
      const literals = (parts as Array<string | Uint8Array>).filter((p): p is Uint8Array => typeof p !== 'string');
      expect(literals.map((l) => l.byteOffset - memory.byteOffset)).toEqual([0, subject.length, subject.length + body.length]);
      expect(response).toMatchObject({ type: 'FETCH', fetch: { uid: 5, envelope: { subject, messageId: '<id@x>' } } });
      const fetched = response.kind === 'untagged' && response.type === 'FETCH' ? response.fetch : null;
      expect(Buffer.from(fetched!.body['BODY[]']!)).toEqual(body);
      expect(Buffer.from(fetched!.body['BODY[HEADER]']!).toString()).toBe('abc');
    }
  });

  it('split at every boundary, three bodies come out byte-identical', () => {
    const memory = new Uint8Array(40);
    for (let cut = 1; cut < fetch3.length; cut++) {
      const seen = frame(fetch3, memory, [cut, fetch3.length - cut]);
      expect(seen.map((s) => s.copies[1])).toEqual([...bodies, undefined]);
    }
  });

  it('fresh memory for literals of other responses, for one that does not fit, and once disarmed', () => {
    const memory = new Uint8Array(8);
    const wire = Buffer.from('* LIST () "/" {5}\r\nhello\r\n* 1 FETCH (BODY[1] {6}\r\nsix ok BODY[2] {4}\r\nfour)\r\n* 2 FETCH (BODY[] {9}\r\nnine byte)\r\n');
    const seen = frame(wire, memory);
    const literal = (i: number, at: number) => (seen[i]!.parts as Array<string | Uint8Array>)[at] as Uint8Array;
    expect(within(literal(0, 1), memory)).toBe(false);
    expect(within(literal(1, 1), memory)).toBe(true);
    expect(within(literal(1, 3), memory)).toBe(false);
    expect(within(literal(2, 1), memory)).toBe(false);
    expect(seen.map((s) => s.copies.filter((p) => typeof p !== 'string').map(String))).toEqual([['hello'], ['six ok', 'four'], ['nine byte']]);
    const disarmed = frame(fetch3, null);
    expect(disarmed.slice(0, 3).map((s) => s.copies[1])).toEqual(bodies);
  });
});
