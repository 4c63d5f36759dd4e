/**
 * The sans-IO SMTP client connection, in the h11 style: `receiveData(bytes)` (empty = the server
 * closed), `nextEvent()` (a reply event, or NEED_DATA), `send(command)` (the bytes to write). What
 * may be sent and what each reply does come from the table in ./states.ts. After a protocol error
 * or a disconnect mid-reply the connection is in ERROR and every call raises that first error.
 * No I/O, no timers: the SMTP class moves bytes between a transport and this.
 *
 * @module
 */
import { encodeCommand, redact } from '@unitls/client-kit';
import { SMTPNotSupportedError, SMTPProtocolError, SMTPServerDisconnected, SMTPUsageError, smtpErrors } from '../errors.js';
import { command as line } from './commands.js';
import { DataEncoder } from './data.js';
import { Extensions } from './ehlo.js';
import { ReplyReader, type Reply, type ReplyLimits } from './reply.js';
import { BARRIER, SILENT, SMTPState, TRANSITIONS, replyClass, stateAdvice, type CommandName } from './states.js';

/** What the client can send. */
export type SMTPCommand =
  | { type: 'EHLO' | 'HELO'; name: string }
  | { type: 'STARTTLS' | 'DATA' | 'END_OF_DATA' | 'RSET' | 'NOOP' | 'QUIT' }
  | { type: 'AUTH'; mechanism: string; initialResponse?: string | undefined }
  /** A base64 SASL response, or "*" to cancel. */
  | { type: 'AUTH_RESPONSE'; response: string }
  | { type: 'MAIL'; from: string; parameters?: readonly string[] | undefined }
  | { type: 'RCPT'; to: string; parameters?: readonly string[] | undefined }
  | { type: 'VRFY'; address: string }
  /** Message bytes after 354: dot-stuffed and CRLF-normalised here. */
  | { type: 'BODY'; data: Uint8Array }
  /** A BDAT chunk (RFC 3030), sent as it is. */
  | { type: 'BDAT'; chunk: Uint8Array; last: boolean }
  /** A command line of the caller's (docmd), checked for CR/LF/NUL like every other. */
  | { type: 'RAW'; line: string };

/** A reply, with the command it answers. */
export interface ReplyEvent {
  readonly type: 'reply';
  readonly command: CommandName;
  readonly reply: Reply;
}

/** The server closed the connection between replies (after QUIT, or idle). */
export interface ClosedEvent {
  readonly type: 'closed';
}

export type SMTPEvent = ReplyEvent | ClosedEvent;

const isAscii = (text: string) => /^[\x00-\x7f]*$/.test(text);

const INJECTION = 'the server sent data after its STARTTLS go-ahead, before the TLS handshake (possible response injection)';

/** `nextEvent()`'s answer when more bytes are needed. */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

/** The sans-IO SMTP client connection. */
export class SMTPConnection {
  #state: SMTPState = SMTPState.GREETING;
  #error: Error | null = null;
  readonly #replies: ReplyReader;
  /** Commands sent whose replies have not come yet, oldest first (a ring would do; groups are small). */
  #expected: CommandName[] = ['GREETING'];
  #encoder: DataEncoder | null = null;
  #eof = false;
  #extensions: Extensions | null = null;
  /** Whether this transaction's MAIL carried SMTPUTF8 (RFC 6531 §3.4), or null before MAIL. */
  #utf8Mail: boolean | null = null;

  constructor(limits: ReplyLimits = {}) {
    this.#replies = new ReplyReader(limits);
  }

  /** The current state (see ./states.ts). */
  get state(): SMTPState {
    return this.#state;
  }

  /** Replies awaited. */
  get pending(): number {
    return this.#expected.length;
  }

  /** Bytes received and not yet consumed (must be 0 when TLS starts). */
  get buffered(): number {
    return this.#replies.buffered;
  }

  /** The extensions of the last successful EHLO in this TLS state, or null. */
  get extensions(): Extensions | null {
    return this.#extensions;
  }

  #check(): void {
    if (this.#error !== null) throw this.#error;
  }

  #fail(error: Error): never {
    this.#error = error;
    this.#state = SMTPState.ERROR;
    throw error;
  }

  /**
   * Bytes from the server; an empty array means it closed the connection.
   *
   * @throws the sticky error; SMTPProtocolError for bytes after the STARTTLS go-ahead (injection).
   */
  receiveData(data: Uint8Array): void {
    this.#check();
    if (data.length === 0) {
      this.#eof = true;
      return;
    }
    if (this.#eof) throw new SMTPUsageError('receiveData after the end of the stream');
    if (this.#state === SMTPState.TLS) this.#fail(new SMTPProtocolError(INJECTION));
    this.#replies.lines.push(data);
  }

  /**
   * The next event, or NEED_DATA.
   *
   * @throws (and stays in ERROR with) SMTPProtocolError for a malformed or unsolicited reply, and
   *   SMTPServerDisconnected when the server closed while a reply was awaited.
   */
  nextEvent(): SMTPEvent | typeof NEED_DATA {
    this.#check();
    // Paused until the TLS handshake (startedTls): what follows the go-ahead is not ours to read.
    if (this.#state === SMTPState.TLS) return NEED_DATA;
    let reply: Reply | null;
    try {
      reply = this.#replies.next();
    } catch (error) {
      this.#fail(error as Error);
    }
    if (reply === null) {
      if (!this.#eof) return NEED_DATA;
      if (this.#expected.length > 0 || this.#replies.buffered > 0) {
        this.#fail(new SMTPServerDisconnected('connection unexpectedly closed by the server'));
      }
      this.#state = SMTPState.CLOSED;
      return { type: 'closed' };
    }
    const command = this.#expected.shift();
    if (command === undefined) this.#fail(new SMTPProtocolError(`the server sent a reply nobody asked for: ${reply.code} ${reply.text.slice(0, 80)}`));
    const next = TRANSITIONS[this.#state].reply[command]?.[replyClass(reply.code)];
    if (next === undefined) this.#fail(new SMTPProtocolError(`reply ${reply.code} to ${command} is not valid in state ${this.#state}`));
    this.#state = next;
    if (command === 'EHLO') this.#extensions = reply.code === 250 ? new Extensions(reply.lines) : null;
    else if (command === 'HELO') this.#extensions = null;
    if (next === SMTPState.DATA) this.#encoder = new DataEncoder();
    return { type: 'reply', command, reply };
  }

  /**
   * The bytes of `command`, and the reply it awaits recorded.
   *
   * @throws SMTPUsageError (nothing recorded) when an argument holds CR/LF/NUL, when the command is
   *   not allowed in this state, or when a reply that ends a pipelined group is still awaited.
   */
  send(command: SMTPCommand): Uint8Array {
    this.#check();
    const name = command.type;
    const next = TRANSITIONS[this.#state].send[name];
    if (next === undefined) {
      const advice = stateAdvice(name, this.#state);
      throw new SMTPUsageError(`${name === 'RAW' ? 'a command' : name} cannot be sent in state ${this.#state}${advice === '' ? '' : `: ${advice}`}; nothing was sent`);
    }
    const last = this.#expected.at(-1);
    if (last !== undefined && BARRIER.has(last)) throw new SMTPUsageError(`${name} cannot be sent before the reply to ${last} arrived`);
    const checked = this.#international(command);
    const bytes = this.#encode(checked);
    this.#state = next;
    this.#transaction(checked);
    if (!SILENT.has(name)) this.#expected.push(name);
    return bytes;
  }

  /**
   * RFC 6531: non-ASCII addresses and command text only to a server offering SMTPUTF8, and then
   * with MAIL's SMTPUTF8 parameter (added here); a non-ASCII recipient only in such a transaction.
   *
   * @throws SMTPNotSupportedError (no SMTPUTF8), SMTPUsageError (RCPT outside an SMTPUTF8 transaction)
   */
  #international(command: SMTPCommand): SMTPCommand {
    const utf8 = this.#extensions?.has('smtputf8') ?? false;
    const refuse = (what: string) => new SMTPNotSupportedError(`${what} is not ASCII and the server does not offer SMTPUTF8 (RFC 6531); nothing was sent`);
    switch (command.type) {
      case 'MAIL': {
        if (typeof command.from !== 'string' || isAscii(command.from)) return command;
        if (!utf8) throw refuse(`the sender ${JSON.stringify(command.from)}`);
        const parameters = command.parameters ?? [];
        return parameters.some((p) => /^SMTPUTF8$/i.test(p)) ? command : { ...command, parameters: [...parameters, 'SMTPUTF8'] };
      }
      case 'RCPT':
        if (typeof command.to !== 'string' || isAscii(command.to) || this.#utf8Mail === true) return command;
        throw new SMTPUsageError(`the recipient ${JSON.stringify(command.to)} is not ASCII: it needs a transaction whose MAIL FROM carried SMTPUTF8 (RFC 6531 §3.4); nothing was sent`);
      case 'VRFY':
        if (typeof command.address !== 'string' || isAscii(command.address)) return command;
        if (!utf8) throw refuse(`the address ${JSON.stringify(command.address)}`);
        return command;
      case 'RAW':
        if (typeof command.line !== 'string' || isAscii(command.line) || utf8) return command;
        throw refuse('the command line');
      default:
        return command;
    }
  }

  /** Follows the mail transaction (MAIL ... end of data, RSET) for the RCPT rule above. */
  #transaction(command: SMTPCommand): void {
    if (command.type === 'MAIL') this.#utf8Mail = (command.parameters ?? []).some((p) => /^SMTPUTF8$/i.test(p));
    else if (command.type === 'RSET' || command.type === 'EHLO' || command.type === 'HELO' || command.type === 'END_OF_DATA' || (command.type === 'BDAT' && command.last)) this.#utf8Mail = null;
  }

  #encode(command: SMTPCommand): Uint8Array {
    switch (command.type) {
      case 'EHLO':
        return encodeCommand(line.ehlo(command.name), smtpErrors);
      case 'HELO':
        return encodeCommand(line.helo(command.name), smtpErrors);
      case 'MAIL':
        return encodeCommand(line.mail(command.from, command.parameters), smtpErrors);
      case 'RCPT':
        return encodeCommand(line.rcpt(command.to, command.parameters), smtpErrors);
      case 'VRFY':
        return encodeCommand(line.vrfy(command.address), smtpErrors);
      case 'AUTH':
        return encodeCommand(line.auth(command.mechanism, command.initialResponse), smtpErrors);
      case 'AUTH_RESPONSE':
        return encodeCommand(command.response, smtpErrors);
      case 'RAW':
        return encodeCommand(command.line, smtpErrors);
      case 'BODY':
        return this.#encoder!.push(command.data);
      case 'END_OF_DATA': {
        const tail = this.#encoder!.end();
        this.#encoder = null;
        return tail;
      }
      case 'BDAT': {
        const head = encodeCommand(line.bdat(command.chunk.length, command.last), smtpErrors);
        return command.chunk.length === 0 ? head : Buffer.concat([head, command.chunk]);
      }
      default:
        return encodeCommand(command.type, smtpErrors);
    }
  }

  /** The TLS handshake after STARTTLS finished: back to READY, every pre-TLS capability forgotten. */
  startedTls(): void {
    this.#check();
    if (this.#state !== SMTPState.TLS) throw new SMTPUsageError(`startedTls() in state ${this.#state}: STARTTLS was not accepted`);
    if (this.#replies.buffered > 0) this.#fail(new SMTPProtocolError(INJECTION));
    this.#state = SMTPState.READY;
    this.#extensions = null;
  }

  /** The text of `command` for debug output and diagnostics, with SASL data redacted. */
  static trace(command: SMTPCommand): string {
    switch (command.type) {
      case 'AUTH':
        return command.initialResponse === undefined ? `AUTH ${command.mechanism}` : redact(`AUTH ${command.mechanism}`, 5 + command.mechanism.length);
      case 'AUTH_RESPONSE':
        return redact(command.response);
      case 'BODY':
        return `<${command.data.length} message bytes>`;
      case 'END_OF_DATA':
        return '.';
      case 'BDAT':
        return line.bdat(command.chunk.length, command.last);
      case 'RAW': {
        const auth = /^AUTH\s+\S+\s/i.exec(command.line);
        return auth === null ? command.line : redact(command.line, auth[0].length);
      }
      case 'EHLO':
      case 'HELO':
        return `${command.type} ${command.name}`;
      case 'MAIL':
        return line.mail(command.from, command.parameters);
      case 'RCPT':
        return line.rcpt(command.to, command.parameters);
      case 'VRFY':
        return line.vrfy(command.address);
      default:
        return command.type;
    }
  }
}
