/**
 * The DATA encoding (RFC 5321 §4.5.2), streaming: every line ending becomes CRLF (bare CR and bare
 * LF included, so no message can carry the SMTP-smuggling sequences <LF>.<LF>, <LF>.<CR><LF> or
 * <CR>.<CR>), a line starting with "." gets another ".", and `end()` adds the final "." line.
 * Works chunk by chunk, so a large message never sits in memory twice.
 */
export class DataEncoder {
  #atLineStart = true;
  #pendingCR = false;

  /** Encodes one chunk; state carries over to the next. */
  push(chunk: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(chunk.length * 2 + 2);
    let n = 0;
    for (const byte of chunk) {
      if (this.#pendingCR) {
        this.#pendingCR = false;
        out[n++] = 0x0d;
        out[n++] = 0x0a;
        this.#atLineStart = true;
        if (byte === 0x0a) continue; // CRLF: already written
      }
      if (byte === 0x0d) {
        this.#pendingCR = true;
        continue;
      }
      if (byte === 0x0a) {
        out[n++] = 0x0d;
        out[n++] = 0x0a;
        this.#atLineStart = true;
        continue;
      }
      if (this.#atLineStart && byte === 0x2e) out[n++] = 0x2e;
      out[n++] = byte;
      this.#atLineStart = false;
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
