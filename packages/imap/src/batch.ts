/**
 * The commands of one operation (one command, or several pipelined) and what arrived for them.
 *
 * @module
 */
import { IMAP4ProtocolError, IMAP4ReplyError } from './errors.js';
import type { TaggedResponse, UntaggedResponse } from './protocol/responses.js';

export interface CommandResult {
  readonly tagged: TaggedResponse;
  /** The untagged responses that arrived while the command ran (not kept anywhere else). */
  readonly untagged: UntaggedResponse[];
}

export interface Pending {
  readonly tag: string;
  readonly name: string;
  readonly untagged: UntaggedResponse[];
  tagged: TaggedResponse | null;
  /** Where the EXISTS / RECENT kept for this command is in `untagged`. */
  counts?: { EXISTS?: number; RECENT?: number };
}

/** Untagged data goes to the oldest command still running (RFC 9051 §5.5 leaves it unattributed). */
export class Batch {
  readonly all: Pending[] = [];
  readonly #byTag = new Map<string, Pending>();
  readonly #maxResultSize: number;
  readonly #coalesce: boolean;
  #open = 0;
  #oldest = 0;
  #bytes = 0;

  /** `coalesce: false` keeps every response (IDLE, whose consumer takes them as they come). */
  constructor(maxResultSize = Infinity, coalesce = true) {
    this.#maxResultSize = maxResultSize;
    this.#coalesce = coalesce;
  }

  add(tag: string, name: string): Pending {
    const pending: Pending = { tag, name, untagged: [], tagged: null };
    this.all.push(pending);
    this.#byTag.set(tag, pending);
    this.#open++;
    return pending;
  }

  get open(): number {
    return this.#open;
  }

  get current(): Pending | undefined {
    while (this.#oldest < this.all.length - 1 && this.all[this.#oldest]!.tagged !== null) this.#oldest++;
    return this.all[this.#oldest];
  }

  /**
   * Keeps an untagged response for the oldest running command. EXISTS and RECENT report the
   * mailbox's current size: only the latest of each is kept (where the first was), so a flood of
   * them holds nothing.
   *
   * @throws IMAP4ProtocolError past `maxResultSize` bytes of responses for this operation.
   */
  keep(response: UntaggedResponse, bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > this.#maxResultSize) {
      throw new IMAP4ProtocolError(`the server sent more than ${this.#maxResultSize} bytes of responses to ${this.all.map((p) => p.name).join(', ')} (limits.maxResultSize)`);
    }
    const pending = this.current;
    if (pending === undefined) return;
    if (this.#coalesce && (response.type === 'EXISTS' || response.type === 'RECENT')) {
      const counts = (pending.counts ??= {});
      const at = counts[response.type];
      if (at !== undefined) {
        pending.untagged[at] = response;
        return;
      }
      counts[response.type] = pending.untagged.length;
    }
    pending.untagged.push(response);
  }

  has(name: string): boolean {
    return this.all.some((p) => p.name === name);
  }

  complete(response: TaggedResponse): void {
    const pending = this.#byTag.get(response.tag);
    this.#byTag.delete(response.tag);
    if (pending === undefined) throw new IMAP4ProtocolError(`the server completed ${response.tag}, which this operation did not send`);
    pending.tagged = response;
    this.#open--;
  }
}

/** The result of a completed command, or its NO/BAD as an IMAP4ReplyError. */
export function finish(pending: Pending): CommandResult {
  const tagged = pending.tagged!;
  if (tagged.status !== 'OK') {
    const code = tagged.code ? `[${tagged.code.name}] ` : '';
    throw new IMAP4ReplyError(`${pending.name} failed: ${tagged.status} ${code}${tagged.text}`, tagged.status, tagged.text);
  }
  return { tagged, untagged: pending.untagged };
}
