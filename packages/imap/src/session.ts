/**
 * The async side of IMAP4: a thin loop that moves bytes between the transport and the sans-IO
 * core (./protocol/connection.ts). Each call is one operation; a failure of the transport or of
 * the server's grammar closes the connection and is reported once, as it first happened.
 *
 * @module
 */
import { TLSClientConfiguration, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { IMAP4Abort, IMAP4Error, IMAP4ProtocolError, IMAP4UsageError } from './errors.js';
import { Link, type Security } from './link.js';
import type { Argument, Command } from './protocol/command.js';
import { IMAPConnection, NEED_DATA, type IMAPLimits } from './protocol/connection.js';
import type { StatusResponse, TaggedResponse, UntaggedResponse } from './protocol/responses.js';
import type { IMAPState } from './protocol/states.js';

export interface IMAP4Options {
  host?: string;
  /** Default 993 for implicit TLS, else 143. */
  port?: number;
  /** 'starttls' (IMAP4's default): TLS required, done by connect(); 'implicit' (IMAP4_SSL); 'plaintext': an explicit opt-in. */
  security?: Security;
  /** Milliseconds allowed for connecting and for each response (default 30 000). */
  timeout?: number;
  /** Ends whatever is in progress and closes the connection, for the session's whole life. */
  signal?: AbortSignal;
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  serverHostname?: string;
  limits?: IMAPLimits;
  /** Allow LOGIN/AUTHENTICATE without TLS (never the default; LOGINDISABLED always wins). */
  allowPlaintextAuth?: boolean;
}

/** Per-call options of every verb that waits for the server. */
export interface CallOptions {
  /** Ends this call (the connection is closed: the server's answer can no longer be told apart). */
  signal?: AbortSignal;
}

export interface CommandResult {
  readonly tagged: TaggedResponse;
  /** The untagged responses that arrived while the command ran (not kept anywhere else). */
  readonly untagged: UntaggedResponse[];
}

/** Answers an AUTHENTICATE challenge (the "+" text) with a base64 line. */
export type Answer = (challenge: string) => string | Promise<string>;

interface Pending {
  readonly tag: string;
  readonly name: string;
  readonly untagged: UntaggedResponse[];
  tagged: TaggedResponse | null;
}

/** The commands of one operation; untagged data goes to the oldest one still running. */
class Batch {
  readonly all: Pending[] = [];
  #open = 0;
  #oldest = 0;
  add(tag: string, name: string): Pending {
    const pending: Pending = { tag, name, untagged: [], tagged: null };
    this.all.push(pending);
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
  complete(response: TaggedResponse): void {
    const pending = this.all.find((p) => p.tag === response.tag && p.tagged === null);
    if (pending === undefined) throw new IMAP4ProtocolError(`the server completed ${response.tag}, which this operation did not send`);
    pending.tagged = response;
    this.#open--;
  }
}

export class IMAP4Session implements AsyncDisposable {
  readonly #options: IMAP4Options;
  readonly #security: Security;
  readonly #link: Link;
  #core: IMAPConnection | null = null;
  #greeting: StatusResponse | null = null;
  #failure: unknown = null;

  constructor(options: IMAP4Options, security: Security) {
    this.#options = options;
    this.#security = security;
    this.#link = new Link({
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: options.serverHostname,
    });
  }

  /** The session state (RFC 9051 §3): NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, IDLE, LOGOUT when closed, ... */
  get state(): IMAPState {
    return this.#core !== null && this.#link.connected ? this.#core.state : 'LOGOUT';
  }

  get capabilities(): ReadonlySet<string> {
    return this.#core?.capabilities ?? new Set();
  }

  get secure(): boolean {
    return this.#link.secure;
  }

  get tlsSocket(): TLSSocket | null {
    return this.#link.tlsSocket;
  }

  /** The greeting (null before connect() and after STARTTLS, whose pre-TLS greeting is forgotten). */
  get greeting(): StatusResponse | null {
    return this.#greeting;
  }

  protected get security(): Security {
    return this.#security;
  }

  protected get plaintextAuthAllowed(): boolean {
    return this.#options.allowPlaintextAuth ?? false;
  }

  protected get utf8Accept(): boolean {
    return this.#core?.utf8Accept ?? false;
  }

  /**
   * Connects, reads the greeting and the capabilities, and with security 'starttls' upgrades.
   * On any failure the connection is closed before the promise rejects, so nothing can follow in
   * clear text.
   *
   * @throws IMAP4Abort (a refusal, PREAUTH where STARTTLS is required, a lost connection, with
   *   `cause`), IMAP4Error (STARTTLS refused), a TLSError from the handshake.
   */
  async connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#security === 'implicit' ? 993 : 143), options: CallOptions = {}): Promise<StatusResponse> {
    if (this.#link.connected) throw new IMAP4UsageError('already connected: close() first');
    this.#failure = null;
    this.#greeting = null;
    try {
      await this.#link.open(host, port, this.#security);
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
      if (event === NEED_DATA) core.receiveData(await this.#link.recv());
      else if (event.type === 'greeting') return event.response;
      else throw new IMAP4Abort('the server closed the connection before its greeting');
    }
  }

  /** One operation: what fails in it closes the connection and is rethrown as it first happened. */
  async #operation<T>(work: () => Promise<T>, _signal?: AbortSignal): Promise<T> {
    try {
      return await this.#link.run(work);
    } catch (error) {
      this.#failure ??= error;
      this.#core = null;
      await this.#link.close(true);
      throw error;
    }
  }

  #requireCore(): IMAPConnection {
    if (this.#core === null || !this.#link.connected) {
      throw new IMAP4Abort('not connected: run connect() first (the connection is closed after any failure)', null, null, { cause: this.#failure ?? undefined });
    }
    return this.#core;
  }

  /** Handles one event (or reads once); `answer` replies to AUTHENTICATE challenges. */
  async #step(core: IMAPConnection, batch: Batch, bounded = true, answer?: Answer): Promise<void> {
    const event = core.nextEvent();
    if (event === NEED_DATA) {
      core.receiveData(await this.#link.recv(bounded));
      return;
    }
    switch (event.type) {
      case 'untagged':
        if (event.response.type === 'BYE' && !batch.all.some((p) => p.name === 'LOGOUT')) {
          throw new IMAP4Abort(`the server said BYE: ${event.response.text}`, 'BYE', event.response.text);
        }
        batch.current?.untagged.push(event.response);
        return;
      case 'continuation':
        if (event.data !== null) await this.#link.send(event.data);
        else if (answer !== undefined) await this.#link.send(core.sendContinuation(await answer(event.text)));
        return;
      case 'tagged':
        batch.complete(event.response);
        return;
      default:
        throw new IMAP4Abort(`the server closed the connection during ${batch.all.map((p) => p.name).join(', ')}`);
    }
  }

  /**
   * Sends commands (pipelined when more than one; the core refuses unsafe combinations before
   * anything is written) and waits for all their completions in one operation.
   *
   * @throws IMAP4Error on a NO/BAD (the first one), IMAP4UsageError before sending, IMAP4Abort
   *   when the connection failed (it is then closed).
   */
  protected async executeAll(commands: readonly Command[], options: CallOptions & { answer?: Answer } = {}): Promise<CommandResult[]> {
    const core = this.#requireCore();
    const batch = new Batch();
    const out: Uint8Array[] = [];
    let refused: unknown = null;
    for (const command of commands) {
      try {
        const { tag, data } = core.send(command);
        batch.add(tag, command.name.toUpperCase());
        out.push(data);
      } catch (error) {
        refused = error;
        break;
      }
    }
    if (out.length > 0) {
      await this.#operation(async () => {
        await this.#link.send(out.length === 1 ? out[0]! : Buffer.concat(out));
        while (batch.open > 0) await this.#step(core, batch, true, options.answer);
      }, options.signal);
    }
    if (refused !== null) throw refused;
    return batch.all.map(finish);
  }

  protected async execute(command: Command, options: CallOptions & { answer?: Answer } = {}): Promise<CommandResult> {
    return (await this.executeAll([command], options))[0]!;
  }

  /** Any command (`name`: one or two atoms; arguments encoded safely). @throws IMAP4Error on NO/BAD. */
  command(name: string, ...args: Argument[]): Promise<CommandResult> {
    return this.execute({ name, args });
  }

  async capability(options: CallOptions = {}): Promise<ReadonlySet<string>> {
    await this.execute({ name: 'CAPABILITY' }, options);
    return this.capabilities;
  }

  noop(options: CallOptions = {}): Promise<CommandResult> {
    return this.execute({ name: 'NOOP' }, options);
  }

  /**
   * STARTTLS, done safely: refused when not advertised, not answered with OK, or answered with
   * "+"; untagged data before the OK is read and dropped (RFC 9051 §7 allows it at any time; an
   * `* OK [ALERT]` first is fine), bytes after the OK and before the handshake are refused as
   * injection, and afterwards the greeting and capabilities are forgotten and asked again.
   */
  async starttls(options: CallOptions = {}): Promise<void> {
    const core = this.#requireCore();
    if (core.secure) throw new IMAP4UsageError('the connection already uses TLS');
    if (!core.capabilities.has('STARTTLS')) {
      await this.close();
      throw new IMAP4Error('the server does not advertise STARTTLS; refusing to continue without TLS');
    }
    const batch = new Batch();
    const { tag, data } = core.send({ name: 'STARTTLS' });
    const pending = batch.add(tag, 'STARTTLS');
    await this.#operation(async () => {
      await this.#link.send(data);
      try {
        while (batch.open > 0) await this.#step(core, batch);
      } catch (error) {
        if (!(error instanceof IMAP4ProtocolError)) throw error;
        throw new IMAP4Error(`STARTTLS refused: ${error.message}; refusing to continue without TLS`, null, null, { cause: error });
      }
      const { status, text } = pending.tagged!;
      if (status !== 'OK') throw new IMAP4Error(`STARTTLS refused: ${status} ${text}; refusing to continue without TLS`, status, text);
      await this.#link.upgrade(core.buffered);
      core.tlsEstablished();
    }, options.signal);
    this.#greeting = null;
    await this.capability(options);
  }

  /**
   * IDLE (RFC 2177): yields untagged updates until `signal` aborts or the loop is left; then DONE
   * is sent and the command completes, within the timeout. If the server goes away the loop
   * rejects with that first failure (never an unhandled rejection).
   */
  async *idle(options: CallOptions | AbortSignal = {}): AsyncGenerator<UntaggedResponse, void, undefined> {
    const signal = options instanceof AbortSignal ? options : options.signal;
    const core = this.#requireCore();
    if (!core.capabilities.has('IDLE')) throw new IMAP4Error('the server does not offer IDLE');
    const batch = new Batch();
    const { tag, data } = core.send({ name: 'IDLE' });
    const pending = batch.add(tag, 'IDLE');
    await this.#operation(async () => {
      await this.#link.send(data);
      while (core.state !== 'IDLE' && pending.tagged === null) await this.#step(core, batch);
    });
    if (pending.tagged !== null) {
      finish(pending);
      return;
    }
    let leaving: Promise<void> | null = null;
    let failure: unknown = null;
    const leave = () => {
      if (leaving !== null || !this.#link.connected || core.state !== 'IDLE') return;
      leaving = this.#link.send(core.done()).catch((error: unknown) => void (failure ??= error));
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
        // No deadline while idling: the server may stay silent for minutes.
        await this.#step(core, batch, leaving !== null);
      }
      settled = true;
      finish(pending);
    } catch (error) {
      settled = true;
      this.#failure ??= failure ?? error;
      this.#core = null;
      await this.#link.close(true);
      throw failure ?? error;
    } finally {
      signal?.removeEventListener('abort', leave);
      if (!settled && this.#link.connected) {
        // Left early (break, or the caller's error): end IDLE before the next command.
        leave();
        await this.#operation(async () => {
          await leaving;
          if (failure !== null) throw failure;
          while (pending.tagged === null) await this.#step(core, batch);
        });
        pending.untagged.length = 0;
      }
    }
  }

  /** LOGOUT, then close; a no-op on a closed client. */
  async logout(options: CallOptions = {}): Promise<void> {
    const core = this.#core;
    if (core === null || !this.#link.connected) return;
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
    this.#core = null;
    await this.#link.close(force);
  }

  /** `await using`: LOGOUT, then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.logout().catch(() => this.close(true));
  }
}

function finish(pending: Pending): CommandResult {
  const tagged = pending.tagged!;
  if (tagged.status !== 'OK') {
    const code = tagged.code ? `[${tagged.code.name}] ` : '';
    throw new IMAP4Error(`${pending.name} failed: ${tagged.status} ${code}${tagged.text}`, tagged.status, tagged.text);
  }
  return { tagged, untagged: pending.untagged };
}
