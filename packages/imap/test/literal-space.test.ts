/**
 * Issue #16 item 2: a literal's bytes received straight into its memory (literalSpace /
 * literalReceived, what a TLSSocket's recvInto fills), allocated once at the announced size and
 * never beyond the limits. The property drives the same bytes through the old path (every byte
 * pushed and copied by the framer) and the new one (each literal's bytes written into the space
 * it offers) and wants byte-identical events.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IMAP4ProtocolError, IMAP4UsageError, IMAPConnection, NEED_DATA, type IMAPEvent, type IMAPLimits } from '../src/mod.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const GREETING = bytes('* PREAUTH ready\r\n');

/** A connection past its greeting, SELECTED-like enough for FETCH responses. */
function connected(limits?: IMAPLimits): IMAPConnection {
  const connection = new IMAPConnection(limits ? { limits } : {});
  connection.receiveData(GREETING);
  expect(connection.nextEvent()).toMatchObject({ type: 'greeting' });
  return connection;
}

/** The one FETCH event's BODY[] after `feed` and the closing bytes. */
function bodyOf(event: IMAPEvent | typeof NEED_DATA): Uint8Array {
  if (event === NEED_DATA || event.type !== 'untagged' || event.response.type !== 'FETCH') throw new Error(`expected a FETCH, got ${String(event === NEED_DATA ? 'NEED_DATA' : event.type)}`);
  return event.response.fetch.body['BODY[]']!;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('literalSpace / literalReceived: a literal received into its own memory', () => {
  it('a 100 KiB body written in three pieces into the space offered is the body returned: the same memory, no copy', () => {
    const connection = connected();
    const body = Buffer.alloc(100 * 1024, 'abcdefgh');
    connection.receiveData(bytes(`* 1 FETCH (BODY[] {${body.length}}\r\n`));
    expect(connection.nextEvent()).toBe(NEED_DATA);
    let written = 0;
    let first: Uint8Array | null = null;
    for (const piece of [30_000, 1, body.length - 30_001]) {
      const space = connection.literalSpace()!;
      expect(space.length).toBe(body.length - written);
      first ??= space;
      expect(space.buffer).toBe(first.buffer);
      expect(space.byteOffset).toBe(first.byteOffset + written);
      body.copy(space, 0, written, written + piece);
      connection.literalReceived(piece);
      written += piece;
      expect(connection.nextEvent()).toBe(NEED_DATA);
    }
    expect(connection.literalSpace()).toBeNull(); // filled: the rest of the response is lines
    connection.receiveData(bytes(')\r\n'));
    const got = bodyOf(connection.nextEvent());
    expect(Buffer.compare(got, body)).toBe(0);
    expect(got.buffer).toBe(first!.buffer);
    expect(got.byteOffset).toBe(first!.byteOffset);
  });

  it('the bytes that arrived with the announcement are taken first; the space is what they left', () => {
    const connection = connected();
    connection.receiveData(bytes('* 1 FETCH (BODY[] {10}\r\n0123'));
    // Not yet framed: those four bytes wait, so nothing may be written past them.
    expect(connection.literalSpace()).toBeNull();
    expect(connection.nextEvent()).toBe(NEED_DATA);
    const space = connection.literalSpace()!;
    expect(space.length).toBe(6);
    bytes('456789').copy(space);
    connection.literalReceived(6);
    connection.receiveData(bytes(')\r\n'));
    expect(Buffer.from(bodyOf(connection.nextEvent())).toString('latin1')).toBe('0123456789');
  });

  it('no space below `min` bytes, outside a literal, for an empty literal, at the end of the stream', () => {
    const connection = connected();
    expect(connection.literalSpace()).toBeNull();
    connection.receiveData(bytes('* 1 FETCH (BODY[] {100}\r\n'));
    expect(connection.nextEvent()).toBe(NEED_DATA);
    expect(connection.literalSpace(101)).toBeNull();
    expect(connection.literalSpace(100)).toHaveLength(100);
    connection.receiveData(Buffer.alloc(100, 0x41));
    connection.receiveData(bytes(' BODY[TEXT] {0}\r\n'));
    expect(connection.nextEvent()).toBe(NEED_DATA);
    expect(connection.literalSpace()).toBeNull();
    connection.receiveData(bytes(' X {5}\r\n'));
    expect(connection.nextEvent()).toBe(NEED_DATA);
    connection.receiveData(new Uint8Array(0));
    expect(connection.literalSpace()).toBeNull();
  });

  it('FETCH literals armed into the caller memory: the space lies in that memory', () => {
    const connection = connected();
    const memory = new Uint8Array(64);
    connection.receiveFetchLiteralsInto(memory);
    connection.receiveData(bytes('* 1 FETCH (BODY[] {20}\r\n'));
    expect(connection.nextEvent()).toBe(NEED_DATA);
    const space = connection.literalSpace()!;
    expect(space.buffer).toBe(memory.buffer);
    bytes('x'.repeat(20)).copy(space);
    connection.literalReceived(20);
    connection.receiveData(bytes(')\r\n'));
    const body = bodyOf(connection.nextEvent());
    expect(body.buffer).toBe(memory.buffer);
    expect(Buffer.from(body).toString('latin1')).toBe('x'.repeat(20));
  });

  it('literalReceived of a count that could not have been written is a usage error and changes nothing', () => {
    const connection = connected();
    expect(() => connection.literalReceived(1)).toThrow(IMAP4UsageError);
    connection.receiveData(bytes('* 1 FETCH (BODY[] {8}\r\n'));
    expect(connection.nextEvent()).toBe(NEED_DATA);
    for (const count of [0, -1, 9, 1.5, Number.NaN]) expect(() => connection.literalReceived(count)).toThrow(/literalReceived\(.*\): not a count of bytes/);
    expect(connection.error).toBeNull();
    connection.receiveData(bytes('abcdefgh)\r\n'));
    expect(Buffer.from(bodyOf(connection.nextEvent())).toString('latin1')).toBe('abcdefgh');
  });
});

describe('an announced literal beyond the limits is refused before any memory is taken', () => {
  const MiB = 1024 * 1024;
  /** The sizes of every Buffer allocation the framer asks for while `work` runs. */
  function allocations(work: () => void): number[] {
    const sizes: number[] = [];
    for (const name of ['allocUnsafe', 'alloc', 'allocUnsafeSlow'] as const) {
      const original = Buffer[name].bind(Buffer) as (size: number) => Buffer;
      vi.spyOn(Buffer, name).mockImplementation(((size: number, ...rest: unknown[]) => {
        sizes.push(size);
        return (original as (...a: unknown[]) => Buffer)(size, ...rest);
      }) as never);
    }
    work();
    return sizes;
  }

  for (const [what, announced, limits, message] of [
    ['above maxLiteralSize', '1099511627776', { maxLiteralSize: MiB }, /1099511627776-byte literal, above the 1048576-byte limit \(limits\.maxLiteralSize\)/],
    ['more digits than any size', '9'.repeat(30), { maxLiteralSize: MiB }, /above the 1048576-byte limit \(limits\.maxLiteralSize\)/],
    ['within maxLiteralSize, above maxResponseSize', String(2 * MiB), { maxLiteralSize: 4 * MiB, maxResponseSize: MiB }, /larger than 1048576 bytes \(limits\.maxResponseSize\)/],
  ] as const) {
    it(`${what}: the error names the limit, nothing of that size is allocated, no space is offered`, () => {
      const connection = connected(limits);
      let error: unknown = null;
      const sizes = allocations(() => {
        connection.receiveData(bytes(`* 1 FETCH (BODY[] {${announced}}\r\n`));
        try {
          connection.nextEvent();
        } catch (caught) {
          error = caught;
        }
      });
      expect(error).toBeInstanceOf(IMAP4ProtocolError);
      expect((error as Error).message).toMatch(message);
      expect(sizes.filter((size) => size > 64 * 1024)).toEqual([]);
      // The failure is sticky: no memory is offered to receive into afterwards.
      expect(() => connection.literalSpace()).toThrow(error as Error);
    });
  }

  it('a literal at the limit is allocated once, at its announced size', () => {
    const connection = connected({ maxLiteralSize: MiB });
    const sizes = allocations(() => {
      connection.receiveData(bytes(`* 1 FETCH (BODY[] {${MiB}}\r\n`));
      expect(connection.nextEvent()).toBe(NEED_DATA);
    });
    expect(sizes.filter((size) => size >= 64 * 1024)).toEqual([MiB]);
    expect(connection.literalSpace()).toHaveLength(MiB);
  });
});

describe('property: literals received into their space are byte-identical to literals pushed through the framer', () => {
  /** Events as plain data (bytes as latin1), so the two paths compare by value. */
  const plain = (event: IMAPEvent) => JSON.parse(JSON.stringify(event, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)));

  /**
   * Feeds `chunks` as a socket would deliver them. `direct`: when the connection offers a literal
   * space of at least `min` bytes, the next bytes of the current chunk are written there (at most
   * the space, as recvInto reads at most its buffer) instead of being pushed.
   */
  function run(chunks: Buffer[], direct: boolean, min: number, memory: Uint8Array | null): unknown[] {
    const connection = new IMAPConnection();
    connection.receiveFetchLiteralsInto(memory);
    const events: unknown[] = [];
    const drain = () => {
      for (let event = connection.nextEvent(); event !== NEED_DATA; event = connection.nextEvent()) {
        // Copied before the next nextEvent(), which may reuse `memory` (as fetchEach hands them over).
        events.push(plain(event));
        if (event.type === 'closed') return;
      }
    };
    for (const chunk of chunks) {
      let at = 0;
      while (at < chunk.length) {
        const space = direct ? connection.literalSpace(min) : null;
        if (space !== null) {
          const n = chunk.copy(space, 0, at, Math.min(chunk.length, at + space.length));
          at += n;
          connection.literalReceived(n);
        } else {
          connection.receiveData(chunk.subarray(at));
          at = chunk.length;
        }
        drain();
      }
    }
    connection.receiveData(new Uint8Array(0));
    drain();
    return events;
  }

  function split(data: Buffer, cuts: number[]): Buffer[] {
    const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let from = 0;
    for (const point of [...points, data.length]) {
      if (point > from) out.push(data.subarray(from, point));
      from = point;
    }
    return out;
  }

  it('random FETCH responses with literals of random sizes and bytes, random splits, random `min`, with and without a reused memory', () => {
    const literal = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1000, maxLength: 5000 }));
    const item = fc.oneof(
      fc.tuple(fc.constantFrom('BODY[]', 'BODY[TEXT]', 'BINARY[1]', 'RFC822.HEADER'), literal).map(([key, b]) => Buffer.concat([bytes(`${key} {${b.length}}\r\n`), Buffer.from(b)])),
      fc.nat({ max: 99 }).map((n) => bytes(`UID ${n + 1}`)),
    );
    const response = fc.oneof(
      fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => Buffer.concat([bytes('* 1 FETCH ('), ...items.flatMap((b, i) => (i === 0 ? [b] : [bytes(' '), b])), bytes(')\r\n')])),
      fc.stringMatching(/^[a-z]{1,8}$/).map((name) => bytes(`* LIST () "/" {${name.length}}\r\n${name}\r\n`)),
      fc.constant(bytes('* 4 EXISTS\r\n')),
    );
    fc.assert(
      fc.property(
        fc.array(response, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.option(fc.nat({ max: 12_000 }), { nil: null }),
        (responses, cuts, min, size) => {
          const data = Buffer.concat([GREETING, ...responses, bytes('* BYE\r\n')]);
          const chunks = split(data, cuts);
          const old = run(chunks, false, min, null);
          expect(old).toHaveLength(responses.length + 3);
          expect(run(chunks, true, min, null)).toEqual(old);
          expect(run(chunks, true, min, size === null ? null : new Uint8Array(size))).toEqual(old);
        },
      ),
      { numRuns: 400 },
    );
  });
});
