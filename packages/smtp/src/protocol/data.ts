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
  #pendingCR = false;

  /**
   * Encodes one chunk; state carries over to the next. Runs between line endings are copied
   * whole (found with indexOf), so the cost is a native scan, not a JavaScript loop per byte.
   */
  push(chunk: Uint8Array): Buffer {
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const length = input.length;
    const out = Buffer.allocUnsafe(length * 2 + 2);
    let n = 0;
    let i = 0;
    let nextCR = -2;
    let nextLF = -2;
    while (i < length) {
      if (this.#pendingCR) {
        this.#pendingCR = false;
        out[n++] = CR;
        out[n++] = LF;
        this.#atLineStart = true;
        if (input[i] === LF) i++; // CRLF: already written
        continue;
      }
      if (this.#atLineStart && input[i] === DOT) out[n++] = DOT;
      if (nextCR !== -1 && nextCR < i) nextCR = input.indexOf(CR, i);
      if (nextLF !== -1 && nextLF < i) nextLF = input.indexOf(LF, i);
      const end = Math.min(nextCR === -1 ? length : nextCR, nextLF === -1 ? length : nextLF);
      if (end > i) {
        n += input.copy(out, n, i, end);
        this.#atLineStart = false;
      }
      if (end === length) break;
      i = end + 1;
      if (input[end] === LF) {
        out[n++] = CR;
        out[n++] = LF;
        this.#atLineStart = true;
      } else this.#pendingCR = true;
    }
    return out.subarray(0, n);
  }

  /** The tail: a pending CR, a final CRLF if the message did not end with one, and ".\r\n". */
  end(): Buffer {
    const parts: number[] = [];
    if (this.#pendingCR) {
      this.#pendingCR = false;
      parts.push(0x0d, 0x0a);
      this.#atLineStart = true;
    }
    if (!this.#atLineStart) parts.push(0x0d, 0x0a);
    parts.push(0x2e, 0x0d, 0x0a);
    this.#atLineStart = true;
    return Buffer.from(parts);
  }
}

/** The whole encoding of a message in memory (for small messages and tests). */
export function encodeData(message: Uint8Array): Buffer {
  const encoder = new DataEncoder();
  return Buffer.concat([encoder.push(message), encoder.end()]);
}
