/**
 * smtplib's SMTP and SMTP_SSL, async, on any unitls TLS implementation: a thin loop that moves
 * bytes between a ClientConnection (@unitls/client-kit) and the sans-IO SMTPConnection
 * (./protocol/connection.ts), which holds every state and transition.
 *
 * @module
 */
import { hostname as osHostname } from 'node:os';
import { CallGate, ClientConnection, connectionLost, SIGNAL_ONLY, checkClientOptions, checkCredentials, diagnostics, optionKinds, preferredMechanisms, type CallOptionKinds, type Credentials, PrimedSource, type Security } from '@unitls/client-kit';
import { TLSClientConfiguration, describeValue, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { authenticate } from './auth.js';
import { sendmail, type MessageSource, type Refused } from './envelope.js';
import {
  SMTPAuthenticationError,
  SMTPConnectError,
  SMTPDataError,
  SMTPException,
  SMTPHeloError,
  SMTPNotSupportedError,
  SMTPResponseException,
  SMTPUsageError,
  smtpErrors,
} from './errors.js';
import { SMTP_OPTION_NAMES, type CallOptions, type SMTPOptions } from './options.js';
import { checkEnvelope, command as commandLine, heloName } from './protocol/commands.js';
import type { SMTPCommand } from './protocol/connection.js';
import type { Extensions } from './protocol/ehlo.js';
import type { Reply } from './protocol/reply.js';
import type { SMTPState } from './protocol/states.js';
import { Session, checkMessage, checkedChunks, messageReady } from './session.js';

/** The `security` values SMTP takes. */
const SECURITIES: readonly Security[] = ['implicit', 'starttls', 'plaintext'];

/** The per-call options beyond `{ signal }`. */
const LOGIN_OPTIONS: CallOptionKinds = { ...SIGNAL_ONLY, accessToken: optionKinds.string };
const SENDMAIL_OPTIONS: CallOptionKinds = { ...SIGNAL_ONLY, binary: optionKinds.boolean };
const SEND_MESSAGE_OPTIONS: CallOptionKinds = { ...SENDMAIL_OPTIONS, from: optionKinds.string, to: optionKinds.strings };

/** smtplib.SMTP. @example see the package README. */
export class SMTP implements AsyncDisposable {
  readonly #options: SMTPOptions;
  readonly #security: Security;
  readonly #io: ClientConnection;
  readonly #session: Session;
  readonly #gate = new CallGate(smtpErrors);
  #heloReply: Reply | null = null;

  /**
   * @throws SMTPUsageError for an option of the wrong type or a name SMTP does not take ("SMTP:
   *   unknown option 'timout' (did you mean 'timeout'?)", in `limits` too), see
   *   {@link checkClientOptions}; nothing is opened.
   */
  constructor(options: SMTPOptions = {}) {
    options = checkClientOptions(smtpErrors, new.target.name, options, SECURITIES, SMTP_OPTION_NAMES);
    // Checked now, not at the first EHLO: a name that could never be sent is a wrong option.
    if (options.localHostname !== undefined) {
      if (typeof options.localHostname !== 'string') throw new SMTPUsageError(`${new.target.name}: localHostname must be a string, got ${describeValue(options.localHostname)}; nothing was opened`);
      heloName('the localHostname option', options.localHostname);
    }
    this.#options = options;
    this.#security = options.security ?? 'starttls';
    this.#io = new ClientConnection({
      client: this,
      errors: smtpErrors,
      channels: diagnostics.smtp,
      context: () => new (options.implementation ?? nodeImplementation).clientContext(options.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: options.serverHostname,
      transport: options.transport,
      implicitTlsHint: "use SMTP_SSL or security: 'implicit' (port 465)",
    });
    this.#session = new Session(this.#io, options);
  }

  /** The EHLO extensions (smtplib's esmtp_features), or null before EHLO (and after STARTTLS). */
  get esmtpFeatures(): Extensions | null {
    return this.#io.connected ? (this.#session.lastCore?.extensions ?? null) : null;
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
  get state(): SMTPState | null {
    return this.#io.connected ? (this.#session.lastCore?.state ?? null) : null;
  }

  /**
   * Runs the public call `name` alone: a second call while one runs is an SMTPUsageError before
   * anything is sent (replies come in order; two callers would read each other's), and so are
   * options that are not an object, a name the call does not take (`kinds`, default `{ signal }`)
   * or a value of the wrong kind: the connection stays as it was. The calls it makes through
   * other public verbs get `inner`, which passes.
   */
  #call<T, O extends object>(name: string, options: O, work: (inner: O) => Promise<T>, kinds?: CallOptionKinds): Promise<T> {
    return this.#gate.run(name, options, () => work(this.#gate.inside(options)), kinds);
  }

  /** One command and its reply. */
  #exchange(command: SMTPCommand, signal: AbortSignal | undefined): Promise<Reply> {
    return this.#session.exchange(command, signal);
  }

  /**
   * Connects and reads the greeting; with security 'starttls' also upgrades. Returns the greeting.
   *
   * @throws SMTPConnectError (greeting not 220), SMTPServerDisconnected (cause: the transport
   *   error), a TLSError from the handshake, TimeoutError / the signal's reason.
   */
  connect(host = this.#options.host ?? 'localhost', port = this.#options.port ?? (this.#security === 'implicit' ? 465 : 25), options: CallOptions = {}): Promise<Reply> {
    return this.#call('connect', options, async (inner) => {
      if (this.#io.connected) throw new SMTPUsageError('already connected');
      this.#session.reset();
      this.#heloReply = null;
      await this.#io.open(host, port, this.#security, options.signal);
      const greeting = (await this.#session.reply(options.signal)).reply;
      if (greeting.code !== 220) {
        await this.close();
        throw new SMTPConnectError(greeting.code, greeting.text, greeting.enhancedStatus);
      }
      if (this.#security === 'starttls') await this.starttls(inner);
      return greeting;
    });
  }

  /** Reads the next awaited reply (smtplib's getreply). @throws SMTPUsageError when no reply is awaited */
  getreply(options: CallOptions = {}): Promise<Reply> {
    return this.#call('getreply', options, async () => {
      if (this.#session.core.pending === 0) throw new SMTPUsageError('no reply is awaited: send a command first (docmd)');
      return (await this.#session.reply(options.signal)).reply;
    });
  }

  /**
   * Sends a command line and reads its reply (smtplib's docmd).
   *
   * @throws SMTPUsageError when `line` holds CR, LF or NUL (nothing is sent).
   */
  docmd(line: string, options: CallOptions = {}): Promise<Reply> {
    return this.#call('docmd', options, async () => {
      if (typeof line === 'string' && /^AUTH\s/i.test(line)) this.#session.sasl = true;
      let reply: Reply;
      try {
        reply = await this.#exchange({ type: 'RAW', line }, options.signal);
      } catch (error) {
        this.#session.sasl = false;
        throw error;
      }
      // A docmd-driven AUTH: what follows a 334 is SASL data, redacted.
      this.#session.sasl = reply.code === 334;
      return reply;
    });
  }

  #localName(): string {
    return this.#options.localHostname ?? (osHostname() || 'localhost');
  }

  /** EHLO; the extensions are then in `esmtpFeatures`. */
  ehlo(name = this.#localName(), options: CallOptions = {}): Promise<Reply> {
    return this.#call('ehlo', options, async () => {
      this.#heloReply = await this.#exchange({ type: 'EHLO', name }, options.signal);
      return this.#heloReply;
    });
  }

  /** HELO (no extensions). */
  helo(name = this.#localName(), options: CallOptions = {}): Promise<Reply> {
    return this.#call('helo', options, async () => {
      this.#heloReply = await this.#exchange({ type: 'HELO', name }, options.signal);
      return this.#heloReply;
    });
  }

  /**
   * EHLO, falling back to HELO only on a plain connection the caller chose to keep plain: when TLS
   * is (or will be) required, a refused EHLO is an error, never a reason to continue in clear.
   *
   * @throws SMTPHeloError
   */
  ehloOrHeloIfNeeded(options: CallOptions = {}): Promise<void> {
    return this.#call('ehloOrHeloIfNeeded', options, async (inner) => {
      if (this.#heloReply !== null) return;
      const reply = await this.ehlo(undefined, inner);
      if (reply.code === 250) return;
      if (this.#security !== 'plaintext' && !this.secure) throw new SMTPHeloError(reply.code, reply.text, reply.enhancedStatus);
      const helo = await this.helo(undefined, inner);
      if (helo.code !== 250) throw new SMTPHeloError(helo.code, helo.text, helo.enhancedStatus);
    });
  }

  /** smtplib's has_extn. */
  hasExtn(name: string): boolean {
    return this.esmtpFeatures?.has(name) ?? false;
  }

  /**
   * STARTTLS, done safely: refuses when not offered (or answered with anything but 220), refuses
   * bytes the server sent before the handshake, and forgets everything learnt before TLS.
   *
   * @throws SMTPNotSupportedError, SMTPResponseException, StartTlsInjectionError, SMTPHeloError;
   *   the connection is closed in every case.
   */
  starttls(options: CallOptions = {}): Promise<Reply> {
    return this.#call('starttls', options, (inner) => this.#starttls(inner));
  }

  async #starttls(options: CallOptions): Promise<Reply> {
    if (this.secure) throw new SMTPUsageError('the connection already uses TLS');
    const helo = this.#heloReply ?? (await this.ehlo(undefined, options));
    if (helo.code !== 250) {
      await this.close();
      throw new SMTPHeloError(helo.code, helo.text, helo.enhancedStatus);
    }
    if (!this.hasExtn('starttls')) {
      await this.close();
      throw new SMTPNotSupportedError('the server does not offer STARTTLS; refusing to continue without TLS');
    }
    const reply = await this.#exchange({ type: 'STARTTLS' }, options.signal);
    if (reply.code !== 220) {
      await this.close();
      throw new SMTPResponseException(reply.code, reply.text, reply.enhancedStatus, `STARTTLS refused: ${reply.code} ${reply.text}`);
    }
    const core = this.#session.core;
    await this.#io.upgrade(core.buffered, options.signal);
    core.startedTls();
    // Pre-TLS capabilities may have been tampered with: ask again over TLS.
    this.#heloReply = null;
    const ehlo = await this.ehlo(undefined, options);
    if (ehlo.code !== 250) throw new SMTPHeloError(ehlo.code, ehlo.text, ehlo.enhancedStatus);
    return reply;
  }

  #checkAuthAllowed(): void {
    // As smtplib: SMTPServerDisconnected "please run connect() first", not a complaint about TLS.
    if (!this.#io.connected) throw this.#io.closedError();
    if (!this.secure && !(this.#options.allowPlaintextAuth ?? false)) {
      throw new SMTPUsageError('refusing to authenticate over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  /**
   * AUTH with one SASL mechanism (smtplib's auth): PLAIN, LOGIN, CRAM-MD5, XOAUTH2, SCRAM-SHA-256.
   *
   * @throws SMTPAuthenticationError (refused; the message names the mechanism and, for 535, says
   *   to check the user name and password, or access token, for 454 to try again later; never a
   *   credential), SMTPUsageError (no TLS, unknown mechanism, NUL in a credential),
   *   SMTPProtocolError (a malformed challenge; SCRAM: the server did not prove itself; the
   *   connection is then closed).
   */
  auth(mechanism: string, credentials: Credentials, options: CallOptions = {}): Promise<Reply> {
    return this.#call('auth', options, async () => {
      this.#checkAuthAllowed();
      return authenticate(this.#session, mechanism, credentials, this.#options.limits, options.signal);
    });
  }

  /**
   * Logs in with the strongest mechanism both sides support (smtplib's login): XOAUTH2 when an
   * access token is given, else SCRAM-SHA-256, CRAM-MD5, PLAIN, LOGIN. The next is tried only when
   * the server says the mechanism itself is unavailable (RFC 4954 §6: 504 unrecognised, 534 too
   * weak, 538 needs encryption). Any other refusal ends the login at once, unlike smtplib, which
   * tries every mechanism: a wrong password is sent once, not once per mechanism (each counting
   * against a lockout), and never in PLAIN or LOGIN after SCRAM-SHA-256 refused it.
   *
   * @throws SMTPNotSupportedError (no AUTH), SMTPAuthenticationError (refused: the first refusal
   *   that is not "mechanism unavailable", naming the mechanism; else the last one).
   */
  login(user: string, password?: string, options: CallOptions & { accessToken?: string } = {}): Promise<Reply> {
    return this.#call('login', options, async (inner) => {
      this.#checkAuthAllowed();
      if (typeof user !== 'string') throw new SMTPUsageError(`the user name must be a string, got ${describeValue(user)}; nothing was sent`);
      const credentials: Credentials = { user, ...(password === undefined ? {} : { password }), ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }) };
      checkCredentials(credentials, smtpErrors);
      await this.ehloOrHeloIfNeeded(inner);
      if (!this.hasExtn('auth')) throw new SMTPNotSupportedError('the server does not offer AUTH');
      let lastError: unknown = new SMTPException('no suitable authentication mechanism found');
      for (const name of preferredMechanisms(this.esmtpFeatures!.authMechanisms, credentials)) {
        try {
          return await this.auth(name, credentials, inner);
        } catch (error) {
          if (!(error instanceof SMTPAuthenticationError)) throw error;
          if (!mechanismUnavailable(error)) throw credentialsRefused(name, error);
          lastError = error;
        }
      }
      throw lastError;
    }, LOGIN_OPTIONS);
  }

  /** MAIL FROM. */
  mail(from: string, parameters: readonly string[] = [], options: CallOptions = {}): Promise<Reply> {
    return this.#call('mail', options, async (inner) => {
      // Refused before EHLO too: nothing goes out for a call that cannot be sent.
      if (this.#heloReply === null) commandLine.mail(from, parameters);
      await this.ehloOrHeloIfNeeded(inner);
      return this.#exchange({ type: 'MAIL', from, parameters }, options.signal);
    });
  }

  /** RCPT TO. */
  rcpt(to: string, parameters: readonly string[] = [], options: CallOptions = {}): Promise<Reply> {
    return this.#call('rcpt', options, () => this.#exchange({ type: 'RCPT', to, parameters }, options.signal));
  }

  /**
   * DATA with a message (dot-stuffed, CRLF-normalised); streams AsyncIterables.
   *
   * @throws SMTPDataError when DATA is refused; SMTPUsageError (a message of another type: nothing
   *   sent; a stream chunk that is not bytes: the connection is closed) and SMTPException with
   *   `cause` (the stream failed after 354: the connection is closed, as "." would send the part).
   */
  data(message: MessageSource, options: CallOptions = {}): Promise<Reply> {
    const source = PrimedSource.of<Uint8Array>(message);
    return released(source, this.#call('data', options, async () => {
      checkMessage(message);
      if (source !== null) await messageReady(source, 'DATA', options.signal);
      const reply = await this.#exchange({ type: 'DATA' }, options.signal);
      if (reply.code !== 354) throw new SMTPDataError(reply.code, reply.text, reply.enhancedStatus);
      return this.#session.body(source ?? message, options.signal);
    }));
  }

  /**
   * BDAT (CHUNKING, RFC 3030): binary-clean, no dot-stuffing. A stream that fails (or yields
   * something not bytes) between chunks ends the transaction with RSET; the session goes on.
   *
   * @throws SMTPNotSupportedError, SMTPDataError; SMTPUsageError / SMTPException "during BDAT" (cause kept)
   */
  bdat(message: MessageSource, options: CallOptions = {}): Promise<Reply> {
    const source = PrimedSource.of<Uint8Array>(message);
    return released(source, this.#bdat(message, source, options));
  }

  #bdat(message: MessageSource, source: AsyncIterable<Uint8Array> | null, options: CallOptions): Promise<Reply> {
    return this.#call('bdat', options, async () => {
      checkMessage(message);
      if (!this.hasExtn('chunking')) throw new SMTPNotSupportedError('the server does not offer CHUNKING (BDAT)');
      let pending: Uint8Array | null = null;
      const chunks = checkedChunks(typeof message === 'string' ? [Buffer.from(message, 'utf8')] : message instanceof Uint8Array ? [message] : source ?? message, 'BDAT');
      try {
        for await (const chunk of this.#io.fromCaller(chunks, options.signal)) {
          if (pending !== null) {
            const reply = await this.#exchange({ type: 'BDAT', chunk: pending, last: false }, options.signal);
            if (reply.code !== 250) throw new SMTPDataError(reply.code, reply.text, reply.enhancedStatus);
          }
          pending = chunk;
        }
      } catch (error) {
        // BDAT counts its bytes, so the transaction can be ended cleanly (RFC 3030 §4.1).
        if (chunks.failed && this.#io.connected) await this.#exchange({ type: 'RSET' }, options.signal).catch(() => {});
        throw error;
      }
      return this.#exchange({ type: 'BDAT', chunk: pending ?? new Uint8Array(0), last: true }, options.signal);
    });
  }

  rset(options: CallOptions = {}): Promise<Reply> {
    return this.#call('rset', options, () => this.#exchange({ type: 'RSET' }, options.signal));
  }

  noop(options: CallOptions = {}): Promise<Reply> {
    return this.#call('noop', options, () => this.#exchange({ type: 'NOOP' }, options.signal));
  }

  verify(address: string, options: CallOptions = {}): Promise<Reply> {
    return this.#call('verify', options, () => this.#exchange({ type: 'VRFY', address }, options.signal));
  }

  /**
   * smtplib's sendmail: MAIL, RCPT for each recipient and DATA — one pipelined write when the server
   * offers PIPELINING (RFC 2920) — then the message (or BDAT with `binary`). Returns the refused
   * recipients, each with its own reply.
   *
   * @throws SMTPSenderRefused, SMTPRecipientsRefused (every recipient), SMTPDataError (after RSET);
   *   SMTPUsageError (nothing sent) when mailOptions or rcptOptions is not an array of strings.
   */
  async sendmail(
    from: string,
    to: string | readonly string[],
    message: MessageSource,
    mailOptions: readonly string[] = [],
    rcptOptions: readonly string[] = [],
    options: CallOptions & { binary?: boolean } = {},
  ): Promise<Refused> {
    // A stream is listened to from now on (a Readable's failure is never an unhandled 'error'
    // event), and must have started before MAIL (pipelined with DATA).
    const source = PrimedSource.of<Uint8Array>(message);
    return released(source, this.#sendmail(from, to, source ?? message, mailOptions, rcptOptions, options, source));
  }

  #sendmail(
    from: string,
    to: string | readonly string[],
    message: MessageSource,
    mailOptions: readonly string[],
    rcptOptions: readonly string[],
    options: CallOptions & { binary?: boolean },
    source: PrimedSource<Uint8Array> | null,
  ): Promise<Refused> {
    return this.#call('sendmail', options, async (inner) => {
      checkMessage(message);
      checkParameterList('mailOptions', mailOptions);
      checkParameterList('rcptOptions', rcptOptions);
      if (typeof to !== 'string' && (typeof to !== 'object' || to === null || typeof (to as Iterable<unknown>)[Symbol.iterator] !== 'function')) {
        throw new SMTPUsageError(`the recipients of sendmail() must be a string or an array of strings, got ${describeValue(to)}; nothing was sent`);
      }
      const recipients = typeof to === 'string' ? [to] : [...to];
      checkEnvelope(from, recipients, mailOptions, rcptOptions);
      if (source !== null) await messageReady(source, 'MAIL', options.signal);
      // After the first message EHLO is done: no gated call per message to learn that.
      if (this.#heloReply === null) await this.ehloOrHeloIfNeeded(inner);
      const binary = options.binary ?? false;
      const transaction = { session: this.#session, extensions: this.esmtpFeatures, signal: options.signal, binary, bdat: (body: MessageSource) => this.bdat(body, inner) };
      return sendmail(transaction, from, recipients, message, mailOptions, rcptOptions);
    }, SENDMAIL_OPTIONS);
  }

  /**
   * smtplib's send_message: builds a MIME message (nodemailer's MailComposer) and sends it; Bcc never appears in the headers.
   *
   * @throws SMTPUsageError when an address field holds CR, LF or NUL (nothing sent); as sendmail.
   */
  sendMessage(mail: import('./message.js').MailMessage, options: CallOptions & { from?: string; to?: string[] } = {}): Promise<Refused> {
    return this.#call('sendMessage', options, async (inner) => {
      const { sendMessage } = await import('./message.js');
      return sendMessage(this, mail, inner);
    }, SEND_MESSAGE_OPTIONS);
  }

  /**
   * QUIT, then close; a no-op (null) when not connected. A connection found lost on the way (the
   * server closed it or reset it since the last call) is closed and null returned: the failure
   * that broke it is the one to report (`finally { await smtp.quit(); }`), as close() never
   * raises. A timeout, an abort or a protocol error of the QUIT itself still raise.
   */
  quit(options: CallOptions = {}): Promise<Reply | null> {
    return this.#call('quit', options, async () => {
      if (!this.#io.connected) return null;
      try {
        return await this.#exchange({ type: 'QUIT' }, options.signal);
      } catch (error) {
        if (connectionLost(error)) return null;
        throw error;
      } finally {
        await this.close();
      }
    });
  }

  /** Closes the connection without QUIT; a no-op when closed. */
  async close(force = false): Promise<void> {
    // The call this ends rejects for the caller, who may await it only after this close()
    // (`return smtp.noop()` in a try/finally): not an unhandled rejection.
    if (this.#io.busy) this.#gate.calls.endedByClose();
    this.#heloReply = null;
    this.#session.sasl = false;
    await this.#io.close(force);
  }

  /** `await using smtp = ...`: QUIT when connected (errors ignored), then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#io.connected) await this.quit().catch(() => this.close(true));
  }
}

/** smtplib.SMTP_SSL: implicit TLS from the first byte (port 465). */
export class SMTP_SSL extends SMTP {
  constructor(options: Omit<SMTPOptions, 'security'> = {}) {
    super({ ...checkClientOptions(smtpErrors, 'SMTP_SSL', options, SECURITIES, SMTP_OPTION_NAMES), security: 'implicit' });
  }
}

/**
 * Whether an AUTH refusal is about the mechanism, not the credentials (RFC 4954 §6): 504
 * (5.5.4, unrecognised authentication type), 534 (5.7.9, mechanism too weak), 538 (5.7.11,
 * encryption required for it). Another mechanism may then succeed.
 */
function mechanismUnavailable(error: SMTPAuthenticationError): boolean {
  return error.smtpCode === 504 || error.smtpCode === 534 || error.smtpCode === 538;
}

/** What login() raises when the server refused the credentials with `mechanism` (535, 454, ...). */
function credentialsRefused(mechanism: string, refusal: SMTPAuthenticationError): SMTPAuthenticationError {
  return new SMTPAuthenticationError(
    refusal.smtpCode,
    refusal.smtpError,
    refusal.enhancedStatus,
    `${refusal.message}. login() tries no other mechanism after a refusal that is not "mechanism unavailable" (504/534/538), so a wrong password is sent once; if the server cannot check these credentials with ${mechanism}, name another: auth('PLAIN', { user, password })`,
    { cause: refusal },
  );
}

/**
 * `call`, releasing the stream `source` once it settles (a Readable is destroyed if the call ended
 * before it did). Text and bytes (no source) cost no promise more: the in-memory path's promise
 * count is pinned (tests/smtp/promises-per-message).
 */
function released<T>(source: PrimedSource<Uint8Array> | null, call: Promise<T>): Promise<T> {
  return source === null ? call : call.finally(() => source.release());
}

/**
 * sendmail()'s mailOptions / rcptOptions (smtplib's mail_options, rcpt_options) are arrays of
 * strings: a string was spread into one parameter per character on the wire, and call options
 * put fourth failed with a bare TypeError (break14).
 *
 * @throws SMTPUsageError naming the list, nothing sent
 */
function checkParameterList(name: 'mailOptions' | 'rcptOptions', value: unknown): void {
  if (Array.isArray(value) && value.every((parameter) => typeof parameter === 'string')) return;
  const example = name === 'mailOptions' ? '["SMTPUTF8"]' : '["NOTIFY=NEVER"]';
  const python = name === 'mailOptions' ? 'mail_options' : 'rcpt_options';
  const callOptions = typeof value === 'object' && value !== null && !Array.isArray(value) ? ': call options such as { signal } are the sixth argument, sendmail(from, to, message, [], [], { signal })' : '';
  throw new SMTPUsageError(`the ${name} of sendmail() must be an array of strings such as ${example} (smtplib's ${python}), got ${describeValue(value)}${callOptions}; nothing was sent`);
}
