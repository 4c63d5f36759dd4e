/**
 * ftplib's FTP and FTP_TLS, async, on any unitls TLS implementation; FTP_TLS also does implicit
 * FTPS. Replies are parsed in ./protocol (no I/O); data connections are in ./data.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import {
  ClientConnection,
  TLSChannel,
  TLSClientConfiguration,
  deadlineSignal,
  untilAborted,
  type Channel,
  type TLSImplementation,
  type TLSSession,
  type TLSSocket,
} from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { ActiveListener, dataChannel, dial, type DataTLS } from './data.js';
import { FTPError, FTPPermError, FTPProtoError, FTPReplyError, FTPUsageError } from './errors.js';
import {
  checkArgument,
  formatTimeVal,
  parse150,
  parse213,
  parse227,
  parse229,
  parse257,
  parseFeat,
  parseMlsxLine,
  parseTimeVal,
  portCommand,
} from './protocol/parse.js';
import { ReplyParser, checkReply, expectSuccess, type Reply } from './protocol/replies.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const BLOCK_SIZE = 64 * 1024;

/** Options shared by FTP and FTP_TLS. */
export interface FTPOptions {
  host?: string;
  port?: number;
  /** Milliseconds allowed for connecting, for each reply, and for each silence in a transfer (default 30 000). */
  timeout?: number;
  signal?: AbortSignal;
  /** Passive mode (EPSV, then PASV) when true (default); active mode (EPRT/PORT) when false. */
  passive?: boolean;
  /**
   * Use the address in a PASV reply instead of the control connection's peer. Off by default: a
   * hostile server could point the client anywhere (ftplib's CVE-2021-4189 lesson).
   */
  trustPasvHost?: boolean;
  /** Longest reply or listing line accepted (default 8192). */
  maxLineLength?: number;
  /** Largest reply accepted, all lines together (default 1 MiB). */
  maxReplySize?: number;
}

/** Options of the plain FTP class. */
export interface FTPPlainOptions extends FTPOptions {
  /** Allow a password other than anonymous's over this unencrypted connection (never the default). */
  allowPlaintextAuth?: boolean;
}

/** Options of FTP_TLS. */
export interface FTP_TLSOptions extends FTPOptions {
  /** Implicit FTPS (TLS from the first byte, port 990 style) instead of AUTH TLS. */
  implicit?: boolean;
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  /** The name the certificate must match, on the control and data connections (default: host). */
  serverHostname?: string;
  /** Data connections after login: 'private' (PROT P, the default) or 'clear' (PROT C). */
  dataProtection?: 'private' | 'clear';
}

/** Progress of a transfer: bytes so far, and the total when known (SIZE, the 150 reply, or the source). */
export interface TransferProgress {
  readonly bytes: number;
  readonly total: number | null;
}

export interface TransferOptions {
  /** Restart offset (REST) for resuming. */
  rest?: number;
  /** Read size for downloads, chunk size for uploads from a Uint8Array (default 64 KiB). */
  blocksize?: number;
  onProgress?: (progress: TransferProgress) => void;
  /** The upload's total size, for progress, when the source cannot tell. */
  total?: number;
  /** Aborts the transfer (ABOR); the transfer call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What a download delivers to: a callback (awaited, so it can apply backpressure) or a Node Writable. */
export type Sink = ((chunk: Uint8Array) => void | Promise<void>) | Writable;
/** What an upload reads from: bytes, a string, an async iterable of chunks, or a Node Readable. */
export type Source = Uint8Array | string | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * ftplib.FTP: plain FTP (passwords other than anonymous's refused unless allowPlaintextAuth), and
 * the base of FTP_TLS.
 */
export class FTP implements AsyncDisposable {
  protected readonly options: FTPOptions;
  protected readonly connection: ClientConnection;
  readonly #implicitTls: boolean;
  #parser: ReplyParser;
  #replies: Reply[] = [];
  #welcome = '';
  #features: Map<string, string> | null = null;
  #type: 'A' | 'I' | null = null;
  #epsvRefused = false;
  #transfer: AbortController | null = null;
  #busy = false;

  /** `tls` is for FTP_TLS; plain FTP leaves it out. */
  constructor(options: FTPPlainOptions = {}, tls: { implicit: boolean; implementation?: TLSImplementation | undefined; configuration?: TLSClientConfiguration | undefined; serverHostname?: string | undefined } = { implicit: false }) {
    this.options = options;
    this.#implicitTls = tls.implicit;
    this.#parser = new ReplyParser(options);
    this.connection = new ClientConnection({
      context: () => new (tls.implementation ?? nodeImplementation).clientContext(tls.configuration ?? new TLSClientConfiguration()),
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal,
      serverHostname: tls.serverHostname,
    });
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
    return this.connection.secure;
  }

  /** The control connection's TLS socket, when there is one. */
  get tlsSocket(): TLSSocket | null {
    return this.connection.tlsSocket;
  }

  protected get timeout(): number {
    return this.options.timeout ?? DEFAULT_TIMEOUT_MS;
  }

  protected get defaultPort(): number {
    return this.#implicitTls ? 990 : 21;
  }

  /** Passive (true) or active (false) data connections, as ftplib's set_pasv. */
  setPasv(passive: boolean): void {
    (this.options as { passive?: boolean }).passive = passive;
  }

  /** Connects and reads the greeting. */
  async connect(host = this.options.host ?? 'localhost', port = this.options.port ?? this.defaultPort): Promise<string> {
    if (this.connection.connected) throw new FTPUsageError('already connected');
    this.#parser = new ReplyParser(this.options);
    this.#replies = [];
    this.#features = null;
    this.#type = null;
    await this.connection.open(host, port, this.#implicitTls);
    try {
      let greeting = await this.getresp();
      while (greeting.code < 200) greeting = await this.getresp(); // 120 "ready in n minutes"
      this.#welcome = expectSuccess(greeting).text;
    } catch (error) {
      await this.close();
      throw error;
    }
    return this.#welcome;
  }

  /** The next reply; 4xx and 5xx raise (ftplib's getresp). */
  async getresp(): Promise<Reply> {
    return checkReply(await this.#reply());
  }

  /** The next reply, which must be 2xx (ftplib's voidresp). */
  async voidresp(): Promise<Reply> {
    return expectSuccess(await this.#reply());
  }

  async #reply(): Promise<Reply> {
    if (!this.connection.connected) throw new FTPError('not connected: run connect() first');
    try {
      while (this.#replies.length === 0) {
        const data = await this.connection.recv();
        if (data.length === 0) {
          throw new FTPProtoError(this.#parser.inReply ? 'the server closed the connection in the middle of a reply' : 'the server closed the connection');
        }
        this.#replies.push(...this.#parser.feed(data));
      }
    } catch (error) {
      await this.close(true);
      throw error;
    }
    return this.#replies.shift()!;
  }

  /** Bytes and replies received but not yet consumed (must be none before TLS starts). */
  protected get pending(): number {
    return this.#replies.length + this.#parser.buffered;
  }

  /** Forgets what the server said before TLS started. */
  protected forgetPlaintextState(): void {
    this.#features = null;
  }

  protected async putcmd(line: string): Promise<void> {
    if (!this.connection.connected) throw new FTPError('not connected: run connect() first');
    checkArgument('the command', line);
    await this.connection.send(Buffer.from(`${line}\r\n`, 'utf8'));
  }

  /** Sends a command and returns its reply (ftplib's sendcmd; 4xx/5xx raise). */
  async sendcmd(line: string): Promise<Reply> {
    this.#idle();
    await this.putcmd(line);
    return this.getresp();
  }

  /** Sends a command that must succeed with 2xx (ftplib's voidcmd). */
  async voidcmd(line: string): Promise<Reply> {
    this.#idle();
    await this.putcmd(line);
    return this.voidresp();
  }

  #idle(): void {
    if (this.#busy) throw new FTPUsageError('a transfer is in progress on this connection; wait for it (or abort it) first');
  }

  /** Refuses a password other than anonymous's in the clear unless allowPlaintextAuth. */
  protected checkLogin(user: string, password: string): void {
    const anonymous = user === 'anonymous' || user === 'ftp';
    if (!anonymous && password !== '' && (this.options as FTPPlainOptions).allowPlaintextAuth !== true) {
      throw new FTPUsageError('refusing to send a password over FTP without TLS: use FTP_TLS, or set allowPlaintextAuth');
    }
  }

  /** Logs in (USER, PASS, and ACCT when asked); returns the final reply text. */
  async login(user = 'anonymous', passwd = '', acct = ''): Promise<string> {
    checkArgument('the user name', user);
    checkArgument('the password', passwd);
    checkArgument('the account', acct);
    this.checkLogin(user, passwd);
    // ftplib's anonymous default password.
    if (user === 'anonymous' && (passwd === '' || passwd === '-')) passwd = 'anonymous@';
    let reply = await this.sendcmd(`USER ${user}`);
    if (reply.code >= 300 && reply.code < 400) reply = await this.sendcmd(`PASS ${passwd}`);
    if (reply.code >= 300 && reply.code < 400) reply = await this.sendcmd(`ACCT ${acct}`);
    if (reply.code < 200 || reply.code > 299) throw new FTPReplyError(reply.text, reply);
    await this.afterLogin();
    return reply.text;
  }

  /** Runs once logged in (FTP_TLS: PROT P). */
  protected async afterLogin(): Promise<void> {}

  /** FEAT: feature name (upper case) -> parameters. Cached until TLS starts; empty when FEAT is refused. */
  async feat(): Promise<Map<string, string>> {
    if (this.#features !== null) return this.#features;
    try {
      this.#features = parseFeat(await this.sendcmd('FEAT'));
    } catch (error) {
      if (!(error instanceof FTPPermError)) throw error;
      this.#features = new Map();
    }
    return this.#features;
  }

  /** OPTS UTF8 ON when the server offers UTF8 in FEAT; returns whether it is on. */
  async utf8(): Promise<boolean> {
    if (!(await this.feat()).has('UTF8')) return false;
    try {
      await this.voidcmd('OPTS UTF8 ON');
      return true;
    } catch (error) {
      if (error instanceof FTPPermError) return false;
      throw error;
    }
  }

  /** TYPE A (ASCII) or TYPE I (binary). */
  async setType(type: 'A' | 'I'): Promise<void> {
    if (this.#type === type) return;
    await this.voidcmd(`TYPE ${type}`);
    this.#type = type;
  }

  async cwd(dirname: string): Promise<string> {
    if (dirname === '..') {
      try {
        return (await this.voidcmd('CDUP')).text;
      } catch (error) {
        if (!(error instanceof FTPPermError) || error.replyCode !== 500) throw error;
      }
    }
    return (await this.voidcmd(`CWD ${dirname === '' ? '.' : dirname}`)).text;
  }

  async pwd(): Promise<string> {
    return parse257(await this.voidcmd('PWD'));
  }

  /** MKD; returns the created directory's path as the server names it. */
  async mkd(dirname: string): Promise<string> {
    return parse257(await this.voidcmd(`MKD ${dirname}`));
  }

  async rmd(dirname: string): Promise<string> {
    return (await this.voidcmd(`RMD ${dirname}`)).text;
  }

  async delete(filename: string): Promise<string> {
    return (await this.voidcmd(`DELE ${filename}`)).text;
  }

  async rename(from: string, to: string): Promise<string> {
    checkArgument('the new name', to);
    const reply = await this.sendcmd(`RNFR ${from}`);
    if (reply.code < 300 || reply.code > 399) throw new FTPReplyError(reply.text, reply);
    return (await this.voidcmd(`RNTO ${to}`)).text;
  }

  /** SIZE in bytes (of the file as transferred in binary mode; TYPE I is set first). */
  async size(filename: string): Promise<number> {
    await this.setType('I');
    const value = parse213(await this.sendcmd(`SIZE ${filename}`));
    if (!/^\d+$/.test(value)) throw new FTPProtoError(`malformed SIZE reply ${JSON.stringify(value)}`);
    return Number(value);
  }

  /** MDTM: the file's modification time. */
  async mdtm(filename: string): Promise<Date> {
    return parseTimeVal(parse213(await this.sendcmd(`MDTM ${filename}`)));
  }

  /** MFMT: sets the modification time, when the server offers it in FEAT. */
  async mfmt(filename: string, time: Date): Promise<Date> {
    if (!(await this.feat()).has('MFMT')) throw new FTPUsageError('the server does not offer MFMT');
    const reply = expectSuccess(await this.sendcmd(`MFMT ${formatTimeVal(time)} ${checkArgument('the file name', filename)}`));
    const value = /Modify=(\d{14}(?:\.\d+)?)/i.exec(reply.text)?.[1];
    return value === undefined ? time : parseTimeVal(value);
  }

  /** NLST: names in the directory (or matching the arguments). */
  async nlst(...args: string[]): Promise<string[]> {
    const names: string[] = [];
    await this.retrlines(['NLST', ...args].join(' '), (line) => void names.push(line));
    return names;
  }

  /** LIST: the server's listing lines, unparsed (ftplib's dir). */
  async dir(...args: string[]): Promise<string[]> {
    const lines: string[] = [];
    await this.retrlines(['LIST', ...args].join(' '), (line) => void lines.push(line));
    return lines;
  }

  /** Alias of {@link dir}. */
  list(...args: string[]): Promise<string[]> {
    return this.dir(...args);
  }

  /** MLSD: [name, facts] per entry, facts with lower-case names (asks for `facts` with OPTS MLST first). */
  async mlsd(path = '', facts: string[] = []): Promise<Array<[string, Record<string, string>]>> {
    if (facts.length > 0) await this.sendcmd(`OPTS MLST ${facts.join(';')};`);
    const entries: Array<[string, Record<string, string>]> = [];
    await this.retrlines(path === '' ? 'MLSD' : `MLSD ${path}`, (line) => void entries.push(parseMlsxLine(line)));
    return entries;
  }

  // ---------- data connections ----------

  /** What TLS the next data connection needs (FTP_TLS with PROT P), or null. */
  protected dataTLS(): DataTLS | null {
    return null;
  }

  /** Called with the data connection's TLS socket when the transfer is over (FTP_TLS keeps its session). */
  protected dataDone(channel: Channel, reply: Reply | null): void {
    void channel;
    void reply;
  }

  async #passiveAddress(): Promise<{ host: string; port: number }> {
    const peer = this.connection.remoteAddress();
    if (peer === null) throw new FTPError('not connected');
    if (!this.#epsvRefused) {
      try {
        return { host: peer.host, port: parse229(await this.sendcmd('EPSV')) };
      } catch (error) {
        if (!(error instanceof FTPPermError)) throw error;
        this.#epsvRefused = true; // remembered: old servers answer 500/502
      }
    }
    const offered = parse227(await this.sendcmd('PASV'));
    return this.options.trustPasvHost === true ? offered : { host: peer.host, port: offered.port };
  }

  /**
   * Opens a data connection for `command` (ftplib's ntransfercmd): returns it with the size the
   * server announced. The caller reads or writes it, closes it, then reads the final reply.
   */
  async ntransfercmd(command: string, rest?: number, signal?: AbortSignal): Promise<[Channel, number | null]> {
    checkArgument('the command', command);
    const active = this.options.passive === false;
    const local = this.connection.localAddress();
    const peer = this.connection.remoteAddress();
    if (local === null || peer === null) throw new FTPError('not connected: run connect() first');
    let socket: import('node:net').Socket | null = null;
    let listener: ActiveListener | null = null;
    let channel: Promise<Channel> | null = null;
    // The data handshake starts as soon as the connection exists: some servers (ftp-srv) send the
    // 1xx only once it is done, others (vsftpd) only after the 1xx; starting early suits both.
    const secure = (connected: import('node:net').Socket) => {
      channel = dataChannel(connected, this.dataTLS(), this.timeout, signal);
      channel.catch(() => {});
    };
    try {
      if (active) {
        listener = await ActiveListener.listen(local.host, peer.host);
        await this.voidcmd(portCommand(local.host, listener.port));
      } else {
        const { host, port } = await this.#passiveAddress();
        socket = await dial(host, port, this.timeout, signal);
        secure(socket);
      }
      if (rest !== undefined) {
        const reply = await this.sendcmd(`REST ${rest}`);
        if (reply.code < 300 || reply.code > 399) throw new FTPReplyError(reply.text, reply);
      }
      let reply = await this.sendcmd(command);
      // Some servers send 2xx before the 1xx (ftplib tolerates it).
      if (reply.code >= 200 && reply.code < 300) reply = await this.getresp();
      if (reply.code >= 200) throw new FTPReplyError(reply.text, reply);
      if (listener !== null) {
        socket = await listener.accept(this.timeout, signal);
        secure(socket);
      }
      return [await channel!, parse150(reply)];
    } catch (error) {
      socket?.destroy();
      throw error;
    } finally {
      listener?.close();
    }
  }

  /** Runs one transfer: opens the data connection, `work`s on it, closes it, reads the final reply. */
  async #transferWith(command: string, options: TransferOptions, work: (channel: Channel, total: number | null, signal: AbortSignal) => Promise<void>): Promise<Reply> {
    this.#idle();
    const controller = new AbortController();
    const stop = () => controller.abort(options.signal?.reason ?? new FTPError('transfer aborted'));
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop();
    this.#transfer = controller;
    let channel: Channel | null = null;
    // Set while the server still owes the transfer's final reply.
    let owed = false;
    try {
      const [opened, announced] = await this.ntransfercmd(command, options.rest, controller.signal);
      channel = opened;
      owed = true;
      this.#busy = true;
      await work(channel, announced, controller.signal);
      await untilAborted(channel.close(), deadlineSignal(controller.signal, this.timeout), () => void channel?.close(true));
      this.#busy = false;
      owed = false;
      const reply = await this.#reply();
      this.dataDone(channel, reply);
      return this.#explain(reply, channel);
    } catch (error) {
      this.#busy = false;
      await channel?.close(true);
      // Whatever stopped the transfer (abort, timeout, a bad listing line, the sink throwing), the
      // control connection must not be left with its replies pending.
      if (owed && this.connection.connected) await this.#abortTransfer();
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      this.#transfer = null;
    }
  }

  /** The final reply of a transfer, with a hint when a TLS session reuse requirement is the cause. */
  #explain(reply: Reply, channel: Channel): Reply {
    if (reply.code >= 400 && channel instanceof TLSChannel && !channel.socket.sessionReused) {
      const why = `${reply.text} (the data connection did not resume the control connection's TLS session; servers that require session reuse refuse such transfers${
        (this.connection.tlsSocket?.session?.() ?? null) === null ? ' — this implementation offered no session to resume' : ''
      })`;
      throw reply.code >= 500 ? new FTPPermError(why, reply) : new FTPError(why, reply);
    }
    return expectSuccess(reply);
  }

  /**
   * After the data connection was dropped mid-transfer: ABOR, then NOOP, and every reply up to
   * NOOP's 200 is discarded (the transfer's 426/226 and ABOR's 225/226 come in server-specific
   * numbers and orders; NOOP's answer is the one reply known to come last). Closes the connection
   * when the server does not resynchronise.
   */
  async #abortTransfer(): Promise<void> {
    try {
      await this.putcmd('ABOR');
      await this.putcmd('NOOP');
      for (let i = 0; i < 8; i++) if ((await this.#reply()).code === 200) return;
      throw new FTPProtoError('the server did not resynchronise after ABOR');
    } catch {
      await this.close(true);
    }
  }

  /** ftplib's abort(): stops the transfer in progress (or sends ABOR when there is none). */
  async abort(): Promise<void> {
    if (this.#transfer !== null) {
      this.#transfer.abort(new FTPError('transfer aborted'));
      return;
    }
    const reply = await this.sendcmd('ABOR');
    if (![225, 226, 426].includes(reply.code)) throw new FTPProtoError(reply.text, reply);
  }

  /** Reads a data channel until EOF (bounded silences), handing each chunk on. */
  async #drain(channel: Channel, blocksize: number, signal: AbortSignal, each: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
    await using guard = new Watchdog(channel, this.timeout, signal);
    for (;;) {
      const chunk = await guard.check(channel.recv(blocksize));
      if (chunk.length === 0) return guard.finish();
      guard.touch();
      await guard.outside(() => each(chunk));
    }
  }

  /** RETR-style binary download (ftplib's retrbinary) into `sink`; returns the final reply text. */
  async retrbinary(command: string, sink: Sink, options: TransferOptions = {}): Promise<string> {
    await this.setType('I');
    const write = toWriter(sink);
    let total: number | null = null;
    if (options.onProgress !== undefined && /^RETR /i.test(command) && (await this.feat()).has('SIZE')) {
      total = await this.size(command.slice(5)).catch(() => null);
    }
    const reply = await this.#transferWith(command, options, async (channel, announced, signal) => {
      total ??= announced === null ? null : announced + (options.rest ?? 0);
      let bytes = 0;
      await this.#drain(channel, options.blocksize ?? BLOCK_SIZE, signal, async (chunk) => {
        await write(chunk);
        bytes += chunk.length;
        options.onProgress?.({ bytes, total });
      });
    });
    return reply.text;
  }

  /** A text transfer (ftplib's retrlines): each line without its CRLF; returns the final reply text. */
  async retrlines(command: string, callback: (line: string) => void | Promise<void> = (line) => void console.log(line)): Promise<string> {
    await this.setType('A');
    const max = this.options.maxLineLength ?? 8192;
    const reply = await this.#transferWith(command, {}, async (channel, _total, signal) => {
      let pending: Buffer = Buffer.alloc(0);
      await this.#drain(channel, BLOCK_SIZE, signal, async (chunk) => {
        pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
        for (let end = pending.indexOf(0x0a); end >= 0; end = pending.indexOf(0x0a)) {
          const line = pending.subarray(0, end > 0 && pending[end - 1] === 0x0d ? end - 1 : end);
          pending = pending.subarray(end + 1);
          if (line.length > max) throw new FTPProtoError(`the server sent a listing line longer than ${max} bytes`);
          await callback(line.toString('utf8'));
        }
        if (pending.length > max + 1) throw new FTPProtoError(`the server sent a listing line longer than ${max} bytes`);
      });
      if (pending.length > 0) await callback(pending.toString('utf8'));
    });
    return reply.text;
  }

  /** STOR-style binary upload (ftplib's storbinary) from `source`; returns the final reply text. */
  async storbinary(command: string, source: Source, options: TransferOptions = {}): Promise<string> {
    await this.setType('I');
    const total = options.total ?? (typeof source === 'string' ? Buffer.byteLength(source) : source instanceof Uint8Array ? source.length : null);
    const reply = await this.#transferWith(command, options, async (channel, _announced, signal) => {
      let bytes = 0;
      await using guard = new Watchdog(channel, this.timeout, signal);
      const pieces = chunks(source, options.blocksize ?? BLOCK_SIZE);
      for (;;) {
        const next = await guard.outside(() => pieces.next());
        if (next.done === true) break;
        const chunk = next.value;
        await guard.check(channel.send(chunk));
        guard.touch();
        bytes += chunk.length;
        options.onProgress?.({ bytes, total });
      }
    });
    return reply.text;
  }

  /** A text upload (ftplib's storlines): every line end sent as CRLF; returns the final reply text. */
  async storlines(command: string, source: Source): Promise<string> {
    await this.setType('A');
    const reply = await this.#transferWith(command, {}, async (channel, _announced, signal) => {
      let carry = '';
      await using guard = new Watchdog(channel, this.timeout, signal);
      const flush = async (text: string) => {
        await guard.check(channel.send(Buffer.from(text, 'utf8')));
        guard.touch();
      };
      for await (const chunk of chunks(source, BLOCK_SIZE)) {
        const text = carry + Buffer.from(chunk).toString('utf8');
        const last = text.lastIndexOf('\n');
        carry = text.slice(last + 1);
        if (last >= 0) await flush(text.slice(0, last + 1).replace(/\r?\n/g, '\r\n'));
      }
      if (carry !== '') await flush(`${carry}\r\n`);
    });
    return reply.text;
  }

  /** QUIT, then close. */
  async quit(): Promise<string> {
    try {
      return (await this.voidcmd('QUIT')).text;
    } finally {
      await this.close();
    }
  }

  async close(force = false): Promise<void> {
    this.#transfer?.abort(new FTPError('connection closed'));
    await this.connection.close(force);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Bounds the silences of a data transfer and stops it on abort by dropping the channel — one
 * timer refreshed per chunk, not a deadline per read, because transfers run thousands of reads.
 */
class Watchdog implements AsyncDisposable {
  readonly #channel: Channel;
  readonly #signal: AbortSignal;
  readonly #timer: ReturnType<typeof setTimeout>;
  #reason: unknown = null;
  #outside = false;
  readonly #onAbort = () => this.#stop(this.#signal.reason);

  constructor(channel: Channel, timeout: number, signal: AbortSignal) {
    this.#channel = channel;
    this.#signal = signal;
    this.#timer = setTimeout(() => {
      // Time spent in the caller's sink or source is not the server's silence.
      if (this.#outside) this.#timer.refresh();
      else this.#stop(new DOMException(`the data connection was silent for ${timeout} ms`, 'TimeoutError'));
    }, timeout);
    signal.addEventListener('abort', this.#onAbort, { once: true });
    if (signal.aborted) this.#onAbort();
  }

  #stop(reason: unknown): void {
    this.#reason ??= reason;
    void this.#channel.close(true);
  }

  /** Progress was made: the silence starts again. */
  touch(): void {
    this.#timer.refresh();
  }

  /** Runs the caller's code (sink or source) with the clock stopped. */
  async outside<T>(work: () => Promise<T> | T): Promise<T> {
    this.#outside = true;
    try {
      return await work();
    } finally {
      this.#outside = false;
      this.#timer.refresh();
    }
  }

  /** Awaits `work`; if the watchdog fired meanwhile, its reason wins over the channel's error. */
  async check<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      this.finish();
      return result;
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  /** Throws the watchdog's reason if it fired (a dropped channel reads as a clean end). */
  finish(): void {
    if (this.#reason !== null) throw this.#reason;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearTimeout(this.#timer);
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

function toWriter(sink: Sink): (chunk: Uint8Array) => Promise<void> | void {
  if (typeof sink === 'function') return sink;
  return (chunk) => {
    if (sink.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        sink.off('drain', done);
        sink.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      sink.once('drain', done);
      sink.once('error', done);
    });
  };
}

async function* chunks(source: Source, blocksize: number): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') source = Buffer.from(source, 'utf8');
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.length; i += blocksize) yield source.subarray(i, i + blocksize);
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/**
 * ftplib.FTP_TLS, done safely: AUTH TLS right after the greeting (nothing, not even USER, goes in
 * the clear; a refusal closes the connection), or implicit TLS; PROT P after login by default;
 * data connections verified against the control connection's name and resuming its session.
 */
export class FTP_TLS extends FTP {
  #private = false;
  #session: TLSSession | null = null;

  constructor(options: FTP_TLSOptions = {}) {
    super(options, { implicit: options.implicit ?? false, implementation: options.implementation, configuration: options.configuration, serverHostname: options.serverHostname });
  }

  get #tlsOptions(): FTP_TLSOptions {
    return this.options as FTP_TLSOptions;
  }

  /** Connects, reads the greeting and (explicit mode) runs AUTH TLS. */
  override async connect(host?: string, port?: number): Promise<string> {
    const welcome = await super.connect(host, port);
    this.#private = false;
    this.#session = null;
    if (!this.secure) await this.auth();
    return welcome;
  }

  /** AUTH TLS: requires 234; bytes sent before the handshake are refused; FEAT is asked again afterwards. */
  async auth(): Promise<string> {
    if (this.secure) throw new FTPUsageError('the connection already uses TLS');
    let reply: Reply;
    try {
      reply = await this.sendcmd('AUTH TLS');
      if (reply.code !== 234) throw new FTPReplyError(`AUTH TLS was not accepted (${reply.text}); refusing to continue without TLS`, reply);
    } catch (error) {
      await this.close();
      throw error instanceof FTPReplyError ? error : new FTPError(`the server refused AUTH TLS; refusing to continue without TLS: ${(error as Error).message}`, null, { cause: error });
    }
    await this.connection.upgrade(this.pending);
    this.forgetPlaintextState();
    return reply.text;
  }

  protected override checkLogin(): void {
    if (!this.secure) throw new FTPUsageError('refusing to log in before TLS: connect() runs AUTH TLS first');
  }

  protected override async afterLogin(): Promise<void> {
    if ((this.#tlsOptions.dataProtection ?? 'private') === 'private') await this.protP();
  }

  /** PBSZ 0 + PROT P: data connections use TLS. */
  async protP(): Promise<void> {
    await this.voidcmd('PBSZ 0');
    await this.voidcmd('PROT P');
    this.#private = true;
  }

  /** PROT C: data connections in the clear (an explicit choice). */
  async protC(): Promise<void> {
    await this.voidcmd('PROT C');
    this.#private = false;
  }

  /** Whether data connections use TLS (PROT P). */
  get dataProtected(): boolean {
    return this.#private;
  }

  protected override dataTLS(): DataTLS | null {
    if (!this.#private) return null;
    // The control connection's latest session (TLS 1.3 tickets come after the handshake).
    const session = this.#session ?? this.tlsSocket?.session?.() ?? null;
    return { context: this.connection.context, serverHostname: this.connection.serverHostname, session };
  }

  protected override dataDone(channel: Channel): void {
    // A resumed data connection may hand out a fresher ticket than the control connection's.
    if (channel instanceof TLSChannel) this.#session = channel.socket.session?.() ?? this.#session;
  }
}
