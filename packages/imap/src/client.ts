/**
 * imaplib's IMAP4 and IMAP4_SSL, async, with parsed results, on any unitls TLS implementation.
 * The parser (./protocol) does no I/O; this file sends commands and routes responses.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { ClientConnection, TLSClientConfiguration, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { IMAP4Abort, IMAP4Error, IMAP4ReadOnly } from './errors.js';
import { parseFetch, type FetchResult } from './protocol/fetch.js';
import { ResponseParser, type IMAPValue, type ParserLimits, type Response, type TaggedResponse, type UntaggedResponse } from './protocol/parser.js';
import { decodeMailbox, encodeMailbox } from './protocol/utf7.js';

export interface IMAP4Options {
  host?: string;
  port?: number;
  /** Milliseconds allowed for connecting and for each response (default 30 000). */
  timeout?: number;
  signal?: AbortSignal;
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  serverHostname?: string;
  limits?: ParserLimits;
}

export interface IMAP4PlainOptions extends IMAP4Options {
  /** 'starttls' (default): TLS required, done by connect(); 'plaintext': an explicit opt-in. */
  security?: 'starttls' | 'plaintext';
  /** Allow LOGIN/AUTHENTICATE without TLS (never the default; LOGINDISABLED always wins). */
  allowPlaintextAuth?: boolean;
}

/** A command argument: an atom (sent as is), a string (quoted or sent as a literal), bytes (a literal), or a list. */
export type Argument = { atom: string } | string | Uint8Array | number | Argument[];

export interface CommandResult {
  readonly tagged: TaggedResponse;
  readonly untagged: UntaggedResponse[];
}

export interface MailboxStatus {
  exists: number;
  recent: number;
  uidValidity: number | null;
  uidNext: number | null;
  flags: string[];
  permanentFlags: string[];
  readOnly: boolean;
}

export interface ListEntry {
  flags: string[];
  delimiter: string | null;
  name: string;
}

const atom = (value: string): Argument => ({ atom: value });

function serialize(arg: Argument, literalPlus: boolean, out: Array<string | { literal: Uint8Array; plus: boolean }>): void {
  if (typeof arg === 'number') out.push(String(arg));
  else if (Array.isArray(arg)) {
    out.push('(');
    arg.forEach((item, i) => {
      if (i > 0) out.push(' ');
      serialize(item, literalPlus, out);
    });
    out.push(')');
  } else if (arg instanceof Uint8Array) out.push({ literal: arg, plus: literalPlus });
  else if (typeof arg === 'object') {
    if (/[\r\n\0]/.test(arg.atom)) throw new IMAP4Error('an IMAP atom contains CR, LF or NUL; refused');
    out.push(arg.atom);
  } else if (/[\r\n\0]/.test(arg) || /[^\x20-\x7e]/.test(arg)) {
    // CR/LF never go into a line: such strings travel as literals, which carry any bytes safely.
    out.push({ literal: Buffer.from(arg, 'utf8'), plus: literalPlus });
  } else out.push(`"${arg.replace(/(["\\])/g, '\\$1')}"`);
}

/** imaplib.IMAP4. */
export class IMAP4 implements AsyncDisposable {
  readonly #options: IMAP4PlainOptions;
  readonly #implicitTls: boolean;
  readonly #connection: ClientConnection;
  #parser: ResponseParser;
  #responses: Response[] = [];
  #tagCounter = 0;
  #capabilities: Set<string> = new Set();
  #greeting: UntaggedResponse | null = null;
  #state: 'NONAUTH' | 'AUTH' | 'SELECTED' | 'LOGOUT' = 'NONAUTH';
  #readOnly = false;
  /** After ENABLE UTF8=ACCEPT (RFC 6855) mailbox names travel as UTF-8, not modified UTF-7. */
  #utf8Accept = false;
  /** Untagged data seen outside command results, by type (imaplib's untagged_responses). */
  untagged: Map<string, UntaggedResponse[]> = new Map();

  constructor(options: IMAP4PlainOptions = {}, implicitTls = false) {
    this.#options = options;
    this.#implicitTls = implicitTls;
    this.#parser = new ResponseParser(options.limits);
    this.#connection = new ClientConnection({
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: options.serverHostname,
    });
  }

  get capabilities(): ReadonlySet<string> {
    return this.#capabilities;
  }

  get state(): string {
    return this.#state;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get tlsSocket(): TLSSocket | null {
    return this.#connection.tlsSocket;
  }

  get greeting(): UntaggedResponse | null {
    return this.#greeting;
  }

  #tlsRequired(): boolean {
    return this.#implicitTls || (this.#options.security ?? 'starttls') === 'starttls';
  }

  /** Connects, reads the greeting and the capabilities; with security 'starttls' also upgrades. */
  async connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#implicitTls ? 993 : 143)): Promise<UntaggedResponse> {
    if (this.#connection.connected) throw new IMAP4Error('already connected');
    await this.#connection.open(host, port, this.#implicitTls);
    const greeting = await this.#next();
    if (greeting.kind !== 'untagged' || !['OK', 'PREAUTH'].includes(greeting.type)) {
      await this.close(true);
      throw new IMAP4Abort(`unexpected greeting: ${greeting.kind === 'untagged' ? `${greeting.type} ${greeting.text}` : greeting.kind}`);
    }
    if (greeting.type === 'PREAUTH') {
      if (this.#tlsRequired() && !this.secure) {
        await this.close(true);
        throw new IMAP4Abort('the server greeted with PREAUTH, which skips STARTTLS; refusing to continue without TLS');
      }
      this.#state = 'AUTH';
    }
    this.#greeting = greeting;
    this.#takeCapabilities(greeting.code);
    if (this.#capabilities.size === 0) await this.capability();
    if (!this.#implicitTls && (this.#options.security ?? 'starttls') === 'starttls') await this.starttls();
    return greeting;
  }

  #takeCapabilities(code: { name: string; args: IMAPValue[] } | null): void {
    if (code?.name === 'CAPABILITY') this.#capabilities = new Set(code.args.map((a) => String(a).toUpperCase()));
  }

  async #next(): Promise<Response> {
    if (!this.#connection.connected) throw new IMAP4Abort('not connected');
    try {
      while (this.#responses.length === 0) {
        const data = await this.#connection.recv();
        if (data.length === 0) throw new IMAP4Abort('connection closed by the server');
        this.#responses.push(...this.#parser.feed(data));
      }
    } catch (error) {
      await this.close(true);
      throw error;
    }
    return this.#responses.shift()!;
  }

  async #write(bytes: string | Uint8Array): Promise<void> {
    if (!this.#connection.connected) throw new IMAP4Abort('not connected');
    await this.#connection.send(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /**
   * Sends one command and collects its untagged responses until the tagged one. Literals wait for
   * the server's "+" (or use LITERAL+ when offered); a tagged answer instead of "+" ends the
   * command. Throws IMAP4Error on NO/BAD, IMAP4Abort on BYE or protocol errors.
   */
  async command(name: string, ...args: Argument[]): Promise<CommandResult> {
    const tag = `A${String(++this.#tagCounter).padStart(4, '0')}`;
    const parts: Array<string | { literal: Uint8Array; plus: boolean }> = [`${tag} ${name}`];
    const literalPlus = this.#capabilities.has('LITERAL+');
    for (const arg of args) {
      parts.push(' ');
      serialize(arg, literalPlus, parts);
    }
    const untagged: UntaggedResponse[] = [];
    let line = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        line += part;
        continue;
      }
      line += `{${part.literal.length}${part.plus ? '+' : ''}}\r\n`;
      await this.#write(line);
      line = '';
      if (!part.plus) {
        const go = await this.#waitContinuation(tag, untagged);
        if (go !== null) return this.#finish(name, go, untagged);
      }
      await this.#write(part.literal);
    }
    await this.#write(`${line}\r\n`);
    for (;;) {
      const response = await this.#next();
      if (response.kind === 'tagged' && response.tag === tag) return this.#finish(name, response, untagged);
      if (response.kind === 'untagged') this.#route(response, untagged);
      else if (response.kind === 'tagged') throw new IMAP4Abort(`unexpected tagged response ${response.tag}`);
    }
  }

  /** Waits for "+" before a literal; returns the tagged response if the server answered instead. */
  async #waitContinuation(tag: string, untagged: UntaggedResponse[]): Promise<TaggedResponse | null> {
    for (;;) {
      const response = await this.#next();
      if (response.kind === 'continuation') return null;
      if (response.kind === 'tagged' && response.tag === tag) return response;
      if (response.kind === 'untagged') this.#route(response, untagged);
    }
  }

  #route(response: UntaggedResponse, untagged: UntaggedResponse[]): void {
    if (response.type === 'BYE') {
      void this.close(true);
      throw new IMAP4Abort(`the server said BYE: ${response.text}`, 'BYE', response.text);
    }
    if (response.type === 'CAPABILITY') this.#capabilities = new Set(response.data.map((a) => String(a).toUpperCase()));
    if (response.code?.name === 'READ-ONLY' && this.#state === 'SELECTED' && !this.#readOnly) this.#readOnly = true;
    untagged.push(response);
    const list = this.untagged.get(response.type) ?? [];
    list.push(response);
    this.untagged.set(response.type, list);
  }

  async #finish(name: string, tagged: TaggedResponse, untagged: UntaggedResponse[]): Promise<CommandResult> {
    this.#takeCapabilities(tagged.code);
    if (tagged.status !== 'OK') {
      throw new IMAP4Error(`${name} failed: ${tagged.status} ${tagged.code ? `[${tagged.code.name}] ` : ''}${tagged.text}`, tagged.status, tagged.text);
    }
    return { tagged, untagged };
  }

  async capability(): Promise<ReadonlySet<string>> {
    await this.command('CAPABILITY');
    return this.#capabilities;
  }

  /**
   * STARTTLS, done safely: refuses when not advertised or not answered with OK, when anything but
   * the tagged OK arrives, or when bytes follow it before the handshake; afterwards forgets the
   * greeting, capabilities (a [CAPABILITY] code on the OK included) and every untagged datum, and
   * asks CAPABILITY again.
   */
  async starttls(): Promise<void> {
    if (this.secure) throw new IMAP4Error('the connection already uses TLS');
    if (!this.#capabilities.has('STARTTLS')) {
      await this.close();
      throw new IMAP4Error('the server does not advertise STARTTLS; refusing to continue without TLS');
    }
    const tag = `A${String(++this.#tagCounter).padStart(4, '0')}`;
    await this.#write(`${tag} STARTTLS\r\n`);
    const response = await this.#next();
    if (response.kind !== 'tagged' || response.tag !== tag || response.status !== 'OK') {
      await this.close(true);
      const what = response.kind === 'tagged' ? `${response.status} ${response.text}` : `an unexpected ${response.kind} response`;
      throw new IMAP4Error(`STARTTLS refused: ${what}; refusing to continue without TLS`, response.kind === 'tagged' ? response.status : null);
    }
    await this.#connection.upgrade(this.#responses.length + this.#parser.buffered);
    // Everything learnt in clear may have been tampered with.
    this.#greeting = null;
    this.#capabilities = new Set();
    this.untagged = new Map();
    await this.capability();
  }

  #checkAuth(): void {
    if (this.#capabilities.has('LOGINDISABLED')) throw new IMAP4Error('the server advertises LOGINDISABLED: use STARTTLS first');
    if (!this.secure && (this.#tlsRequired() || !(this.#options.allowPlaintextAuth ?? false))) {
      throw new IMAP4Error('refusing to send credentials over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  async login(user: string, password: string): Promise<CommandResult> {
    this.#checkAuth();
    const result = await this.command('LOGIN', user, password);
    this.#state = 'AUTH';
    if (result.tagged.code?.name !== 'CAPABILITY') await this.capability();
    return result;
  }

  /** AUTHENTICATE with PLAIN, XOAUTH2 or CRAM-MD5; the initial response goes with the command when SASL-IR is offered. */
  async authenticate(mechanism: 'PLAIN' | 'XOAUTH2' | 'CRAM-MD5', user: string, secret: string): Promise<CommandResult> {
    this.#checkAuth();
    if (!this.#capabilities.has(`AUTH=${mechanism}`)) throw new IMAP4Error(`the server does not offer AUTH=${mechanism}`);
    const initial =
      mechanism === 'PLAIN' ? Buffer.from(`\0${user}\0${secret}`).toString('base64') : mechanism === 'XOAUTH2' ? Buffer.from(`user=${user}\x01auth=Bearer ${secret}\x01\x01`).toString('base64') : null;
    const tag = `A${String(++this.#tagCounter).padStart(4, '0')}`;
    const sasl = initial !== null && this.#capabilities.has('SASL-IR');
    await this.#write(`${tag} AUTHENTICATE ${mechanism}${sasl ? ` ${initial}` : ''}\r\n`);
    const untagged: UntaggedResponse[] = [];
    for (;;) {
      const response = await this.#next();
      if (response.kind === 'tagged' && response.tag === tag) {
        const result = await this.#finish('AUTHENTICATE', response, untagged);
        this.#state = 'AUTH';
        if (response.code?.name !== 'CAPABILITY') await this.capability();
        return result;
      }
      if (response.kind === 'untagged') this.#route(response, untagged);
      else if (response.kind === 'continuation') {
        const answer =
          mechanism === 'CRAM-MD5'
            ? Buffer.from(`${user} ${createHmac('md5', secret).update(Buffer.from(response.text, 'base64')).digest('hex')}`).toString('base64')
            : mechanism === 'XOAUTH2' && sasl
              ? '' // an error description follows; the empty answer ends the exchange
              : (initial ?? '');
        await this.#write(`${answer}\r\n`);
      }
    }
  }

  async noop(): Promise<CommandResult> {
    return this.command('NOOP');
  }

  async logout(): Promise<void> {
    if (!this.#connection.connected) return;
    this.#state = 'LOGOUT';
    try {
      await this.command('LOGOUT').catch((error: unknown) => {
        if (!(error instanceof IMAP4Abort)) throw error;
      });
    } finally {
      await this.close();
    }
  }

  async #selectLike(verb: 'SELECT' | 'EXAMINE', mailbox: string): Promise<MailboxStatus> {
    const { tagged, untagged } = await this.command(verb, this.#mailbox(mailbox));
    const status: MailboxStatus = { exists: 0, recent: 0, uidValidity: null, uidNext: null, flags: [], permanentFlags: [], readOnly: verb === 'EXAMINE' };
    for (const response of untagged) {
      if (response.type === 'EXISTS') status.exists = response.number ?? 0;
      else if (response.type === 'RECENT') status.recent = response.number ?? 0;
      else if (response.type === 'FLAGS') status.flags = (Array.isArray(response.data[0]) ? response.data[0] : []).map(String);
      else if (response.code?.name === 'UIDVALIDITY') status.uidValidity = Number(response.code.args[0]);
      else if (response.code?.name === 'UIDNEXT') status.uidNext = Number(response.code.args[0]);
      else if (response.code?.name === 'PERMANENTFLAGS') status.permanentFlags = (Array.isArray(response.code.args[0]) ? response.code.args[0] : []).map(String);
    }
    if (tagged.code?.name === 'READ-ONLY') status.readOnly = true;
    this.#state = 'SELECTED';
    this.#readOnly = status.readOnly;
    return status;
  }

  select(mailbox = 'INBOX'): Promise<MailboxStatus> {
    return this.#selectLike('SELECT', mailbox);
  }

  examine(mailbox = 'INBOX'): Promise<MailboxStatus> {
    return this.#selectLike('EXAMINE', mailbox);
  }

  async create(mailbox: string): Promise<CommandResult> {
    return this.command('CREATE', this.#mailbox(mailbox));
  }

  async delete(mailbox: string): Promise<CommandResult> {
    return this.command('DELETE', this.#mailbox(mailbox));
  }

  async rename(from: string, to: string): Promise<CommandResult> {
    return this.command('RENAME', this.#mailbox(from), this.#mailbox(to));
  }

  async #listLike(verb: 'LIST' | 'LSUB', reference: string, pattern: string): Promise<ListEntry[]> {
    const { untagged } = await this.command(verb, this.#mailbox(reference), this.#mailbox(pattern));
    return untagged
      .filter((r) => r.type === verb)
      .map((r) => ({
        flags: (Array.isArray(r.data[0]) ? r.data[0] : []).map(String),
        delimiter: r.data[1] === null ? null : String(r.data[1]),
        name: this.#mailboxName(r.data[2] instanceof Uint8Array ? Buffer.from(r.data[2]).toString('latin1') : String(r.data[2])),
      }));
  }

  list(reference = '', pattern = '*'): Promise<ListEntry[]> {
    return this.#listLike('LIST', reference, pattern);
  }

  lsub(reference = '', pattern = '*'): Promise<ListEntry[]> {
    return this.#listLike('LSUB', reference, pattern);
  }

  async status(mailbox: string, items: string[] = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN']): Promise<Record<string, number>> {
    const { untagged } = await this.command('STATUS', this.#mailbox(mailbox), items.map(atom));
    const data = untagged.find((r) => r.type === 'STATUS')?.data[1];
    const out: Record<string, number> = {};
    if (Array.isArray(data)) for (let i = 0; i + 1 < data.length; i += 2) out[String(data[i]).toUpperCase()] = Number(data[i + 1]);
    return out;
  }

  /** APPEND a message (sent as a literal; LITERAL+ when offered). */
  async append(mailbox: string, message: Uint8Array | string, options: { flags?: string[]; date?: string } = {}): Promise<CommandResult> {
    this.#assertWritable();
    const args: Argument[] = [this.#mailbox(mailbox)];
    if (options.flags) args.push(options.flags.map(atom));
    if (options.date) args.push(options.date);
    args.push(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
    return this.command('APPEND', ...args);
  }

  #assertWritable(): void {
    if (this.#state === 'SELECTED' && this.#readOnly) throw new IMAP4ReadOnly('the selected mailbox is read-only');
  }

  async #search(uid: boolean, criteria: string[], charset?: string): Promise<number[]> {
    const args: Argument[] = [];
    if (charset) args.push(atom('CHARSET'), atom(charset));
    for (const criterion of criteria) args.push(/^[A-Za-z0-9:*,.<>-]+$/.test(criterion) ? atom(criterion) : criterion);
    const { untagged } = await this.command(uid ? 'UID SEARCH' : 'SEARCH', ...args);
    return untagged.filter((r) => r.type === 'SEARCH').flatMap((r) => r.data.map(Number));
  }

  /** SEARCH: criteria as atoms ("UNSEEN", "1:*") or strings (quoted / literal as needed). */
  search(criteria: string[] = ['ALL'], charset?: string): Promise<number[]> {
    return this.#search(false, criteria, charset);
  }

  uidSearch(criteria: string[] = ['ALL'], charset?: string): Promise<number[]> {
    return this.#search(true, criteria, charset);
  }

  async #fetch(uid: boolean, set: string, items: string): Promise<FetchResult[]> {
    checkSet(set);
    if (/[\r\n\0]/.test(items)) throw new IMAP4Error('FETCH items contain CR, LF or NUL; refused');
    const { untagged } = await this.command(uid ? 'UID FETCH' : 'FETCH', atom(set), atom(items.startsWith('(') ? items : `(${items})`));
    return untagged.filter((r) => r.type === 'FETCH').map((r) => parseFetch(r.number ?? 0, r.data));
  }

  /** FETCH with items such as "FLAGS UID RFC822.SIZE BODY.PEEK[]" or "ENVELOPE BODYSTRUCTURE". */
  fetch(set: string, items: string): Promise<FetchResult[]> {
    return this.#fetch(false, set, items);
  }

  uidFetch(set: string, items: string): Promise<FetchResult[]> {
    return this.#fetch(true, set, items);
  }

  async #store(uid: boolean, set: string, action: string, flags: string[]): Promise<FetchResult[]> {
    checkSet(set);
    this.#assertWritable();
    if (!/^[+-]?FLAGS(\.SILENT)?$/i.test(action)) throw new IMAP4Error(`STORE action must be [+-]FLAGS[.SILENT], got ${action}`);
    const { untagged } = await this.command(uid ? 'UID STORE' : 'STORE', atom(set), atom(action), flags.map(atom));
    return untagged.filter((r) => r.type === 'FETCH').map((r) => parseFetch(r.number ?? 0, r.data));
  }

  store(set: string, action: string, flags: string[]): Promise<FetchResult[]> {
    return this.#store(false, set, action, flags);
  }

  uidStore(set: string, action: string, flags: string[]): Promise<FetchResult[]> {
    return this.#store(true, set, action, flags);
  }

  async copy(set: string, mailbox: string, uid = false): Promise<CommandResult> {
    checkSet(set);
    return this.command(uid ? 'UID COPY' : 'COPY', atom(set), this.#mailbox(mailbox));
  }

  /** MOVE when offered, else COPY + STORE \Deleted + EXPUNGE (UID EXPUNGE with UIDPLUS). */
  async move(set: string, mailbox: string, uid = false): Promise<void> {
    checkSet(set);
    this.#assertWritable();
    if (this.#capabilities.has('MOVE')) {
      await this.command(uid ? 'UID MOVE' : 'MOVE', atom(set), this.#mailbox(mailbox));
      return;
    }
    await this.copy(set, mailbox, uid);
    await this.#store(uid, set, '+FLAGS.SILENT', ['\\Deleted']);
    if (uid && this.#capabilities.has('UIDPLUS')) await this.command('UID EXPUNGE', atom(set));
    else await this.expunge();
  }

  async expunge(): Promise<number[]> {
    this.#assertWritable();
    const { untagged } = await this.command('EXPUNGE');
    return untagged.filter((r) => r.type === 'EXPUNGE').map((r) => r.number ?? 0);
  }

  /** CLOSE the selected mailbox (expunging deleted messages). */
  async closeMailbox(): Promise<void> {
    await this.command('CLOSE');
    this.#state = 'AUTH';
  }

  async namespace(): Promise<IMAPValue[]> {
    const { untagged } = await this.command('NAMESPACE');
    return untagged.find((r) => r.type === 'NAMESPACE')?.data ?? [];
  }

  /** ID (RFC 2971): sends ours, returns the server's. */
  async id(fields: Record<string, string> | null = null): Promise<Record<string, string> | null> {
    const args: Argument = fields === null ? { atom: 'NIL' } : Object.entries(fields).flat();
    const { untagged } = await this.command('ID', args);
    const data = untagged.find((r) => r.type === 'ID')?.data[0];
    if (!Array.isArray(data)) return null;
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < data.length; i += 2) out[String(data[i])] = String(data[i + 1]);
    return out;
  }

  async enable(...extensions: string[]): Promise<string[]> {
    const { untagged } = await this.command('ENABLE', ...extensions.map(atom));
    const enabled = untagged.filter((r) => r.type === 'ENABLED').flatMap((r) => r.data.map(String));
    if (enabled.some((e) => e.toUpperCase() === 'UTF8=ACCEPT')) this.#utf8Accept = true;
    return enabled;
  }

  #mailbox(name: string): Argument {
    return this.#utf8Accept ? name : encodeMailbox(name);
  }

  #mailboxName(wire: string): string {
    // The parser keeps line text as bytes (latin1); UTF-8 names are decoded here.
    return this.#utf8Accept ? Buffer.from(wire, 'latin1').toString('utf8') : decodeMailbox(wire);
  }

  /**
   * IDLE (RFC 2177): yields untagged updates until `signal` aborts or the loop is left; then DONE
   * is sent and the command completes.
   */
  async *idle(signal?: AbortSignal): AsyncGenerator<UntaggedResponse, void, undefined> {
    if (!this.#capabilities.has('IDLE')) throw new IMAP4Error('the server does not offer IDLE');
    const tag = `A${String(++this.#tagCounter).padStart(4, '0')}`;
    await this.#write(`${tag} IDLE\r\n`);
    const first = await this.#next();
    if (first.kind === 'tagged') {
      await this.#finish('IDLE', first, []);
      return;
    }
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      void this.#write('DONE\r\n');
    };
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        if (this.#responses.length === 0) {
          if (done) break;
          // No timeout while idling: the server may be silent for minutes.
          const data = await this.#connection.recv(false);
          if (data.length === 0) throw new IMAP4Abort('connection closed by the server during IDLE');
          this.#responses.push(...this.#parser.feed(data));
          continue;
        }
        const response = this.#responses.shift()!;
        if (response.kind === 'tagged' && response.tag === tag) {
          await this.#finish('IDLE', response, []);
          return;
        }
        if (response.kind === 'untagged') {
          const updates: UntaggedResponse[] = [];
          this.#route(response, updates);
          yield response;
        }
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      stop();
      for (;;) {
        const response = await this.#next();
        if (response.kind === 'tagged' && response.tag === tag) {
          await this.#finish('IDLE', response, []);
          break;
        }
      }
    }
  }

  async close(force = false): Promise<void> {
    this.#responses = [];
    this.#parser = new ResponseParser(this.#options.limits);
    await this.#connection.close(force);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#connection.connected) await this.logout().catch(() => this.close(true));
  }
}

/** imaplib.IMAP4_SSL: implicit TLS (port 993). */
export class IMAP4_SSL extends IMAP4 {
  constructor(options: IMAP4Options = {}) {
    super(options, true);
  }
}

function checkSet(set: string): void {
  if (!/^[0-9:*,]+$/.test(set)) throw new IMAP4Error(`not a message set: ${JSON.stringify(set)}`);
}
