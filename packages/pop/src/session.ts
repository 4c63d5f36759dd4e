/**
 * The thin loop under POP3: moves bytes between the ClientConnection (@unitls/client-kit) and the
 * sans-IO POP3Connection, one operation (one deadline) per reply, per message and per write, and
 * publishes what crosses on the diagnostics channels (secrets redacted). A whole message is
 * collected by the core as bytes arrive (no await per line); a listing is parsed line by line and
 * nothing of its lines is kept. Any failure while reading closes the connection before it is
 * raised. Internal: not exported by the package.
 *
 * @module
 */
import { pendingPromise, takeReject, takeResolve, type ClientConnection } from '@unitls/client-kit';
import { POP3ConnectionError, POP3ReplyError, POP3UsageError } from './errors.js';
import { NEED_DATA, POP3Connection, type ChallengeEvent, type POP3Command, type POP3Event, type POP3Limits, type StatusEvent } from './protocol/connection.js';
import { commandName } from './protocol/commands.js';

/** A collect() on the shared handlers: its command, core, status once read, and how it settles. */
interface Collecting {
  readonly command: POP3Command & { type: 'RETR' | 'TOP' };
  readonly core: POP3Connection;
  status: POP3Event | null;
  readonly resolve: (message: Buffer) => void;
  readonly reject: (reason: unknown) => void;
}

/** Replies a pipelined batch may leave outstanding (RFC 2449 §6.6 asks clients to bound it; commands are ~12 bytes). */
const WINDOW = 32;

export class Session {
  readonly io: ClientConnection;
  readonly #limits: POP3Limits;
  #core: POP3Connection | null = null;
  /** A retrLines() iteration is open: nothing else may be read until it ends or is left. */
  #streaming = false;
  /** Inside a SASL exchange: challenges are traced as <redacted>. */
  sasl = false;

  constructor(io: ClientConnection, limits: POP3Limits) {
    this.io = io;
    this.#limits = limits;
  }

  /** A fresh core for a new connection. */
  reset(): POP3Connection {
    this.#core = new POP3Connection(this.#limits);
    this.#streaming = false;
    this.sasl = false;
    return this.#core;
  }

  /** The core, when connected. @throws POP3ConnectionError */
  get core(): POP3Connection {
    if (!this.io.connected) throw this.io.closedError();
    if (this.#core === null) throw new POP3ConnectionError('not connected: run connect() first');
    return this.#core;
  }

  /** The core of the last connection, if any (state inspection after close). */
  get lastCore(): POP3Connection | null {
    return this.#core;
  }

  #encode(command: POP3Command): Uint8Array {
    if (this.#streaming) throw new POP3UsageError(`${command.type} cannot be sent while a retrLines() iteration is open: finish it or leave it (break) first`);
    const bytes = this.core.send(command);
    // What a timeout names: the verb only (an AUTH_RESPONSE's data is a secret).
    this.io.command = command.type === 'AUTH_RESPONSE' ? 'AUTH' : command.type;
    if (this.io.tracesCommands) this.io.publishCommand(POP3Connection.trace(command));
    return bytes;
  }

  /** The next event; any failure (protocol, transport, deadline) closes the connection first. */
  async next(signal?: AbortSignal): Promise<POP3Event> {
    const core = this.core;
    try {
      const ready = core.nextEvent();
      const event = ready !== NEED_DATA ? ready : await this.io.nextEvent<POP3Event>(core, NEED_DATA, signal);
      this.#traceReply(event);
      return event;
    } catch (error) {
      await this.io.close(true);
      throw error;
    }
  }

  /** Publishes a status or challenge line on the reply channel when someone listens. */
  #traceReply(event: POP3Event): void {
    if (!this.io.tracesReplies) return;
    if (event.type === 'status') this.io.publishReply(event.line);
    else if (event.type === 'challenge') this.io.publishReply(this.sasl ? '+ <redacted>' : `+ ${event.data}`);
  }

  /** The greeting, read as one operation. */
  greeting(signal?: AbortSignal): Promise<StatusEvent> {
    return this.io.run(async () => (await this.next()) as StatusEvent, signal);
  }

  /** Sends `command` and reads its first reply line (a status, or a SASL challenge), as one operation. */
  reply(command: POP3Command, signal?: AbortSignal): Promise<StatusEvent | ChallengeEvent> {
    const bytes = this.#encode(command);
    return this.io.run(async () => {
      await this.io.send(bytes);
      return (await this.next()) as StatusEvent | ChallengeEvent;
    }, signal);
  }

  /** Sends `command`; the +OK status. @throws POP3ReplyError on -ERR (the session goes on) */
  async ok(command: POP3Command, signal?: AbortSignal): Promise<StatusEvent> {
    return okOrThrow(await this.reply(command, signal), command);
  }

  /**
   * RETR or TOP: the whole un-stuffed message, collected by the core, as one operation begun and
   * ended inline. The status and the message are read by one loop, not through next() and
   * io.nextEvent(): a one-by-one RETR loop pays its promises once per message. The usual call
   * (none running) is written out on handlers made once per session ({@link #collectSent} & co.)
   * rather than as an async function: an await was an await context and two closures per send and
   * per read (~0.2 KB each, issue #16); a second call while one runs takes {@link #collectAwaiting}.
   * Same failures as next(): anything but a -ERR (the session goes on) closes the connection.
   */
  collect(command: POP3Command & { type: 'RETR' | 'TOP' }, signal: AbortSignal | undefined): Promise<Buffer> {
    if (this.#collecting !== null) return this.#collectAwaiting(command, signal);
    let bytes: Uint8Array;
    let core: POP3Connection;
    try {
      // The callers build the command without `stream` (collected); no copy of it per message.
      bytes = this.#encode(command.stream === true ? { ...command, stream: false } : command);
      core = this.core;
      this.io.begin(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const result = pendingPromise<Buffer>();
    this.#collecting = { command, core, status: null, resolve: takeResolve<Buffer>(), reject: takeReject() };
    this.io.send(bytes).then(this.#collectSent, this.#collectFailed);
    return result;
  }

  /** The collect() running on the shared handlers, or null. */
  #collecting: Collecting | null = null;

  /** Its command went out: read the status, then (after +OK) the message. */
  readonly #collectSent = (): void => {
    this.#collectStep();
  };

  /** Bytes for the running collect(). */
  readonly #collectData = (data: Uint8Array): void => {
    try {
      this.#collecting!.core.receiveData(data);
    } catch (error) {
      this.#collectFailed(error);
      return;
    }
    this.#collectStep();
  };

  /** The running collect() failed (transport, deadline, protocol): the connection is closed, then it rejects. */
  readonly #collectFailed = (error: unknown): void => {
    const call = this.#collecting!;
    const settle = (failure: unknown): void => {
      this.#collecting = null;
      this.io.end();
      call.reject(failure);
    };
    this.io.close(true).then(() => settle(error), settle);
  };

  /** The core's events until it needs bytes (a read is then asked for) or the call is answered. */
  #collectStep(): void {
    const call = this.#collecting!;
    let message: POP3Event;
    try {
      for (;;) {
        const event = call.core.nextEvent();
        if (event === NEED_DATA) {
          this.io.recv().then(this.#collectData, this.#collectFailed);
          return;
        }
        if (call.status !== null) {
          message = event;
          break;
        }
        call.status = event;
        this.#traceReply(event);
        if (event.type !== 'status' || !event.ok) {
          message = event;
          break;
        }
      }
    } catch (error) {
      this.#collectFailed(error);
      return;
    }
    this.#collecting = null;
    this.io.end();
    try {
      okOrThrow(call.status as StatusEvent, call.command);
      call.resolve(messageOf(message));
    } catch (error) {
      call.reject(error);
    }
  }

  /** {@link collect} as an async function: for a call made while another runs on the shared handlers. */
  async #collectAwaiting(command: POP3Command & { type: 'RETR' | 'TOP' }, signal: AbortSignal | undefined): Promise<Buffer> {
    const bytes = this.#encode(command.stream === true ? { ...command, stream: false } : command);
    const io = this.io;
    const core = this.core;
    io.begin(signal);
    try {
      let status: POP3Event | typeof NEED_DATA;
      let message: POP3Event | typeof NEED_DATA;
      try {
        await io.send(bytes);
        while ((status = core.nextEvent()) === NEED_DATA) core.receiveData(await io.recv());
        this.#traceReply(status);
        if (status.type === 'status' && status.ok) {
          while ((message = core.nextEvent()) === NEED_DATA) core.receiveData(await io.recv());
        } else message = status;
      } catch (error) {
        await io.close(true);
        throw error;
      }
      okOrThrow(status as StatusEvent, command);
      return messageOf(message);
    } finally {
      io.end();
    }
  }

  /** The collected message whose +OK was just read. */
  async #message(): Promise<Buffer> {
    return messageOf(await this.next());
  }

  /** A listing (LIST, UIDL, CAPA), each line parsed as it comes (one operation). */
  listing<T>(command: POP3Command, parse: (line: Buffer) => T, signal?: AbortSignal): Promise<T[]> {
    const bytes = this.#encode(command);
    return this.io.run(async () => {
      await this.io.send(bytes);
      okOrThrow((await this.next()) as StatusEvent, command);
      const out: T[] = [];
      try {
        for (let event = await this.next(); event.type === 'line'; event = await this.next()) out.push(parse(event.line));
      } catch (error) {
        // A malformed line leaves the rest of the listing unread: it would answer the next
        // command. Closed, as every protocol error is (README).
        await this.io.close(true);
        throw error;
      }
      return out;
    }, signal);
  }

  /**
   * RETR/TOP streamed: each content line as it comes. Leaving early (break, return, a throw in
   * the loop) drains the rest of the body, so what follows can never be read as the reply to a
   * later command; when draining fails the connection is closed.
   */
  async *stream(command: POP3Command & { type: 'RETR' | 'TOP' }, signal?: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
    okOrThrow((await this.reply({ ...command, stream: true }, signal)) as StatusEvent, command);
    this.#streaming = true;
    const core = this.core;
    let done = false;
    try {
      for (;;) {
        const ready = core.nextEvent();
        const event = ready !== NEED_DATA ? ready : await this.next(signal);
        if (event.type !== 'line') break;
        yield event.line;
        // The loop body may have closed the client or aborted the signal: then the lines already
        // received are not handed over, nor the end (a message cut short is never complete).
        this.io.afterCaller(signal);
      }
      done = true;
    } finally {
      this.#streaming = false;
      if (!done && this.io.connected) {
        try {
          await this.io.run(async () => {
            while ((await this.next()).type === 'line');
          }, signal);
        } catch {
          await this.io.close(true);
        }
      }
    }
  }

  /**
   * RETR of each message, pipelined (RFC 2449) when the core allows it: commands go out in
   * batches while replies come back, at most {@link WINDOW} outstanding; each message is one
   * operation. A -ERR stops further sending; the replies already asked for are read (the session
   * stays in sync), then the first -ERR is raised.
   */
  async retrMany(numbers: readonly number[], signal?: AbortSignal): Promise<Buffer[]> {
    for (const which of numbers) POP3Connection.line({ type: 'RETR', which });
    const core = this.core;
    const results: Buffer[] = [];
    if (!core.pipelining) {
      for (const which of numbers) results.push(await this.collect({ type: 'RETR', which }, signal));
      return results;
    }
    let sent = 0;
    let answered = 0;
    let refused: POP3ReplyError | null = null;
    while (answered < sent || (refused === null && sent < numbers.length)) {
      if (refused === null && sent < numbers.length && sent - answered <= WINDOW / 2) {
        const end = Math.min(numbers.length, answered + WINDOW);
        const batch: Uint8Array[] = [];
        for (; sent < end; sent++) batch.push(this.#encode({ type: 'RETR', which: numbers[sent]! }));
        await this.io.run(() => this.io.send(batch.length === 1 ? batch[0]! : Buffer.concat(batch)), signal);
      }
      const which = numbers[answered++]!;
      try {
        results.push(
          await this.io.run(async () => {
            okOrThrow((await this.next()) as StatusEvent, { type: 'RETR', which });
            return this.#message();
          }, signal),
        );
      } catch (error) {
        if (!(error instanceof POP3ReplyError)) throw error;
        refused ??= error;
      }
    }
    if (refused !== null) throw refused;
    return results;
  }
}

/** The data of a collected message's event. @throws POP3ConnectionError for any other event */
function messageOf(event: POP3Event): Buffer {
  if (event.type !== 'message') throw new POP3ConnectionError(`unexpected ${event.type} event while a message was awaited`);
  return event.data;
}

/** The +OK status; -ERR as a POP3ReplyError whose message names the command ("RETR 99: -ERR …"; `response`: the line). */
function okOrThrow(event: StatusEvent | ChallengeEvent, command: POP3Command): StatusEvent {
  if (event.type === 'status' && event.ok) return event;
  if (event.type === 'status') throw new POP3ReplyError(`${commandName(command)}: ${event.line}`, event.line);
  throw new POP3ConnectionError('unexpected SASL challenge');
}
