/**
 * Bounds-checked reading of TLS's presentation language (RFC 8446 §3): big-endian integers and
 * length-prefixed vectors. Every read past the end, and every vector whose length breaks its
 * declared bounds, throws {@link DecodeError}; nothing is ever read out of range.
 *
 * @module
 */

/** The bytes do not parse as the structure expected (answered with a decode_error alert). */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** A cursor over one message or extension body. */
export class Reader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  #take(n: number, what: string): Uint8Array {
    if (n > this.remaining) throw new DecodeError(`${what}: needs ${n} bytes, only ${this.remaining} left`);
    const out = this.#bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  u8(what = 'uint8'): number {
    return this.#take(1, what)[0]!;
  }

  u16(what = 'uint16'): number {
    const b = this.#take(2, what);
    return (b[0]! << 8) | b[1]!;
  }

  u24(what = 'uint24'): number {
    const b = this.#take(3, what);
    return (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  }

  u32(what = 'uint32'): number {
    const b = this.#take(4, what);
    return ((b[0]! << 24) >>> 0) + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }

  bytes(n: number, what = 'opaque'): Uint8Array {
    return this.#take(n, what);
  }

  /** `opaque x<min..max>` with a `lengthBytes`-byte length prefix. */
  vector(lengthBytes: 1 | 2 | 3, what: string, min = 0, max = 2 ** (8 * lengthBytes) - 1): Uint8Array {
    const length = lengthBytes === 1 ? this.u8(what) : lengthBytes === 2 ? this.u16(what) : this.u24(what);
    if (length < min || length > max) throw new DecodeError(`${what}: length ${length} outside ${min}..${max}`);
    return this.#take(length, what);
  }

  /** A sub-reader over a length-prefixed vector. */
  sub(lengthBytes: 1 | 2 | 3, what: string, min = 0, max?: number): Reader {
    return new Reader(this.vector(lengthBytes, what, min, max));
  }

  /** Throws unless every byte was consumed (trailing bytes are a decode error in TLS). */
  end(what: string): void {
    if (this.remaining !== 0) throw new DecodeError(`${what}: ${this.remaining} unexpected trailing bytes`);
  }
}
