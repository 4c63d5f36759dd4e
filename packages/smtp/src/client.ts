/**
 * smtplib's SMTP and SMTP_SSL, async, on any unitls TLS implementation. The protocol pieces
 * (replies, commands, DATA encoding, SASL) live in ./protocol and do no I/O; this file drives them.
 *
 * @module
 */
import { hostname as osHostname } from 'node:os';
import { ClientConnection, TLSClientConfiguration, type TLSImplementation } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import {
  SMTPAuthenticationError,
  SMTPConnectError,
  SMTPDataError,
  SMTPException,
  SMTPHeloError,
  SMTPNotSupportedError,
  SMTPRecipientsRefused,
  SMTPResponseException,
  SMTPSenderRefused,
  SMTPServerDisconnected,
  SMTPUsageError,
} from './errors.js';
import { PREFERENCE, mechanismFor, type Credentials } from './protocol/auth.js';
import { command } from './protocol/commands.js';
import { DataEncoder } from './protocol/data.js';
import { Extensions } from './protocol/ehlo.js';
import { ReplyParser, type Reply, type ReplyLimits } from './protocol/reply.js';

/** Options shared by SMTP and SMTP_SSL. */
export interface SMTPOptions {
  host?: string;
  port?: number;
  /** The name sent with EHLO/HELO (default: this machine's name). */
  localHostname?: string;
  /** Milliseconds allowed for connecting and for each reply (default 30 000). */
  timeout?: number;
  /** Aborts whatever is in progress and closes the connection. */
  signal?: AbortSignal;
  /** The TLS implementation (default @unitls/tls-node). */
  implementation?: TLSImplementation;
  /** TLS settings (default: secure defaults with the system trust store). */
  configuration?: TLSClientConfiguration;
  /** The name the certificate must match (default: host). */
  serverHostname?: string;
  /** Reply size limits (see ReplyParser). */
  limits?: ReplyLimits;
  /** 0: silent; 1: commands and replies; 2: with timestamps (AUTH exchanges are always redacted). */
  debuglevel?: number;
  /** Where debug lines go (default: stderr). */
  debugOutput?: (line: string) => void;
}

/** Options of SMTP (plain connection, upgraded with STARTTLS). */
export interface SMTPPlainOptions extends SMTPOptions {
  /**
   * 'starttls' (default): TLS is required; connect() upgrades at once and fails when the server
   * cannot. 'plaintext': no TLS unless starttls() is called; an explicit opt-in.
   */
  security?: 'starttls' | 'plaintext';
  /** Allow AUTH over a connection without TLS (never the default). */
  allowPlaintextAuth?: boolean;
}

/** Per-recipient refusals, as smtplib's sendmail returns them. */
export type Refused = Map<string, { code: number; text: string }>;

/** A message body: text, bytes, or a stream of bytes (sent as it comes). */
export type MessageSource = string | Uint8Array | AsyncIterable<Uint8Array>;

const isAscii = (text: string) => /^[\x00-\x7f]*$/.test(text);

/** smtplib.SMTP. @example see the package README. */
export class SMTP implements AsyncDisposable {
  readonly #options: SMTPPlainOptions;
  readonly #implicitTls: boolean;
  readonly #connection: ClientConnection;
  #parser: ReplyParser;
  #replies: Reply[] = [];
  #extensions: Extensions | null = null;
  #heloReply: Reply | null = null;
  #authInProgress = false;

  constructor(options: SMTPPlainOptions = {}, implicitTls = false) {
    this.#options = options;
    this.#implicitTls = implicitTls;
    this.#parser = new ReplyParser(options.limits);
    this.#connection = new ClientConnection({
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: options.serverHostname,
    });
  }

  /** The EHLO extensions (smtplib's esmtp_features), or null before EHLO. */
  get esmtpFeatures(): Extensions | null {
    return this.#extensions;
  }

  /** True once the session runs over TLS. */
  get secure(): boolean {
    return this.#connection.secure;
  }

  /** The TLS socket under the session, when there is one (for inspection). */
  get tlsSocket(): import('@unitls/tls-core').TLSSocket | null {
    return this.#connection.tlsSocket;
  }

  #debug(direction: 'send' | 'reply', text: string): void {
    const level = this.#options.debuglevel ?? 0;
    if (level <= 0) return;
    let redacted = text;
    if (this.#authInProgress) {
      // Credentials and challenges never reach debug output.
      if (direction === 'send') redacted = /^AUTH \S+/.exec(text)?.[0] ? `${/^AUTH \S+/.exec(text)![0]} <redacted>` : '<redacted>';
      else if (text.startsWith('334')) redacted = '334 <redacted>';
    }
    const line = `${level >= 2 ? `${new Date().toISOString()} ` : ''}${direction}: ${redacted.trimEnd()}`;
    (this.#options.debugOutput ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }

  /** Connects and reads the greeting; with security 'starttls' also upgrades. Returns the greeting. */
  async connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#implicitTls ? 465 : 25)): Promise<Reply> {
    if (this.#connection.connected) throw new SMTPUsageError('already connected');
    await this.#connection.open(host, port, this.#implicitTls);
    const greeting = await this.getreply();
    if (greeting.code !== 220) {
      await this.close();
      throw new SMTPConnectError(greeting.code, greeting.text, greeting.enhancedStatus);
    }
    if (!this.#implicitTls && (this.#options.security ?? 'starttls') === 'starttls') await this.starttls();
    return greeting;
  }

  async #send(text: string | Uint8Array): Promise<void> {
    if (!this.#connection.connected) throw new SMTPServerDisconnected('please run connect() first');
    if (typeof text === 'string') this.#debug('send', text);
    try {
      await this.#connection.send(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    } catch (cause) {
      await this.close(true);
      throw new SMTPServerDisconnected('the connection failed while sending', { cause });
    }
  }

  /** Reads the next reply (smtplib's getreply). */
  async getreply(): Promise<Reply> {
    if (!this.#connection.connected) throw new SMTPServerDisconnected('please run connect() first');
    try {
      while (this.#replies.length === 0) {
        const data = await this.#connection.recv();
        if (data.length === 0) throw new SMTPServerDisconnected('connection unexpectedly closed by the server');
        this.#replies.push(...this.#parser.feed(data));
      }
    } catch (error) {
      await this.close(true);
      throw error instanceof SMTPException || (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError'
        ? error
        : new SMTPServerDisconnected(`the connection failed: ${(error as Error).message}`, { cause: error });
    }
    const reply = this.#replies.shift()!;
    this.#debug('reply', `${reply.code} ${reply.text}`);
    return reply;
  }

  /** Sends a command line and reads its reply (smtplib's docmd). */
  async docmd(line: string): Promise<Reply> {
    await this.#send(line);
    return this.getreply();
  }

  #localName(): string {
    return this.#options.localHostname ?? (osHostname() || 'localhost');
  }

  /** EHLO; parses the extensions. */
  async ehlo(name = this.#localName()): Promise<Reply> {
    const reply = await this.docmd(command.ehlo(name));
    this.#heloReply = reply;
    this.#extensions = reply.code === 250 ? new Extensions(reply.lines) : null;
    return reply;
  }

  /** HELO (no extensions). */
  async helo(name = this.#localName()): Promise<Reply> {
    const reply = await this.docmd(command.helo(name));
    this.#heloReply = reply;
    this.#extensions = null;
    return reply;
  }

  /**
   * EHLO, falling back to HELO only on a plain connection the caller chose to keep plain: when TLS
   * is (or will be) required, a refused EHLO is an error, never a reason to continue in clear.
   */
  async ehloOrHeloIfNeeded(): Promise<void> {
    if (this.#heloReply !== null) return;
    const reply = await this.ehlo();
    if (reply.code === 250) return;
    if (this.#tlsRequired() && !this.secure) throw new SMTPHeloError(reply.code, reply.text, reply.enhancedStatus);
    const helo = await this.helo();
    if (helo.code !== 250) throw new SMTPHeloError(helo.code, helo.text, helo.enhancedStatus);
  }

  #tlsRequired(): boolean {
    return this.#implicitTls || (this.#options.security ?? 'starttls') === 'starttls';
  }

  /** smtplib's has_extn. */
  hasExtn(name: string): boolean {
    return this.#extensions?.has(name) ?? false;
  }

  /**
   * STARTTLS, done safely: refuses when not offered (or answered with anything but 220), refuses
   * bytes the server sent before the handshake, and forgets everything learnt before TLS.
   */
  async starttls(): Promise<Reply> {
    if (this.secure) throw new SMTPUsageError('the connection already uses TLS');
    await this.#ehloForStarttls();
    if (!this.hasExtn('starttls')) {
      await this.close();
      throw new SMTPNotSupportedError('the server does not offer STARTTLS; refusing to continue without TLS');
    }
    const reply = await this.docmd(command.starttls());
    if (reply.code !== 220) {
      await this.close();
      throw new SMTPResponseException(reply.code, reply.text, reply.enhancedStatus, `STARTTLS refused: ${reply.code} ${reply.text}`);
    }
    await this.#upgrade();
    // Pre-TLS capabilities may have been tampered with: ask again over TLS.
    this.#extensions = null;
    this.#heloReply = null;
    const ehlo = await this.ehlo();
    if (ehlo.code !== 250) throw new SMTPHeloError(ehlo.code, ehlo.text, ehlo.enhancedStatus);
    return reply;
  }

  async #ehloForStarttls(): Promise<void> {
    if (this.#heloReply !== null) return;
    const reply = await this.ehlo();
    if (reply.code !== 250) {
      await this.close();
      throw new SMTPHeloError(reply.code, reply.text, reply.enhancedStatus);
    }
  }

  async #upgrade(): Promise<void> {
    await this.#connection.upgrade(this.#replies.length + this.#parser.buffered);
  }

  #checkAuthAllowed(): void {
    if (!this.secure && !(this.#options.allowPlaintextAuth ?? false)) {
      throw new SMTPUsageError('refusing to authenticate over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  /** AUTH with one mechanism (smtplib's auth). */
  async auth(mechanism: string, credentials: Credentials): Promise<Reply> {
    this.#checkAuthAllowed();
    const sasl = mechanismFor(mechanism, credentials);
    if (sasl === null) throw new SMTPUsageError(`AUTH ${mechanism} is not supported with these credentials`);
    this.#authInProgress = true;
    try {
      const initial = sasl.start();
      let reply = await this.docmd(command.auth(sasl.name, initial ?? undefined));
      for (let round = 0; reply.code === 334 && round < 5; round++) reply = await this.docmd(command.authLine(sasl.next(reply.text.trim())));
      if (reply.code !== 235 && reply.code !== 503) throw new SMTPAuthenticationError(reply.code, reply.text, reply.enhancedStatus);
      return reply;
    } finally {
      this.#authInProgress = false;
    }
  }

  /**
   * Logs in with the strongest mechanism both sides support (smtplib's login): XOAUTH2 when an
   * access token is given, else CRAM-MD5, PLAIN, LOGIN.
   */
  async login(user: string, password?: string, options: { accessToken?: string } = {}): Promise<Reply> {
    this.#checkAuthAllowed();
    await this.ehloOrHeloIfNeeded();
    if (!this.hasExtn('auth')) throw new SMTPNotSupportedError('the server does not offer AUTH');
    const offered = this.#extensions!.authMechanisms;
    const credentials: Credentials = { user, ...(password === undefined ? {} : { password }), ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }) };
    let lastError: unknown = new SMTPException('no suitable authentication mechanism found');
    for (const name of PREFERENCE) {
      if (!offered.includes(name) || mechanismFor(name, credentials) === null) continue;
      try {
        return await this.auth(name, credentials);
      } catch (error) {
        lastError = error;
        if (!(error instanceof SMTPAuthenticationError)) throw error;
      }
    }
    throw lastError;
  }

  async mail(from: string, options: readonly string[] = []): Promise<Reply> {
    await this.ehloOrHeloIfNeeded();
    return this.docmd(command.mail(from, options));
  }

  async rcpt(to: string, options: readonly string[] = []): Promise<Reply> {
    return this.docmd(command.rcpt(to, options));
  }

  /** DATA with a message (dot-stuffed, CRLF-normalised); streams AsyncIterables. */
  async data(message: MessageSource): Promise<Reply> {
    const reply = await this.docmd(command.data());
    if (reply.code !== 354) throw new SMTPDataError(reply.code, reply.text, reply.enhancedStatus);
    const encoder = new DataEncoder();
    if (message instanceof Uint8Array || typeof message === 'string') {
      // In memory already: one write for the body and its end.
      await this.#send(Buffer.concat([encoder.push(typeof message === 'string' ? Buffer.from(message, 'utf8') : message), encoder.end()]));
    } else {
      for await (const chunk of chunks(message)) {
        const encoded = encoder.push(chunk);
        if (encoded.length > 0) await this.#send(encoded);
      }
      await this.#send(encoder.end());
    }
    const done = await this.getreply();
    return done;
  }

  /** BDAT (CHUNKING, RFC 3030): binary-clean, no dot-stuffing. */
  async bdat(message: MessageSource): Promise<Reply> {
    if (!this.hasExtn('chunking')) throw new SMTPNotSupportedError('the server does not offer CHUNKING (BDAT)');
    let pending: Uint8Array | null = null;
    for await (const chunk of chunks(message)) {
      if (pending !== null) {
        const reply = await this.#sendChunk(pending, false);
        if (reply.code !== 250) throw new SMTPDataError(reply.code, reply.text, reply.enhancedStatus);
      }
      pending = chunk;
    }
    return this.#sendChunk(pending ?? new Uint8Array(0), true);
  }

  async #sendChunk(chunk: Uint8Array, last: boolean): Promise<Reply> {
    await this.#send(command.bdat(chunk.length, last));
    if (chunk.length > 0) await this.#send(chunk);
    return this.getreply();
  }

  async rset(): Promise<Reply> {
    return this.docmd(command.rset());
  }

  async noop(): Promise<Reply> {
    return this.docmd(command.noop());
  }

  async verify(address: string): Promise<Reply> {
    return this.docmd(command.vrfy(address));
  }

  /**
   * smtplib's sendmail: MAIL, RCPT for each recipient (pipelined when offered), DATA (or BDAT with
   * `binary`). Returns the refused recipients; throws when the sender, every recipient or the data
   * is refused (after RSET).
   */
  async sendmail(
    from: string,
    to: string | readonly string[],
    message: MessageSource,
    mailOptions: readonly string[] = [],
    rcptOptions: readonly string[] = [],
    options: { binary?: boolean } = {},
  ): Promise<Refused> {
    await this.ehloOrHeloIfNeeded();
    const recipients = typeof to === 'string' ? [to] : [...to];
    if (recipients.length === 0) throw new SMTPUsageError('sendmail needs at least one recipient');
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    const parameters = [...mailOptions];
    const esmtp = this.#extensions !== null;
    if (esmtp) {
      if (body instanceof Uint8Array) {
        const limit = this.#extensions!.sizeLimit;
        if (limit !== null && body.length > limit) {
          throw new SMTPSenderRefused(552, `message of ${body.length} bytes exceeds the server's SIZE limit of ${limit}; nothing was sent`, from);
        }
        if (this.hasExtn('size')) parameters.push(`SIZE=${body.length}`);
        if (body.some((byte) => byte >= 0x80) && this.hasExtn('8bitmime') && !parameters.some((p) => /^BODY=/i.test(p))) parameters.push('BODY=8BITMIME');
      }
      if (options.binary && !parameters.some((p) => /^BODY=/i.test(p))) parameters.push('BODY=BINARYMIME');
    }
    if (![from, ...recipients].every(isAscii)) {
      if (!this.hasExtn('smtputf8')) throw new SMTPNotSupportedError('non-ASCII addresses need SMTPUTF8, which the server does not offer');
      parameters.push('SMTPUTF8');
    }
    if (options.binary && !this.hasExtn('binarymime')) throw new SMTPNotSupportedError('binary sending needs CHUNKING and BINARYMIME, which the server does not offer');
    const pipelined = this.hasExtn('pipelining');
    const refused: Refused = new Map();
    const senderRefused = async (reply: Reply) => {
      await this.rset().catch(() => {});
      return new SMTPSenderRefused(reply.code, reply.text, from, reply.enhancedStatus);
    };
    if (pipelined) {
      await this.#send(command.mail(from, parameters) + recipients.map((r) => command.rcpt(r, rcptOptions)).join(''));
      const mailReply = await this.getreply();
      const rcptReplies: Reply[] = [];
      for (let i = 0; i < recipients.length; i++) rcptReplies.push(await this.getreply());
      if (mailReply.code !== 250) throw await senderRefused(mailReply);
      rcptReplies.forEach((reply, i) => {
        if (reply.code !== 250 && reply.code !== 251) refused.set(recipients[i]!, { code: reply.code, text: reply.text });
      });
    } else {
      const mailReply = await this.docmd(command.mail(from, parameters));
      if (mailReply.code !== 250) throw await senderRefused(mailReply);
      for (const recipient of recipients) {
        const reply = await this.rcpt(recipient, rcptOptions);
        if (reply.code !== 250 && reply.code !== 251) refused.set(recipient, { code: reply.code, text: reply.text });
      }
    }
    if (refused.size === recipients.length) {
      await this.rset().catch(() => {});
      throw new SMTPRecipientsRefused(refused);
    }
    const reply = options.binary ? await this.bdat(body) : await this.data(body);
    if (reply.code !== 250) {
      await this.rset().catch(() => {});
      throw new SMTPDataError(reply.code, reply.text, reply.enhancedStatus);
    }
    return refused;
  }

  /** smtplib's send_message: builds a MIME message (nodemailer's MailComposer) and sends it; Bcc never appears in the headers. */
  async sendMessage(mail: import('./message.js').MailMessage, options: { from?: string; to?: string[] } = {}): Promise<Refused> {
    const { sendMessage } = await import('./message.js');
    return sendMessage(this, mail, options);
  }

  /** QUIT, then close. */
  async quit(): Promise<Reply | null> {
    if (!this.#connection.connected) return null;
    let reply: Reply | null = null;
    try {
      reply = await this.docmd(command.quit());
    } finally {
      await this.close();
    }
    return reply;
  }

  /** Closes the connection without QUIT. */
  async close(force = false): Promise<void> {
    this.#extensions = null;
    this.#heloReply = null;
    this.#replies = [];
    this.#parser = new ReplyParser(this.#options.limits);
    await this.#connection.close(force);
  }

  /** `await using smtp = ...`: QUIT when connected (errors ignored), then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#connection.connected) await this.quit().catch(() => this.close(true));
  }
}

/** smtplib.SMTP_SSL: implicit TLS from the first byte (port 465). */
export class SMTP_SSL extends SMTP {
  constructor(options: SMTPOptions = {}) {
    super(options, true);
  }
}

async function* chunks(message: MessageSource): AsyncIterable<Uint8Array> {
  if (typeof message === 'string') yield Buffer.from(message, 'utf8');
  else if (message instanceof Uint8Array) yield message;
  else for await (const chunk of message) yield chunk;
}
