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
 * `reading` flag and readStop()/readStart(). The connection's {@link NativeEnd} (native-end.ts)
 * owns the handle's `onread` and calls {@link readDirectly} while the socket reads directly: one
 * watcher per connection for both jobs.
 *
 * @module
 */
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import type { ChunkReader } from '@unitls/tls-core';

/** The parts of node:tls's TLSWrap handle used here. Internal to Node. */
export interface TLSHandle {
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

/** Whether records of `handle` can go straight to a reader (the handle is Node's, the layout not refuted). */
export function canReadDirectly(handle: TLSHandle): boolean {
  return wholeBuffer !== false && typeof handle.onread === 'function' && typeof handle.readStart === 'function' && typeof handle.readStop === 'function';
}

/**
 * One record the handle's `onread` got (`this` = `handle`; `nodeOnread` is node:tls's own):
 * straight into `reader` once the layout is known to hold, through node:tls while it is probed or
 * where it does not hold.
 */
export function readDirectly(tls: NodeTlsSocket, reader: ChunkReader, nodeOnread: NonNullable<TLSHandle['onread']>, handle: TLSHandle, arrayBuffer: ArrayBuffer): unknown {
  if (wholeBuffer === true) {
    reader.deliver(Buffer.from(arrayBuffer));
    return undefined;
  }
  if (wholeBuffer === false) return nodeOnread.call(handle, arrayBuffer);
  return probe(tls, nodeOnread, handle, arrayBuffer);
}

/** Stops the handle reading (backpressure), as node:tls does when its stream is full. */
export function stopHandle(handle: TLSHandle): void {
  handle.reading = false;
  handle.readStop!();
}

/** Restarts a handle {@link stopHandle} stopped. */
export function restartHandle(handle: TLSHandle): void {
  handle.reading = true;
  handle.readStart!();
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
