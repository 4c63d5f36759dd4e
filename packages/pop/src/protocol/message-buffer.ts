/**
 * The bytes of a message being collected (RETR, TOP): one buffer that grows by doubling, or
 * straight to the size the server announced once the bytes confirm it is near, never past the
 * message size limit (the core counts each line against that limit before appending it).
 *
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;
/** The first buffer when the server gave no size; it doubles as needed. */
const FIRST_CAPACITY = 16 * 1024;
/** The most a size announced by the server ("+OK 1234 octets") may make us reserve before its bytes arrive. */
const MAX_HINT = 1024 * 1024;

export class MessageBuffer {
  #buffer: Buffer;
  #length = 0;
  /** The size the +OK announced (trusted for growth only once the bytes get near it). */
  readonly #announced: number | null;
  readonly #max: number;

  /** `announced`: the size the server gave, or null; `max`: the message size limit, in bytes. */
  constructor(announced: number | null, max: number) {
    this.#announced = announced;
    this.#max = max;
    this.#buffer = Buffer.allocUnsafe(Math.max(64, Math.min(announced ?? FIRST_CAPACITY, MAX_HINT, max)));
  }

  /** Appends bytes [start, end) of `source`. */
  append(source: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.#reserve(end - start);
    this.#length += source.copy(this.#buffer, this.#length, start, end);
  }

  appendCRLF(): void {
    this.#reserve(2);
    this.#buffer[this.#length++] = CR;
    this.#buffer[this.#length++] = LF;
  }

  /** The message; a buffer reserved far too large (a wrong size announced) is not kept alive by it. */
  take(): Buffer {
    const data = this.#buffer.subarray(0, this.#length);
    return this.#buffer.length > 2 * data.length + 4096 ? Buffer.from(data) : data;
  }

  #reserve(more: number): void {
    const needed = this.#length + more;
    if (needed <= this.#buffer.length) return;
    // Straight to the announced size once the bytes confirm it is near; doubling otherwise.
    const announced = this.#announced;
    const target = announced !== null && announced >= needed ? announced : Math.max(needed, this.#buffer.length * 2);
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(target, this.#max)));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}
