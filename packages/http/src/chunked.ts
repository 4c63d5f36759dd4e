/**
 * The chunked transfer coding of an HTTP/1.1 response body (RFC 9112 §7.1), decoded in place:
 * chunk data comes back as views of the received bytes, never copied. The grammar accepted is
 * RFC 9112's without leniencies (no whitespace around the size, CRLF only); anything outside it
 * stops the decoder with the bytes to show llhttp (diagnose.ts), which names the error.
 *
 * @module
 */

const SIZE_LINE = /^([0-9A-Fa-f]{1,13})(?:;[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))?)*$/;
const TRAILER_FIELD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*$/;
/** Longest chunk-size line kept while waiting for its end. */
const MAX_SIZE_LINE = 4096;

const enum State {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done,
}

/** One decoding step: body bytes (maybe empty), and how many input bytes it used. */
export interface ChunkedStep {
  data: Uint8Array | null;
  used: number;
}

/** A chunked body that breaks the grammar: `replay` is the malformed part, from a chunk's start. */
export class ChunkedFramingError extends Error {
  readonly replay: Uint8Array;
  /** The trailer section passed the bound (maxHeaderSize): llhttp may not see it, as it counts names and values only. */
  readonly trailerOverflow: boolean;
  constructor(replay: Uint8Array, trailerOverflow = false) {
    super('malformed chunked body');
    this.replay = replay;
    this.trailerOverflow = trailerOverflow;
  }
}

const CRLF = 0x0a;

export class ChunkedDecoder {
  #state = State.Size;
  /** Bytes of chunk data still to come in the current chunk. */
  #remaining = 0;
  /** The current line, when it started in an earlier input. */
  #line = '';
  /** Bytes of the DataEnd CRLF already seen. */
  #crlf = 0;
  #size = 0;
  /** The end of the last chunk's data (a view), shown with a malformed end of that chunk. */
  #lastData: Uint8Array = new Uint8Array(0);
  #trailerBytes = 0;
  /** The trailer lines read so far (at most maxTrailerSize bytes), replayed with a failure in the section. */
  #trailer = '';
  readonly #maxTrailerSize: number;

  constructor(maxTrailerSize: number) {
    this.#maxTrailerSize = maxTrailerSize;
  }

  /** True once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Decodes from the start of `input`: at most `max` bytes of chunk data (as a view of `input`),
   * or none when `input` held only framing; `used` bytes of `input` were consumed.
   *
   * @throws ChunkedFramingError when the framing is malformed.
   */
  step(input: Uint8Array, max: number): ChunkedStep {
    let at = 0;
    while (at < input.length) {
      switch (this.#state) {
        case State.Data: {
          const take = Math.min(this.#remaining, max, input.length - at);
          this.#remaining -= take;
          const data = input.subarray(at, at + take);
          if (this.#remaining === 0) {
            this.#state = State.DataEnd;
            this.#lastData = data;
          }
          return { data, used: at + take };
        }
        case State.DataEnd: {
          const expected = this.#crlf === 0 ? 0x0d : CRLF;
          if (input[at] !== expected) throw new ChunkedFramingError(this.#dataEndReplay(input, at));
          at++;
          if (++this.#crlf === 2) {
            this.#crlf = 0;
            this.#state = State.Size;
          }
          break;
        }
        case State.Size:
        case State.Trailer: {
          const end = input.indexOf(CRLF, at);
          const piece = Buffer.from(input.buffer, input.byteOffset + at, (end < 0 ? input.length : end + 1) - at).toString('latin1');
          const line = this.#line + piece;
          if (end < 0) {
            this.#line = line;
            if (this.#tooLong(line.length)) throw new ChunkedFramingError(this.#lineReplay(Buffer.from(line, 'latin1')), this.#state === State.Trailer);
            return { data: null, used: input.length };
          }
          this.#line = '';
          at = end + 1;
          this.#endLine(line, input.subarray(at));
          break;
        }
        case State.Done:
          return { data: null, used: at };
      }
    }
    return { data: null, used: at };
  }

  #tooLong(length: number): boolean {
    return this.#state === State.Size ? length > MAX_SIZE_LINE : this.#trailerBytes + length > this.#maxTrailerSize;
  }

  /** A complete line (with its LF) of the size or trailer state; `rest` is the input after it. */
  #endLine(line: string, rest: Uint8Array): void {
    const fail = (trailerOverflow = false) => new ChunkedFramingError(this.#lineReplay(Buffer.concat([Buffer.from(line, 'latin1'), rest])), trailerOverflow);
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== 0x0d) throw fail();
    if (this.#tooLong(line.length)) throw fail(this.#state === State.Trailer);
    const text = line.slice(0, -2);
    if (this.#state === State.Size) {
      const size = SIZE_LINE.exec(text);
      if (size === null) throw fail();
      this.#size = parseInt(size[1]!, 16);
      this.#remaining = this.#size;
      this.#state = this.#size === 0 ? State.Trailer : State.Data;
      return;
    }
    this.#trailerBytes += line.length;
    this.#trailer += line;
    if (text === '') this.#state = State.Done;
    else if (!TRAILER_FIELD.test(text)) throw fail();
  }

  /**
   * What to replay from a size or trailer line on: a trailer line after the last-chunk line and the
   * trailer lines before it, so llhttp reads it as a trailer field and not as a chunk size ("invalid
   * character in chunk size" at a trailer line, the message a malformed trailer line got), and
   * judges an oversized trailer section whole (HPE_HEADER_OVERFLOW, however the section arrived).
   */
  #lineReplay(bytes: Uint8Array): Uint8Array {
    return this.#state === State.Trailer ? Buffer.concat([Buffer.from(`0\r\n${this.#trailer}`, 'latin1'), bytes]) : bytes;
  }

  /** What to replay when a chunk's data is not followed by CRLF: the chunk's last data (up to 48 bytes) and what follows. */
  #dataEndReplay(input: Uint8Array, at: number): Uint8Array {
    const data = this.#lastData.subarray(Math.max(this.#lastData.length - 48, 0));
    return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, Buffer.from('\r'.repeat(this.#crlf), 'latin1'), input.subarray(at)]);
  }
}
