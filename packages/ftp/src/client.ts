/**
 * ftplib's FTP, async, on any unitls TLS implementation: a thin loop that moves bytes between a
 * ClientConnection (@unitls/client-kit) and the sans-IO FTPConnection (./protocol/connection.ts),
 * which holds every state and transition; transfers are the named steps of ./transfer.ts. FTP_TLS
 * (./tls.ts) adds AUTH TLS, implicit TLS and PROT P.
 *
 * @module
 */
import { ClientConnection, connectionLost, InFlight, checkCallOptions, trackCalls, checkClientOptions, checkLine, diagnostics, type ClientOptionNames, type Security } from '@unitls/client-kit';
import { TLSClientConfiguration, describeValue, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import type { DataChannel, DataSetup, DataTLS } from './data.js';
import { FTPConnectionError, FTPPermError, FTPProtoError, FTPReplyError, FTPUsageError, checkReply, expectSuccess, ftpErrors } from './errors.js';
import { FTP_OPTION_NAMES, RETRIEVE_OPTIONS, TRANSFER_OPTIONS, checkLimits, type CallOptions, type FTPLimits, type FTPPlainOptions, type RetrieveOptions, type Sink, type Source, type TransferOptions } from './options.js';
import { FTPConnection } from './protocol/connection.js';
import { formatTimeVal, parse213, parse257, parseFeat, parseTimeVal } from './protocol/parse.js';
import type { Reply } from './protocol/replies.js';
import type { FTPState } from './protocol/states.js';

/** The `security` values FTP_TLS takes. */
export const SECURITIES: readonly Security[] = ['implicit', 'starttls', 'plaintext'];
import { Session } from './session.js';
import { listing, mlsdEntry, retrieveBinary, retrieveLines, storeBinary, storeLines, type Transfers } from './streams.js';
import { openTransfer, type TransferHost } from './transfer.js';

/** What FTP_TLS hands its base class. */
export interface TLSParts {
  security: Security;
  implementation?: TLSImplementation | undefined;
  configuration?: TLSClientConfiguration | undefined;
  serverHostname?: string | undefined;
  /** The option names the class takes (default: FTP's). */
  names?: ClientOptionNames;
}

/** ftplib.FTP: plain FTP (passwords other than anonymous's refused unless allowPlaintextAuth), and the base of FTP_TLS. @example see the package README. */
export class FTP implements AsyncDisposable {
  protected readonly options: FTPPlainOptions;
  protected readonly io: ClientConnection;
  /** The calls close() may end (trackCalls below and in FTP_TLS). */
  protected readonly calls = new InFlight();
  protected readonly session: Session;
  protected readonly security: Security;
  protected readonly implementation: TLSImplementation;
  readonly #limits: FTPLimits;
  readonly #transfers: Transfers;
  #welcome = '';
  #features: Map<string, string> | null = null;
  #type: 'A' | 'I' | null = null;
  #transfer: AbortController | null = null;

  /**
   * @throws FTPUsageError for an option of the wrong type or a name FTP does not take ("FTP:
   *   unknown option 'timout' (did you mean 'timeout'?)", in `limits` too), or a limit that is not
   *   a positive integer (`minTransferRate`: a number of at least 0), see checkClientOptions;
   *   nothing is opened.
   */
  constructor(options: FTPPlainOptions = {}, tls: TLSParts = { security: 'plaintext' }) {
    options = checkClientOptions(ftpErrors, new.target.name, options, SECURITIES, tls.names ?? FTP_OPTION_NAMES);
    this.options = { ...options };
    this.security = tls.security;
    this.implementation = tls.implementation ?? nodeImplementation;
    this.#limits = checkLimits(new.target.name, options);
    this.io = new ClientConnection({
      client: this,
      errors: ftpErrors,
      channels: diagnostics.ftp,
      context: () => new this.implementation.clientContext(tls.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout,
      signal: options.signal,
      serverHostname: tls.serverHostname,
      transport: options.transport,
      implicitTlsHint: "use FTP_TLS with security: 'implicit' (implicit mode, port 990)",
    });
    this.session = new Session(this.io, this.#limits);
    const self = this;
    const host: TransferHost = {
      session: this.session,
      setup: (): DataSetup => ({ timeout: this.io.timeout, transport: this.options.transport, signal: this.options.signal, tls: this.dataTLS() }),
      get passive() {
        return self.options.passive !== false;
      },
      trustPasvHost: options.trustPasvHost === true,
      minTransferRate: this.#limits.minTransferRate ?? 1024,
      seesCloseNotify: this.implementation.features.raggedEOF,
      epsvRefused: false,
      dataDone: (socket) => this.dataDone(socket),
      size: (path) => this.size(path).catch((error: unknown) => (error instanceof FTPPermError ? null : Promise.reject(error))),
    };
    this.#transfers = { host, limits: this.#limits, begin: () => this.#begin(), end: (c) => this.#end(c), setType: (t, o) => this.setType(t, { signal: o.signal }), feat: (o) => this.feat({ signal: o.signal }) };
  }

  /** The server's greeting (ftplib's welcome / getwelcome()). */
  get welcome(): string {
    return this.#welcome;
  }

  getwelcome(): string {
    return this.#welcome;
  }

  /** Whether the control connection is encrypted. */
  get secure(): boolean {
    return this.io.secure;
  }

  /** The control connection's TLS socket, when there is one. */
  get tlsSocket(): TLSSocket | null {
    return this.io.tlsSocket;
  }

  /** The protocol state (see the package README), or null when not connected. */
  get state(): FTPState | null {
    return this.io.connected ? (this.session.lastCore?.state ?? null) : null;
  }

  /** Passive (true) or active (false) data connections, as ftplib's set_pasv. */
  setPasv(passive: boolean): void {
    this.options.passive = passive;
  }

  /**
   * Connects and reads the greeting (FTP_TLS: then AUTH TLS). Returns the greeting's text.
   *
   * @throws FTPConnectionError (cause: the transport error), a TLSError from the handshake,
   *   FTPTempError / FTPPermError for a refusing greeting, TimeoutError / the signal's reason.
   */
  async connect(host = this.options.host ?? 'localhost', port = this.options.port ?? (this.security === 'implicit' ? 990 : 21), options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'connect', options);
    if (this.io.connected) throw new FTPUsageError('already connected');
    this.session.reset();
    this.#features = null;
    this.#type = null;
    this.#transfers.host.epsvRefused = false;
    await this.io.open(host, port, this.security, options.signal);
    try {
      let greeting = await this.session.reply(options.signal);
      while (!greeting.final) greeting = await this.session.reply(options.signal); // 120 "ready in n minutes"
      this.#welcome = expectSuccess(greeting.reply).text;
      await this.afterGreeting(options);
    } catch (error) {
      await this.close(true);
      throw error;
    }
    return this.#welcome;
  }

  /** Runs after the greeting (FTP_TLS: AUTH TLS). */
  protected async afterGreeting(_options: CallOptions): Promise<void> {}

  /** The next reply to what was sent; 4xx and 5xx raise (ftplib's getresp). */
  async getresp(options: CallOptions = {}): Promise<Reply> {
    checkCallOptions(ftpErrors, 'getresp', options);
    if (this.session.core.awaiting === null) throw new FTPUsageError('no reply is awaited: send a command first');
    return checkReply((await this.session.reply(options.signal)).reply);
  }

  /** The next reply, which must be 2xx (ftplib's voidresp). */
  async voidresp(options: CallOptions = {}): Promise<Reply> {
    checkCallOptions(ftpErrors, 'voidresp', options);
    return expectSuccess(await this.getresp(options));
  }

  /**
   * Sends a command line and returns its reply (ftplib's sendcmd; 4xx/5xx raise).
   *
   * @throws FTPUsageError when `line` holds CR, LF or NUL, or is not a command (nothing is sent).
   */
  async sendcmd(line: string, options: CallOptions = {}): Promise<Reply> {
    checkCallOptions(ftpErrors, 'sendcmd', options);
    const command = FTPConnection.parse(line);
    return checkReply(await this.session.exchange(command, options.signal), command);
  }

  /** Sends a command that must succeed with 2xx (ftplib's voidcmd). */
  async voidcmd(line: string, options: CallOptions = {}): Promise<Reply> {
    checkCallOptions(ftpErrors, 'voidcmd', options);
    return expectSuccess(await this.sendcmd(line, options));
  }

  async #command(verb: string, argument: string | undefined, options: CallOptions): Promise<Reply> {
    return checkReply(await this.session.exchange({ verb, argument }, options.signal), { verb, argument });
  }

  /** Refuses a password other than anonymous's in the clear unless allowPlaintextAuth. */
  protected checkLogin(user: string, password: string): void {
    const anonymous = user === 'anonymous' || user === 'ftp';
    if (!this.secure && !anonymous && password !== '' && this.options.allowPlaintextAuth !== true) {
      throw new FTPUsageError('refusing to send a password over FTP without TLS: use FTP_TLS, or set allowPlaintextAuth');
    }
  }

  /** Logs in (USER, PASS, and ACCT when asked); returns the final reply text. */
  async login(user = 'anonymous', passwd = '', acct = '', options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'login', options);
    checkLine('the user name', user, ftpErrors);
    checkLine('the password', passwd, ftpErrors);
    checkLine('the account', acct, ftpErrors);
    this.checkLogin(user, passwd);
    // ftplib's anonymous default password.
    if (user === 'anonymous' && (passwd === '' || passwd === '-')) passwd = 'anonymous@';
    let reply = await this.#command('USER', user, options);
    if (reply.code >= 300 && reply.code < 400) reply = await this.#command('PASS', passwd, options);
    if (reply.code >= 300 && reply.code < 400) reply = await this.#command('ACCT', acct, options);
    if (reply.code < 200 || reply.code > 299) throw new FTPReplyError(reply.text, reply);
    // Some servers refuse FEAT before login (DrFTPD: jlaffaye/ftp#200): ask again now.
    this.#features = null;
    await this.afterLogin(options);
    return reply.text;
  }

  /** Runs once logged in (FTP_TLS: PBSZ 0 + PROT P). */
  protected async afterLogin(_options: CallOptions): Promise<void> {}

  /** FEAT: feature name (upper case) -> parameters. Cached until TLS starts or login; empty when FEAT is refused. */
  async feat(options: CallOptions = {}): Promise<Map<string, string>> {
    checkCallOptions(ftpErrors, 'feat', options);
    if (this.#features !== null) return this.#features;
    try {
      this.#features = parseFeat(await this.#command('FEAT', undefined, options));
    } catch (error) {
      if (!(error instanceof FTPPermError)) throw error;
      this.#features = new Map();
    }
    return this.#features;
  }

  /** Forgets what the server said before TLS started. */
  protected forgetFeatures(): void {
    this.#features = null;
  }

  /** OPTS UTF8 ON when the server offers UTF8 in FEAT; returns whether it is on. */
  async utf8(options: CallOptions = {}): Promise<boolean> {
    checkCallOptions(ftpErrors, 'utf8', options);
    if (!(await this.feat(options)).has('UTF8')) return false;
    try {
      expectSuccess(await this.#command('OPTS', 'UTF8 ON', options));
      return true;
    } catch (error) {
      if (error instanceof FTPPermError) return false;
      throw error;
    }
  }

  /** TYPE A (ASCII) or TYPE I (binary). */
  async setType(type: 'A' | 'I', options: CallOptions = {}): Promise<void> {
    checkCallOptions(ftpErrors, 'setType', options);
    if (this.#type === type) return;
    expectSuccess(await this.#command('TYPE', type, options));
    this.#type = type;
  }

  async cwd(dirname: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'cwd', options);
    if (dirname === '..') {
      try {
        return expectSuccess(await this.#command('CDUP', undefined, options)).text;
      } catch (error) {
        if (!(error instanceof FTPPermError) || error.replyCode !== 500) throw error;
      }
    }
    return expectSuccess(await this.#command('CWD', dirname === '' ? '.' : dirname, options)).text;
  }

  async pwd(options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'pwd', options);
    return parse257(expectSuccess(await this.#command('PWD', undefined, options)));
  }

  /** MKD; returns the created directory's path as the server names it. */
  async mkd(dirname: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'mkd', options);
    return parse257(expectSuccess(await this.#command('MKD', dirname, options)));
  }

  async rmd(dirname: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'rmd', options);
    return expectSuccess(await this.#command('RMD', dirname, options)).text;
  }

  async delete(filename: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'delete', options);
    return expectSuccess(await this.#command('DELE', filename, options)).text;
  }

  async rename(from: string, to: string, options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'rename', options);
    checkLine('the new name', to, ftpErrors);
    const reply = await this.#command('RNFR', from, options);
    if (reply.code < 300 || reply.code > 399) throw new FTPReplyError(reply.text, reply);
    return expectSuccess(await this.#command('RNTO', to, options)).text;
  }

  /** SIZE in bytes (of the file as transferred in binary mode; TYPE I is set first). */
  async size(filename: string, options: CallOptions = {}): Promise<number> {
    checkCallOptions(ftpErrors, 'size', options);
    checkLine('the file name', filename, ftpErrors);
    await this.setType('I', options);
    const value = parse213(await this.#command('SIZE', filename, options));
    const size = /^\d+$/.test(value) ? Number(value) : NaN;
    // Past 2^53 - 1 a number is no longer the size the server sent.
    if (!Number.isSafeInteger(size)) throw new FTPProtoError(`malformed SIZE reply ${JSON.stringify(value.slice(0, 40))}${Number.isNaN(size) ? '' : ' (above 2^53 - 1)'}`);
    return size;
  }

  /** MDTM: the file's modification time. */
  async mdtm(filename: string, options: CallOptions = {}): Promise<Date> {
    checkCallOptions(ftpErrors, 'mdtm', options);
    return parseTimeVal(parse213(await this.#command('MDTM', filename, options)));
  }

  /** MFMT: sets the modification time, when the server offers it in FEAT. */
  async mfmt(filename: string, time: Date, options: CallOptions = {}): Promise<Date> {
    checkCallOptions(ftpErrors, 'mfmt', options);
    // Both arguments are checked before FEAT: nothing goes out for a call that cannot be sent.
    checkLine('the file name', filename, ftpErrors);
    if (!(time instanceof Date) || Number.isNaN(time.getTime())) throw new FTPUsageError(`the time of mfmt() must be a valid Date, got ${describeValue(time)}; nothing was sent`);
    if (!(await this.feat(options)).has('MFMT')) throw new FTPUsageError('the server does not offer MFMT');
    const reply = expectSuccess(await this.#command('MFMT', `${formatTimeVal(time)} ${filename}`, options));
    const value = /Modify=(\d{14}(?:\.\d+)?)/i.exec(reply.text)?.[1];
    return value === undefined ? time : parseTimeVal(value);
  }

  /** NLST: names in the directory (or matching the arguments); a trailing `{ signal }` is allowed. */
  async nlst(...args: Array<string | CallOptions>): Promise<string[]> {
    return listing(this.#transfers, 'NLST', listingArgs('nlst', args), (line, budget) => (budget.charge(line.length), line));
  }

  /** LIST: the server's listing lines, unparsed (ftplib's dir). */
  async dir(...args: Array<string | CallOptions>): Promise<string[]> {
    return listing(this.#transfers, 'LIST', listingArgs('dir', args), (line, budget) => (budget.charge(line.length), line));
  }

  /** Alias of {@link dir}. */
  list(...args: Array<string | CallOptions>): Promise<string[]> {
    return this.dir(...args);
  }

  /**
   * MLSD: [name, facts] per entry, facts with lower-case names (asks for `facts` with OPTS MLST first).
   *
   * @throws FTPPermError from a server without MLSD saying so and what to use instead (nlst(), dir())
   *   when its FEAT has no MLST (vsftpd: "MLSD: 500 Unknown command. (…)")
   */
  async mlsd(path = '', facts: string[] = [], options: CallOptions = {}): Promise<Array<[string, Record<string, string>]>> {
    checkCallOptions(ftpErrors, 'mlsd', options);
    try {
      if (facts.length > 0) await this.#command('OPTS', `MLST ${facts.join(';')};`, options);
      return await listing(this.#transfers, 'MLSD', path === '' ? [options] : [path, options], mlsdEntry);
    } catch (error) {
      if (!(error instanceof FTPPermError) || (error.replyCode !== 500 && error.replyCode !== 501 && error.replyCode !== 502)) throw error;
      // Asked only now, on the way out: FEAT says whether the server has MLST/MLSD at all (RFC 3659 §7.8).
      const features = await this.feat(options).catch(() => null);
      if (features === null || features.has('MLST')) throw error;
      const reply = { code: error.replyCode, text: error.reply ?? '' };
      throw new FTPPermError(`${error.message} (this server's FEAT does not list MLST, so it has no MLSD: use nlst() for the names or dir() for LIST's lines)`, reply, { cause: error });
    }
  }

  /** What the next data connection needs (FTP_TLS with PROT P: TLS), or null. */
  protected dataTLS(): DataTLS | null {
    return null;
  }

  /** A PROT P data connection is over (FTP_TLS keeps a fresher session from it). */
  protected dataDone(_socket: TLSSocket): void {}

  /**
   * Opens a data connection for `command` (ftplib's ntransfercmd): returns it with the size the
   * server announced. Read or write it, close it, then read the final reply with `voidresp()`.
   */
  async ntransfercmd(command: string, rest?: number, options: CallOptions = {}): Promise<[DataChannel, number | null]> {
    checkCallOptions(ftpErrors, 'ntransfercmd', options);
    const { data, announced } = await openTransfer(this.#transfers.host, FTPConnection.parse(command), rest, options.signal, undefined);
    return [{ recv: () => data.io.recv(), send: (bytes) => data.io.send(bytes), close: () => data.close(false), tlsSocket: data.tlsSocket }, announced];
  }

  #begin(): AbortController {
    if (this.#transfer !== null) throw new FTPUsageError('a transfer is in progress on this connection; wait for it (or abort it) first');
    this.#transfer = new AbortController();
    return this.#transfer;
  }

  #end(controller: AbortController): void {
    if (this.#transfer === controller) this.#transfer = null;
  }

  /**
   * RETR-style binary download (ftplib's retrbinary) into `sink`; returns the final reply text. A
   * Writable sink is ended and its 'finish' awaited before this resolves (destroyed, without an
   * error, when the transfer fails), unless `options.end` is false.
   *
   * @throws FTPError subclasses for the replies and connections; FTPError "the sink … failed while finishing" (`cause` kept)
   */
  async retrbinary(command: string, sink: Sink, options: RetrieveOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'retrbinary', options, RETRIEVE_OPTIONS);
    return (await retrieveBinary(this.#transfers, FTPConnection.parse(command), sink, options)).text;
  }

  /** A text transfer (ftplib's retrlines): each line without its CRLF; returns the final reply text. */
  async retrlines(command: string, callback: (line: string) => void | Promise<void> = (line) => void console.log(line), options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'retrlines', options);
    return (await retrieveLines(this.#transfers, FTPConnection.parse(command), callback, options)).text;
  }

  /**
   * STOR-style binary upload (ftplib's storbinary) from `source`; returns the final reply text. A
   * stream source is listened to at once and must yield its first chunk (or end) before anything is
   * sent.
   *
   * @throws FTPError "the source failed before STOR was sent … nothing was sent" / "the source failed
   *   during STOR after N bytes" with the source's error as `cause` (ABOR sent first; the server may
   *   keep the part it got); FTPUsageError; the reply and connection errors
   */
  async storbinary(command: string, source: Source, options: TransferOptions = {}): Promise<string> {
    // The source is listened to before anything here can throw (storeBinary's `prepare`).
    return (await storeBinary(this.#transfers, () => (checkCallOptions(ftpErrors, 'storbinary', options, TRANSFER_OPTIONS), FTPConnection.parse(command)), source, options)).text;
  }

  /** A text upload (ftplib's storlines): every line end sent as CRLF; returns the final reply text. */
  async storlines(command: string, source: Source, options: CallOptions = {}): Promise<string> {
    return (await storeLines(this.#transfers, () => (checkCallOptions(ftpErrors, 'storlines', options), FTPConnection.parse(command)), source, options)).text;
  }

  /**
   * ftplib's abort(): stops the transfer in progress (ABOR; the connection stays usable), one of
   * this client's calls or one opened with {@link ntransfercmd} (ABOR with NOOP, the replies up to
   * NOOP's 200 discarded; close the data channel yourself), or sends ABOR when there is none.
   *
   * @throws FTPConnectionError when the server closes the connection instead of resynchronising;
   *   FTPProtoError for a reply to a lone ABOR other than 225, 226 or 426 (RFC 959 section 4.1.3)
   */
  async abort(options: CallOptions = {}): Promise<void> {
    checkCallOptions(ftpErrors, 'abort', options);
    if (this.#transfer !== null) {
      this.#transfer.abort(new DOMException('transfer aborted by abort()', 'AbortError'));
      return;
    }
    const state = this.state;
    if (state === 'TRANSFER' || state === 'TRANSFER_REQUESTED') {
      // A transfer the caller opened with ntransfercmd(): ABOR goes out with NOOP (the core's
      // RESYNC), and the replies up to NOOP's 200 (the transfer's 426/226, ABOR's 225/226, in
      // server-specific orders) are discarded; the connection is then back in step (break14:
      // reading one reply here failed with "resynchronised where a reply was awaited").
      await this.session.send({ verb: 'ABOR' }, options.signal);
      for (;;) {
        const event = await this.session.event(options.signal);
        if (event.type === 'resynced') return;
        if (event.type === 'closed') {
          await this.io.close(true);
          throw new FTPConnectionError('the server closed the connection after ABOR, before answering the NOOP sent with it');
        }
      }
    }
    const reply = await this.#command('ABOR', undefined, options);
    if (![225, 226, 426].includes(reply.code)) throw new FTPProtoError(reply.text, reply);
  }

  /**
   * QUIT, then close; a no-op (null) when not connected. A connection found lost on the way (the
   * server closed it, reset it or ended TLS without close_notify since the last call) is closed
   * and null returned: the failure that broke it is the one to report (`finally { await
   * ftp.quit(); }`), as close() never raises. A timeout, an abort or a protocol error still raise.
   */
  async quit(options: CallOptions = {}): Promise<string | null> {
    checkCallOptions(ftpErrors, 'quit', options);
    if (!this.io.connected) return null;
    try {
      return (await this.session.exchange({ verb: 'QUIT' }, options.signal)).text;
    } catch (error) {
      if (connectionLost(error)) return null;
      throw error;
    } finally {
      await this.close();
    }
  }

  /** Closes without QUIT (ends a transfer in progress); a no-op when closed. */
  async close(force = false): Promise<void> {
    // The call this ends rejects for its caller, who may await it only after this close()
    // (`return ftp.nlst()` in a try/finally): not an unhandled rejection.
    if (this.io.busy || this.#transfer !== null) this.calls.endedByClose();
    // The family's error, as a call waiting on the control connection gets from the kit (break16:
    // a transfer ended by close() rejected with a DOMException, no FTPError).
    this.#transfer?.abort(new FTPConnectionError('the connection was closed by close() while a call was in progress'));
    await this.io.close(force);
  }

  /** `await using ftp = ...`: QUIT when connected (errors ignored), then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.io.connected) await this.quit().catch(() => this.close(true));
  }
  static {
    trackCalls(FTP.prototype, ['connect', 'getresp', 'voidresp', 'sendcmd', 'voidcmd', 'login', 'feat', 'utf8', 'setType', 'cwd', 'pwd', 'mkd', 'rmd', 'delete', 'rename', 'size', 'mdtm', 'mfmt', 'nlst', 'dir', 'list', 'mlsd', 'ntransfercmd', 'retrbinary', 'retrlines', 'storbinary', 'storlines', 'abort', 'quit'], (ftp) => ftp.calls);
  }

}

/**
 * A listing verb's arguments (ftplib's `nlst(*args)`): words, then at most one options object last.
 *
 * @throws FTPUsageError for an argument that is neither, or options the call does not take (see
 *   checkCallOptions); nothing is sent.
 */
function listingArgs(call: string, args: Array<string | CallOptions>): Array<string | CallOptions> {
  args.forEach((arg, i) => {
    if (typeof arg === 'string') return;
    if (i === args.length - 1) checkCallOptions(ftpErrors, call, arg);
    else throw new FTPUsageError(`the arguments of ${call}() are strings (a path, or LIST/NLST arguments), then { signal } last; argument ${i + 1} is ${JSON.stringify(arg) ?? typeof arg}; nothing was sent`);
  });
  return args;
}
