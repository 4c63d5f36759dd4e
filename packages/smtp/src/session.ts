/**
 * The thin loop under SMTP: moves bytes between the ClientConnection (@unitls/client-kit) and the
 * sans-IO SMTPConnection, one operation (one deadline) per reply and per write, and traces what
 * crosses (debug output and diagnostics channels, SASL data redacted). Any failure while reading
 * closes the connection before it is raised. Internal: not exported by the package.
 *
 * @module
 */
import type { ClientConnection, PrimedSource } from '@unitls/client-kit';
import { describeValue } from '@unitls/tls-core';
import { SMTPException, SMTPServerDisconnected, SMTPUsageError } from './errors.js';
import type { MessageSource } from './envelope.js';
import type { SMTPOptions } from './options.js';
import { NEED_DATA, SMTPConnection, type ReplyEvent, type SMTPCommand, type SMTPEvent } from './protocol/connection.js';
import type { Reply } from './protocol/reply.js';

/** Bytes of a streamed message gathered before a write (a few TLS records). */
const WRITE_BATCH = 64 * 1024;
/** A message after 354, as a timeout's message names it. */
const DATA = 'the DATA message';

/** A message stream's chunks, checked: `failed` once the stream threw or yielded something not bytes. */
export interface CheckedChunks extends AsyncIterable<Uint8Array> {
  readonly failed: boolean;
}

/**
 * `source`'s chunks; a chunk that is not a Uint8Array is an SMTPUsageError, a failure of the
 * stream itself an SMTPException naming `during` with the stream's error as `cause`.
 */
export function checkedChunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, during: string): CheckedChunks {
  const checked = {
    failed: false,
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of source) {
          if (!(chunk instanceof Uint8Array)) throw new SMTPUsageError(`the message stream yielded ${chunk === null ? 'null' : typeof chunk} during ${during}: yield Uint8Array chunks (Buffer.from(text) for text)`);
          yield chunk;
        }
      } catch (error) {
        checked.failed = true;
        if (error instanceof SMTPUsageError) throw error;
        throw new SMTPException(`the message stream failed during ${during}: ${(error as Error)?.message ?? error}`, { cause: error });
      }
    },
  };
  return checked;
}

/**
 * Whether `message` is a MessageSource (text, bytes, or an iterable of bytes).
 *
 * @throws SMTPUsageError otherwise (before anything is sent)
 */
export function checkMessage(message: unknown): void {
  if (typeof message === 'string' || message instanceof Uint8Array) return;
  if (typeof message === 'object' && message !== null && (Symbol.asyncIterator in message || Symbol.iterator in message)) return;
  throw new SMTPUsageError(`the message must be a string, a Uint8Array or an (async) iterable of Uint8Array chunks, got ${describeValue(message)}; nothing was sent`);
}

/**
 * Waits for the message stream's first chunk (or its end) before `command` goes out, so a stream
 * that cannot start fails the call with nothing sent.
 *
 * @throws SMTPException "the message stream failed before MAIL was sent" (cause: its failure); the signal's reason
 */
export async function messageReady(source: PrimedSource<Uint8Array>, command: string, signal: AbortSignal | undefined): Promise<void> {
  try {
    await source.ready(signal);
  } catch (error) {
    if (signal?.aborted === true && error === signal.reason) throw error;
    throw new SMTPException(`the message stream failed before ${command} was sent: ${(error as Error)?.message ?? error}; nothing was sent`, { cause: error });
  }
}

export class Session {
  readonly io: ClientConnection;
  readonly #options: SMTPOptions;
  #core: SMTPConnection | null = null;
  /** Inside a SASL exchange: commands and 334 challenges are traced as <redacted>. */
  sasl = false;

  constructor(io: ClientConnection, options: SMTPOptions) {
    this.io = io;
    this.#options = options;
  }

  /** A fresh core for a new connection. */
  reset(): SMTPConnection {
    this.#core = new SMTPConnection(this.#options.limits);
    this.sasl = false;
    return this.#core;
  }

  /** The core, when connected. @throws SMTPServerDisconnected */
  get core(): SMTPConnection {
    if (!this.io.connected || this.#core === null) throw this.io.closedError();
    return this.#core;
  }

  /** The core of the last connection, if any (state inspection after close). */
  get lastCore(): SMTPConnection | null {
    return this.#core;
  }

  /** Whether what goes `direction` is traced (debug output or a diagnostics subscriber): build the text only then. */
  #traces(direction: 'send' | 'reply'): boolean {
    return (this.#options.debuglevel ?? 0) > 0 || (direction === 'send' ? this.io.tracesCommands : this.io.tracesReplies);
  }

  #trace(direction: 'send' | 'reply', text: () => string): void {
    const level = this.#options.debuglevel ?? 0;
    const line = text();
    if (direction === 'send') this.io.publishCommand(line);
    else this.io.publishReply(line);
    if (level > 0) {
      const out = `${level >= 2 ? `${new Date().toISOString()} ` : ''}${direction}: ${line}`;
      (this.#options.debugOutput ?? ((l: string) => process.stderr.write(`${l}\n`)))(out);
    }
  }

  /**
   * Encodes commands (usage errors before anything is sent, as a rejection) and writes them in one
   * go (a pipelined group).
   */
  send(commands: readonly SMTPCommand[], signal: AbortSignal | undefined): Promise<void> {
    let bytes: Uint8Array;
    try {
      const core = this.core;
      const traces = this.#traces('send');
      const parts = commands.map((command) => {
        const encoded = core.send(command);
        // Inside a docmd-driven exchange every line but the AUTH command itself is SASL data.
        if (traces) this.#trace('send', () => (this.sasl && command.type === 'RAW' && !/^AUTH\s/i.test(command.line) ? '<redacted>' : SMTPConnection.trace(command)));
        return encoded;
      });
      bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      // What a timeout names: the verb only (a RAW line inside an AUTH exchange is SASL data).
      this.io.command = commands.length === 1 ? verbOf(commands[0]!, this.sasl) : commands.map((c) => verbOf(c, this.sasl)).join(', ');
    } catch (error) {
      return Promise.reject(error);
    }
    // A BDAT chunk can be the whole message: a timeout while it goes out names it.
    return this.write(bytes, signal, commands.at(-1)?.type === 'BDAT' ? 'the BDAT chunk' : 'the command');
  }

  /**
   * Writes bytes as one operation (io.run's begin/end inline: no closure per write); `what` names
   * them in a timeout's message (the deadline restarts after each piece the server takes).
   */
  async write(bytes: Uint8Array, signal: AbortSignal | undefined, what: string): Promise<void> {
    this.io.begin(signal);
    try {
      await this.io.send(bytes, what);
    } finally {
      this.io.end();
    }
  }

  /** The next reply, read as one operation; any failure closes the connection first. */
  async reply(signal: AbortSignal | undefined): Promise<ReplyEvent> {
    const core = this.core;
    try {
      return this.#replyOf(await this.io.nextEvent<SMTPEvent>(core, NEED_DATA, signal));
    } catch (error) {
      await this.io.close(true);
      throw error;
    }
  }

  /**
   * The next `count` replies (a pipelined group's), appended to `into`. A reply the core already
   * holds is taken at once: the replies of a group mostly arrive in one read, and each would
   * otherwise cost reply()'s and io.nextEvent()'s async frames. A reply that must wait is read as
   * one operation, as by reply(). Any failure closes the connection first.
   */
  async replies(count: number, signal: AbortSignal | undefined, into: Reply[]): Promise<void> {
    const core = this.core;
    try {
      for (let i = 0; i < count; i++) {
        const ready = core.nextEvent();
        into.push(this.#replyOf(ready !== NEED_DATA ? ready : await this.io.nextEvent<SMTPEvent>(core, NEED_DATA, signal)).reply);
      }
    } catch (error) {
      await this.io.close(true);
      throw error;
    }
  }

  /** The reply `event` holds, traced. @throws SMTPServerDisconnected when the server closed instead */
  #replyOf(event: SMTPEvent): ReplyEvent {
    if (event.type === 'closed') throw new SMTPServerDisconnected('connection unexpectedly closed by the server');
    const { reply } = event;
    if (this.#traces('reply')) this.#trace('reply', () => (this.sasl && reply.code === 334 ? '334 <redacted>' : `${reply.code} ${reply.lines.join(`\n${reply.code} `)}`));
    return event;
  }

  /** One command and its reply. */
  async exchange(command: SMTPCommand, signal: AbortSignal | undefined): Promise<Reply> {
    await this.send([command], signal);
    return (await this.reply(signal)).reply;
  }

  /** After 354: the message (dot-stuffed, CRLF-normalised) and its end, then the final reply. */
  async body(message: MessageSource, signal: AbortSignal | undefined): Promise<Reply> {
    const core = this.core;
    if (typeof message === 'string' || message instanceof Uint8Array) {
      const body = core.send({ type: 'BODY', data: typeof message === 'string' ? Buffer.from(message, 'utf8') : message });
      // In memory already: one write for the body and its end.
      await this.write(Buffer.concat([body, core.send({ type: 'END_OF_DATA' })]), signal, DATA);
    } else {
      // Small chunks are gathered into writes of about WRITE_BATCH bytes: one TLS record and one
      // system call per batch instead of per chunk; at most a batch is held.
      const batch: Uint8Array[] = [];
      let size = 0;
      const source = checkedChunks(message, 'DATA');
      try {
        // A stream that stalls still ends with the call's signal, the client's signal or close().
        for await (const chunk of this.io.fromCaller(source, signal)) {
          const encoded = core.send({ type: 'BODY', data: chunk });
          if (encoded.length === 0) continue;
          // A batch stays within one of client-kit's write pieces (SEND_PIECE): a batch just over it
          // would go out as a full piece and a sliver.
          if (size > 0 && size + encoded.length > WRITE_BATCH) {
            await this.write(Buffer.concat(batch, size), signal, DATA);
            batch.length = 0;
            size = 0;
          }
          batch.push(encoded);
          size += encoded.length;
          if (size >= WRITE_BATCH) {
            await this.write(Buffer.concat(batch, size), signal, DATA);
            batch.length = 0;
            size = 0;
          }
        }
      } catch (error) {
        // After 354 only "." ends the data, and "." after part of a message would send that part as
        // a whole message: the connection is closed instead (the server discards the transaction).
        if (source.failed) await this.io.close(true);
        throw error;
      }
      batch.push(core.send({ type: 'END_OF_DATA' }));
      await this.write(Buffer.concat(batch), signal, DATA);
    }
    // reply() inline: the final reply of every message always waits, through one async frame less.
    try {
      return this.#replyOf(await this.io.nextEvent<SMTPEvent>(core, NEED_DATA, signal)).reply;
    } catch (error) {
      await this.io.close(true);
      throw error;
    }
  }
}

/** The verb of `command` as a timeout names it; never an argument (a SASL response, an address). */
function verbOf(command: SMTPCommand, sasl: boolean): string {
  switch (command.type) {
    case 'AUTH_RESPONSE':
      return 'AUTH';
    case 'BODY':
    case 'END_OF_DATA':
      return 'DATA';
    case 'RAW':
      return sasl ? 'AUTH' : (/^[A-Za-z][A-Za-z0-9-]{0,15}(?= |$)/.exec(command.line)?.[0].toUpperCase() ?? 'a docmd() command');
    default:
      return command.type;
  }
}
