/**
 * Issue #16 (per-call cost): OpenSSLBuffer answers incomingBytesBuffered(), outgoingBytesBuffered()
 * and a readAvailable() that can only want input from the state the addon's last call on its
 * connection left (addon.state), without calling in. These tests hold that state to the addon's
 * own answers after every step of random sequences of writes, partial moves of ciphertext in
 * random pieces, reads, EOF, corrupted input and shutdown (fast-check): the counts equal the
 * native queues' counts, every read the buffer skipped would have wanted input, and the bytes
 * read are the bytes written. And the addon still refuses a `this` that is not a live connection
 * (a context, a freed connection, a plain object) with the errors it gave before its cheaper check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { READ_WANT_READ, TLSError, WantReadError, WantWriteError } from '@unitls/tls-core';
import { addon, State, Status } from '../src/addon.js';
import { OpenSSLBuffer } from '../src/buffer.js';
import { ca, clientContext, leaf } from './fixtures.js';

const SUITES = { cipherList: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256', cipherSuites: 'TLS_AES_128_GCM_SHA256' };

/** Native contexts of both sides for one TLS version, built with the addon directly (the test keeps the connections). */
function nativeContexts(version: 0x0303 | 0x0304): { client: object; server: object } {
  const range = { minVersion: version, maxVersion: version, ...SUITES };
  return {
    client: addon.createContext(false, { ...range, trustPem: Buffer.from(ca.certPem) }),
    server: addon.createContext(true, { ...range, chains: [{ cert: Buffer.from(leaf.certPem), key: Buffer.from(leaf.keyPem) }] }),
  };
}

interface Side {
  buffer: OpenSSLBuffer;
  native: object;
  /** Plaintext this side wrote (taken by the buffer), and what it read. */
  written: Buffer[];
  read: Buffer[];
  /** This side's reads ended: EOF, close_notify or a failure. */
  ended: boolean;
}

function side(native: object, name: string | null): Side {
  // The buffer's context is only named by it (its sessions); the native side is the test's own.
  return { buffer: new OpenSSLBuffer(clientContext(), native, name), native, written: [], read: [], ended: false };
}

/** Runs `action`, taking WantRead/WantWrite as "not now". */
function attempt(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof WantReadError) && !(error instanceof WantWriteError)) throw error;
  }
}

function handshake(client: Side, server: Side): void {
  for (let round = 0; round < 10; round++) {
    attempt(() => client.buffer.doHandshake());
    move(client, server, Infinity, [Infinity]);
    attempt(() => server.buffer.doHandshake());
    move(server, client, Infinity, [Infinity]);
    if (client.buffer.negotiatedTlsVersion !== null && server.buffer.negotiatedTlsVersion !== null) {
      attempt(() => client.buffer.doHandshake());
      move(client, server, Infinity, [Infinity]);
      return;
    }
  }
  throw new Error('the handshake did not finish');
}

/** Moves up to `amount` ciphertext bytes from one side to the other, fed in pieces of `pieces` (cycled). */
function move(from: Side, to: Side, amount: number, pieces: number[], how: 'copy' | 'owned' | 'some' = 'copy'): void {
  const data = from.buffer.processOutgoing(amount);
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const piece = data.subarray(offset, offset + Math.max(1, pieces[i % pieces.length]!));
    if (how === 'owned') expect(to.buffer.takeIncoming(new Uint8Array(piece))).toBe(true);
    else if (how === 'some') expect(to.buffer.copyIncoming(piece)).toBe(piece.length);
    else to.buffer.processIncoming(piece);
    offset += piece.length;
  }
}

/**
 * The buffer's known byte counts equal the addon's own answers; when the addon says a read can only
 * want input (what readAvailable then answers without calling in), a real read wants input.
 */
function checkState(s: Side): void {
  expect(s.buffer.incomingBytesBuffered()).toBe(addon.incomingPending.call(s.native));
  expect(s.buffer.outgoingBytesBuffered()).toBe(addon.outgoingPending.call(s.native));
  // outgoingPending changes nothing and left this connection's state in addon.state.
  if (addon.state[State.READABLE] === 0) {
    skipped++;
    expect(addon.readInto.call(s.native, new Uint8Array(1), 0, 1, true)).toBe(-Status.WANT_READ);
    expect(s.buffer.readAvailable(new Uint8Array(16))).toBe(READ_WANT_READ);
  }
}

/** How many checks found a read that can only want input (the property must meet some). */
let skipped = 0;

/** Reads what `s` can read now (readAvailable or the PEP read), keeping the bytes. */
function readNow(s: Side, size: number, pep: boolean): void {
  if (s.ended) return;
  try {
    if (pep) {
      const data = s.buffer.read(size) as Uint8Array;
      if (data.length === 0) s.ended = true;
      else s.read.push(Buffer.from(data));
      return;
    }
    const target = new Uint8Array(size);
    const count = s.buffer.readAvailable(target);
    if (count > 0) s.read.push(Buffer.from(target.subarray(0, count)));
    else if (count === 0) s.ended = true;
  } catch (error) {
    if (error instanceof WantReadError) return;
    // RaggedEOF is a TLSError too.
    if (error instanceof TLSError) {
      s.ended = true;
      return;
    }
    throw error;
  }
}

type Step =
  | { kind: 'write'; from: 0 | 1; size: number; into: number | null }
  | { kind: 'move'; from: 0 | 1; amount: number; pieces: number[]; how: 'copy' | 'owned' | 'some' }
  | { kind: 'read'; side: 0 | 1; size: number; pep: boolean }
  | { kind: 'eof' | 'garbage' | 'shutdown'; side: 0 | 1 };

const from = fc.constantFrom(0 as const, 1 as const);
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('write' as const), from, size: fc.integer({ min: 1, max: 40_000 }), into: fc.option(fc.integer({ min: 0, max: 50_000 })) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      from,
      amount: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant(Infinity)),
      pieces: fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 4 }),
      how: fc.constantFrom('copy' as const, 'owned' as const, 'some' as const),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('read' as const), side: from, size: fc.integer({ min: 1, max: 70_000 }), pep: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('eof' as const, 'garbage' as const, 'shutdown' as const), side: from }) },
);

/** Sides whose peer's input was corrupted: what they wrote may not all be read. */
const lost = new Set<Side>();

function run(sides: [Side, Side], step: Step): void {
  switch (step.kind) {
    case 'write': {
      const s = sides[step.from];
      const peer = sides[1 - step.from]!;
      const data = Buffer.alloc(step.size);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + s.written.length) & 0xff;
      try {
        if (step.into !== null) {
          const target = new Uint8Array(step.into);
          const placed = s.buffer.writeInto(data, target);
          if (placed >= 0) {
            // Placed records come first in the stream (writeInto runs only with nothing queued);
            // records that did not fit stay queued after them.
            s.written.push(data);
            if (placed > 0) peer.buffer.processIncoming(target.subarray(0, placed));
            return;
          }
        }
        const taken = s.buffer.write(data);
        s.written.push(data.subarray(0, taken));
      } catch (error) {
        if (!(error instanceof WantWriteError) && !(error instanceof TLSError)) throw error;
      }
      return;
    }
    case 'move':
      attempt(() => move(sides[step.from], sides[1 - step.from]!, step.amount, step.pieces, step.how));
      return;
    case 'read':
      readNow(sides[step.side], step.size, step.pep);
      return;
    case 'eof':
      sides[step.side].buffer.processIncoming(new Uint8Array(0));
      return;
    case 'garbage':
      attempt(() => sides[step.side].buffer.processIncoming(Buffer.from('\x17\x03\x03\x00\x05hello', 'latin1')));
      lost.add(sides[1 - step.side]!);
      return;
    case 'shutdown':
      try {
        sides[step.side].buffer.shutdown();
      } catch (error) {
        if (!(error instanceof WantReadError) && !(error instanceof TLSError)) throw error;
      }
  }
}

describe('OpenSSLBuffer state known without calling in (issue #16)', () => {
  it.each([
    ['TLS 1.3', 0x0304],
    ['TLS 1.2', 0x0303],
  ] as const)('%s: byte counts equal the addon’s, skipped reads would want input, bytes read are bytes written (fast-check)', (_, version) => {
    const contexts = nativeContexts(version);
    fc.assert(
      fc.property(fc.array(stepArbitrary, { maxLength: 40 }), (steps) => {
        lost.clear();
        const client = side(addon.createConnection(contexts.client, 'localhost', false, null), 'localhost');
        const server = side(addon.createConnection(contexts.server, null, false, null), null);
        try {
          handshake(client, server);
          const sides: [Side, Side] = [client, server];
          for (const step of steps) {
            run(sides, step);
            checkState(client);
            checkState(server);
          }
          // Everything still in flight arrives, then everything decryptable is read.
          for (let i = 0; i < 4; i++) {
            attempt(() => move(client, server, Infinity, [Infinity]));
            attempt(() => move(server, client, Infinity, [Infinity]));
            for (const s of sides) for (let reads = 0; reads < 300 && !s.ended; reads++) {
              const before = s.read.length;
              readNow(s, 70_000, false);
              if (s.read.length === before) break;
            }
            checkState(client);
            checkState(server);
          }
          for (const [writer, reader] of [
            [client, server],
            [server, client],
          ] as const) {
            const sent = Buffer.concat(writer.written);
            const got = Buffer.concat(reader.read);
            // What was read is what was written, in order; all of it unless a side ended or was corrupted.
            expect(got.equals(sent.subarray(0, got.length))).toBe(true);
            if (!lost.has(writer) && !writer.ended && !reader.ended) expect(got.length).toBe(sent.length);
          }
        } finally {
          client.buffer.free();
          server.buffer.free();
        }
      }),
      { numRuns: 150 },
    );
    expect(skipped).toBeGreaterThan(0);
  });
});

describe('the addon refuses a `this` that is not a live connection', () => {
  const contexts = nativeContexts(0x0304);

  it('a context: TypeError "not a tls-openssl connection"', () => {
    expect(() => addon.incomingPending.call(contexts.client)).toThrow(TypeError);
    expect(() => addon.readInto.call(contexts.server, new Uint8Array(4), 0, 4, true)).toThrow(/not a tls-openssl connection/);
  });

  it('a plain object or a Buffer: TypeError "not a tls-openssl connection"', () => {
    expect(() => addon.outgoingPending.call({})).toThrow(/not a tls-openssl connection/);
    expect(() => addon.feedSome.call(Buffer.alloc(8) as unknown as object, Buffer.alloc(4))).toThrow(TypeError);
  });

  it('a freed connection: "already freed" (UNITLS_CLOSED), and the buffer says it was freed', () => {
    const native = addon.createConnection(contexts.client, 'localhost', false, null);
    const buffer = new OpenSSLBuffer(clientContext(), native, 'localhost');
    buffer.free();
    expect(() => addon.incomingPending.call(native)).toThrow(expect.objectContaining({ code: 'UNITLS_CLOSED' }));
    expect(() => buffer.incomingBytesBuffered()).toThrow(/freed/);
    expect(() => buffer.outgoingBytesBuffered()).toThrow(/freed/);
    expect(() => buffer.readAvailable(new Uint8Array(8))).toThrow(/freed/);
  });
});
