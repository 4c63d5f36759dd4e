/**
 * poplib's POP3 and POP3_SSL, async, on any unitls TLS implementation: a thin loop (./session.ts)
 * that moves bytes between a ClientConnection (@unitls/client-kit) and the sans-IO POP3Connection
 * (./protocol/connection.ts), which holds every state and transition. This file is the verbs.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { ClientConnection, connectionLost, InFlight, checkCallOptions, trackCalls, checkClientOptions, diagnostics, type Credentials, type Security } from '@unitls/client-kit';
import { TLSClientConfiguration, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { authRefused, authenticate } from './auth.js';
import { POP3Error, POP3ProtocolError, POP3ReplyError, POP3UsageError, popErrors } from './errors.js';
import { POP3_OPTION_NAMES, type CallOptions, type POP3Options } from './options.js';
import type { POP3State } from './protocol/states.js';
import { Session } from './session.js';
import { describeValue } from '@unitls/tls-core';

/** The `security` values POP3 takes ('stls': RFC 2595's name for 'starttls'). */
const SECURITIES: readonly string[] = ['implicit', 'starttls', 'stls', 'plaintext'];

/** One line of LIST: a message and its size in octets. */
export interface ScanListing {
  readonly message: number;
  readonly octets: number;
}

/** One line of UIDL: a message and its unique id. */
export interface UniqueId {
  readonly message: number;
  readonly uid: string;
}

/** poplib.POP3: a plain connection upgraded with STLS (required by default). @example see the package README. */
export class POP3 implements AsyncDisposable {
  readonly #options: POP3Options;
  readonly #security: Security;
  readonly #io: ClientConnection;
  /** The calls close() may end (trackCalls below). */
  readonly #calls = new InFlight();
  readonly #session: Session;
  #welcome = '';
  #capabilities: Map<string, string[]> | null = null;

  /**
   * @throws POP3UsageError for an option of the wrong type or a name POP3 does not take ("POP3:
   *   unknown option 'timout' (did you mean 'timeout'?)", in `limits` too), see
   *   checkClientOptions; nothing is opened.
   */
  constructor(options: POP3Options = {}) {
    options = checkClientOptions(popErrors, new.target.name, options, SECURITIES, POP3_OPTION_NAMES);
    this.#options = options;
    this.#security = options.security === 'stls' ? 'starttls' : (options.security ?? 'starttls');
    this.#io = new ClientConnection({
      client: this,
      errors: popErrors,
      channels: diagnostics.pop,
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: options.serverHostname,
      transport: options.transport,
      implicitTlsHint: "use POP3_SSL or security: 'implicit' (port 995)",
    });
    const { maxScramIterations: _, ...limits } = options.limits ?? {};
    this.#session = new Session(this.#io, { maxLineLength: options.maxLineLength, ...limits });
  }

  /** The server greeting after "+OK " (poplib's welcome). */
  get welcome(): string {
    return this.#welcome;
  }

  /** True once the session runs over TLS. */
  get secure(): boolean {
    return this.#io.secure;
  }

  /** The TLS socket under the session, when there is one (for inspection). */
  get tlsSocket(): TLSSocket | null {
    return this.#io.tlsSocket;
  }

  /** The protocol state (see the package README), or null when not connected. */
  get state(): POP3State | null {
    return this.#io.connected ? (this.#session.lastCore?.state ?? null) : null;
  }

  /**
   * Connects and reads the greeting; with security 'starttls' also upgrades (STLS). Returns the
   * greeting's text.
   *
   * @throws POP3ReplyError (-ERR greeting), POP3ProtocolError (not a POP3 greeting),
   *   POP3ConnectionError (cause: the transport error), a TLSError from the handshake,
   *   TimeoutError / the signal's reason. The connection is closed in every case.
   */
  async connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#security === 'implicit' ? 995 : 110), options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'connect', options);
    if (this.#io.connected) throw new POP3UsageError('already connected');
    this.#session.reset();
    this.#capabilities = null;
    await this.#io.open(host, port, this.#security, options.signal);
    const greeting = await this.#session.greeting(options.signal);
    if (!greeting.ok) {
      await this.close();
      throw new POP3ReplyError(greeting.line, greeting.line);
    }
    this.#welcome = greeting.text;
    if (this.#security === 'starttls') await this.stls(options);
    return this.#welcome;
  }

  /** CAPA (RFC 2449): capability -> arguments, cached until STLS. PIPELINING, when listed, is used by retrMany. */
  async capa(options: CallOptions = {}): Promise<Map<string, string[]>> {
    checkCallOptions(popErrors, 'capa', options);
    const capabilities = new Map<string, string[]>();
    await this.#session.listing(
      { type: 'CAPA' },
      (line) => {
        const [name, ...args] = line.toString('utf8').split(/\s+/).filter(Boolean);
        if (name !== undefined) capabilities.set(name.toUpperCase(), args);
      },
      options.signal,
    );
    this.#capabilities = capabilities;
    this.#session.core.pipelining = capabilities.has('PIPELINING');
    return capabilities;
  }

  /**
   * STLS, done safely: refuses when CAPA does not list it or it is answered -ERR (sending nothing
   * more), refuses bytes sent before the handshake, forgets capabilities.
   *
   * @throws POP3Error, POP3ReplyError, StartTlsInjectionError; the connection is closed in every case.
   */
  async stls(options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'stls', options);
    if (this.secure) throw new POP3UsageError('the connection already uses TLS');
    let capabilities: Map<string, string[]>;
    try {
      capabilities = this.#capabilities ?? (await this.capa(options));
    } catch (error) {
      await this.close();
      throw new POP3Error(`CAPA failed, so STLS cannot be confirmed: ${(error as Error).message}`, (error as POP3Error).response ?? null, { cause: error });
    }
    if (!capabilities.has('STLS')) {
      await this.close();
      throw new POP3Error('the server does not offer STLS; refusing to continue without TLS');
    }
    let answer: string;
    try {
      answer = (await this.#session.ok({ type: 'STLS' }, options.signal)).text;
    } catch (error) {
      await this.close();
      throw error;
    }
    const core = this.#session.core;
    await this.#io.upgrade(core.buffered, options.signal);
    core.startedTls();
    // Pre-TLS capabilities may have been tampered with: ask again over TLS when needed.
    this.#capabilities = null;
    core.pipelining = false;
    return answer;
  }

  #checkAuth(): void {
    if (!this.secure && !(this.#options.allowPlaintextAuth ?? false)) {
      throw new POP3UsageError('refusing to send credentials over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  async #ok(command: Parameters<Session['ok']>[0], options: CallOptions): Promise<string> {
    return (await this.#session.ok(command, options.signal)).text;
  }

  /** USER. @throws POP3UsageError (no TLS, CR/LF/NUL), POP3ReplyError */
  async user(name: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'user', options);
    this.#checkAuth();
    return this.#ok({ type: 'USER', name }, options);
  }

  /**
   * PASS (poplib's pass_; never traced).
   *
   * @throws POP3UsageError (no TLS, CR/LF/NUL), POP3AuthenticationError (a POP3ReplyError: -ERR,
   *   saying to check the user name and password; `response` is the server's line)
   */
  async pass_(password: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'pass_', options);
    this.#checkAuth();
    return this.#ok({ type: 'PASS', password }, options).catch((error: unknown) => {
      throw authRefused('USER/PASS', error);
    });
  }

  /** APOP (RFC 1939 §7) with the greeting's timestamp. @throws POP3Error (no timestamp), POP3AuthenticationError (-ERR) */
  async apop(user: string, secret: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'apop', options);
    this.#checkAuth();
    const timestamp = apopTimestamp(this.#welcome);
    if (timestamp === undefined) throw new POP3Error('the server greeting has no APOP timestamp');
    const digest = createHash('md5').update(timestamp + secret).digest('hex');
    return this.#ok({ type: 'APOP', name: user, digest }, options).catch((error: unknown) => {
      throw authRefused('APOP', error);
    });
  }

  /**
   * AUTH (RFC 5034) with the kit's SASL: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256 (the server must
   * prove it knows the password; iterations capped by `limits.maxScramIterations`), XOAUTH2 (give
   * `accessToken`). Checks CAPA's SASL list first.
   *
   * @throws POP3Error (not offered), POP3UsageError (no TLS, NUL in a credential),
   *   POP3AuthenticationError (a POP3ReplyError: refused, naming the mechanism and what to do), POP3ProtocolError (SCRAM server unproven: the connection is closed).
   */
  async auth(mechanism: string, credentials: Credentials, options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'auth', options);
    this.#checkAuth();
    const capabilities = this.#capabilities ?? (await this.capa(options));
    if (!(capabilities.get('SASL') ?? []).some((m) => m.toUpperCase() === mechanism.toUpperCase())) {
      throw new POP3Error(`the server does not offer SASL ${mechanism.toUpperCase()}`);
    }
    return authenticate(this.#session, mechanism, credentials, this.#options.limits, options.signal);
  }

  /** @deprecated use `auth('PLAIN', { user, password })`. */
  async authPlain(user: string, password: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'authPlain', options);
    return this.auth('PLAIN', { user, password }, options);
  }

  /** STAT: [message count, mailbox size]. @throws POP3ProtocolError (malformed) */
  async stat(options: CallOptions = {}): Promise<[number, number]> {
    checkCallOptions(popErrors, 'stat', options);
    const text = await this.#ok({ type: 'STAT' }, options);
    const [count, size] = text.trim().split(/\s+/).map(decimal);
    return this.#parsed(() => {
      if (count === null || size === null || count === undefined || size === undefined) throw new POP3ProtocolError(`malformed STAT response: ${JSON.stringify(text.slice(0, 80))}`);
      return [count, size];
    });
  }

  /** `parse()`'s result; a malformed answer (its POP3ProtocolError) closes the connection first. */
  async #parsed<T>(parse: () => T): Promise<T> {
    try {
      return parse();
    } catch (error) {
      await this.close(true);
      throw error;
    }
  }

  /** LIST: every message's size, or (with `which`) one message's. Bounded by limits.maxListingSize. */
  async list(): Promise<ScanListing[]>;
  async list(which: number, options?: CallOptions): Promise<ScanListing>;
  async list(which: undefined, options?: CallOptions): Promise<ScanListing[]>;
  async list(which?: number, options: CallOptions = {}): Promise<ScanListing[] | ScanListing> {
    checkCallOptions(popErrors, 'list', options);
    if (which !== undefined) {
      const { text } = await this.#session.ok({ type: 'LIST', which }, options.signal);
      return this.#parsed(() => scan(text));
    }
    return this.#session.listing({ type: 'LIST' }, (line) => scan(line.toString('latin1')), options.signal);
  }

  /** UIDL: every message's unique id, or (with `which`) one message's. Bounded by limits.maxListingSize. */
  async uidl(): Promise<UniqueId[]>;
  async uidl(which: number, options?: CallOptions): Promise<UniqueId>;
  async uidl(which: undefined, options?: CallOptions): Promise<UniqueId[]>;
  async uidl(which?: number, options: CallOptions = {}): Promise<UniqueId[] | UniqueId> {
    checkCallOptions(popErrors, 'uidl', options);
    if (which !== undefined) {
      const { text } = await this.#session.ok({ type: 'UIDL', which }, options.signal);
      return this.#parsed(() => uniqueId(text));
    }
    return this.#session.listing({ type: 'UIDL' }, (line) => uniqueId(line.toString('latin1')), options.signal);
  }

  /** RETR: the whole message as bytes (un-stuffed, lines ended by CRLF). Bounded by limits.maxMessageSize. */
  retr(which: number, options?: CallOptions): Promise<Uint8Array> {
    // Not async: collect rejects for every failure (a bad number, not connected). No options
    // object made when none is given (one per message of a RETR loop).
    const refused = this.#refusal('retr', options);
    return refused !== null ? Promise.reject(refused) : this.#session.collect({ type: 'RETR', which }, options?.signal);
  }

  /**
   * RETR of several messages, pipelined (RFC 2449) when CAPA lists PIPELINING, one after the other
   * otherwise. Results in the order asked.
   *
   * @throws POP3ReplyError for the first message refused (after the replies already asked for were read).
   */
  async retrMany(which: readonly number[], options: CallOptions = {}): Promise<Uint8Array[]> {
    checkCallOptions(popErrors, 'retrMany', options);
    // Checked before CAPA may be sent: a wrong argument sends nothing (null was a TypeError).
    if (!Array.isArray(which) || !which.every((n) => Number.isSafeInteger(n) && n >= 1)) {
      throw new POP3UsageError(`retrMany takes an array of message numbers (positive integers), got ${describeValue(which)}; nothing was sent`);
    }
    if (this.#capabilities === null && which.length > 1) {
      // A server without CAPA (RFC 1939 only) answers -ERR: then it has no PIPELINING either.
      await this.capa(options).catch((error: unknown) => {
        if (!(error instanceof POP3ReplyError)) throw error;
      });
    }
    return this.#session.retrMany(which, options.signal);
  }

  /**
   * RETR, streamed: each line (un-stuffed, without CRLF, a view: copy what you keep) as it arrives.
   * Leaving the loop early drains the rest of the message, so the session stays in sync.
   */
  retrLines(which: number, options: CallOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const refused = this.#refusal('retrLines', options);
    // Refused at the iteration's first step, like every other failure of the call.
    if (refused !== null) {
      return (async function* () {
        throw refused;
      })();
    }
    return this.#session.stream({ type: 'RETR', which }, options.signal);
  }

  /** TOP: the headers plus `lines` body lines. */
  top(which: number, lines: number, options?: CallOptions): Promise<Uint8Array> {
    const refused = this.#refusal('top', options);
    return refused !== null ? Promise.reject(refused) : this.#session.collect({ type: 'TOP', which, lines }, options?.signal);
  }

  /** null when `options` are options the call takes; else its usage error (see checkCallOptions), for the verbs that are not async. */
  #refusal(call: string, options: unknown): unknown {
    try {
      checkCallOptions(popErrors, call, options);
      return null;
    } catch (error) {
      return error;
    }
  }

  /** DELE (takes effect at QUIT). */
  async dele(which: number, options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'dele', options);
    return this.#ok({ type: 'DELE', which }, options);
  }

  async rset(options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'rset', options);
    return this.#ok({ type: 'RSET' }, options);
  }

  async noop(options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'noop', options);
    return this.#ok({ type: 'NOOP' }, options);
  }

  /** UTF8 (RFC 6856), in the AUTHORIZATION state, when offered. */
  async utf8(options: CallOptions = {}): Promise<string> {
    checkCallOptions(popErrors, 'utf8', options);
    return this.#ok({ type: 'UTF8' }, options);
  }

  /**
   * QUIT (commits deletions), then close; a no-op (null) when not connected. A connection found
   * lost on the way (the server closed it or reset it since the last call: deletions were not
   * committed) is closed and null returned: the failure that broke it is the one to report
   * (`finally { await pop.quit(); }`). An error reply, a timeout or an abort still raise.
   */
  async quit(options: CallOptions = {}): Promise<string | null> {
    checkCallOptions(popErrors, 'quit', options);
    if (!this.#io.connected) return null;
    try {
      return await this.#ok({ type: 'QUIT' }, options);
    } catch (error) {
      if (connectionLost(error)) return null;
      throw error;
    } finally {
      await this.close();
    }
  }

  /** Closes the connection without QUIT (deletions are not committed); a no-op when closed. */
  async close(force = false): Promise<void> {
    // The call this ends rejects for its caller, who may await it only after this close()
    // (`return pop.noop()` in a try/finally): not an unhandled rejection.
    if (this.#io.busy) this.#calls.endedByClose();
    await this.#io.close(force);
  }

  static {
    trackCalls(POP3.prototype, ['connect', 'capa', 'stls', 'user', 'pass_', 'apop', 'auth', 'authPlain', 'stat', 'list', 'uidl', 'retr', 'retrMany', 'top', 'dele', 'rset', 'noop', 'utf8', 'quit'], (pop) => pop.#calls);
  }

  /** `await using pop = ...`: QUIT when connected (errors ignored), then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#io.connected) await this.quit().catch(() => this.close(true));
  }
}

/** poplib.POP3_SSL: implicit TLS from the first byte (port 995). */
export class POP3_SSL extends POP3 {
  constructor(options: Omit<POP3Options, 'security'> = {}) {
    super({ ...checkClientOptions(popErrors, 'POP3_SSL', options, SECURITIES, POP3_OPTION_NAMES), security: 'implicit' });
  }
}

/**
 * RFC 1939's numbers are decimal digits: "-5", "0x10", "1e3" or "1.5" are not (Number() took them:
 * a LIST size of -5, a STAT count of 16). Null when `text` is not one or exceeds 2^53.
 */
function decimal(text: string): number | null {
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/** "1 1234" (RFC 1939 §5 scan listing; anything after the size is ignored, as the RFC allows). */
function scan(text: string): ScanListing {
  const [message, octets] = text.trim().split(/\s+/, 2).map(decimal);
  if (message === null || octets === null || message === undefined || octets === undefined || message === 0) throw new POP3ProtocolError(`malformed scan listing: ${JSON.stringify(text.slice(0, 80))}`);
  return { message, octets };
}

/** "1 whqtswO00WBw418f9t5JxYwZ" (RFC 1939 §7 unique-id listing). */
function uniqueId(text: string): UniqueId {
  const [message, uid] = text.trim().split(/\s+/, 2);
  if (message === undefined || uid === undefined || !/^[1-9][0-9]*$/.test(message)) throw new POP3ProtocolError(`malformed UIDL line: ${JSON.stringify(text.slice(0, 80))}`);
  return { message: Number(message), uid };
}

/**
 * The APOP timestamp (RFC 1939 §7: `<...@...>`) in a server greeting, or undefined.
 * The part before `@` excludes `@` so the pattern has one way to match: `[^<>\s]+@` backtracked
 * over every `@` from every `<`, quadratic in a hostile greeting (40,000 characters: 1 s of CPU).
 */
export function apopTimestamp(greeting: string): string | undefined {
  return /<[^<>\s@]+@[^<>\s]+>/.exec(greeting)?.[0];
}
