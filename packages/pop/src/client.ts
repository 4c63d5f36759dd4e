/**
 * poplib's POP3 and POP3_SSL, async, on any unitls TLS implementation. Line handling lives in
 * ./protocol (no I/O); this file drives it.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { ClientConnection, TLSClientConfiguration, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { POP3Error, POP3UsageError } from './errors.js';
import { LineSplitter, bodyLine, checkArgument, parseStatus } from './protocol/lines.js';

/** Options shared by POP3 and POP3_SSL. */
export interface POP3Options {
  host?: string;
  port?: number;
  /** Milliseconds allowed for connecting and for each response line (default 30 000). */
  timeout?: number;
  signal?: AbortSignal;
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  /** The name the certificate must match (default: host). */
  serverHostname?: string;
  /** Longest line accepted from the server (default 8192). */
  maxLineLength?: number;
}

/** Options of POP3 (plain connection upgraded with STLS). */
export interface POP3PlainOptions extends POP3Options {
  /** 'stls' (default): TLS required, done by connect(); 'plaintext': an explicit opt-in to no TLS. */
  security?: 'stls' | 'plaintext';
  /** Allow USER/PASS, APOP or AUTH without TLS (never the default). */
  allowPlaintextAuth?: boolean;
}

export interface ScanListing {
  readonly message: number;
  readonly octets: number;
}


/** poplib.POP3. */
export class POP3 implements AsyncDisposable {
  readonly #options: POP3PlainOptions;
  readonly #implicitTls: boolean;
  readonly #connection: ClientConnection;
  #splitter: LineSplitter;
  #lines: Buffer[] = [];
  #welcome = '';
  #capabilities: Map<string, string[]> | null = null;

  constructor(options: POP3PlainOptions = {}, implicitTls = false) {
    this.#options = options;
    this.#implicitTls = implicitTls;
    this.#splitter = new LineSplitter(options.maxLineLength);
    this.#connection = new ClientConnection({
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: options.serverHostname,
    });
  }

  /** The server greeting (poplib's welcome). */
  get welcome(): string {
    return this.#welcome;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get tlsSocket(): TLSSocket | null {
    return this.#connection.tlsSocket;
  }

  /** Connects and reads the greeting; with security 'stls' also upgrades. */
  async connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#implicitTls ? 995 : 110)): Promise<string> {
    if (this.#connection.connected) throw new POP3UsageError('already connected');
    await this.#connection.open(host, port, this.#implicitTls);
    try {
      this.#welcome = parseStatus(await this.#line());
    } catch (error) {
      await this.close(true);
      throw error;
    }
    if (!this.#implicitTls && (this.#options.security ?? 'stls') === 'stls') await this.stls();
    return this.#welcome;
  }

  async #line(): Promise<Buffer> {
    if (!this.#connection.connected) throw new POP3Error('not connected: run connect() first');
    try {
      while (this.#lines.length === 0) {
        const data = await this.#connection.recv();
        if (data.length === 0) throw new POP3Error('connection closed by the server');
        this.#lines.push(...this.#splitter.feed(data));
      }
    } catch (error) {
      await this.close(true);
      throw error;
    }
    return this.#lines.shift()!;
  }

  async #send(line: string): Promise<void> {
    if (!this.#connection.connected) throw new POP3Error('not connected: run connect() first');
    await this.#connection.send(Buffer.from(`${line}\r\n`, 'utf8'));
  }

  /** Sends a command, returns the +OK text (throws POP3Error for -ERR). */
  async #shortcmd(line: string): Promise<string> {
    await this.#send(line);
    return parseStatus(await this.#line());
  }

  /** Sends a command, yields its multi-line body (un-stuffed lines, streamed as they arrive). */
  async *#longcmdLines(line: string): AsyncGenerator<Buffer, void, undefined> {
    await this.#shortcmd(line);
    for (;;) {
      const body = bodyLine(await this.#line());
      if (body === null) return;
      yield body;
    }
  }

  async #longcmd(line: string): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for await (const body of this.#longcmdLines(line)) lines.push(body);
    return lines;
  }

  /** CAPA: capability -> arguments (cached until STLS). */
  async capa(): Promise<Map<string, string[]>> {
    const lines = await this.#longcmd('CAPA');
    const capabilities = new Map<string, string[]>();
    for (const line of lines) {
      const [name, ...args] = line.toString('utf8').split(/\s+/).filter(Boolean);
      if (name) capabilities.set(name.toUpperCase(), args);
    }
    this.#capabilities = capabilities;
    return capabilities;
  }

  /** STLS, done safely: refuses when not offered or refused, refuses bytes sent before the handshake, forgets capabilities. */
  async stls(): Promise<string> {
    if (this.secure) throw new POP3UsageError('the connection already uses TLS');
    let capabilities: Map<string, string[]>;
    try {
      capabilities = this.#capabilities ?? (await this.capa());
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
      answer = await this.#shortcmd('STLS');
    } catch (error) {
      await this.close();
      throw error;
    }
    await this.#connection.upgrade(this.#lines.length + this.#splitter.buffered);
    this.#capabilities = null; // pre-TLS capabilities may have been tampered with
    return answer;
  }

  #checkAuth(): void {
    if (!this.secure && !(this.#options.allowPlaintextAuth ?? false)) {
      throw new POP3UsageError('refusing to send credentials over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  async user(name: string): Promise<string> {
    this.#checkAuth();
    return this.#shortcmd(`USER ${checkArgument('the user name', name)}`);
  }

  /** PASS (poplib's pass_). */
  async pass_(password: string): Promise<string> {
    this.#checkAuth();
    return this.#shortcmd(`PASS ${checkArgument('the password', password)}`);
  }

  /** APOP with the greeting's timestamp. */
  async apop(user: string, secret: string): Promise<string> {
    this.#checkAuth();
    const timestamp = /<[^>]+>/.exec(this.#welcome)?.[0];
    if (timestamp === undefined) throw new POP3Error('the server greeting has no APOP timestamp');
    const digest = createHash('md5').update(timestamp + secret).digest('hex');
    return this.#shortcmd(`APOP ${checkArgument('the user name', user)} ${digest}`);
  }

  /** AUTH PLAIN (SASL), when the server lists it in CAPA SASL. */
  async authPlain(user: string, password: string): Promise<string> {
    this.#checkAuth();
    const capabilities = this.#capabilities ?? (await this.capa());
    if (!(capabilities.get('SASL') ?? []).map((m) => m.toUpperCase()).includes('PLAIN')) throw new POP3Error('the server does not offer SASL PLAIN');
    const response = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    return this.#shortcmd(`AUTH PLAIN ${response}`);
  }

  /** [message count, mailbox size]. */
  async stat(): Promise<[number, number]> {
    const [count, size] = (await this.#shortcmd('STAT')).split(/\s+/).map(Number);
    if (!Number.isInteger(count) || !Number.isInteger(size)) throw new POP3Error('malformed STAT response');
    return [count!, size!];
  }

  /** LIST: every message's size, or one message's. */
  async list(): Promise<ScanListing[]>;
  async list(which: number): Promise<ScanListing>;
  async list(which?: number): Promise<ScanListing[] | ScanListing> {
    const parse = (text: string) => {
      const [message, octets] = text.trim().split(/\s+/).map(Number);
      if (!Number.isInteger(message) || !Number.isInteger(octets)) throw new POP3Error(`malformed scan listing: ${text}`);
      return { message: message!, octets: octets! };
    };
    if (which !== undefined) return parse(await this.#shortcmd(`LIST ${messageNumber(which)}`));
    return (await this.#longcmd('LIST')).map((line) => parse(line.toString('latin1')));
  }

  /** UIDL: unique ids. */
  async uidl(): Promise<Array<{ message: number; uid: string }>>;
  async uidl(which: number): Promise<{ message: number; uid: string }>;
  async uidl(which?: number): Promise<Array<{ message: number; uid: string }> | { message: number; uid: string }> {
    const parse = (text: string) => {
      const [message, uid] = text.trim().split(/\s+/);
      if (!message || !uid || !Number.isInteger(Number(message))) throw new POP3Error(`malformed UIDL line: ${text}`);
      return { message: Number(message), uid };
    };
    if (which !== undefined) return parse(await this.#shortcmd(`UIDL ${messageNumber(which)}`));
    return (await this.#longcmd('UIDL')).map((line) => parse(line.toString('latin1')));
  }

  /** RETR: the whole message as bytes (lines joined with CRLF, un-stuffed). */
  async retr(which: number): Promise<Uint8Array> {
    const lines = await this.#longcmd(`RETR ${messageNumber(which)}`);
    return joinLines(lines);
  }

  /** RETR, streamed: each line (un-stuffed, without CRLF) as it arrives. */
  retrLines(which: number): AsyncGenerator<Buffer, void, undefined> {
    return this.#longcmdLines(`RETR ${messageNumber(which)}`);
  }

  /** TOP: headers plus `lines` body lines. */
  async top(which: number, lines: number): Promise<Uint8Array> {
    if (!Number.isInteger(lines) || lines < 0) throw new POP3UsageError('top: lines must be a non-negative integer');
    return joinLines(await this.#longcmd(`TOP ${messageNumber(which)} ${lines}`));
  }

  async dele(which: number): Promise<string> {
    return this.#shortcmd(`DELE ${messageNumber(which)}`);
  }

  async rset(): Promise<string> {
    return this.#shortcmd('RSET');
  }

  async noop(): Promise<string> {
    return this.#shortcmd('NOOP');
  }

  /** UTF8 (RFC 6856), when offered. */
  async utf8(): Promise<string> {
    return this.#shortcmd('UTF8');
  }

  /** QUIT (commits deletions), then close. */
  async quit(): Promise<string | null> {
    if (!this.#connection.connected) return null;
    try {
      return await this.#shortcmd('QUIT');
    } finally {
      await this.close();
    }
  }

  async close(force = false): Promise<void> {
    this.#lines = [];
    this.#splitter = new LineSplitter(this.#options.maxLineLength);
    await this.#connection.close(force);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#connection.connected) await this.quit().catch(() => this.close(true));
  }
}

/** poplib.POP3_SSL: implicit TLS (port 995). */
export class POP3_SSL extends POP3 {
  constructor(options: POP3Options = {}) {
    super(options, true);
  }
}

function messageNumber(which: number): number {
  if (!Number.isInteger(which) || which < 1) throw new POP3UsageError(`message numbers are positive integers, got ${which}`);
  return which;
}

function joinLines(lines: Buffer[]): Uint8Array {
  const crlf = Buffer.from('\r\n');
  return Buffer.concat(lines.flatMap((line) => [line, crlf]));
}
