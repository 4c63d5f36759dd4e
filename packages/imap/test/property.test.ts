/**
 * Issue #18: one fast-check property per core. Random splits of the server's bytes give the same
 * events; random server garbage gives events or a protocol error, never another exception and
 * never a hang (every call returns, and the end of the stream always ends the session).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMAP4ProtocolError, IMAPConnection, NEED_DATA, decodeMailbox, encodeMailbox, type IMAPEvent } from '../src/mod.js';

const SESSION = [
  '* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Dovecot ready.\r\n',
  '* LIST (\\HasNoChildren) "/" 012345\r\n',
  '* LIST () "/" {5}\r\nhe)(o\r\n\r\n',
  '* 3 EXISTS\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n',
  '* 9 FETCH (UID 17 BODY[] {21}\r\nSubject: hi\r\n\r\nbody\r\n\r\n)\r\n',
  '* 1 FETCH (MODSEQ (9223372036854775807) FLAGS (\\Seen 2024) ENVELOPE ("d" "s" (("n" NIL "m" "h")) NIL NIL NIL NIL NIL NIL "<i>"))\r\n',
  '* SEARCH 7456 \r\n* STATUS 200 (MESSAGES 3 HIGHESTMODSEQ 12)\r\n',
  '* BYE\r\n',
].join('');

/** The events of `chunks` fed one by one, then EOF; garbage may end in a protocol error. */
function run(chunks: Uint8Array[], memory: Uint8Array | null = null): { events: unknown[]; error: IMAP4ProtocolError | null } {
  const connection = new IMAPConnection();
  // Each event's bytes are copied by keep() before the next nextEvent(), as fetchEach hands them over.
  connection.receiveFetchLiteralsInto(memory);
  const events: unknown[] = [];
  const keep = (event: IMAPEvent) => JSON.parse(JSON.stringify(event, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)));
  try {
    for (const chunk of [...chunks, new Uint8Array(0)]) {
      connection.receiveData(chunk);
      // Each call either consumes input or reports NEED_DATA: this loop always ends.
      for (let event = connection.nextEvent(); event !== NEED_DATA; event = connection.nextEvent()) {
        events.push(keep(event));
        if (event.type === 'closed') return { events, error: null };
      }
    }
    throw new Error('the end of the stream did not end the session');
  } catch (error) {
    if (error instanceof IMAP4ProtocolError) return { events, error };
    throw error;
  }
}

function split(data: Buffer, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    out.push(data.subarray(from, point));
    from = point;
  }
  out.push(data.subarray(from));
  return out.filter((c) => c.length > 0);
}

describe('IMAPConnection properties', () => {
  const wire = Buffer.from(SESSION, 'latin1');
  const whole = run([wire]);

  it('the session parses whole', () => {
    expect(whole.error).toBeNull();
    expect(whole.events).toHaveLength(11);
  });

  it('random splits of the same bytes give the same events', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(run(split(wire, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('FETCH literals received into a reused memory of any size: the same events for random splits (issue #16)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), fc.nat({ max: 64 }), fc.nat({ max: 8 }), (cuts, size, offset) => {
        const memory = new Uint8Array(size + offset).fill(0x2a).subarray(offset);
        expect(run(split(wire, cuts), memory)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('random FETCH, LIST and EXISTS responses with literals of random bytes: the same events with a reused memory of any size as without', () => {
    const literal = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.concat([Buffer.from(`{${b.length}}\r\n`), Buffer.from(b)]));
    const item = fc.oneof(
      fc.tuple(fc.constantFrom('BODY[]', 'BODY[TEXT]', 'BINARY[1]', 'RFC822.HEADER'), literal).map(([key, l]) => Buffer.concat([Buffer.from(`${key} `), l])),
      // A subject literal is text (strict UTF-8): ASCII here, so every generated response parses.
      fc.stringMatching(/^[a-zA-Z0-9 ]{0,30}$/).map((t) => Buffer.from(`ENVELOPE (NIL {${t.length}}\r\n${t} NIL NIL NIL NIL NIL NIL NIL NIL)`)),
      fc.nat({ max: 99 }).map((n) => Buffer.from(`UID ${n + 1}`)),
    );
    const response = fc.oneof(
      fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => Buffer.concat([Buffer.from('* 1 FETCH ('), ...items.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from(' '), b])), Buffer.from(')\r\n')])),
      fc.stringMatching(/^[a-z]{1,8}$/).map((name) => Buffer.from(`* LIST () "/" {${name.length}}\r\n${name}\r\n`)),
      fc.constant(Buffer.from('* 4 EXISTS\r\n')),
    );
    fc.assert(
      fc.property(fc.array(response, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), fc.nat({ max: 100 }), (responses, cuts, size) => {
        const data = Buffer.concat([Buffer.from('* OK ready\r\n'), ...responses]);
        const plain = run(split(data, cuts));
        expect(plain.error).toBeNull();
        expect(plain.events).toHaveLength(responses.length + 2);
        expect(run(split(data, cuts), new Uint8Array(size))).toEqual(plain);
      }),
      { numRuns: 500 },
    );
  });

  it('random garbage gives events or a protocol error, never another exception or a hang', () => {
    const alphabet = fc.constantFrom(...'* OK NO BAD BYE PREAUTH FETCH LIST ( ) [ ] { } {3} ~{2} " \\ \r\n \r \n 0 1 9 NIL A0001 + UID BODY[] \0 \xff'.split(' '));
    fc.assert(
      fc.property(fc.array(fc.oneof(alphabet, fc.string()), { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, cuts) => {
        const data = Buffer.from(pieces.join(''), 'latin1');
        const result = run(split(data, cuts));
        expect(result.error === null || result.error instanceof IMAP4ProtocolError).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes after a valid greeting never throw anything but a protocol error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = run([Buffer.from('* PREAUTH hi\r\n'), bytes]);
        expect(result.error === null || result.error instanceof IMAP4ProtocolError).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('modified UTF-7 properties (issue #18 item 9: linear, total)', () => {
  it('any Unicode name survives encode then decode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (name) => {
        expect(decodeMailbox(encodeMailbox(name))).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it('names full of "&", "-" and base64 decode without error and never grow', () => {
    const alphabet = fc.constantFrom('&', '&', '&', '-', 'A', 'P', 'w', '+', ',', '/', ' ');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 400 }), (chars) => {
        const wire = chars.join('');
        const name = decodeMailbox(wire);
        // Decoding never lengthens a name: a shift sequence yields at most its own length.
        expect(name.length).toBeLessThanOrEqual(wire.length);
      }),
      { numRuns: 1000 },
    );
  });
});
