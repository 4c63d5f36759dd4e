/**
 * When is a download complete? FTP ends a download by closing the data connection; under PROT P
 * that close should carry TLS close_notify, and a plain TCP FIN without it (a "ragged EOF") may be
 * a truncation by an attacker — or just a server that never sends close_notify on data connections
 * (IIS: FluentFTP#410; FileZilla Server 0.9: FluentFTP#948). The rule (the package README says it
 * for users), the same on every TLS implementation:
 *
 * - a clean end (close_notify, or a connection without TLS) is complete: the final reply decides;
 * - a ragged end is accepted when the final reply is 2xx and either the transfer is text (a
 *   listing: its size is never known) or at least the known size arrived (SIZE, the 150 reply's
 *   "(n bytes)", or the size the caller passed, e.g. from an MLSD size fact);
 * - otherwise it fails with an FTPConnectionError whose cause is RaggedEOF and that says how many
 *   bytes arrived.
 *
 * An implementation that cannot see close_notify (`features.raggedEOF === false`, tls-node) reports
 * every end as clean; the client then treats every PROT P end as possibly ragged, so the verdict on
 * a truncated transfer is the same whatever the implementation.
 *
 * @module
 */
import { RaggedEOF } from '@unitls/tls-core';
import { FTPConnectionError } from '../errors.js';
import type { Reply } from './replies.js';

/** How the data connection ended. */
export type DataEnd = 'clean' | 'ragged' | 'unknown';

/** What is known when a download's data connection ended and its final reply came. */
export interface Completion {
  readonly end: DataEnd;
  /** Bytes received on the data connection. */
  readonly bytes: number;
  /** Sizes the download should have, when known (any one reached is enough: see {@link expectedSizes}). */
  readonly expected: readonly number[];
  /** A text transfer (LIST, NLST, MLSD, ASCII RETR): no size can be checked. */
  readonly text: boolean;
  /** The final reply (2xx here: other codes raise their own error first). */
  readonly reply: Reply;
  /** The RaggedEOF the implementation raised, when it did. */
  readonly cause?: unknown;
}

/**
 * The sizes a download may have: the caller's total or SIZE, minus the restart offset; else a 150
 * reply's "(n bytes)". After REST servers give that either as the file's size or as what is left to
 * send, and reading it the smaller way would accept a truncation (the remaining size less REST), so
 * with a restart offset it counts only beside SIZE or the total, which decide: none is known then
 * (the caller asks SIZE).
 */
export function expectedSizes(options: { size: number | null; announced: number | null; rest: number; total?: number | undefined }): number[] {
  const sizes: number[] = [];
  if (options.total !== undefined) sizes.push(options.total - options.rest);
  if (options.size !== null) sizes.push(options.size - options.rest);
  if (sizes.length === 0 && options.announced !== null && options.rest === 0) sizes.push(options.announced);
  return sizes.filter((size) => size >= 0);
}

/** True when the download needs a size to be accepted and none is known yet (ask SIZE then). */
export function needsSize(completion: Omit<Completion, 'expected'> & { expected: readonly number[] }): boolean {
  return completion.end !== 'clean' && !completion.text && completion.expected.length === 0;
}

/**
 * Null when the download is complete by the rule above, else the error to raise.
 */
export function incomplete(completion: Completion): FTPConnectionError | null {
  if (completion.end === 'clean' || completion.text) return null;
  const { bytes, expected } = completion;
  if (expected.some((size) => bytes >= size)) return null;
  const cause = completion.cause instanceof RaggedEOF
    ? completion.cause
    : new RaggedEOF('the data connection ended on an implementation that cannot tell whether close_notify was sent (features.raggedEOF is false)');
  const known = expected.length === 0 ? 'its size is unknown (no SIZE, no size in the 150 reply), so a truncation cannot be ruled out' : `${Math.max(...expected)} bytes were expected`;
  return new FTPConnectionError(
    `the data connection ended without TLS close_notify after ${bytes} bytes and ${known}; although the server said "${completion.reply.text.slice(0, 80)}", the download may be truncated (pass the known size as options.total to check it)`,
    completion.reply,
    { cause },
  );
}
