/**
 * The ciphertext received and not read yet, in a ring of reused memory. Every byte is copied in
 * once, whatever its source (processIncoming, or a socket's reused read buffer through
 * copyIncoming), and a record is read as a view of the ring; only one straddling the ring's end is
 * joined (into shared scratch memory, once per trip round the ring). The ring's memory comes from
 * a small process-wide pool and goes back to it whenever everything was read: an idle connection
 * holds none, and a busy one allocates nothing per read. At bulk rates a fresh ArrayBuffer per
 * read or per joined record is what the garbage collector spends its time on (issue #17).
 *
 * @module
 */

/** The size of pooled rings: a whole read of tls-core's direct sockets (64 KiB) and more. */
export const INCOMING_BLOCK = 128 * 1024;
/** Rings the pool keeps for the whole process (2 MiB); more are left to the garbage collector. */
const POOL_RINGS = 16;
const pool: Uint8Array[] = [];
const EMPTY = new Uint8Array(0);

/** Records straddling a ring's end are joined here; shared, as every read of a view is synchronous. */
let joinScratch = new Uint8Array(32 * 1024);

/** Uninitialised memory (only bytes written since are ever read), as a plain Uint8Array, whose views cost less to make than a Buffer's. */
function allocate(size: number): Uint8Array {
  if (size === INCOMING_BLOCK) {
    const pooled = pool.pop();
    if (pooled !== undefined) return pooled;
  }
  return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
}

function release(memory: Uint8Array): void {
  if (memory.length === INCOMING_BLOCK && pool.length < POOL_RINGS) pool.push(memory);
}

export class IncomingBytes {
  #ring: Uint8Array = EMPTY;
  /** Offset of the first unread byte. */
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Copies `data` in: the caller may change its memory as soon as this returns. */
  push(data: Uint8Array): void {
    const count = data.length;
    if (count === 0) return;
    if (this.#length + count > this.#ring.length) this.#grow(this.#length + count);
    const ring = this.#ring;
    let tail = this.#head + this.#length;
    if (tail >= ring.length) tail -= ring.length;
    const first = Math.min(count, ring.length - tail);
    ring.set(first === count ? data : data.subarray(0, first), tail);
    if (first < count) ring.set(data.subarray(first), 0);
    this.#length += count;
  }

  /** Moves the unread bytes, in order, to the start of a ring of at least `needed` bytes. */
  #grow(needed: number): void {
    let size = INCOMING_BLOCK;
    while (size < needed) size *= 2;
    const ring = allocate(size);
    if (this.#length > 0) ring.set(this.#view(this.#length, ring.subarray(0, this.#length)));
    release(this.#ring);
    this.#ring = ring;
    this.#head = 0;
  }

  /**
   * The first `n` bytes (n <= length), as a view that is valid until the next call on any
   * IncomingBytes (it may be shared scratch memory).
   */
  peek(n: number): Uint8Array {
    if (n > this.#length) throw new RangeError(`peek(${n}) with ${this.#length} buffered`);
    if (n > joinScratch.length) joinScratch = new Uint8Array(Math.max(n, 2 * joinScratch.length));
    return this.#view(n, joinScratch.subarray(0, n));
  }

  /** The first `n` bytes: a view of the ring when they do not wrap, else copied into `join`. */
  #view(n: number, join: Uint8Array): Uint8Array {
    const ring = this.#ring;
    const head = this.#head;
    if (head + n <= ring.length) return ring.subarray(head, head + n);
    const first = ring.length - head;
    join.set(ring.subarray(head), 0);
    join.set(ring.subarray(0, n - first), first);
    return join;
  }

  /** Drops the first `n` bytes (n <= length); the memory goes back to the pool once nothing is left. */
  consume(n: number): void {
    if (n > this.#length) throw new RangeError(`consume(${n}) with ${this.#length} buffered`);
    this.#length -= n;
    if (this.#length === 0) {
      release(this.#ring);
      this.#ring = EMPTY;
      this.#head = 0;
      return;
    }
    this.#head += n;
    if (this.#head >= this.#ring.length) this.#head -= this.#ring.length;
  }
}
