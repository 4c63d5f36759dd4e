/**
 * ChunkReader (src/chunk-reader.ts): what a reader holds per stream (issue #16 item 3: an idle
 * server keeps one reader per connection) and the reading it keeps doing with less.
 */
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { promisesCreatedBy } from '../../../tests/support/promise-count.js';
import { ChunkReader, type ReadOutcome } from '../src/chunk-reader.js';

const EVENTS = ['data', 'end', 'error', 'close'] as const;

describe('ChunkReader', () => {
  it('registers the same listener functions on every stream (no closures per reader), and removes them on detach', () => {
    const [a, b] = [new PassThrough(), new PassThrough()];
    const readers = [new ChunkReader(a), new ChunkReader(b)];
    for (const event of EVENTS) {
      expect(a.listeners(event)).toHaveLength(1);
      expect(b.listeners(event)).toHaveLength(1);
      expect(a.listeners(event)[0]).toBe(b.listeners(event)[0]);
    }
    for (const reader of readers) reader.detach();
    for (const event of EVENTS) expect(a.listenerCount(event) + b.listenerCount(event)).toBe(0);
  });

  it('gives every byte to each reader attached to one stream; one detached, the other still reads', async () => {
    const stream = new PassThrough();
    const first = new ChunkReader(stream);
    const second = new ChunkReader(stream);
    stream.write(Buffer.from('ab'));
    expect(Buffer.from(await first.read(10)).toString()).toBe('ab');
    expect(Buffer.from(await second.read(10)).toString()).toBe('ab');
    expect(first.detach()).toHaveLength(0);
    // Detaching twice changes nothing. Detaching pauses the stream (a STARTTLS hand-over): whoever
    // reads on resumes it.
    first.detach();
    stream.resume();
    stream.write(Buffer.from('cd'));
    expect(Buffer.from(await second.read(10)).toString()).toBe('cd');
    expect(await first.read(10)).toHaveLength(0);
    // A third one attached after the first left hears what comes next, as the second does.
    const third = new ChunkReader(stream);
    stream.end(Buffer.from('ef'));
    expect(Buffer.from(await second.read(10)).toString()).toBe('ef');
    expect(Buffer.from(await third.read(10)).toString()).toBe('ef');
    expect(await second.read(10)).toHaveLength(0);
    expect(await third.read(10)).toHaveLength(0);
    second.detach();
    expect(stream.listenerCount('data')).toBe(1);
    third.detach();
    for (const event of EVENTS) expect(stream.listenerCount(event)).toBe(0);
  });

  it("without a flow, pauses the stream at its high-water mark and resumes it once read below", async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream, 8);
    stream.write(Buffer.alloc(5, 1));
    stream.write(Buffer.alloc(5, 2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.buffered).toBe(10);
    expect(stream.isPaused()).toBe(true);
    const read = await reader.read(6);
    expect([...read]).toEqual([1, 1, 1, 1, 1, 2]);
    expect(stream.isPaused()).toBe(false);
    expect([...(await reader.read(10))]).toEqual([2, 2, 2, 2]);
    const waiting = reader.read(4);
    stream.write(Buffer.from([3]));
    expect([...(await waiting)]).toEqual([3]);
    reader.detach();
  });

  it('reports the stream error after the held bytes, and reads of an ended stream resolve empty', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream);
    stream.write(Buffer.from('x'));
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy(new Error('boom'));
    expect(Buffer.from(await reader.read(4)).toString()).toBe('x');
    await expect(reader.read(4)).rejects.toThrow('boom');
    reader.detach();
  });

  it('a read that waits is one promise (no async frame), and is settled from the reader', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream);
    // An async read() would add its own promise and an await's (2-3 in all).
    const waiting = promisesCreatedBy(() => reader.read(10));
    expect(waiting.promises).toBe(1);
    // A second read while one waits is a misuse, reported to that caller only.
    await expect(reader.read(10)).rejects.toThrow(/concurrent reads/);
    stream.write(Buffer.from('ab'));
    expect(Buffer.from(await waiting.result).toString()).toBe('ab');
    stream.write(Buffer.from('c'));
    await new Promise((resolve) => setImmediate(resolve));
    const held = promisesCreatedBy(() => reader.read(10));
    expect(held.promises).toBe(1);
    expect(Buffer.from(await held.result).toString()).toBe('c');
    reader.detach();
  });

  it("adds no 'data' listener when its ReadFlow delivers every byte (deliversAll), unless the stream already holds bytes; the end still comes", async () => {
    const flow = { pause() {}, resume() {}, isPaused: () => false, deliversAll: () => true };
    const stream = new PassThrough();
    const reader = new ChunkReader(stream, 1024, flow);
    // Before: a 'data' listener on every stream, one more entry in its table of listeners.
    expect(stream.listenerCount('data')).toBe(0);
    for (const event of ['end', 'error', 'close']) expect(stream.listenerCount(event), event).toBe(1);
    reader.deliver(Buffer.from('direct'));
    expect(Buffer.from(await reader.read(16)).toString()).toBe('direct');
    // The stream still flows without a 'data' listener, so its end is emitted and heard.
    const waiting = reader.read(4);
    stream.end();
    expect(await waiting).toHaveLength(0);
    reader.detach();

    // Bytes the stream holds when the reader attaches come as 'data': they are not lost.
    const holding = new PassThrough();
    holding.pause();
    holding.write(Buffer.from('held'));
    const late = new ChunkReader(holding, 1024, flow);
    expect(holding.listenerCount('data')).toBe(1);
    expect(Buffer.from(await late.read(16)).toString()).toBe('held');
    late.detach();
    expect(holding.listenerCount('data')).toBe(0);
  });

  it('gives a waiting read every chunk delivered in the same turn, up to its size', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream, 1024, {
      pause() {},
      resume() {},
      isPaused: () => false,
    });
    const waiting = reader.read(5);
    // node:tls hands several records over in one go: one read gets them together.
    reader.deliver(Buffer.from('ab'));
    reader.deliver(Buffer.from('cd'));
    reader.deliver(Buffer.from('ef'));
    expect(Buffer.from(await waiting).toString()).toBe('abcde');
    expect(Buffer.from(await reader.read(5)).toString()).toBe('f');
    // A read that waits when the reader is detached resolves empty.
    const last = reader.read(5);
    expect(reader.detach()).toHaveLength(0);
    expect(await last).toHaveLength(0);
  });

  it('settles end and errors as its ReadOutcome says, for waiting reads and later ones', async () => {
    const ended: string[] = [];
    const outcome: ReadOutcome = {
      endError: () => (ended.push('end'), new Error('ragged')),
      readError: (error) => new Error(`mapped: ${(error as Error).message}`),
    };
    const stream = new PassThrough();
    const reader = new ChunkReader(stream, undefined, undefined, outcome);
    const waiting = reader.read(4);
    await expect(reader.read(4)).rejects.toThrow('mapped: concurrent reads');
    stream.end(Buffer.from('xy'));
    expect(Buffer.from(await waiting).toString()).toBe('xy');
    await expect(reader.read(4)).rejects.toThrow('ragged');
    await expect(reader.read(4)).rejects.toThrow('ragged');
    expect(ended).toEqual(['end', 'end']);
    reader.detach();

    const failing = new PassThrough();
    const other = new ChunkReader(failing, undefined, undefined, outcome);
    const pending = other.read(4);
    failing.destroy(new Error('boom'));
    await expect(pending).rejects.toThrow('mapped: boom');
    await expect(other.read(4)).rejects.toThrow('mapped: boom');
    other.detach();
  });

  it("tells its ReadOutcome of each 'error' event (streamFailed) while attached, before it holds the error, so the owner needs no listener of its own", async () => {
    const seen: string[] = [];
    const outcome: ReadOutcome = {
      endError: () => null,
      readError: (error) => error,
      streamFailed(stream, error) {
        seen.push(`${stream === failing} ${(error as Error).message} held:${reader.error !== null}`);
      },
    };
    const failing = new PassThrough();
    const reader = new ChunkReader(failing, undefined, undefined, outcome);
    expect(failing.listenerCount('error')).toBe(1);
    const pending = reader.read(4);
    failing.emit('error', new Error('first'));
    failing.emit('error', new Error('second'));
    expect(seen).toEqual(['true first held:false', 'true second held:true']);
    await expect(pending).rejects.toThrow('first');
    reader.detach();
    failing.on('error', () => {});
    failing.emit('error', new Error('after detach'));
    expect(seen).toHaveLength(2);
  });

  it("calls a stream's own lifelong listener from its own when its ReadOutcome allows (mayShareListener): one listener, no array, both still run in order", async () => {
    const calls: string[] = [];
    const outcome: ReadOutcome = {
      endError: () => null,
      readError: (error) => error,
      mayShareListener: (event, listener) => event !== 'error' && listener.name === 'streamOwn',
    };
    const streams = [new PassThrough(), new PassThrough()];
    // Functions of the stream's own, shared by both streams (as node:tls's are).
    const ownEnd = { streamOwn(this: PassThrough) { calls.push(`own end ${streams.indexOf(this)}`); } }.streamOwn;
    const ownClose = { streamOwn() { calls.push('own close'); } }.streamOwn;
    const otherClose = () => calls.push('other close');
    for (const stream of streams) {
      stream.on('end', ownEnd);
      stream.on('close', otherClose);
      stream.on('close', ownClose);
    }
    const [first, second] = streams.map((stream) => new ChunkReader(stream, undefined, undefined, outcome));
    // 'end': the stream's own and the reader's, as one shared function; 'close' had two already.
    expect(streams[0]!.listenerCount('end')).toBe(1);
    expect(streams[0]!.listeners('end')).toEqual(streams[1]!.listeners('end'));
    expect(streams[0]!.listenerCount('close')).toBe(3);
    expect(streams[0]!.listenerCount('error')).toBe(1);
    const reading = first!.read(4);
    streams[0]!.end(Buffer.from('ab'));
    expect(Buffer.from(await reading).toString()).toBe('ab');
    await new Promise((resolve) => streams[0]!.once('close', resolve));
    expect(calls).toEqual(['own end 0', 'other close', 'own close']);
    expect(first!.done).toBe(true);
    // After detach the stream's own listener still runs; a reader attached again adds nothing.
    second!.detach();
    const again = new ChunkReader(streams[1]!, undefined, undefined, outcome);
    expect(streams[1]!.listenerCount('end')).toBe(1);
    const last = again.read(4);
    streams[1]!.end();
    expect(await last).toHaveLength(0);
    expect(calls.slice(3, 4)).toEqual(['own end 1']);
  });

  it('readHeld takes the oldest chunk (never a join of several) without waiting; onArrival wakes once, in a microtask, without a promise', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream, 8);
    expect(reader.readHeld(10)).toHaveLength(0);
    const woken: string[] = [];
    const registering = promisesCreatedBy(() => reader.onArrival(() => woken.push(`woken, ${reader.buffered} held`)));
    expect(registering.promises).toBe(0);
    reader.deliver(Buffer.from('abc'));
    reader.deliver(Buffer.from('defgh'));
    expect(woken).toEqual([]); // not inside the stream's event
    await Promise.resolve();
    expect(woken).toEqual(['woken, 8 held']);
    expect(stream.isPaused()).toBe(true); // at the high-water mark
    expect(Buffer.from(reader.readHeld(2)).toString()).toBe('ab');
    expect(Buffer.from(reader.readHeld(10)).toString()).toBe('c');
    expect(stream.isPaused()).toBe(false); // below it again
    const held = reader.readHeld(10);
    expect(Buffer.from(held).toString()).toBe('defgh');
    expect(reader.readHeld(10)).toHaveLength(0);
    // Once only: the next chunk wakes nobody unless asked again.
    reader.deliver(Buffer.from('i'));
    await Promise.resolve();
    expect(woken).toHaveLength(1);
    expect(Buffer.from(reader.readHeld(10)).toString()).toBe('i');
    // cancelRead wakes the callback (its owner checks why); so does the end of the stream.
    reader.onArrival(() => woken.push('cancelled'));
    reader.cancelRead(new Error('interrupted'));
    await Promise.resolve();
    reader.onArrival(() => woken.push(`ended, done ${reader.done}`));
    stream.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken.slice(1)).toEqual(['cancelled', 'ended, done true']);
    reader.detach();
  });

  it('readers woken in one turn are all woken in the next microtask, in order; one woken again while they are settles after them, each once', async () => {
    const readers = [0, 1, 2].map(() => new ChunkReader(new PassThrough()));
    const woken: string[] = [];
    for (const [i, reader] of readers.entries()) reader.onArrival(() => woken.push(`reader ${i}`));
    const [a, b, c] = readers as [ChunkReader, ChunkReader, ChunkReader];
    // Reader 0 asks again from its callback and gets more bytes while 1 and 2 still wait to be woken:
    // it goes on a later list, not into the one being settled (which would wake it twice now).
    a.onArrival(() => {
      woken.push('reader 0');
      a.onArrival(() => woken.push('reader 0 again'));
      a.deliver(Buffer.from('later'));
      c.deliver(Buffer.from('more')); // already queued: still woken once
    });
    c.deliver(Buffer.from('z'));
    a.deliver(Buffer.from('x'));
    b.deliver(Buffer.from('y'));
    a.deliver(Buffer.from('x2')); // queued already: no second entry
    expect(woken).toEqual([]);
    await Promise.resolve();
    expect(woken).toEqual(['reader 2', 'reader 0', 'reader 1']);
    await Promise.resolve();
    expect(woken).toEqual(['reader 2', 'reader 0', 'reader 1', 'reader 0 again']);
    // Waiting reads of several readers settle from one wake-up each, then the list is empty again.
    expect(readers.map((reader) => Buffer.from(reader.drain()).toString())).toEqual(['xx2later', 'y', 'zmore']);
    const reads = readers.map((reader) => reader.read(100));
    for (const reader of [c, b, a]) reader.deliver(Buffer.from('!'));
    expect((await Promise.all(reads)).map((chunk) => Buffer.from(chunk).toString())).toEqual(['!', '!', '!']);
    for (const reader of readers) reader.detach();
  });

  it('a subclass made without a stream is its own flow and outcome: given its stream later (setSource), reads once started (startReading); attachedTo finds it', async () => {
    class OwnReader extends ChunkReader {
      paused = false;
      constructor() {
        super(null);
      }
      use(stream: PassThrough): void {
        this.setSource(stream, this, this);
      }
      start(): void {
        this.startReading();
      }
      pause(): void {
        this.paused = true;
      }
      resume(): void {
        this.paused = false;
      }
      isPaused(): boolean {
        return this.paused;
      }
      endError(): unknown {
        return new Error('ended by its own outcome');
      }
      readError(error: unknown): unknown {
        return error;
      }
    }
    const stream = new PassThrough();
    const reader = new OwnReader();
    expect(() => reader.start()).toThrow(TypeError);
    reader.use(stream);
    // Nothing listens before it starts, and no table entry finds it yet.
    for (const event of EVENTS) expect(stream.listenerCount(event)).toBe(0);
    expect(ChunkReader.attachedTo(stream)).toBeUndefined();
    reader.start();
    expect(() => reader.start()).toThrow(TypeError);
    expect(ChunkReader.attachedTo(stream)).toBe(reader);
    stream.write(Buffer.from('abc'));
    expect(Buffer.from(await reader.read(10)).toString()).toBe('abc');
    stream.end();
    await expect(reader.read(1)).rejects.toThrow('ended by its own outcome');
    reader.detach();
    expect(ChunkReader.attachedTo(stream)).toBeUndefined();
  });

  it('error: null until the stream fails, then its error while held bytes are still readable', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream);
    stream.write(Buffer.from('x'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.error).toBeNull();
    stream.destroy(new Error('boom'));
    await new Promise((resolve) => setImmediate(resolve));
    expect((reader.error as Error).message).toBe('boom');
    expect(Buffer.from(reader.readHeld(4)).toString()).toBe('x');
    reader.detach();
  });

  it('readInto: one promise that waits and settles with the count copied (chunks of one turn together), 0 at the end; a lost target rejects and takes nothing', async () => {
    const stream = new PassThrough();
    const reader = new ChunkReader(stream);
    const target = new Uint8Array(8);
    const waiting = promisesCreatedBy(() => reader.readInto(target));
    expect(waiting.promises).toBe(1);
    await expect(reader.readInto(new Uint8Array(4))).rejects.toThrow(/concurrent reads/);
    stream.write(Buffer.from('abc'));
    stream.write(Buffer.from('defghij'));
    expect(await waiting.result).toBe(8);
    expect(Buffer.from(target).toString()).toBe('abcdefgh');
    // Held bytes: copied at once.
    expect(await reader.readInto(target)).toBe(2);
    expect(Buffer.from(target.subarray(0, 2)).toString()).toBe('ij');
    // Detached while waiting: rejects with lost()'s error; the bytes wait for the next read.
    const memory = new Uint8Array(new ArrayBuffer(4));
    const lost = reader.readInto(memory);
    structuredClone(memory.buffer, { transfer: [memory.buffer] });
    stream.write(Buffer.from('kl'));
    await expect(lost).rejects.toThrow(/detached or shrunk.*nothing was read/);
    expect(Buffer.from(await reader.read(10)).toString()).toBe('kl');
    const ending = reader.readInto(target);
    stream.end();
    expect(await ending).toBe(0);
    expect(await reader.readInto(target)).toBe(0);
    reader.detach();
  });

  it('returns every delivered byte once, in order, for any chunk sizes, any bursts per turn and any reads (read, readInto, readHeld, drain)', async () => {
    // The held chunks are one slot plus an array only while several are held (issue #16): chunks
    // piling up in bursts, reads smaller and larger than one chunk or several, reads that wait.
    const op = fc.record({ kind: fc.constantFrom('read', 'readInto', 'readHeld', 'drain'), size: fc.integer({ min: 1, max: 200 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 70 }), { minLength: 1, maxLength: 40, size: 'max' }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }),
        fc.array(op, { minLength: 1, maxLength: 8 }),
        async (chunks, bursts, ops) => {
          const reader = new ChunkReader(new PassThrough(), 64, { pause() {}, resume() {}, isPaused: () => false });
          const got: Uint8Array[] = [];
          let next = 0;
          let turn = 0;
          const burst = () => {
            for (let n = bursts[turn++ % bursts.length]!; n > 0 && next < chunks.length; n--) reader.deliver(chunks[next++]!);
          };
          for (let i = 0; next < chunks.length || reader.buffered > 0; i++) {
            burst();
            // Bursts of 0 and no read that waits would make no progress.
            if (reader.buffered === 0 && next < chunks.length) reader.deliver(chunks[next++]!);
            const { kind, size } = ops[i % ops.length]!;
            if (kind === 'readHeld') {
              const piece = reader.readHeld(size);
              expect(piece.length).toBeLessThanOrEqual(size);
              got.push(Uint8Array.from(piece));
            } else if (kind === 'drain') got.push(Uint8Array.from(reader.drain()));
            else if (reader.buffered > 0 || next < chunks.length) {
              const target = kind === 'readInto' ? new Uint8Array(size + 2).subarray(1, size + 1) : null;
              const reading = target === null ? reader.read(size) : reader.readInto(target).then((count) => target.subarray(0, count));
              // A read that waits is settled by the next chunk (in a microtask, with the rest of its turn).
              while (reader.waiting && reader.buffered === 0 && next < chunks.length) {
                const before = next;
                burst();
                if (next === before) reader.deliver(chunks[next++]!);
              }
              const piece = await reading;
              expect(piece.length).toBeGreaterThan(0);
              expect(piece.length).toBeLessThanOrEqual(size);
              got.push(Uint8Array.from(piece));
            }
          }
          expect(reader.buffered).toBe(0);
          expect(Buffer.compare(Buffer.concat(got), Buffer.concat(chunks))).toBe(0);
          reader.detach();
        },
      ),
      { numRuns: 300 },
    );
  });
});
