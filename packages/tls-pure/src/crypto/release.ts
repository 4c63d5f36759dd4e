/**
 * Frees, at once, the memory of a fresh node:crypto output once its bytes have been copied where
 * they belong (issue #17). node:crypto's `update` returns new ArrayBuffer memory per call (a 16 KiB
 * record's ciphertext or plaintext), and V8 counts such memory until a garbage collection's sweep
 * frees it: every ~32 MiB a scavenge runs for "external memory pressure", and right after it the
 * just-scavenged (dead) bytes still count against the old generation's limit, so a process whose
 * limit leaves less room than that starts a mark-compact after each (bench/RESULTS.md, session 11).
 * Detaching the ArrayBuffer gives its memory back and takes it off V8's count immediately, so the
 * copied-out output never reaches a collection at all.
 *
 * Only memory the caller owns outright may be released: the view must cover its whole ArrayBuffer
 * (never a slice of a pool), and nothing else may hold it (its next reader would find it empty).
 *
 * @module
 */
import { MessageChannel } from 'node:worker_threads';

/** Smaller outputs (a tag, an empty `final`) are not worth a call. */
const WORTH_RELEASING = 1024;

type Release = (bytes: Uint8Array) => void;

/**
 * Detaches `bytes.buffer` (its memory freed at once) when `bytes` covers all of it and is large
 * enough to matter; otherwise does nothing. The caller must hold the only reference.
 */
export const releaseMemory: Release = chooseRelease();

function chooseRelease(): Release {
  // ES2024 ArrayBuffer.prototype.transfer (Node 22+, Deno, Bun): transfer(0) detaches this buffer and
  // frees its memory, returning an empty one.
  const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer, length?: number) => ArrayBuffer }).transfer;
  if (typeof transfer === 'function') return guarded((buffer) => void transfer.call(buffer, 0));
  // Node 20 (V8 11.3) has no transfer: posting a buffer in the transfer list of a closed MessagePort
  // detaches it and drops the message, and with it the memory (HTML's postMessage on a disentangled
  // port; Node serialises, then discards).
  try {
    const { port1 } = new MessageChannel();
    port1.close();
    return guarded((buffer) => port1.postMessage(undefined, [buffer]));
  } catch {
    return () => {};
  }
}

/** Applies `detach` to whole, large, non-shared buffers; after its first failure, never again. */
function guarded(detach: (buffer: ArrayBuffer) => void): Release {
  let works = true;
  return (bytes) => {
    const buffer = bytes.buffer;
    if (!works || bytes.byteLength < WORTH_RELEASING || bytes.byteOffset !== 0 || buffer.byteLength !== bytes.byteLength || !(buffer instanceof ArrayBuffer)) return;
    try {
      detach(buffer);
    } catch {
      works = false; // e.g. a buffer this runtime marked untransferable: keep to the garbage collector
    }
  };
}
