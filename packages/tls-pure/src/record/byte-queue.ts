/**
 * A FIFO of bytes kept as the chunks they arrived in, so feeding and draining never copy more
 * than once. Chunks are never written to once pushed, so views of them can be handed out.
 *
 * @module
 */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0; // offset into #chunks[0]
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Queues `data` by reference: the caller must never change it afterwards. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#length += data.length;
  }

  /** The first `n` bytes as one contiguous view (joining chunks only when they straddle). */
  peek(n: number): Uint8Array {
    if (n > this.#length) throw new RangeError(`peek(${n}) with ${this.#length} buffered`);
    const first = this.#chunks[0]!;
    if (first.length - this.#head >= n) return first.subarray(this.#head, this.#head + n);
    // Copy just the n bytes into one chunk and keep the rest of the last covered chunk as a view:
    // joining whole chunks would copy up to two full reads for every record that straddles them.
    const joined = Buffer.allocUnsafe(n);
    let filled = 0;
    let index = 0;
    let rest: Uint8Array | null = null;
    while (filled < n) {
      const chunk = index === 0 ? first.subarray(this.#head) : this.#chunks[index]!;
      const take = Math.min(chunk.length, n - filled);
      joined.set(take === chunk.length ? chunk : chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) rest = chunk.subarray(take);
      index++;
    }
    this.#chunks.splice(0, index, ...(rest === null ? [joined] : [joined, rest]));
    this.#head = 0;
    return joined;
  }

  consume(n: number): void {
    this.#length -= n;
    while (n > 0) {
      const first = this.#chunks[0]!;
      const left = first.length - this.#head;
      if (n < left) {
        this.#head += n;
        return;
      }
      n -= left;
      this.#chunks.shift();
      this.#head = 0;
    }
  }

  /** Removes and returns up to `n` bytes: a view when they lie in one chunk, else one copy. */
  take(n: number): Uint8Array {
    const count = Math.min(n, this.#length);
    if (count === 0) return new Uint8Array(0);
    const out = this.peek(count);
    this.consume(count);
    return out;
  }

  /** Removes up to `target.length` bytes, copying them into `target`; returns the count. */
  takeInto(target: Uint8Array): number {
    const count = Math.min(target.length, this.#length);
    let filled = 0;
    while (filled < count) {
      const first = this.#chunks[0]!;
      const available = first.length - this.#head;
      const take = Math.min(available, count - filled);
      target.set(this.#head === 0 && take === first.length ? first : first.subarray(this.#head, this.#head + take), filled);
      filled += take;
      if (take < available) this.#head += take;
      else {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    this.#length -= count;
    return count;
  }
}
