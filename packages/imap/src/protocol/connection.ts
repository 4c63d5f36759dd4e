/**
 * The IMAP protocol as a sans-IO connection in the h11 style: `receiveData(bytes)` (empty = the
 * server closed), `nextEvent()` (an event, or {@link NEED_DATA}), `send(command)` (the bytes to
 * write). No sockets, TLS or timers: an adapter moves bytes between a transport and this object.
 * States and transitions are looked up in ./states.ts; the first error the server causes is
 * sticky (the ERROR state: every later call raises it).
 *
 * @example
 * ```ts
 * import { IMAPConnection, NEED_DATA } from '@unitls/imap';
 * const imap = new IMAPConnection();
 * imap.receiveData(new TextEncoder().encode('* OK [CAPABILITY IMAP4rev1] ready\r\n'));
 * imap.nextEvent(); // { type: 'greeting', response: { type: 'OK', ... } }
 * const { data } = imap.send({ name: 'NOOP' }); // "A0001 NOOP\r\n", for the transport
 * imap.nextEvent() === NEED_DATA; // true until the server answers
 * ```
 *
 * @module
 */
import { kindOf } from '../arguments.js';
import { IMAP4Error, IMAP4ProtocolError, IMAP4UsageError } from '../errors.js';
import { codeValue } from './codes.js';
import { encodeCommand, type Command } from './command.js';
import { ResponseFramer, STREAM_END, type ResponseParts } from './framer.js';
import { parseResponse, type Response, type StatusResponse, type TaggedResponse, type UntaggedResponse } from './responses.js';
import { NOT_PIPELINED, stateAdvice, statesFor, transition, type IMAPState, type Trigger } from './states.js';

/** Returned by {@link IMAPConnection.nextEvent} when the bytes received so far hold no whole event. */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

/** Named bounds on what the server may make the client hold. */
export interface IMAPLimits {
  /** Longest response line outside literals, in bytes (default 1 MiB). */
  maxLineLength?: number;
  /** Largest literal (a message body, say), in bytes (default 64 MiB). */
  maxLiteralSize?: number;
  /** Largest single response, line text and literals together, each literal also charged 64 bytes (default maxLiteralSize + 1 MiB). */
  maxResponseSize?: number;
  /** Deepest list nesting (default 64). */
  maxDepth?: number;
}

export type IMAPEvent =
  | { readonly type: 'greeting'; readonly response: StatusResponse }
  | { readonly type: 'untagged'; readonly response: UntaggedResponse }
  /** "+": `data` is the next piece of the command to write (a literal), or null when the caller answers (AUTHENTICATE) or IDLE began. */
  | { readonly type: 'continuation'; readonly tag: string; readonly text: string; readonly data: Uint8Array | null }
  | { readonly type: 'tagged'; readonly command: string; readonly response: TaggedResponse }
  | { readonly type: 'closed' };

interface InFlight {
  readonly tag: string;
  readonly name: string;
  /** The first word, which the state tables know ("UID" for "UID FETCH"). */
  readonly verb: string;
  readonly pieces: Uint8Array[];
  next: number;
  /** What a "+" means for this command now. */
  awaiting: 'literal' | 'sasl' | 'idle' | 'done' | null;
}

const MiB = 1024 * 1024;

export class IMAPConnection {
  readonly #framer: ResponseFramer;
  readonly #maxDepth: number;
  #state: IMAPState = 'GREETING';
  #resume: IMAPState = 'AUTHENTICATED';
  #error: IMAP4Error | null = null;
  #closed = false;
  #inFlight: InFlight[] = [];
  #tags = 0;
  #capabilities = new Set<string>();
  #utf8Accept = false;
  #secure: boolean;
  #last: ResponseParts = [];

  /** `secure`: the transport is already TLS (implicit TLS), so STARTTLS is not offered. */
  constructor(options: { limits?: IMAPLimits; secure?: boolean } = {}) {
    const limits = options.limits ?? {};
    const maxLiteralSize = limits.maxLiteralSize ?? 64 * MiB;
    this.#framer = new ResponseFramer({
      maxLineLength: limits.maxLineLength ?? MiB,
      maxLiteralSize,
      maxResponseSize: limits.maxResponseSize ?? maxLiteralSize + MiB,
    });
    this.#maxDepth = limits.maxDepth ?? 64;
    this.#secure = options.secure ?? false;
  }

  get state(): IMAPState {
    return this.#state;
  }

  /** Upper-cased capabilities, as last announced (empty again after STARTTLS). */
  get capabilities(): ReadonlySet<string> {
    return this.#capabilities;
  }

  get utf8Accept(): boolean {
    return this.#utf8Accept;
  }

  get secure(): boolean {
    return this.#secure;
  }

  /** Tags of the commands sent and not yet completed, oldest first. */
  get pending(): readonly string[] {
    return this.#inFlight.map((c) => c.tag);
  }

  /** Bytes received and not yet turned into events (STARTTLS refuses to start with any). */
  get buffered(): number {
    return this.#framer.buffered;
  }

  /** The first error, once the connection is in its ERROR state. */
  get error(): IMAP4Error | null {
    return this.#error;
  }

  receiveData(data: Uint8Array): void {
    this.#check();
    if (this.#state === 'STARTTLS' && data.length > 0) {
      throw this.#fail(new IMAP4ProtocolError('the server sent data after its STARTTLS go-ahead and before the TLS handshake (possible response injection)'));
    }
    try {
      this.#framer.push(data);
    } catch (error) {
      throw this.#fail(error);
    }
  }

  nextEvent(): IMAPEvent | typeof NEED_DATA {
    this.#check();
    if (this.#closed) return { type: 'closed' };
    // Nothing from before the handshake is read once STARTTLS was accepted.
    if (this.#state === 'STARTTLS') return NEED_DATA;
    try {
      const parts = this.#framer.next();
      if (parts === null) return NEED_DATA;
      if (parts === STREAM_END) {
        this.#closed = true;
        this.#move('closed');
        return { type: 'closed' };
      }
      this.#last = parts;
      return this.#handle(parseResponse(parts, { utf8Accept: this.#utf8Accept, maxDepth: this.#maxDepth }));
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /**
   * A command's tag and its first bytes. Refused (IMAP4UsageError, nothing sent, the connection
   * unchanged) in a state that does not allow it, while an earlier command waits for "+", and
   * where pipelining would be unsafe (RFC 9051 §5.5).
   */
  send(command: Command): { tag: string; data: Uint8Array } {
    this.#check();
    const verb = command.name.split(' ', 1)[0]!.toUpperCase();
    if (this.#closed) throw new IMAP4UsageError(`cannot send ${verb}: the connection is closed`);
    // Only the newest command can still be waiting for "+" or block pipelining: nothing is sent after one that does.
    const last = this.#inFlight.at(-1);
    if (last !== undefined && last.awaiting !== null && last.awaiting !== 'done') {
      throw new IMAP4UsageError(`cannot send ${verb} while ${last.name} waits for the server's "+"`);
    }
    if (!statesFor(verb).includes(this.#state)) {
      const advice = stateAdvice(verb, this.#state);
      throw new IMAP4UsageError(`command ${verb} illegal in state ${this.#state}${advice === '' ? '' : `: ${advice}`}; nothing was sent`);
    }
    if (last !== undefined && (NOT_PIPELINED.has(verb) || NOT_PIPELINED.has(last.verb))) {
      throw new IMAP4UsageError(`cannot pipeline ${verb} with ${this.#inFlight.map((c) => c.name).join(', ')}: wait for their completion`);
    }
    if (verb === 'STARTTLS' && this.#secure) throw new IMAP4UsageError('the connection already uses TLS');
    const tag = `A${String(++this.#tags).padStart(4, '0')}`;
    const pieces = encodeCommand(tag, command, { literalPlus: this.#capabilities.has('LITERAL+'), literalMinus: this.#capabilities.has('LITERAL-') });
    const awaiting = pieces.length > 1 ? 'literal' : verb === 'IDLE' ? 'idle' : verb === 'AUTHENTICATE' ? 'sasl' : null;
    this.#inFlight.push({ tag, name: command.name.toUpperCase(), verb, pieces, next: 1, awaiting });
    return { tag, data: pieces[0]! };
  }

  /**
   * Where the literals of FETCH responses are received from now on: the caller's `memory`, reused
   * for every FETCH response (the literals of one response side by side; one that does not fit
   * gets fresh memory), or fresh memory for each (null, the default). A FETCH event's bytes (its
   * body) are then valid only until the next {@link nextEvent} call, which may overwrite them.
   */
  receiveFetchLiteralsInto(memory: Uint8Array | null): void {
    if (memory !== null && !(memory instanceof Uint8Array)) throw new IMAP4UsageError(`the memory for FETCH literals must be a Uint8Array, got ${kindOf(memory)}`);
    this.#framer.receiveFetchLiteralsInto(memory);
  }

  /**
   * Memory to receive the next bytes into directly, when they belong to a literal being received
   * (a message body): the unfilled rest of that literal's memory, allocated once at its announced
   * size (within limits.maxLiteralSize), when it is at least `min` bytes and nothing received
   * waits before it; null otherwise (then {@link receiveData} as usual). After writing n bytes at
   * its start (a TLSSocket's `recvInto`), call {@link literalReceived}(n); the end of the stream
   * is still `receiveData(empty)`.
   */
  literalSpace(min = 1): Uint8Array | null {
    this.#check();
    if (this.#closed || this.#state === 'STARTTLS') return null;
    return this.#framer.literalSpace(min);
  }

  /**
   * Reports `count` bytes written at the start of the memory {@link literalSpace} returned.
   *
   * @throws IMAP4UsageError (the connection unchanged) when no literal space was offered or
   *   `count` is not an integer from 1 to its length.
   */
  literalReceived(count: number): void {
    this.#check();
    if (this.#closed || this.#state === 'STARTTLS' || !this.#framer.literalReceived(count)) {
      throw new IMAP4UsageError(`literalReceived(${String(count)}): not a count of bytes written into the space literalSpace() offered`);
    }
  }

  /** The bytes of the last response (literals charged as by limits.maxResponseSize). */
  get lastResponseSize(): number {
    return this.#framer.lastSize;
  }

  /** The last response's text, each literal shown as `{n}` (for tracing; bodies are not repeated). */
  describeLast(): string {
    return this.#last.map((part) => (typeof part === 'string' ? part : `<${part.length} bytes>`)).join('\n');
  }

  /** An AUTHENTICATE answer line (base64, or "*" to cancel) after a "+". */
  sendContinuation(answer: string): Uint8Array {
    this.#check();
    const sasl = this.#inFlight.find((c) => c.awaiting === 'sasl');
    if (sasl === undefined) throw new IMAP4UsageError('no AUTHENTICATE is waiting for an answer');
    if (!/^([A-Za-z0-9+/]*={0,2}|\*)$/.test(answer)) throw new IMAP4UsageError('an AUTHENTICATE answer must be base64 or "*"');
    return Buffer.from(`${answer}\r\n`, 'latin1');
  }

  /** DONE: ends IDLE; the IDLE command then completes with its tagged response. */
  done(): Uint8Array {
    this.#check();
    const idle = this.#inFlight.find((c) => c.verb === 'IDLE');
    if (this.#state !== 'IDLE' || idle === undefined || idle.awaiting === 'done') throw new IMAP4UsageError('not idling (or DONE was already sent)');
    idle.awaiting = 'done';
    return Buffer.from('DONE\r\n', 'latin1');
  }

  /**
   * The TLS handshake after STARTTLS finished: everything learnt before it (capabilities,
   * UTF8=ACCEPT) is forgotten, since an attacker could have written it.
   */
  tlsEstablished(): void {
    this.#check();
    if (this.#state !== 'STARTTLS') throw new IMAP4UsageError('tlsEstablished() is only for after a STARTTLS OK');
    if (this.#framer.buffered > 0) throw this.#fail(new IMAP4ProtocolError('the server sent data before the TLS handshake (possible response injection)'));
    this.#capabilities = new Set();
    this.#utf8Accept = false;
    this.#secure = true;
    this.#move('TLS established');
  }

  #check(): void {
    if (this.#error !== null) throw this.#error;
  }

  #fail(error: unknown): IMAP4Error {
    const failure = error instanceof IMAP4Error ? error : new IMAP4ProtocolError('the IMAP connection failed', null, null, { cause: error });
    this.#error ??= failure;
    this.#state = 'ERROR';
    return this.#error;
  }

  #move(trigger: Trigger): void {
    this.#state = transition(this.#state, trigger, this.#resume);
  }

  #handle(response: Response): IMAPEvent {
    if (this.#state === 'GREETING') {
      if (response.kind !== 'untagged' || !(response.type === 'OK' || response.type === 'PREAUTH' || response.type === 'BYE')) {
        throw new IMAP4ProtocolError(`the server's first response was not a greeting (OK, PREAUTH or BYE)`);
      }
      this.#learn(codeValue(response.code, 'CAPABILITY'));
      this.#move(`greeting ${response.type}`);
      return { type: 'greeting', response };
    }
    if (response.kind === 'continuation') return this.#continuation(response.text);
    if (response.kind === 'tagged') return this.#completion(response);
    if (response.type === 'BYE') this.#move('BYE');
    else if (response.type === 'CAPABILITY') this.#learn(response.capabilities);
    else if (response.type === 'ENABLED' && response.capabilities.some((c) => c.toUpperCase() === 'UTF8=ACCEPT')) this.#utf8Accept = true;
    else if (response.type === 'OK') this.#learn(codeValue(response.code, 'CAPABILITY'));
    return { type: 'untagged', response };
  }

  #learn(capabilities: readonly string[] | undefined): void {
    if (capabilities !== undefined) this.#capabilities = new Set(capabilities.map((c) => c.toUpperCase()));
  }

  #continuation(text: string): IMAPEvent {
    const command = this.#inFlight.at(-1);
    if (command === undefined || command.awaiting === null || command.awaiting === 'done') throw new IMAP4ProtocolError('the server sent a "+" continuation no command asked for');
    if (command.awaiting === 'literal') {
      const data = command.pieces[command.next++]!;
      if (command.next === command.pieces.length) command.awaiting = null;
      return { type: 'continuation', tag: command.tag, text, data };
    }
    if (command.awaiting === 'idle') {
      this.#resume = this.#state;
      this.#move('IDLE +');
      command.awaiting = null;
    }
    return { type: 'continuation', tag: command.tag, text, data: null };
  }

  #completion(response: TaggedResponse): IMAPEvent {
    const at = this.#inFlight.findIndex((c) => c.tag === response.tag);
    if (at < 0) throw new IMAP4ProtocolError(`the server sent a tagged response for ${JSON.stringify(response.tag)}, a command never sent or already completed`);
    const command = this.#inFlight[at]!;
    // An OK before the whole command went out cannot be genuine (ruby/net-imap#664: a forged
    // STARTTLS OK that way stripped TLS); a NO or BAD instead of "+" is a refusal.
    if (response.status === 'OK' && command.next < command.pieces.length) {
      throw new IMAP4ProtocolError(`the server completed ${command.name} with OK before the command was fully sent`);
    }
    if (response.status === 'OK' && command.verb === 'IDLE' && this.#state !== 'IDLE') {
      throw new IMAP4ProtocolError('the server completed IDLE with OK before it began idling');
    }
    this.#inFlight.splice(at, 1);
    // Capabilities on the STARTTLS OK were sent in clear: never learnt.
    if (command.verb !== 'STARTTLS') this.#learn(codeValue(response.code, 'CAPABILITY'));
    this.#move(`${command.verb} ${response.status}`);
    return { type: 'tagged', command: command.name, response };
  }
}
