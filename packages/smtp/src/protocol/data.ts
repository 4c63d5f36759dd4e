/**
 * The DATA encoding (RFC 5321 §4.5.2), streaming: every line ending becomes CRLF (bare CR and bare
 * LF included, so no message can carry the SMTP-smuggling sequences <LF>.<LF>, <LF>.<CR><LF> or
 * <CR>.<CR>), a line starting with "." gets another ".", and `end()` adds the final "." line.
 * Works chunk by chunk, so a large message never sits in memory twice.
 */
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

export class DataEncoder {
  #atLineStart = true;
  /** The last byte written was a CR whose LF (the next chunk's first byte, or inserted) is still to come. */
  #afterCR = false;

  /**
   * Encodes one chunk; state carries over to the next. The output is always a fresh buffer of
   * the exact size (the caller may reuse its chunk). Bytes that need no change (CRLF-ended lines
   * not starting with ".", the common case) are copied as runs: a run breaks only where a "." is
   * added or a bare CR or LF is completed, so a well-formed chunk is one scan for line ends and
   * one copy.
   */
  push(chunk: Uint8Array): Buffer {
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const length = input.length;
    // Bytes to add, as pairs [position in input, byte]: each goes before input[position]. Found
    // in one pass; the output is then sized exactly and filled with a copy per run between them.
    const added: number[] = [];
    let i = 0;
    if (this.#afterCR && length > 0) {
      this.#afterCR = false;
      this.#atLineStart = true;
      if (input[0] === LF) i = 1;
      else added.push(0, LF);
    }
    let nextCR = -2;
    let nextLF = -2;
    while (i < length) {
      if (this.#atLineStart && input[i] === DOT) added.push(i, DOT);
      if (nextCR !== -1 && nextCR < i) nextCR = input.indexOf(CR, i);
      if (nextLF !== -1 && nextLF < i) nextLF = input.indexOf(LF, i);
      const end = Math.min(nextCR === -1 ? length : nextCR, nextLF === -1 ? length : nextLF);
      if (end === length) {
        this.#atLineStart = false;
        break;
      }
      this.#atLineStart = true;
      if (input[end] === LF) {
        added.push(end, CR); // a bare LF: CR before it
        i = end + 1;
      } else if (end + 1 === length) {
        // A CR ending the chunk: its LF comes with the next chunk, or is added.
        this.#afterCR = true;
        i = length;
      } else if (input[end + 1] === LF) {
        i = end + 2;
      } else {
        added.push(end + 1, LF); // a bare CR: LF after it
        i = end + 1;
      }
    }
    const out = Buffer.allocUnsafe(length + added.length / 2);
    let n = 0;
    let run = 0;
    for (let k = 0; k < added.length; k += 2) {
      const at = added[k]!;
      n += input.copy(out, n, run, at);
      out[n++] = added[k + 1]!;
      run = at;
    }
    input.copy(out, n, run, length);
    return out;
  }

  /** The tail: the LF of a CR that ended the last chunk, a final CRLF if the message did not end with one, and ".\r\n". */
  end(): Buffer {
    const parts: number[] = [];
    if (this.#afterCR) {
      this.#afterCR = false;
      parts.push(LF);
      this.#atLineStart = true;
    }
    if (!this.#atLineStart) parts.push(CR, LF);
    parts.push(DOT, CR, LF);
    this.#atLineStart = true;
    return Buffer.from(parts);
  }
}

/** The whole encoding of a message in memory (for small messages and tests). */
export function encodeData(message: Uint8Array): Buffer {
  const encoder = new DataEncoder();
  return Buffer.concat([encoder.push(message), encoder.end()]);
}
