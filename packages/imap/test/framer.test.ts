/** Framing (RFC 9051 §4.3): literal sizes exact, limits named, and the one harmless blank line accepted where servers send it. */
import { describe, expect, it } from 'vitest';
import { IMAP4ProtocolError, LITERAL_OVERHEAD, ResponseFramer, STREAM_END } from '../src/mod.js';
import { bytes, protocolError, responses } from './helpers.js';

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
