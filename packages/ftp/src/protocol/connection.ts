/**
 * The sans-IO FTP control connection, in the h11 style: `receiveData(bytes)` (empty = the server
 * closed), `nextEvent()` (a reply event, or NEED_DATA), `send(command)` (the bytes to write). What
 * may be sent and what each reply does come from the table in ./states.ts. After a protocol error
 * or a disconnect while a reply is awaited the connection is in ERROR and every call raises that
 * first error. No I/O, no timers: the FTP class moves bytes between a transport and this.
 *
 * @module
 */
import { checkLine, encodeCommand, redact } from '@unitls/client-kit';
import { FTPConnectionError, FTPProtoError, FTPUsageError, ftpErrors } from '../errors.js';
import { ReplyReader, type Reply, type ReplyLimits } from './replies.js';
import { FTPState, MAX_RESYNC_REPLIES, TRANSITIONS, kindOf, replyClass, type CommandKind } from './states.js';

/** A command: a verb (RFC 959 §5.3.1) and its argument, sent as "VERB argument". */
export interface FTPCommand {
  readonly verb: string;
  readonly argument?: string | undefined;
}

/** A reply, with the verb it answers ('GREETING' for the greeting, null when unsolicited: a 421). */
export interface ReplyEvent {
  readonly type: 'reply';
  readonly command: string | null;
  readonly reply: Reply;
  /** True when this reply ends the exchange (no further reply to that command is due). */
  readonly final: boolean;
}

/** ABOR + NOOP resynchronised the connection: the replies discarded on the way, NOOP's 200 last. */
export interface ResyncedEvent {
  readonly type: 'resynced';
  readonly discarded: readonly Reply[];
}

/** The server closed the connection while no reply was awaited. */
export interface ClosedEvent {
  readonly type: 'closed';
}

export type FTPEvent = ReplyEvent | ResyncedEvent | ClosedEvent;

/** `nextEvent()`'s answer when more bytes are needed. */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

const VERB = /^[A-Za-z][A-Za-z0-9]{2,15}$/;
const INJECTION = 'the server sent data after its AUTH TLS go-ahead, before the TLS handshake (possible response injection)';
/** States in which the exchange with the server is not over yet. */
const OPEN_EXCHANGE: ReadonlySet<FTPState> = new Set<FTPState>([FTPState.GREETING, FTPState.WAITING, FTPState.TRANSFER_REQUESTED, FTPState.TRANSFER]);

/** How many of the replies read while resynchronising an error quotes (the last ones). */
const QUOTED_REPLIES = 3;

/** The replies read while resynchronising, quoted for an error: `, after it replied "426 ...", "500 OOPS: ..."`. */
function lastWords(replies: readonly Reply[]): string {
  if (replies.length === 0) return '';
  const quoted = replies.slice(-QUOTED_REPLIES).map((reply) => JSON.stringify(reply.text.slice(0, 200)));
  return `, after it replied ${quoted.join(', ')}`;
}

/** The last error reply (4xx, 5xx) among `replies`: the server's reason, kept as the error's reply. */
function lastFailure(replies: readonly Reply[]): Reply | null {
  for (let i = replies.length - 1; i >= 0; i--) if (replies[i]!.code >= 400) return replies[i]!;
  return null;
}

/** The sans-IO FTP control connection. */
export class FTPConnection {
  #state: FTPState = FTPState.GREETING;
  #error: Error | null = null;
  readonly #replies: ReplyReader;
  /** The command whose reply is awaited. */
  #awaited: { verb: string; kind: CommandKind | 'GREETING' } | null = { verb: 'GREETING', kind: 'GREETING' };
  #discarded: Reply[] = [];
  #eof = false;

  constructor(limits: ReplyLimits = {}) {
    this.#replies = new ReplyReader(limits);
  }

  /** The current state (see ./states.ts). */
  get state(): FTPState {
    return this.#state;
  }

  /** The verb whose reply is awaited, or null. */
  get awaiting(): string | null {
    return this.#awaited?.verb ?? null;
  }

  /** Bytes received and not yet consumed (must be 0 when TLS starts). */
  get buffered(): number {
    return this.#replies.buffered;
  }

  #check(): void {
    if (this.#error !== null) throw this.#error;
  }

  #fail(error: Error): never {
    this.#error = error;
    this.#state = FTPState.ERROR;
    throw error;
  }

  /**
   * Bytes from the server; an empty array means it closed the connection.
   *
   * @throws the sticky error; FTPProtoError for bytes after the AUTH TLS go-ahead (injection).
   */
  receiveData(data: Uint8Array): void {
    this.#check();
    if (data.length === 0) {
      this.#eof = true;
      return;
    }
    if (this.#eof) throw new FTPUsageError('receiveData after the end of the stream');
    if (this.#state === FTPState.TLS) this.#fail(new FTPProtoError(INJECTION));
    this.#replies.lines.push(data);
  }

  /**
   * The next event, or NEED_DATA.
   *
   * @throws (and stays in ERROR with) FTPProtoError for a malformed, oversized or unsolicited reply
   *   or one the state does not allow, and FTPConnectionError when the server closed while a reply
   *   was awaited.
   */
  nextEvent(): FTPEvent | typeof NEED_DATA {
    this.#check();
    // Paused until the TLS handshake (startedTls): what follows the go-ahead is not ours to read.
    if (this.#state === FTPState.TLS) return NEED_DATA;
    for (;;) {
      let reply: Reply | null;
      try {
        reply = this.#replies.next();
      } catch (error) {
        this.#fail(error as Error);
      }
      if (reply === null) return this.#atEnd();
      if (this.#state !== FTPState.RESYNC) return this.#answer(reply);
      const event = this.#resync(reply);
      if (event !== null) return event;
    }
  }

  #atEnd(): ClosedEvent | typeof NEED_DATA {
    if (!this.#eof) return NEED_DATA;
    if (this.#awaited === null && this.#state !== FTPState.RESYNC && this.#replies.buffered === 0) {
      this.#state = FTPState.CLOSED;
      return { type: 'closed' };
    }
    const where = this.#replies.inReply ? 'in the middle of a reply' : this.#awaited === null ? 'while resynchronising after ABOR' : `before answering ${this.#awaited.verb}`;
    // What it said on the way out (vsftpd's "500 OOPS: ...", a 421) is the reason: kept, not discarded.
    const said = this.#state === FTPState.RESYNC ? this.#discarded : [];
    this.#fail(new FTPConnectionError(`the server closed the connection ${where}${lastWords(said)}`, lastFailure(said)));
  }

  #answer(reply: Reply): ReplyEvent {
    const awaited = this.#awaited;
    if (awaited === null) {
      // RFC 959 §4.2: 421 may come at any time when the server must shut down.
      if (reply.code === 421) {
        this.#state = FTPState.CLOSED;
        return { type: 'reply', command: null, reply, final: true };
      }
      this.#fail(new FTPProtoError(`the server sent a reply nobody asked for: ${reply.text.slice(0, 120)}`, reply));
    }
    const transition = TRANSITIONS[this.#state].reply[awaited.kind];
    let next = transition?.[reply.code] ?? transition?.[replyClass(reply.code)];
    if (next === undefined) this.#fail(new FTPProtoError(`reply ${reply.code} to ${awaited.verb} is not valid in state ${this.#state}: ${reply.text.slice(0, 120)}`, reply));
    if (reply.code === 421) next = FTPState.CLOSED;
    this.#state = next;
    const final = !OPEN_EXCHANGE.has(next);
    if (final) this.#awaited = null;
    return { type: 'reply', command: awaited.verb, reply, final };
  }

  #resync(reply: Reply): ResyncedEvent | null {
    this.#discarded.push(reply);
    // NOOP's 200 is the one reply known to come last (transfer and ABOR replies vary by server).
    if (reply.code === 200) {
      const discarded = this.#discarded;
      this.#discarded = [];
      this.#state = FTPState.IDLE;
      return { type: 'resynced', discarded };
    }
    if (this.#discarded.length >= MAX_RESYNC_REPLIES) {
      this.#fail(new FTPProtoError(`the server did not resynchronise after ABOR (${this.#discarded.length} replies without NOOP's 200)${lastWords(this.#discarded)}`, lastFailure(this.#discarded) ?? reply));
    }
    return null;
  }

  /**
   * The bytes of `command`, and the reply it awaits recorded. ABOR during a transfer also sends
   * NOOP, and the connection resynchronises (RESYNC) on NOOP's answer.
   *
   * @throws FTPUsageError (nothing recorded) when the verb is not a verb, an argument holds CR, LF
   *   or NUL, or the command is not allowed in this state.
   */
  send(command: FTPCommand): Uint8Array {
    this.#check();
    if (typeof command.verb !== 'string' || !VERB.test(command.verb)) throw new FTPUsageError(`not an FTP command verb: ${JSON.stringify(String(command.verb).slice(0, 40))}`);
    const verb = command.verb.toUpperCase();
    const kind = kindOf(verb);
    const next = TRANSITIONS[this.#state].send[kind];
    if (next === undefined) {
      const why = this.#awaited === null ? '' : ` (the reply to ${this.#awaited.verb} is still awaited: read it first)`;
      throw new FTPUsageError(`${verb} cannot be sent in state ${this.#state}${why}`);
    }
    const argument = command.argument === undefined ? undefined : checkLine(`the argument of ${verb}`, command.argument, ftpErrors);
    let bytes: Uint8Array = encodeCommand(argument === undefined ? verb : `${verb} ${argument}`, ftpErrors);
    if (next === FTPState.RESYNC) {
      bytes = Buffer.concat([bytes, encodeCommand('NOOP', ftpErrors)]);
      this.#awaited = null;
      this.#discarded = [];
    } else this.#awaited = { verb, kind };
    this.#state = next;
    return bytes;
  }

  /** The TLS handshake after AUTH TLS finished: back to IDLE. */
  startedTls(): void {
    this.#check();
    if (this.#state !== FTPState.TLS) throw new FTPUsageError(`startedTls() in state ${this.#state}: AUTH TLS was not accepted`);
    if (this.#replies.buffered > 0) this.#fail(new FTPProtoError(INJECTION));
    this.#state = FTPState.IDLE;
  }

  /**
   * A command line of the caller's (ftplib's sendcmd) as a command: the verb, then the rest.
   *
   * @throws FTPUsageError for CR, LF or NUL anywhere, or a line that does not start with a verb.
   */
  static parse(line: string): FTPCommand {
    checkLine('the command', line, ftpErrors);
    const space = line.indexOf(' ');
    return space < 0 ? { verb: line } : { verb: line.slice(0, space), argument: line.slice(space + 1) };
  }

  /** The text of `command` for diagnostics, with passwords and accounts redacted. */
  static trace(command: FTPCommand): string {
    const verb = command.verb.toUpperCase();
    if (command.argument === undefined) return verb;
    return verb === 'PASS' || verb === 'ACCT' ? redact(verb, verb.length) : `${verb} ${command.argument}`;
  }
}
