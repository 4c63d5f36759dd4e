// A collected RETR/TOP body is scanned a chunk at a time (runs of whole lines copied at once, issue
// #16 item 2). These tests hold it to a line-by-line reference of RFC 1939 §3 written here, for
// any split of the server's bytes, and pin the chunk-boundary cases one by one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEED_DATA, POP3Connection, POP3ProtocolError, type POP3Limits } from '../src/mod.js';
import { cut } from './split.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** A core logged in, with RETR 1 sent. */
function retrieving(limits: POP3Limits = {}, stream = false): POP3Connection {
  const core = new POP3Connection(limits);
  for (const [command, reply] of [[null, '+OK ready'], [{ type: 'USER', name: 'a' }, '+OK'], [{ type: 'PASS', password: 'p' }, '+OK']] as const) {
    if (command !== null) core.send(command);
    core.receiveData(bytes(`${reply}\r\n`));
    core.nextEvent();
  }
  core.send({ type: 'RETR', which: 1, stream });
  return core;
}

/**
 * The body the core collects from `chunks` (after the +OK), or the error it raised. Bytes after
 * the "." line (a random body may hold one early) are left unread, as the next reply's.
 */
function collect(chunks: Buffer[], limits: POP3Limits = {}): string | Error {
  const core = retrieving(limits);
  try {
    for (const chunk of chunks) {
      core.receiveData(chunk);
      for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) {
        if (event.type === 'message') {
          expect(core.reading).toBe('STATUS');
          expect(core.pending).toBe(0);
          return event.data.toString('latin1');
        }
      }
    }
    throw new Error('no message event');
  } catch (error) {
    return error as Error;
  }
}

/**
 * RFC 1939 §3 line by line, independently of the core: lines end at LF (a CR before it is part of
 * the terminator), "." alone ends the body, a leading "." is removed, each line is stored + CRLF;
 * the line and size bounds are checked line by line, in order.
 */
function reference(body: string, limits: { maxContentLineLength: number; maxMessageSize: number }): string | RegExp {
  let out = '';
  let at = 0;
  for (;;) {
    const lf = body.indexOf('\n', at);
    if (lf < 0) return /no message event/;
    let line = body.slice(at, lf);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    at = lf + 1;
    if (line.length > limits.maxContentLineLength) return /longer than \d+ bytes \(limits.maxContentLineLength\)/;
    if (line === '.') return out;
    if (line.startsWith('.')) line = line.slice(1);
    if (out.length + line.length + 2 > limits.maxMessageSize) return /larger than \d+ bytes \(limits.maxMessageSize\)/;
    out += `${line}\r\n`;
  }
}

describe('POP3Connection: a collected body, scanned a chunk at a time', () => {
  it('gives byte for byte what RFC 1939 line by line gives, for any split, announced size and bounds', () => {
    // Dots, CRs and LFs dense enough that stuffed lines, bare LFs, lone CRs and "." lines meet
    // chunk boundaries in every arrangement.
    const text = fc.array(fc.constantFrom('.', '.', '\r', '\n', '\r\n', 'a', 'bc', '\u00ff'), { maxLength: 80 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        text,
        fc.array(fc.nat(), { maxLength: 25 }),
        fc.option(fc.nat({ max: 300 })),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 120 }),
        (content, points, announced, maxContentLineLength, maxMessageSize) => {
          const body = `${content}\r\n.\r\n`;
          const wire = bytes(`+OK${announced === null ? '' : ` ${announced} octets`}\r\n${body}`);
          const limits = { maxContentLineLength, maxMessageSize };
          const expected = reference(body, limits);
          const whole = collect([wire], limits);
          const split = collect(cut(wire, points), limits);
          if (typeof expected === 'string') {
            expect(whole).toBe(expected);
            expect(split).toBe(expected);
          } else {
            for (const got of [whole, split]) {
              expect(got).toBeInstanceOf(POP3ProtocolError);
              expect((got as Error).message).toMatch(expected);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('collects what the streamed lines give, joined with CRLF, for any split', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('..', '.x', 'line', '', '\r', '.\r'), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), (lines, points, bare) => {
        const wire = bytes(`+OK\r\n${lines.map((l) => `${l}${bare ? '\n' : '\r\n'}`).join('')}.\r\n`);
        const core = retrieving({}, true);
        const streamed: string[] = [];
        let ended = false;
        for (const chunk of cut(wire, points)) {
          core.receiveData(chunk);
          while (!ended) {
            const event = core.nextEvent();
            if (event === NEED_DATA) break;
            if (event.type === 'line') streamed.push(`${event.line.toString('latin1')}\r\n`);
            ended = event.type === 'end';
          }
          if (ended) break;
        }
        expect(ended).toBe(true);
        expect(collect(cut(wire, points))).toBe(streamed.join(''));
      }),
    );
  });

  it.each<[string, string[], string]>([
    ['".." split between its dots', ['+OK\r\nfirst\r\n.', '.second\r\n.\r\n'], 'first\r\n.second\r\n'],
    ['".." whole at the start of a chunk', ['+OK\r\nfirst\r\n', '..second\r\n.\r\n'], 'first\r\n.second\r\n'],
    ['CRLF split between CR and LF', ['+OK\r\nfirst\r', '\nsecond\r\n.\r\n'], 'first\r\nsecond\r\n'],
    ['the end line split after its dot', ['+OK\r\nfirst\r\n.', '\r\n'], 'first\r\n'],
    ['the end line split between CR and LF', ['+OK\r\nfirst\r\n.\r', '\n'], 'first\r\n'],
    ['a bare LF line, then a stuffed one in the next chunk', ['+OK\r\nbare\n', '..dot\n.\n'], 'bare\r\n.dot\r\n'],
    ['".\\r\\r\\n" is a stuffed line holding a CR, not the end', ['+OK\r\n.\r\r\n.\r\n'], '\r\r\n'],
    ['a lone CR inside a line is kept', ['+OK\r\na\rb\r\n.\r\n'], 'a\rb\r\n'],
    ['one byte at a time', [...'+OK\r\n..a\r\nb\n\r\n.\r\n'], '.a\r\nb\r\n\r\n'],
  ])('%s', (_, chunks, expected) => {
    expect(collect(chunks.map(bytes))).toBe(expected);
    // Nothing of the reply is left behind.
    const core = retrieving();
    for (const chunk of chunks) core.receiveData(bytes(chunk));
    while (core.nextEvent() !== NEED_DATA);
    expect(core.buffered).toBe(0);
  });

  it('leaves what follows the "." line for the next reply (pipelined)', () => {
    const core = retrieving();
    core.pipelining = true;
    core.send({ type: 'NOOP' });
    core.receiveData(bytes('+OK\r\nbody\r\n.\r\n+OK noop\r\n'));
    const seen: unknown[] = [];
    for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) seen.push(event.type === 'message' ? event.data.toString('latin1') : event.type);
    expect(seen).toEqual(['status', 'body\r\n', 'status']);
    expect(core.pending).toBe(0);
  });

  it('raises the first bound broken, in line order, within one chunk', () => {
    // Line 2 passes maxMessageSize before line 3 passes maxContentLineLength: the size error, as line by line.
    const sizeFirst = collect([bytes('+OK\r\n12345\r\n12345\r\n1234567890123\r\n.\r\n')], { maxMessageSize: 10, maxContentLineLength: 12 });
    expect((sizeFirst as Error).message).toMatch(/larger than 10 bytes \(limits.maxMessageSize\)/);
    const lineFirst = collect([bytes('+OK\r\n1234567890123\r\n12345\r\n.\r\n')], { maxMessageSize: 10, maxContentLineLength: 12 });
    expect((lineFirst as Error).message).toMatch(/longer than 12 bytes \(limits.maxContentLineLength\)/);
  });

  it('stays in ERROR after a bound is broken, holding nothing of the body', () => {
    const core = retrieving({ maxMessageSize: 8 });
    core.receiveData(bytes('+OK\r\n'));
    core.nextEvent();
    core.receiveData(bytes('1234\r\n5678\r\n'));
    expect(() => core.nextEvent()).toThrow(/limits.maxMessageSize/);
    expect(core.state).toBe('ERROR');
    expect(() => core.nextEvent()).toThrow(/limits.maxMessageSize/);
  });
});
