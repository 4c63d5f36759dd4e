/**
 * Decrypted bytes straight from node:tls's TLS handle into a {@link ChunkReader}, on the native
 * path (TLS directly on the TCP handle, see native-end.ts): each record node:tls decrypts reaches
 * JavaScript as one call of the handle's `onread` with an ArrayBuffer holding exactly those bytes
 * (src/stream_base.cc, EmitToJSStreamListener::OnStreamRead), which lib/internal/stream_base_commons.js
 * `onStreamRead` wraps in a Buffer and pushes through the Readable machinery ('data' event,
 * buffering, maybeReadMore) to our reader. Taking the ArrayBuffer at `onread` skips that
 * machinery: measured on a bare receive loop, 20–35% less client CPU per MiB (4 KiB and 16 KiB
 * records). Ends and errors (no ArrayBuffer) still go through node:tls's own handler.
 *
 * The layout (whole ArrayBuffer = the bytes read) is Node's internal behaviour: it is checked
 * once per process against what node:tls itself delivers for a first record, and anything else
 * keeps node:tls's path. Backpressure is what node:tls does when its stream is full: the handle's
 * `reading` flag and readStop()/readStart().
 *
 * @module
 */
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import type { ChunkReader, ReadFlow } from '@unitls/tls-core';

/** The parts of node:tls's TLSWrap handle used here. Internal to Node. */
interface TLSHandle {
  onread?: (this: TLSHandle, arrayBuffer?: ArrayBuffer) => unknown;
  readStart?: () => number;
  readStop?: () => number;
  reading?: boolean;
}

/** Whether `onread`'s ArrayBuffer is exactly the bytes node:tls delivers: unknown until a first record is seen. */
let wholeBuffer: boolean | null = null;

/**
 * Whether direct reads are in use in this process: true once a first record showed the layout
 * holds, false when it did not (Node 24 and 26 deliver records otherwise: node:tls's path is kept),
 * null before any record was seen. For tests and diagnostics.
 */
export function directReadsInUse(): boolean | null {
  return wholeBuffer;
}

/** Each handle's direct reads, for the one `onread` every handle shares ({@link NativeReads.start}). */
const readsOf = new WeakMap<TLSHandle, NativeReads>();

/**
 * A connection's direct reads: the flow control to give its ChunkReader (the instance itself: the
 * handle's while reads are direct, else the stream's), then {@link start}.
 */
export class NativeReads implements ReadFlow {
  readonly #tls: NodeTlsSocket;
  readonly #handle: TLSHandle | undefined;
  #previous: TLSHandle['onread'];
  #reader: ChunkReader | null = null;
  /** Who stopped the source: the handle (direct reads) or node:tls's stream; null while reading. */
  #pausedBy: 'handle' | 'stream' | null = null;
  #installed = false;

  constructor(tls: NodeTlsSocket) {
    this.#tls = tls;
    const handle = (tls as unknown as { _handle?: TLSHandle | null })._handle ?? undefined;
    const usable = handle !== undefined && typeof handle.onread === 'function' && typeof handle.readStart === 'function' && typeof handle.readStop === 'function';
    this.#handle = usable && wholeBuffer !== false ? handle : undefined;
  }

  pause(): void {
    if (this.#installed && wholeBuffer === true) {
      const handle = this.#handle!;
      this.#pausedBy = 'handle';
      handle.reading = false;
      handle.readStop!();
    } else {
      this.#pausedBy = 'stream';
      this.#tls.pause();
    }
  }

  resume(): void {
    if (this.#pausedBy === 'handle') this.#restart();
    else this.#tls.resume();
    this.#pausedBy = null;
  }

  isPaused(): boolean {
    return this.#pausedBy !== null;
  }

  /** Routes the handle's data to `reader` (a no-op where the handle is not Node's native one). */
  start(reader: ChunkReader): void {
    const handle = this.#handle;
    if (handle === undefined) return;
    this.#previous = handle.onread!;
    this.#reader = reader;
    this.#installed = true;
    // One function for every handle (an idle server holds one handle per connection): it finds
    // this connection's state through `readsOf`.
    readsOf.set(handle, this);
    handle.onread = NativeReads.#directOnread;
  }

  /** Gives the handle back to node:tls (close: what still comes is node:tls's to read or drop). */
  stop(): void {
    if (!this.#installed) return;
    this.#installed = false;
    this.#handle!.onread = this.#previous;
    // node:tls's stream believes it is reading: a handle we stopped would never deliver the end.
    if (this.#pausedBy === 'handle') {
      this.#pausedBy = null;
      this.#restart();
    }
  }

  #restart(): void {
    const handle = this.#handle!;
    handle.reading = true;
    handle.readStart!();
  }

  /** The handle's `onread` once {@link start}ed; `this` is the handle (Node calls it so). */
  static #directOnread(this: TLSHandle, arrayBuffer?: ArrayBuffer): unknown {
    const reads = readsOf.get(this)!;
    const previous = reads.#previous!;
    if (arrayBuffer === undefined || wholeBuffer === false) return previous.call(this, arrayBuffer);
    if (wholeBuffer === null) return probe(reads.#tls, previous, this, arrayBuffer);
    reads.#reader!.deliver(Buffer.from(arrayBuffer));
    return undefined;
  }
}

/**
 * The first record of the process goes through node:tls, watching the Buffer its stream delivers:
 * direct reads are used only if that Buffer is the whole ArrayBuffer `onread` was given.
 */
function probe(tls: NodeTlsSocket, previous: NonNullable<TLSHandle['onread']>, handle: TLSHandle, arrayBuffer: ArrayBuffer): unknown {
  let seen: Uint8Array | undefined;
  const spy = (chunk: Uint8Array) => {
    seen ??= chunk;
  };
  tls.prependListener('data', spy);
  try {
    return previous.call(handle, arrayBuffer);
  } finally {
    tls.off('data', spy);
    // Not delivered at once (the stream was paused): undecided, the next record is probed.
    if (seen !== undefined) wholeBuffer = seen.buffer === arrayBuffer && seen.byteOffset === 0 && seen.byteLength === arrayBuffer.byteLength;
  }
}
