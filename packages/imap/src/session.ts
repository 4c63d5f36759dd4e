/**
 * The async side of IMAP4: a thin loop that moves bytes between the shared kit's connection
 * (@unitls/client-kit: deadlines per operation, per-call signals, safe STARTTLS, diagnostics) and
 * the sans-IO core (./protocol/connection.ts). A failure of the transport or of the server's
 * grammar closes the connection and is reported once, as it first happened.
 *
 * @module
 */
import { CallGate, ClientConnection, REDACTED, checkCallOptions, diagnostics, redact, type CallOptionKinds, type Security } from '@unitls/client-kit';
import { TLSClientConfiguration, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { Batch, finish, type CommandResult } from './batch.js';
import { IMAP4Abort, IMAP4Error, IMAP4ProtocolError, IMAP4UsageError, imapErrors } from './errors.js';
import type { Argument, Command } from './protocol/command.js';
import { IMAPConnection, NEED_DATA } from './protocol/connection.js';
import type { FetchResult } from './protocol/fetch.js';
import type { StatusResponse, UntaggedResponse } from './protocol/responses.js';
import type { IMAPState } from './protocol/states.js';
import type { Answer, CallOptions, IMAP4Options } from './options.js';

/**
 * The least of a literal's rest received straight into its memory (ClientConnection.recvInto):
 * a smaller rest (a small message's body) comes with the lines around it in one ordinary read
 * instead of a read of its own.
 */
const RECV_INTO_MIN = 16 * 1024;
const EMPTY = new Uint8Array(0);

const isPromiseLike = (value: unknown): value is PromiseLike<void> => typeof (value as PromiseLike<void> | null)?.then === 'function';

/** How one operation treats what arrives: AUTHENTICATE's answers, FETCH results handed over as they come. */
interface Handling {
  readonly answer?: Answer | undefined;
  /** Called with each FETCH response as it is parsed, instead of keeping it; what it returns is awaited before the next response is read. */
  readonly onFetch?: ((fetch: FetchResult) => unknown) | undefined;
  /** The call's signal: when onFetch aborted it, the call rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
}

export type { CommandResult } from './batch.js';

export class IMAP4Session implements AsyncDisposable {
  readonly #options: IMAP4Options;
  readonly #security: Security;
  readonly #connection: ClientConnection;
  #core: IMAPConnection | null = null;
  #greeting: StatusResponse | null = null;
  #failure: unknown = null;
  /** What the commands being sent are ("the APPEND command"), for a write timeout's message: a literal goes out after a continuation. */
  #sending = 'the command';
  readonly #gate = new CallGate(imapErrors);

  constructor(options: IMAP4Options, security: Security) {
    this.#options = options;
    this.#security = security;
    this.#connection = new ClientConnection({
      client: this,
      errors: imapErrors,
      channels: diagnostics.imap,
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      serverHostname: options.serverHostname,
      timeout: options.timeout,
      signal: options.signal,
      transport: options.transport,
      implicitTlsHint: "use IMAP4_SSL or security: 'implicit' (port 993)",
    });
  }

  /** The session state (RFC 9051 §3): NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, IDLE; LOGOUT when closed. */
  get state(): IMAPState {
    return this.#core !== null && this.#connection.connected ? this.#core.state : 'LOGOUT';
  }

  get capabilities(): ReadonlySet<string> {
    return this.#core?.capabilities ?? new Set();
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get tlsSocket(): TLSSocket | null {
    return this.#connection.tlsSocket;
  }

  /** The greeting (null before connect() and after STARTTLS, whose pre-TLS greeting is forgotten). */
  get greeting(): StatusResponse | null {
    return this.#greeting;
  }

  protected get security(): Security {
    return this.#security;
  }

  protected get options(): IMAP4Options {
    return this.#options;
  }

  protected get utf8Accept(): boolean {
    return this.#core?.utf8Accept ?? false;
  }

  /**
   * Runs the public call `name` alone: a second call while one runs (or while idle() iterates) is
   * an IMAP4UsageError before anything is sent, and a wrong argument a rejection, never a
   * synchronous throw; so are a name the call does not take (`kinds`, default `{ signal }`) and a
   * value of the wrong kind (see CallGate.run). The verbs it calls on the way get `inner`, which passes.
   */
  protected gated<T, O extends object>(name: string, options: O, work: (inner: O) => Promise<T>, kinds?: CallOptionKinds): Promise<T> {
    return this.#gate.run(name, options, () => work(this.#gate.inside(options)), kinds);
  }

  /**
   * Connects, reads the greeting and the capabilities, and with security 'starttls' upgrades.
   * On any failure the connection is closed before the promise rejects, so nothing can follow in
   * clear text.
   *
   * @throws IMAP4Abort (a refusal, PREAUTH where STARTTLS is required, a lost connection with its
   *   `cause`), IMAP4Error (STARTTLS refused), a TLSError from the handshake, a TimeoutError.
   */
  connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#security === 'implicit' ? 993 : 143), options: CallOptions = {}): Promise<StatusResponse> {
    return this.gated('connect', options, (inner) => this.#connect(host, port, inner));
  }

  async #connect(host: string, port: number, options: CallOptions): Promise<StatusResponse> {
    if (this.#connection.connected) throw new IMAP4UsageError('already connected: close() first');
    this.#failure = null;
    this.#greeting = null;
    try {
      await this.#connection.open(host, port, this.#security, options.signal);
      const core = new IMAPConnection({ secure: this.#security === 'implicit', ...(this.#options.limits ? { limits: this.#options.limits } : {}) });
      this.#core = core;
      const greeting = await this.#operation(() => this.#readGreeting(core), options.signal);
      if (greeting.type === 'BYE') throw new IMAP4Abort(`the server refused the connection: ${greeting.text}`, 'BYE', greeting.text);
      if (greeting.type === 'PREAUTH' && this.#security === 'starttls') {
        throw new IMAP4Abort('the server greeted with PREAUTH, which skips STARTTLS; refusing to continue without TLS');
      }
      this.#greeting = greeting;
      if (core.capabilities.size === 0) await this.capability(options);
      if (this.#security === 'starttls') await this.starttls(options);
      return greeting;
    } catch (error) {
      await this.close(true);
      throw error;
    }
  }

  async #readGreeting(core: IMAPConnection): Promise<StatusResponse> {
    for (;;) {
      const event = core.nextEvent();
      if (event === NEED_DATA) core.receiveData(await this.#connection.recv());
      else if (event.type === 'greeting') {
        this.#traceReply(core);
        return event.response;
      } else throw new IMAP4Abort('the server closed the connection before its greeting');
    }
  }

  /** One operation under the timeout and `signal`: what fails in it closes the connection and is rethrown as it first happened. */
  async #operation<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.#connection.run(work, signal);
    } catch (error) {
      await this.#abandon(error);
      throw error;
    }
  }

  async #abandon(error: unknown): Promise<void> {
    this.#failure ??= error;
    this.#core = null;
    await this.#connection.close(true);
  }

  #batch(): Batch {
    return new Batch(this.#options.limits?.maxResultSize ?? 256 * 1024 * 1024);
  }

  #requireCore(): IMAPConnection {
    if (this.#core === null || !this.#connection.connected) {
      const why = this.#failure instanceof Error ? ` (${this.#failure.message})` : '';
      throw new IMAP4Abort(`not connected${why}: run connect() first (the connection closes at logout() and after any failure)`, null, null, { cause: this.#failure ?? undefined });
    }
    return this.#core;
  }

  #traceReply(core: IMAPConnection): void {
    if (this.#connection.tracesReplies) this.#connection.publishReply(core.describeLast());
  }

  /** Publishes a command's line (its bytes up to the first CRLF), credentials redacted past `keep` characters of arguments. */
  #traceCommand(tag: string, name: string, data: Uint8Array, keep?: number): void {
    if (!this.#connection.tracesCommands) return;
    const line = Buffer.from(data.subarray(0, Math.max(0, data.indexOf(0x0d)))).toString('latin1');
    this.#connection.publishCommand(keep === undefined ? line : redact(line, `${tag} ${name}`.length + keep));
  }

  async #sendCommand(tag: string, name: string, data: Uint8Array, keep?: number): Promise<void> {
    this.#traceCommand(tag, name, data, keep);
    this.#connection.command = name;
    this.#sending = `the ${name} command`;
    await this.#connection.send(data, this.#sending);
  }

  /**
   * Moves bytes until `done()` holds: events already received are handled synchronously (no
   * promise per response), and the loop awaits only to read, to write a continuation, or for
   * what onFetch returned. `answer` replies to AUTHENTICATE challenges.
   */
  async #pump(core: IMAPConnection, batch: Batch, done: () => boolean, handling: Handling = {}): Promise<void> {
    while (!done()) {
      const next = this.#handleReceived(core, batch, done, handling);
      if (next === NEED_DATA) await this.#receive(core);
      else if (next instanceof Uint8Array) await this.#connection.send(next, this.#sending);
      else if (next !== null) {
        await next;
        this.#afterOnFetch(handling);
      }
    }
  }

  /**
   * The next bytes for the core. Inside a literal (a message body) with at least RECV_INTO_MIN
   * bytes to come, on a channel that can (a TLSSocket with recvInto: tls-openssl decrypts there),
   * they are received straight into the literal's memory, allocated once at its announced size
   * within limits.maxLiteralSize: no copy through the framer. Read after read until less than
   * RECV_INTO_MIN of it is left: nothing can be handled before the literal ends, so the core is
   * asked only for where the next bytes go (a server sending 4 KiB records makes this thousands of
   * reads per 20 MiB on tls-node). Otherwise one ordinary read.
   */
  async #receive(core: IMAPConnection): Promise<void> {
    let space = this.#connection.receivesInto ? core.literalSpace(RECV_INTO_MIN) : null;
    if (space === null) {
      core.receiveData(await this.#connection.recv());
      return;
    }
    do {
      const count = await this.#connection.recvInto(space);
      if (count === 0) {
        core.receiveData(EMPTY);
        return;
      }
      core.literalReceived(count);
      space = core.literalSpace(RECV_INTO_MIN);
    } while (space !== null);
  }

  /**
   * onFetch may have ended the call (aborted its signal, or closed the client): then nothing more
   * is handed over, not even responses already received, and the call rejects (with the signal's
   * reason, or as closed) instead of resolving as if it had run to its end.
   */
  #afterOnFetch({ signal }: Handling): void {
    this.#connection.afterCaller(signal);
  }

  /** Handles events until `done()`, more bytes are needed (NEED_DATA), bytes must be written or onFetch's promise awaited (returned). */
  #handleReceived(core: IMAPConnection, batch: Batch, done: () => boolean, handling: Handling): Uint8Array | PromiseLike<void> | typeof NEED_DATA | null {
    const { answer, onFetch } = handling;
    while (!done()) {
      const event = core.nextEvent();
      if (event === NEED_DATA) return NEED_DATA;
      this.#traceReply(core);
      switch (event.type) {
        case 'untagged':
          if (event.response.type === 'BYE' && !batch.has('LOGOUT')) {
            throw new IMAP4Abort(`the server said BYE: ${event.response.text}`, 'BYE', event.response.text);
          }
          // Handed over (and its promise settled) before the next nextEvent(), which may receive
          // the next literal into the same memory (receiveFetchLiteralsInto): never kept.
          if (onFetch !== undefined && event.response.type === 'FETCH') {
            const handled = onFetch(event.response.fetch);
            if (isPromiseLike(handled)) return handled;
            this.#afterOnFetch(handling);
          } else batch.keep(event.response, core.lastResponseSize);
          break;
        case 'continuation':
          if (event.data !== null) return event.data;
          if (answer !== undefined) {
            this.#connection.publishCommand(REDACTED);
            return core.sendContinuation(answer(event.text));
          }
          break;
        case 'tagged':
          batch.complete(event.response);
          break;
        default:
          throw new IMAP4Abort(`the server closed the connection during ${batch.all.map((p) => p.name).join(', ')}`);
      }
    }
    return null;
  }

  /**
   * Sends commands (pipelined when more than one, in one write; the core refuses unsafe
   * combinations before anything is written) and waits for all their completions as one
   * operation. `redact`: how many characters of the arguments the trace may show.
   *
   * @throws IMAP4ReplyError on a NO/BAD (the first one), IMAP4UsageError before sending,
   *   IMAP4Abort when the connection failed (it is then closed), a TimeoutError.
   */
  protected async executeAll(commands: readonly Command[], options: CallOptions & Handling & { redact?: number; into?: Uint8Array | undefined } = {}): Promise<CommandResult[]> {
    const core = this.#requireCore();
    const batch = this.#batch();
    const out: Array<[string, string, Uint8Array]> = [];
    let refused: unknown = null;
    for (const command of commands) {
      try {
        const { tag, data } = core.send(command);
        batch.add(tag, command.name.toUpperCase());
        out.push([tag, command.name, data]);
      } catch (error) {
        refused = error;
        break;
      }
    }
    if (out.length > 0) {
      // The caller's memory only while its FETCH results go straight to onFetch (the pump hands
      // each over before reading the next response).
      const into = options.onFetch !== undefined ? (options.into ?? null) : null;
      if (into !== null) core.receiveFetchLiteralsInto(into);
      try {
        // What a timeout names: the command names only.
        this.#connection.command = out.length === 1 ? out[0]![1].toUpperCase() : out.map(([, name]) => name.toUpperCase()).join(', ');
        await this.#operation(async () => {
          for (const [tag, name, data] of out) this.#traceCommand(tag, name, data, options.redact);
          this.#sending = out.length === 1 ? `the ${out[0]![1].toUpperCase()} command` : `the commands ${out.map(([, name]) => name.toUpperCase()).join(', ')}`;
          await this.#connection.send(out.length === 1 ? out[0]![2] : Buffer.concat(out.map(([, , data]) => data)), this.#sending);
          await this.#pump(core, batch, () => batch.open === 0, options);
        }, options.signal);
      } finally {
        if (into !== null) core.receiveFetchLiteralsInto(null);
      }
    }
    if (refused !== null) throw refused;
    return batch.all.map(finish);
  }

  protected async execute(command: Command, options: CallOptions & Handling & { redact?: number } = {}): Promise<CommandResult> {
    return (await this.executeAll([command], options))[0]!;
  }

  /**
   * Any command (`name`: an atom, or UID and one; arguments encoded safely).
   *
   * @throws IMAP4ReplyError on NO/BAD; IMAP4UsageError (a name that is not an atom, an argument of
   *   another type, NUL) before anything is sent.
   */
  command(name: string, ...args: Argument[]): Promise<CommandResult> {
    return this.gated('command', {}, () => this.execute({ name, args }));
  }

  capability(options: CallOptions = {}): Promise<ReadonlySet<string>> {
    return this.gated('capability', options, async () => {
      await this.execute({ name: 'CAPABILITY' }, options);
      return this.capabilities;
    });
  }

  noop(options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('noop', options, () => this.execute({ name: 'NOOP' }, options));
  }

  /**
   * STARTTLS, done safely: refused when not advertised, not answered with OK, or answered with
   * "+"; untagged data before the OK is read and dropped (RFC 9051 §7 allows it at any time; an
   * `* OK [ALERT]` first is fine), bytes after the OK and before the handshake are refused as
   * injection, and afterwards the greeting and capabilities are forgotten and asked again.
   */
  starttls(options: CallOptions = {}): Promise<void> {
    return this.gated('starttls', options, (inner) => this.#starttls(inner));
  }

  async #starttls(options: CallOptions): Promise<void> {
    const core = this.#requireCore();
    if (core.secure) throw new IMAP4UsageError('the connection already uses TLS');
    if (!core.capabilities.has('STARTTLS')) {
      await this.close();
      throw new IMAP4Error('the server does not advertise STARTTLS; refusing to continue without TLS');
    }
    const batch = this.#batch();
    const { tag, data } = core.send({ name: 'STARTTLS' });
    const pending = batch.add(tag, 'STARTTLS');
    await this.#operation(async () => {
      await this.#sendCommand(tag, 'STARTTLS', data);
      try {
        await this.#pump(core, batch, () => batch.open === 0);
      } catch (error) {
        if (!(error instanceof IMAP4ProtocolError)) throw error;
        throw new IMAP4Error(`STARTTLS refused: ${error.message}; refusing to continue without TLS`, null, null, { cause: error });
      }
      const { status, text } = pending.tagged!;
      if (status !== 'OK') throw new IMAP4Error(`STARTTLS refused: ${status} ${text}; refusing to continue without TLS`, status, text);
      await this.#connection.upgrade(core.buffered);
      core.tlsEstablished();
    }, options.signal);
    this.#greeting = null;
    await this.capability(options);
  }

  /**
   * IDLE (RFC 2177): yields untagged updates until `signal` aborts or the loop is left; then DONE
   * is sent and the command completes within the timeout. Waiting for updates has no deadline.
   * If the server goes away the loop rejects with that first failure (never an unhandled
   * rejection, never a second error hiding it).
   */
  async *idle(options: CallOptions | AbortSignal = {}): AsyncGenerator<UntaggedResponse, void, undefined> {
    // Held from the first next() until the loop ends: a call in the loop body is a usage error.
    this.#gate.enter('idle');
    // In flight until the loop ends, the caller's loop body included: the connection keeps the
    // process alive meanwhile (an idle client does not, see ClientConnection.hold).
    this.#connection.hold();
    try {
      yield* this.#idle(options);
    } finally {
      this.#connection.release();
      this.#gate.leave();
    }
  }

  async *#idle(options: CallOptions | AbortSignal): AsyncGenerator<UntaggedResponse, void, undefined> {
    if (typeof options !== 'object' || options === null) throw new IMAP4UsageError('the options of idle() must be an AbortSignal or an object such as { signal }; nothing was sent');
    if (!(options instanceof AbortSignal)) checkCallOptions(imapErrors, 'idle', options);
    const signal = options instanceof AbortSignal ? options : options.signal;
    const core = this.#requireCore();
    if (!core.capabilities.has('IDLE')) throw new IMAP4Error('the server does not offer IDLE');
    const batch = new Batch(Infinity, false); // updates are handed over as they come
    const { tag, data } = core.send({ name: 'IDLE' });
    const pending = batch.add(tag, 'IDLE');
    await this.#operation(async () => {
      await this.#sendCommand(tag, 'IDLE', data);
      await this.#pump(core, batch, () => core.state === 'IDLE' || pending.tagged !== null);
    });
    if (pending.tagged !== null) {
      finish(pending);
      return;
    }
    let leaving: Promise<void> | null = null;
    let failure: unknown = null;
    const leave = () => {
      if (leaving !== null || !this.#connection.connected || core.state !== 'IDLE') return;
      // From DONE on, the wait for IDLE's completion is an operation: bounded by the timeout.
      this.#connection.begin();
      this.#connection.command = 'DONE';
      this.#connection.publishCommand('DONE');
      leaving = this.#connection.send(core.done()).catch((error: unknown) => void (failure ??= error));
    };
    signal?.addEventListener('abort', leave, { once: true });
    if (signal?.aborted) leave();
    let settled = false;
    try {
      while (pending.tagged === null) {
        const update = pending.untagged.shift();
        if (update !== undefined) {
          if (leaving === null) yield update;
          continue;
        }
        // Stops at each update, to hand it over.
        await this.#pump(core, batch, () => pending.tagged !== null || pending.untagged.length > 0);
      }
      settled = true;
      finish(pending);
    } catch (error) {
      settled = true;
      await this.#abandon(failure ?? error);
      throw failure ?? error;
    } finally {
      signal?.removeEventListener('abort', leave);
      if (leaving !== null) this.#connection.end();
      if (!settled && this.#connection.connected) {
        // Left early (break, or the caller's error): end IDLE before the next command.
        await this.#operation(async () => {
          leave();
          await leaving;
          if (failure !== null) throw failure;
          await this.#pump(core, batch, () => pending.tagged !== null);
        });
        if (leaving !== null) this.#connection.end();
        pending.untagged.length = 0;
      }
    }
  }

  /** LOGOUT, then close; a no-op on a closed client. */
  logout(options: CallOptions = {}): Promise<void> {
    return this.gated('logout', options, () => this.#logout(options));
  }

  async #logout(options: CallOptions): Promise<void> {
    const core = this.#core;
    if (core === null || !this.#connection.connected) return;
    try {
      if (core.state !== 'LOGOUT' && core.state !== 'ERROR') await this.execute({ name: 'LOGOUT' }, options);
    } catch (error) {
      // The server closing right after its BYE is the expected end of a session.
      if (!(error instanceof IMAP4Abort)) throw error;
    } finally {
      await this.close();
    }
  }

  /** Closes the connection (gracefully unless `force`) without LOGOUT. */
  async close(force = false): Promise<void> {
    // As SMTP's close(): the call this ends is the caller's to await, maybe after this close().
    if (this.#connection.busy) this.#gate.calls.endedByClose();
    this.#core = null;
    await this.#connection.close(force);
  }

  /** `await using`: LOGOUT, then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.logout().catch(() => this.close(true));
  }
}
