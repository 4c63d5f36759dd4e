/**
 * The transfer verbs over the steps of ./transfer.ts: binary and text, download and upload, with
 * sinks (a callback or a Node Writable, with backpressure), sources (bytes, strings, iterables,
 * Node Readables) and progress. One transfer at a time per connection.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PrimedSource } from '@unitls/client-kit';
import { describeValue } from '@unitls/tls-core';
import { FTPError, FTPUsageError } from './errors.js';
import type { CallOptions, FTPLimits, RetrieveOptions, Sink, Source, TransferOptions } from './options.js';
import { FTPConnection, type FTPCommand } from './protocol/connection.js';
import { ListingBudget, TextLines } from './protocol/listing.js';
import { parseMlsxLine } from './protocol/parse.js';
import { DEFAULT_MAX_LINE_LENGTH, type Reply } from './protocol/replies.js';
import { download, upload, type TransferHost } from './transfer.js';

/** What the verbs need from the client. */
export interface Transfers {
  readonly host: TransferHost;
  readonly limits: FTPLimits;
  /** Marks a transfer as running (one at a time); its controller is what abort() aborts. */
  begin(): AbortController;
  end(controller: AbortController): void;
  setType(type: 'A' | 'I', options: CallOptions): Promise<void>;
  feat(options: CallOptions): Promise<Map<string, string>>;
}

const BLOCK_SIZE = 64 * 1024;

async function running<T>(transfers: Transfers, work: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = transfers.begin();
  try {
    return await work(controller.signal);
  } finally {
    transfers.end(controller);
  }
}

const kind = describeValue;

/**
 * A caller's sink, callback or source of the wrong type is refused before TYPE or the transfer
 * command is sent (it used to be a TypeError after RETR/STOR went out, then ABOR).
 *
 * @throws FTPUsageError
 */
function checkSink(sink: unknown): void {
  if (typeof sink === 'function') return;
  if (typeof sink === 'object' && sink !== null && typeof (sink as { write?: unknown }).write === 'function' && typeof (sink as { once?: unknown }).once === 'function') return;
  throw new FTPUsageError(`the sink must be a function or a Node Writable, got ${kind(sink)}; nothing was sent`);
}

function checkCallback(callback: unknown): void {
  if (typeof callback !== 'function') throw new FTPUsageError(`the line callback must be a function, got ${kind(callback)}; nothing was sent`);
}

function checkSource(source: unknown): void {
  if (typeof source === 'string' || source instanceof Uint8Array) return;
  if (typeof source === 'object' && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source)) return;
  throw new FTPUsageError(`the source must be bytes, a string, or an (async) iterable or Readable of chunks, got ${kind(source)}; nothing was sent`);
}

/** RETR-style binary download into `sink`. */
export async function retrieveBinary(transfers: Transfers, command: FTPCommand, sink: Sink, options: RetrieveOptions): Promise<Reply> {
  checkSink(sink);
  if (options.into !== undefined && typeof sink !== 'function') throw new FTPUsageError(`the into option is for a callback sink (a Writable may keep its chunks, so it gets fresh ones); nothing was sent`);
  // stream.pipeline's rule: the Writable is ended (or, on failure, destroyed) unless `end: false`.
  const writable = typeof sink === 'function' || options.end === false ? null : sink;
  // A Writable may fail between our writes (a file stream opens its file after the first write(),
  // a disk fills): an 'error' with no listener ends the process, so one listens for the whole call
  // and the next write (deadSink) or finish() reports the failure as this call's.
  const stream = typeof sink === 'function' ? null : sink;
  stream?.on('error', heldForTheCall);
  try {
    let reply: Reply;
    try {
      reply = await receiveBinary(transfers, command, sink, options);
    } catch (error) {
      // Without an error: destroy(error) would emit 'error' on a stream the caller may not listen to.
      writable?.destroy();
      throw error;
    }
    if (writable !== null) await finish(writable);
    return reply;
  } finally {
    stream?.off('error', heldForTheCall);
  }
}

/** The listener that keeps a sink's 'error' from ending the process during a download (the error is read from `errored`). */
function heldForTheCall(): void {}

/**
 * Ends `writable` and waits until it finished (its data flushed; a file stream's descriptor
 * closed), as stream.pipeline does, so the file is complete when the call returns.
 *
 * @throws FTPError "the sink failed while finishing" with the Writable's error as `cause`
 */
async function finish(writable: Writable): Promise<void> {
  if (!writable.writableEnded) writable.end();
  try {
    await finished(writable, { readable: false });
  } catch (error) {
    throw new FTPError(`the transfer completed but the sink (a Node Writable) failed while finishing: ${describe(error)}`, null, { cause: error });
  }
}

async function receiveBinary(transfers: Transfers, command: FTPCommand, sink: Sink, options: RetrieveOptions): Promise<Reply> {
  return running(transfers, async (stop) => {
    await transfers.setType('I', options);
    const write = toWriter(sink);
    const rest = options.rest ?? 0;
    let size: number | null = null;
    if (options.onProgress !== undefined && options.total === undefined && command.verb.toUpperCase() === 'RETR' && command.argument !== undefined && (await transfers.feat(options)).has('SIZE')) {
      size = await transfers.host.size(command.argument);
    }
    // What this call should bring: the file's size less the restart offset (vsftpd's 150 names the
    // whole file's size too, even after REST).
    const left = (whole: number | null) => (whole === null ? null : Math.max(0, whole - rest));
    let total: number | null = left(options.total ?? size);
    let bytes = 0;
    const progress = options.onProgress;
    const counted = (length: number): void => {
      bytes += length;
      progress?.({ bytes, total });
    };
    return download(transfers.host, command, {
      rest: options.rest,
      signal: options.signal,
      stop,
      text: false,
      size,
      total: options.total,
      // Only when the caller asked (RetrieveOptions.into): a sink that keeps its chunks would
      // otherwise see them overwritten.
      into: options.into,
      // Synchronous unless the sink is not (a promise from the callback, a Writable that is full):
      // the transfer loop then awaits nothing per chunk. Progress counts a chunk once written.
      each: (chunk, announced) => {
        total ??= left(announced);
        const written = write(chunk);
        if (!isThenable(written)) return counted(chunk.length);
        return Promise.resolve(written).then(() => counted(chunk.length));
      },
    });
  });
}

/** A text transfer: each line without its line end, decoded as UTF-8, handed to `callback` in order. */
export async function retrieveLines(transfers: Transfers, command: FTPCommand, callback: (line: string) => void | Promise<void>, options: CallOptions): Promise<Reply> {
  checkCallback(callback);
  return running(transfers, async (stop) => {
    await transfers.setType('A', options);
    const lines = new TextLines(transfers.limits.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
    const reply = await download(transfers.host, command, {
      signal: options.signal,
      stop,
      text: true,
      each: async (chunk, _announced, ended) => {
        lines.push(chunk);
        for (let line = lines.next(); line !== null; line = lines.next()) {
          await callback(line);
          // The callback may have ended the transfer (its signal, abort(), close()): the lines
          // of this chunk already received are not handed over after that (break16).
          if (ended.aborted) throw ended.reason;
        }
      },
    });
    const last = lines.rest();
    if (last !== null) await callback(last);
    return reply;
  });
}

/** What an MLSD entry costs to hold beyond its bytes: the pair, the facts object, each fact. */
const MLSD_ENTRY_COST = 96;
const MLSD_FACT_COST = 48;

/** One MLSD line as an entry, charged to the listing's budget. */
export function mlsdEntry(line: string, budget: ListingBudget): [string, Record<string, string>] {
  const entry = parseMlsxLine(line);
  let facts = 0;
  for (const _ in entry[1]) facts++;
  budget.charge(line.length, MLSD_ENTRY_COST + MLSD_FACT_COST * facts);
  return entry;
}

/** A listing held in memory (NLST, LIST, MLSD), bounded by limits.maxListingSize; a trailing `{ signal }` in `args` is the call's options. */
export async function listing<T>(transfers: Transfers, verb: string, args: Array<string | CallOptions>, entry: (line: string, budget: ListingBudget) => T): Promise<T[]> {
  const last = args.at(-1);
  const options = typeof last === 'object' ? last : {};
  const words = (typeof last === 'object' ? args.slice(0, -1) : args) as string[];
  const budget = new ListingBudget(transfers.limits.maxListingSize);
  const entries: T[] = [];
  await retrieveLines(transfers, FTPConnection.parse([verb, ...words].join(' ')), (line) => void entries.push(entry(line, budget)), options);
  return entries;
}

/** STOR-style binary upload from `source`. */
export function storeBinary(transfers: Transfers, prepare: () => FTPCommand, source: Source, options: TransferOptions): Promise<Reply> {
  return storing(transfers, prepare, source, options, 'I', (command, from, stop) => {
    const total = options.total ?? (typeof source === 'string' ? Buffer.byteLength(source) : source instanceof Uint8Array ? source.length : null);
    let bytes = 0;
    return upload(transfers.host, command, chunks(from, options.blocksize ?? BLOCK_SIZE, command), {
      rest: options.rest,
      signal: options.signal,
      stop,
      each: (length) => {
        bytes += length;
        options.onProgress?.({ bytes, total });
      },
    });
  });
}

/** A text upload: every line end sent as CRLF. */
export function storeLines(transfers: Transfers, prepare: () => FTPCommand, source: Source, options: CallOptions): Promise<Reply> {
  return storing(transfers, prepare, source, options, 'A', (command, from, stop) =>
    upload(transfers.host, command, crlfLines(from, command), { signal: options.signal, stop, each: () => {} }),
  );
}

/**
 * What every upload verb does around its transfer: the source is listened to before anything can
 * refuse the call (`prepare` checks the options and parses the command), its first chunk awaited
 * before TYPE (and so before STOR/APPE/STOU), and it is released however the call ends.
 */
async function storing(
  transfers: Transfers,
  prepare: () => FTPCommand,
  source: Source,
  options: CallOptions,
  type: 'A' | 'I',
  transfer: (command: FTPCommand, from: Source, stop: AbortSignal) => Promise<Reply>,
): Promise<Reply> {
  // Listened to from now on, whatever refuses the call: a Readable's failure is never an unhandled 'error' event.
  const primed = PrimedSource.of<Uint8Array | string>(source);
  try {
    const command = prepare();
    checkSource(source);
    return await running(transfers, async (stop) => {
      if (primed !== null) await sourceReady(primed, command, options.signal);
      await transfers.setType(type, options);
      return transfer(command, primed ?? source, stop);
    });
  } finally {
    primed?.release();
  }
}

/**
 * Waits for the source's first chunk (or its end) before anything is sent: a source that cannot
 * start (a missing file) fails the call before STOR/APPE/STOU could create or truncate the remote file.
 *
 * @throws FTPError with the source's failure as `cause` ("nothing was sent"); the signal's reason
 */
async function sourceReady(primed: PrimedSource<unknown>, command: FTPCommand, signal: AbortSignal | undefined): Promise<void> {
  try {
    await primed.ready(signal);
  } catch (error) {
    if (signal?.aborted === true && error === signal.reason) throw error;
    throw new FTPError(`the source failed before ${command.verb.toUpperCase()} was sent: ${describe(error)}; nothing was sent`, null, { cause: error });
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Text with every line end (LF or CRLF) as CRLF, in pieces that end at a line end. */
async function* crlfLines(source: Source, command: FTPCommand): AsyncGenerator<Uint8Array> {
  let carry = '';
  for await (const chunk of chunks(source, BLOCK_SIZE, command)) {
    const text = carry + Buffer.from(chunk).toString('utf8');
    const last = text.lastIndexOf('\n');
    carry = text.slice(last + 1);
    if (last >= 0) yield Buffer.from(text.slice(0, last + 1).replace(/\r?\n/g, '\r\n'), 'utf8');
  }
  if (carry !== '') yield Buffer.from(`${carry}\r\n`, 'utf8');
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * Why nothing more can be written to `sink`, or null: a destroyed or errored Writable never emits
 * 'drain' again (nor, once it has, 'error'), so waiting for either would hang the transfer.
 */
function deadSink(sink: Writable): Error | null {
  const errored = (sink as { errored?: unknown }).errored;
  if (errored !== null && errored !== undefined) return errored instanceof Error ? errored : new FTPUsageError(`the sink failed: ${String(errored)}`, null, { cause: errored });
  if (sink.destroyed === true) return new FTPUsageError('the sink (a Node Writable) was destroyed before the transfer ended; nothing more could be written to it');
  return null;
}

function toWriter(sink: Sink): (chunk: Uint8Array) => unknown {
  if (typeof sink === 'function') return sink;
  return (chunk) => {
    // A sink that failed since the last write (its 'error' came while we were not waiting).
    let dead = deadSink(sink);
    if (dead !== null) return Promise.reject(dead);
    if (sink.write(chunk)) return;
    dead = deadSink(sink);
    if (dead !== null) return Promise.reject(dead);
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        sink.off('drain', done);
        sink.off('error', done);
        sink.off('close', closed);
        if (error) reject(error);
        else resolve();
      };
      // Destroyed while we wait (without an error): 'close' is all that comes.
      const closed = () => done(deadSink(sink) ?? new FTPUsageError('the sink (a Node Writable) was closed before the transfer ended'));
      sink.once('drain', done);
      sink.once('error', done);
      sink.once('close', closed);
    });
  };
}

/**
 * The source's chunks as bytes.
 *
 * @throws FTPError "the source failed during STOR after N bytes" (cause: the source's failure);
 *   FTPUsageError for a chunk that is not bytes or a string
 */
function chunks(source: Source, blocksize: number, command: FTPCommand): SourceChunks {
  if (typeof source === 'string') source = Buffer.from(source, 'utf8');
  return new SourceChunks(source instanceof Uint8Array ? source : (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator](), blocksize, command.verb);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * {@link chunks}' iterator, written out rather than an async generator: a step of an iterable
 * source costs the source's own promise and one reaction, a slice of bytes one resolved promise
 * (the generator's await and yield cost ~4 promises more per chunk, each chunk of every upload:
 * issue #16, tests/ftp/promises-per-chunk). However it ends (the source's end or failure, a bad
 * chunk, return() from the loop that left early), the source is told to return once.
 */
class SourceChunks implements AsyncIterableIterator<Uint8Array> {
  readonly #bytes: Uint8Array | null;
  readonly #iterator: AsyncIterator<Uint8Array | string> | null;
  readonly #blocksize: number;
  readonly #verb: string;
  #at = 0;
  /** Bytes handed out so far (the failure's message says how many). */
  #count = 0;
  #finished = false;

  constructor(source: Uint8Array | AsyncIterator<Uint8Array | string>, blocksize: number, verb: string) {
    this.#bytes = source instanceof Uint8Array ? source : null;
    this.#iterator = source instanceof Uint8Array ? null : source;
    this.#blocksize = blocksize;
    this.#verb = verb;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#finished) return Promise.resolve(DONE);
    const bytes = this.#bytes;
    if (bytes !== null) {
      if (this.#at >= bytes.length) {
        this.#finished = true;
        return Promise.resolve(DONE);
      }
      const piece = bytes.subarray(this.#at, this.#at + this.#blocksize);
      this.#at += piece.length;
      return Promise.resolve({ done: false, value: piece });
    }
    let pending: Promise<IteratorResult<Uint8Array | string>>;
    try {
      pending = this.#iterator!.next();
    } catch (error) {
      return Promise.reject(this.#failed(error));
    }
    return Promise.resolve(pending).then(this.#step, this.#fail);
  }

  return(): Promise<IteratorResult<Uint8Array, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  readonly #step = (step: IteratorResult<Uint8Array | string>): IteratorResult<Uint8Array, undefined> => {
    if (step.done === true) {
      this.#finish();
      return DONE;
    }
    const chunk = step.value;
    let value: Uint8Array;
    if (typeof chunk === 'string') value = Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) value = chunk;
    else {
      this.#finish();
      // Not a failure of the data connection (it used to be reported as one): the caller's chunk.
      throw new FTPUsageError(`the source yielded ${kind(chunk)}: yield Uint8Array or string chunks`);
    }
    this.#count += value.length;
    return { done: false, value };
  };

  readonly #fail = (error: unknown): never => {
    throw this.#failed(error);
  };

  #failed(error: unknown): FTPError {
    this.#finish();
    return new FTPError(`the source failed during ${this.#verb.toUpperCase()} after ${this.#count} bytes: ${describe(error)}`, null, { cause: error });
  }

  /** The source is told to return (once), as the generator's `finally` did. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const iterator = this.#iterator;
    if (iterator === null) return;
    try {
      void Promise.resolve(iterator.return?.()).catch(() => {});
    } catch {
      // A source whose return() throws has nothing left to release.
    }
  }
}
