/**
 * Sans-IO text transfers (ftplib's retrlines: NLST, LIST, MLSD, RETR in ASCII): bytes from the data
 * connection in, lines out, each bounded by `maxLineLength`; and the budget that bounds a listing
 * held in memory (`maxListingSize`), counting what each entry costs to hold, not only its bytes.
 *
 * @module
 */
import { LineReader } from '@unitls/client-kit';
import { FTPProtoError, dataErrors } from '../errors.js';
import { LINE_COST } from './replies.js';

/** The default of `limits.maxListingSize`: 64 MiB, a directory of about a million entries. */
export const DEFAULT_MAX_LISTING_SIZE = 64 << 20;

/** Lines of a text transfer. */
export class TextLines {
  readonly #lines: LineReader;
  readonly #max: number;

  constructor(maxLineLength: number) {
    this.#max = maxLineLength;
    this.#lines = new LineReader({ maxLineLength, errors: dataErrors });
  }

  /** Bytes from the data connection. */
  push(chunk: Uint8Array): void {
    this.#lines.push(chunk);
  }

  /**
   * The next whole line (without CRLF or LF), decoded as UTF-8, or null when more bytes are needed.
   *
   * @throws FTPProtoError for a line longer than `maxLineLength`.
   */
  next(): string | null {
    try {
      return this.#lines.readLine()?.toString('utf8') ?? null;
    } catch {
      throw new FTPProtoError(`the server sent a listing line longer than ${this.#max} bytes (limits.maxLineLength)`);
    }
  }

  /** After the end of the data: the last line when it had no line end, else null. */
  rest(): string | null {
    const tail = this.#lines.readBytes(this.#max + 2);
    return tail === null ? null : tail.toString('utf8');
  }
}

/**
 * Bounds what a listing holds: each entry is charged its bytes plus what holding it costs
 * (`overhead`: a string and an array slot for a line, more for a parsed MLSD entry), so a flood of
 * tiny lines cannot make the client hold many times the bytes the server sent.
 */
export class ListingBudget {
  readonly #max: number;
  #used = 0;
  #entries = 0;

  constructor(maxListingSize: number = DEFAULT_MAX_LISTING_SIZE) {
    if (!(maxListingSize > 0)) throw new RangeError(`limits.maxListingSize must be a positive number of bytes, got ${maxListingSize}`);
    this.#max = maxListingSize;
  }

  /** Bytes charged so far. */
  get used(): number {
    return this.#used;
  }

  /**
   * Charges one entry of `length` characters.
   *
   * @throws FTPProtoError when the listing passes the limit (nothing of it is returned).
   */
  charge(length: number, overhead: number = LINE_COST): void {
    this.#used += length + overhead;
    this.#entries++;
    if (this.#used > this.#max) {
      throw new FTPProtoError(
        `the listing passed limits.maxListingSize (${this.#max} bytes) at entry ${this.#entries}: each entry counts its length plus ${overhead} bytes; list a smaller directory, or raise the limit`,
      );
    }
  }
}
