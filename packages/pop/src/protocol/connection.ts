/**
 * The sans-IO POP3 client connection, in the h11 style: `receiveData(bytes)` (empty = the server
 * closed), `nextEvent()` (an event, or NEED_DATA), `send(command)` (the bytes to write). What may
 * be sent and what each reply does come from the tables in ./states.ts. After a protocol error or
 * a disconnect mid-reply the connection is in ERROR and every call raises that first error. No
 * I/O, no timers: the POP3 class moves bytes between a transport and this.
 *
 * Multi-line bodies are never mistaken for replies: the core knows which command each line
 * answers, so a body line "+OK ..." is body text, whoever reads it and whenever.
 *
 * @module
 */
import { LineReader, encodeCommand } from '@unitls/client-kit';
import { commandLine, commandTrace, type POP3Command } from './commands.js';
import { MessageBuffer } from './message-buffer.js';
import { POP3ConnectionError, POP3ProtocolError, POP3UsageError, popErrors } from '../errors.js';
import { BARRIER, MULTILINE, POP3State, Reading, TRANSITIONS, stateAdvice, type CommandName, type Outcome } from './states.js';

export type { POP3Command } from './commands.js';

/** Every bound on what a server can make the core hold. */
export interface POP3Limits {
  /** Longest status or listing line, in bytes without CRLF (default 8192). */
  maxLineLength?: number;
  /** Longest line of message content (RETR, TOP), in bytes (default 1 MiB): RFC 5322's 998 is broken in real mail. */
  maxContentLineLength?: number;
  /** Most bytes of one message (RETR, TOP), un-stuffed with CRLF line ends (default 64 MiB). */
  maxMessageSize?: number;
  /** Most bytes of one listing (LIST, UIDL, CAPA) (default 8 MiB). */
  maxListingSize?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<POP3Limits>> = Object.freeze({
  maxLineLength: 8192,
  maxContentLineLength: 1024 * 1024,
  maxMessageSize: 64 * 1024 * 1024,
  maxListingSize: 8 * 1024 * 1024,
});

/** The status line answering `command` ("+OK ..." or "-ERR ..."); `text` is what follows the indicator. */
export interface StatusEvent {
  readonly type: 'status';
  readonly command: CommandName;
  readonly ok: boolean;
  readonly text: string;
  readonly line: string;
}
/** A SASL challenge ("+ base64") to AUTH: answer with AUTH_RESPONSE. */
export interface ChallengeEvent {
  readonly type: 'challenge';
  readonly command: CommandName;
  readonly data: string;
}
/** One line of a listing or of a streamed message, un-stuffed, without CRLF (a view: copy what you keep). */
export interface LineEvent {
  readonly type: 'line';
  readonly command: CommandName;
  readonly line: Buffer;
}
/** The end of a listing or streamed message. */
export interface EndEvent {
  readonly type: 'end';
  readonly command: CommandName;
}
/** A whole message body (RETR, TOP), un-stuffed, each line ended by CRLF. */
export interface MessageEvent {
  readonly type: 'message';
  readonly command: CommandName;
  readonly data: Buffer;
}
/** The server closed the connection between replies (after QUIT, or idle). */
export interface ClosedEvent {
  readonly type: 'closed';
}
export type POP3Event = StatusEvent | ChallengeEvent | LineEvent | EndEvent | MessageEvent | ClosedEvent;

/** `nextEvent()`'s answer when more bytes are needed. */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

const DOT = 0x2e;
const CR = 0x0d;
const LF = 0x0a;
const INJECTION = 'the server sent data after its STLS go-ahead, before the TLS handshake (possible response injection)';

interface Awaited {
  readonly name: CommandName;
  readonly body: 'listing' | 'message' | undefined;
  readonly stream: boolean;
}

/** The sans-IO POP3 client connection. */
export class POP3Connection {
  #state: POP3State = POP3State.GREETING;
  #reading: Reading = Reading.STATUS;
  #error: Error | null = null;
  readonly #limits: Required<POP3Limits>;
  readonly #lines: LineReader;
  #expected: Awaited[] = [{ name: 'GREETING', body: undefined, stream: false }];
  #eof = false;
  #pipelining = false;
  /** The body being read: bytes counted against its limit, and (collected messages) the buffer. */
  #bodySize = 0;
  #message: MessageBuffer | null = null;

  constructor(limits: POP3Limits = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...withoutUndefined(limits) };
    for (const [name, value] of Object.entries(this.#limits)) {
      if (!Number.isInteger(value) || value < 1) throw new POP3UsageError(`limits.${name} must be a positive integer, got ${value}`);
    }
    this.#lines = new LineReader({ maxLineLength: this.#limits.maxLineLength, errors: popErrors });
  }

  /** The session state (see ./states.ts). */
  get state(): POP3State {
    return this.#state;
  }

  /** STATUS, or IN_MULTILINE while a multi-line body is being read. */
  get reading(): Reading {
    return this.#reading;
  }

  /** Replies awaited (several when pipelined). */
  get pending(): number {
    return this.#expected.length;
  }

  /** Bytes received and not yet consumed (must be 0 when TLS starts). */
  get buffered(): number {
    return this.#lines.buffered;
  }

  /** True when commands may be sent before earlier replies came (the server listed PIPELINING in CAPA). */
  get pipelining(): boolean {
    return this.#pipelining;
  }
  set pipelining(value: boolean) {
    this.#pipelining = value;
  }

  #check(): void {
    if (this.#error !== null) throw this.#error;
  }

  #fail(error: Error): never {
    this.#error = error;
    this.#state = POP3State.ERROR;
    this.#message = null;
    throw error;
  }

  /**
   * Bytes from the server; an empty array means it closed the connection.
   *
   * @throws the sticky error; POP3ProtocolError for bytes after the STLS go-ahead (injection).
   */
  receiveData(data: Uint8Array): void {
    this.#check();
    if (data.length === 0) {
      this.#eof = true;
      this.#lines.end();
      return;
    }
    if (this.#eof) throw new POP3UsageError('receiveData after the end of the stream');
    if (this.#state === POP3State.STLS) this.#fail(new POP3ProtocolError(INJECTION));
    this.#lines.push(data);
  }

  /**
   * The next event, or NEED_DATA.
   *
   * @throws (and stays in ERROR with) POP3ProtocolError for a malformed, unsolicited or oversized
   *   line, and POP3ConnectionError when the server closed while a reply was awaited.
   */
  nextEvent(): POP3Event | typeof NEED_DATA {
    this.#check();
    // Paused until the TLS handshake (startedTls): what follows the go-ahead is not ours to read.
    if (this.#state === POP3State.STLS) return NEED_DATA;
    try {
      if (this.#reading === Reading.IN_MULTILINE) return this.#body();
      const line = this.#lines.readLine(this.#limits.maxLineLength, 'limits.maxLineLength');
      return line === null ? this.#atEnd() : this.#status(line);
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #atEnd(): typeof NEED_DATA | ClosedEvent {
    if (!this.#eof) return NEED_DATA;
    const head = this.#expected[0];
    if (head !== undefined || this.#lines.buffered > 0) {
      const where = head === undefined ? 'in the middle of a line' : this.#reading === Reading.IN_MULTILINE ? `in the middle of the ${head.name} response` : `while the reply to ${head.name} was awaited`;
      throw new POP3ConnectionError(`connection closed by the server ${where}`);
    }
    this.#state = POP3State.CLOSED;
    return { type: 'closed' };
  }

  #status(bytes: Buffer): POP3Event {
    const line = bytes.toString('utf8');
    const head = this.#expected[0];
    if (head === undefined) throw new POP3ProtocolError(`the server sent a line nobody asked for: ${JSON.stringify(line.slice(0, 80))}`, line);
    const outcome = outcomeOf(line, head.name);
    if (outcome === null) throw new POP3ProtocolError(`malformed POP3 response to ${head.name}: ${JSON.stringify(line.slice(0, 80))}`, line);
    const next = TRANSITIONS[this.#state].reply[head.name]?.[outcome];
    if (next === undefined) throw new POP3ProtocolError(`reply ${outcome} to ${head.name} is not valid in state ${this.#state}`, line);
    this.#state = next;
    if (outcome === '+') {
      this.#expected.shift();
      return { type: 'challenge', command: head.name, data: line.slice(2) };
    }
    const ok = outcome === '+OK';
    const text = line.slice(ok ? 4 : 5);
    if (ok && head.body !== undefined) {
      this.#reading = Reading.IN_MULTILINE;
      this.#bodySize = 0;
      if (head.body === 'message' && !head.stream) {
        this.#message = new MessageBuffer(announcedSize(text), this.#limits.maxMessageSize);
      }
    } else this.#expected.shift();
    return { type: 'status', command: head.name, ok, text, line };
  }

  /** Lines of a multi-line body: one event per line (listings, streams), or none until the end (collected messages). */
  #body(): POP3Event | typeof NEED_DATA {
    const head = this.#expected[0]!;
    if (this.#message !== null) return this.#collect(head);
    const message = head.body === 'message';
    const [maxLine, lineLimit] = message ? [this.#limits.maxContentLineLength, 'limits.maxContentLineLength'] : [this.#limits.maxLineLength, 'limits.maxLineLength'];
    const line = this.#lines.readLine(maxLine, lineLimit);
    if (line === null) return this.#atEnd();
    if (line.length === 1 && line[0] === DOT) return this.#ended(head);
    // RFC 1939 §3: a line that begins with "." was byte-stuffed by the server.
    const content = line.length > 0 && line[0] === DOT ? line.subarray(1) : line;
    this.#count(head, content.length);
    return { type: 'line', command: head.name, line: content };
  }

  /**
   * A collected message (RETR, TOP): whole lines held in one received chunk are scanned in place
   * and copied as runs (a run ends only at a byte-stuffed line or a bare LF), so a chunk of many
   * lines costs one scan for line ends and a few copies, not a view and a copy per line. A line
   * split across chunks goes through readLine (at most one per chunk). Same bytes, bounds and
   * errors, in the same order, as taking the lines one by one.
   */
  #collect(head: Awaited): POP3Event | typeof NEED_DATA {
    for (;;) {
      const view = this.#lines.peekChunk();
      if (view !== null) {
        const scanned = this.#scan(view, head);
        if (scanned < 0) {
          this.#lines.consume(-scanned - 1);
          return this.#ended(head);
        }
        this.#lines.consume(scanned);
        if (scanned > 0) continue;
      }
      // No whole line starts the held bytes: one line across chunks (or none yet).
      const line = this.#lines.readLine(this.#limits.maxContentLineLength, 'limits.maxContentLineLength');
      if (line === null) return this.#atEnd();
      if (line.length === 1 && line[0] === DOT) return this.#ended(head);
      const content = line.length > 0 && line[0] === DOT ? line.subarray(1) : line;
      this.#count(head, content.length);
      this.#message!.append(content, 0, content.length);
      this.#message!.appendCRLF();
    }
  }

  /**
   * Appends the whole lines of `view` to the message: the bytes consumed, or -(consumed + 1) when
   * the "." line ending the message was among them (it is consumed, nothing after it).
   */
  #scan(view: Buffer, head: Awaited): number {
    const maxLine = this.#limits.maxContentLineLength;
    let run = 0;
    let at = 0;
    for (;;) {
      const lf = view.indexOf(LF, at);
      if (lf < 0) break;
      const crlf = lf > at && view[lf - 1] === CR;
      const length = lf - at - (crlf ? 1 : 0);
      if (length > maxLine) throw this.#lines.tooLong(maxLine, 'limits.maxContentLineLength');
      let content = length;
      if (view[at] === DOT) {
        this.#message!.append(view, run, at);
        if (length === 1) return -(lf + 1) - 1;
        // RFC 1939 §3: byte-stuffed; the run goes on after the dot.
        run = at + 1;
        content--;
      }
      this.#count(head, content);
      if (!crlf) {
        // A bare LF ends the line as CRLF would (poplib's readline accepts it); stored as CRLF.
        this.#message!.append(view, run, lf);
        this.#message!.appendCRLF();
        run = lf + 1;
      }
      at = lf + 1;
    }
    this.#message!.append(view, run, at);
    return at;
  }

  /** Counts a body line of `content` bytes (plus CRLF) against its limit. */
  #count(head: Awaited, content: number): void {
    const message = head.body === 'message';
    const maxSize = message ? this.#limits.maxMessageSize : this.#limits.maxListingSize;
    this.#bodySize += content + 2;
    if (this.#bodySize > maxSize) throw new POP3ProtocolError(`the ${head.name} response is larger than ${maxSize} bytes (${message ? 'limits.maxMessageSize' : 'limits.maxListingSize'}); raise the limit to accept it`);
  }

  /** The "." line was read: the end of a listing or stream, or the collected message. */
  #ended(head: Awaited): EndEvent | MessageEvent {
    this.#reading = Reading.STATUS;
    this.#expected.shift();
    if (this.#message === null) return { type: 'end', command: head.name };
    const data = this.#message.take();
    this.#message = null;
    return { type: 'message', command: head.name, data };
  }

  /**
   * The bytes of `command`, and the reply it awaits recorded.
   *
   * @throws POP3UsageError (nothing recorded) when an argument holds CR/LF/NUL or is not a valid
   *   message number, when the command is not allowed in this state, or when a reply it must
   *   wait for is still awaited (always after a state-changing command; for any without PIPELINING).
   */
  send(command: POP3Command): Uint8Array {
    this.#check();
    const name = command.type;
    const next = TRANSITIONS[this.#state].send[name];
    if (next === undefined) throw new POP3UsageError(`${name} cannot be sent in state ${this.#state}: ${stateAdvice(name, this.#state)}; nothing was sent`);
    const last = this.#expected.at(-1);
    if (last !== undefined) {
      if (BARRIER.has(last.name)) throw new POP3UsageError(`${name} cannot be sent before the reply to ${last.name} arrived`);
      if (!this.#pipelining) throw new POP3UsageError(`${name} cannot be sent before the reply to ${last.name} arrived: the server does not offer PIPELINING`);
    }
    const bytes = encodeCommand(POP3Connection.line(command), popErrors);
    const listing = (command.type === 'LIST' || command.type === 'UIDL') && command.which !== undefined;
    const stream = (command.type === 'RETR' || command.type === 'TOP') && command.stream === true;
    this.#state = next;
    this.#expected.push({ name, body: listing ? undefined : MULTILINE[name], stream });
    return bytes;
  }

  /** The TLS handshake after STLS finished: back to AUTHORIZATION. @throws POP3UsageError, POP3ProtocolError (bytes before the handshake) */
  startedTls(): void {
    this.#check();
    if (this.#state !== POP3State.STLS) throw new POP3UsageError(`startedTls() in state ${this.#state}: STLS was not accepted`);
    if (this.#lines.buffered > 0) this.#fail(new POP3ProtocolError(INJECTION));
    this.#state = POP3State.AUTHORIZATION;
  }

  /** The command line of `command` (without CRLF), its arguments checked (./commands.ts). @throws POP3UsageError */
  static line(command: POP3Command): string {
    return commandLine(command);
  }

  /** The text of `command` for debug output and diagnostics, secrets redacted. */
  static trace(command: POP3Command): string {
    return commandTrace(command);
  }
}

/** The outcome a status line gives, or null when it is malformed. */
function outcomeOf(line: string, command: CommandName): Outcome | null {
  if (line.startsWith('+OK') && (line.length === 3 || line[3] === ' ' || line[3] === '\t')) return '+OK';
  if (line.startsWith('-ERR') && (line.length === 4 || line[4] === ' ' || line[4] === '\t')) return '-ERR';
  // RFC 5034 §4: "+" SP base64; "+" alone and "+ " (poczta.o2.pl, MailKit issue #171) are empty challenges.
  if ((command === 'AUTH' || command === 'AUTH_RESPONSE') && line[0] === '+' && (line.length === 1 || line[1] === ' ')) return '+';
  return null;
}

/** A message's size as the +OK announces it ("+OK 1234 octets", RFC 1939's example), or null. */
function announcedSize(text: string): number | null {
  // /^(\d{1,10})(?:\s|$)/ by character codes: a RegExp match was an array and strings per RETR.
  let digits = 0;
  while (digits < text.length && isDigit(text.charCodeAt(digits))) digits++;
  if (digits === 0 || digits > 10) return null;
  if (digits < text.length && text.charCodeAt(digits) !== 0x20 && !WHITESPACE.test(text[digits]!)) return null;
  return Number(text.slice(0, digits)) + 2;
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
/** One character of RegExp's \s (test() makes no match array). */
const WHITESPACE = /^\s$/;

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
