/**
 * Building TLS structures: big-endian integers and length-prefixed vectors, the lengths patched
 * in once the body is written.
 *
 * @module
 */

/** A growable output buffer. */
export class Writer {
  #buffer = new Uint8Array(256);
  #length = 0;

  #room(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
  }

  get length(): number {
    return this.#length;
  }

  u8(value: number): this {
    this.#room(1);
    this.#buffer[this.#length++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.#room(2);
    this.#buffer[this.#length++] = (value >>> 8) & 0xff;
    this.#buffer[this.#length++] = value & 0xff;
    return this;
  }

  u24(value: number): this {
    this.#room(3);
    this.#buffer[this.#length++] = (value >>> 16) & 0xff;
    this.#buffer[this.#length++] = (value >>> 8) & 0xff;
    this.#buffer[this.#length++] = value & 0xff;
    return this;
  }

  u32(value: number): this {
    this.u16(Math.floor(value / 0x10000) & 0xffff);
    return this.u16(value & 0xffff);
  }

  bytes(data: Uint8Array): this {
    this.#room(data.length);
    this.#buffer.set(data, this.#length);
    this.#length += data.length;
    return this;
  }

  /** A vector with a `lengthBytes`-byte length prefix around what `body` writes. */
  vector(lengthBytes: 1 | 2 | 3, body: (w: this) => void): this {
    const at = this.#length;
    this.#room(lengthBytes);
    this.#length += lengthBytes;
    body(this);
    const length = this.#length - at - lengthBytes;
    if (length >= 2 ** (8 * lengthBytes)) throw new RangeError(`vector of ${length} bytes does not fit a ${lengthBytes}-byte length`);
    for (let i = 0; i < lengthBytes; i++) this.#buffer[at + i] = (length >>> (8 * (lengthBytes - 1 - i))) & 0xff;
    return this;
  }

  /** `opaque x<..>` from bytes. */
  opaque(lengthBytes: 1 | 2 | 3, data: Uint8Array): this {
    return this.vector(lengthBytes, (w) => w.bytes(data));
  }

  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
