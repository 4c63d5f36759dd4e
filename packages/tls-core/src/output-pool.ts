/**
 * Reusable memory for ciphertext on its way to a node:net socket, which is done with a buffer once
 * its write callback ran: encrypted output then needs no fresh allocation per write. A fresh
 * buffer is external memory to V8: at bulk rates fresh ones set off garbage collections and
 * page faults (issue #16).
 *
 * @module
 */

/** The largest pooled buffer: a bigger write takes one of these and writes what fits. */
export const OUTPUT_BUFFER_MAX = 320 * 1024;

/**
 * What the process-wide pool keeps, at most. Every connection sending holds one buffer until its
 * write completed: 64 connections each sending 64 KiB pieces hold 64 x 80 KiB = 5 MiB at once,
 * and a pool smaller than that allocated a fresh buffer for every write of the connections
 * beyond it (issue #16: tls-openssl's CPU at 64 connections).
 */
export const OUTPUT_POOL_BYTES = 8 * 1024 * 1024;

/** Buffers sized to what is written, in steps of 16 KiB (at most `bufferMax`); keeps at most `maxBytes` of them. */
export class OutputPool {
  readonly #free: Buffer[] = [];
  #bytes = 0;
  readonly #maxBytes: number;
  readonly #bufferMax: number;

  constructor(maxBytes = OUTPUT_POOL_BYTES, bufferMax = OUTPUT_BUFFER_MAX) {
    this.#maxBytes = maxBytes;
    this.#bufferMax = bufferMax;
  }

  /** Bytes of the buffers kept for reuse now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A buffer of at least `size` bytes (or of `bufferMax` bytes, for a bigger size): a kept one when one fits. */
  take(size: number): Buffer {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      const buffer = free[i]!;
      if (buffer.length >= size || buffer.length === this.#bufferMax) {
        free.splice(i, 1);
        this.#bytes -= buffer.length;
        return buffer;
      }
    }
    return Buffer.allocUnsafeSlow(Math.min(Math.ceil(size / 16_384) * 16_384, this.#bufferMax));
  }

  /** Hands `buffer` back once nothing uses it any more; it is kept unless the pool is full. */
  give(buffer: Buffer): void {
    if (this.#bytes + buffer.length > this.#maxBytes) return;
    this.#free.push(buffer);
    this.#bytes += buffer.length;
  }
}
