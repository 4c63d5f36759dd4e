/**
 * ftplib's FTP_TLS, done safely: AUTH TLS right after the greeting (nothing, not even USER, goes in
 * the clear; a refusal closes the connection), or implicit TLS; PROT P after login by default; data
 * connections verified against the control connection's name and resuming its session.
 *
 * @module
 */
import type { TLSSession, TLSSocket } from '@unitls/tls-core';
import { checkCallOptions, checkClientOptions, trackCalls } from '@unitls/client-kit';
import { FTP, SECURITIES } from './client.js';
import type { DataTLS } from './data.js';
import { FTPError, FTPReplyError, FTPUsageError, expectSuccess, ftpErrors } from './errors.js';
import { FTP_TLS_OPTION_NAMES, type CallOptions, type FTP_TLSOptions } from './options.js';

/** ftplib.FTP_TLS. @example see the package README. */
export class FTP_TLS extends FTP {
  #private = false;
  #session: TLSSession | null = null;

  constructor(options: FTP_TLSOptions = {}) {
    options = checkClientOptions(ftpErrors, 'FTP_TLS', options, SECURITIES, FTP_TLS_OPTION_NAMES);
    super(options, {
      names: FTP_TLS_OPTION_NAMES,
      security: options.security ?? (options.implicit === true ? 'implicit' : 'starttls'),
      implementation: options.implementation,
      configuration: options.configuration,
      serverHostname: options.serverHostname,
    });
  }

  get #tlsOptions(): FTP_TLSOptions {
    return this.options as FTP_TLSOptions;
  }

  protected override async afterGreeting(options: CallOptions): Promise<void> {
    this.#private = false;
    this.#session = null;
    if (this.security === 'starttls') await this.auth(options);
  }

  /**
   * AUTH TLS (RFC 4217 §4): requires 234; bytes sent before the handshake are refused; FEAT is asked
   * again afterwards.
   *
   * @throws FTPReplyError when the server does not answer 234, StartTlsInjectionError, a TLSError
   *   from the handshake; the connection is closed in every case.
   */
  async auth(options: CallOptions = {}): Promise<string> {
    checkCallOptions(ftpErrors, 'auth', options);
    if (this.secure) throw new FTPUsageError('the connection already uses TLS');
    let reply;
    try {
      reply = await this.session.exchange({ verb: 'AUTH', argument: 'TLS' }, options.signal);
    } catch (error) {
      await this.close(true);
      throw error instanceof FTPError ? error : new FTPError(`AUTH TLS failed; refusing to continue without TLS: ${(error as Error)?.message ?? error}`, null, { cause: error });
    }
    if (reply.code !== 234) {
      await this.close(true);
      throw new FTPReplyError(`AUTH TLS was not accepted (${reply.text}); refusing to continue without TLS`, reply);
    }
    const core = this.session.core;
    await this.io.upgrade(core.buffered, options.signal);
    core.startedTls();
    this.forgetFeatures();
    return reply.text;
  }

  protected override checkLogin(user: string, password: string): void {
    if (!this.secure && this.security !== 'plaintext') throw new FTPUsageError('refusing to log in before TLS: connect() runs AUTH TLS first');
    super.checkLogin(user, password);
  }

  protected override async afterLogin(options: CallOptions): Promise<void> {
    if (this.secure && (this.#tlsOptions.dataProtection ?? 'private') === 'private') await this.protP(options);
  }

  /** PBSZ 0 + PROT P: data connections use TLS (RFC 4217 §9). */
  async protP(options: CallOptions = {}): Promise<void> {
    checkCallOptions(ftpErrors, 'protP', options);
    await this.voidcmd('PBSZ 0', options);
    await this.voidcmd('PROT P', options);
    this.#private = true;
  }

  /** PROT C: data connections in the clear (an explicit choice). */
  async protC(options: CallOptions = {}): Promise<void> {
    checkCallOptions(ftpErrors, 'protC', options);
    expectSuccess(await this.voidcmd('PROT C', options));
    this.#private = false;
  }

  /** Whether data connections use TLS (PROT P). */
  get dataProtected(): boolean {
    return this.#private;
  }

  protected override dataTLS(): DataTLS | null {
    if (!this.#private) return null;
    // The latest session: TLS 1.3 tickets come after the handshake, and a resumed data
    // connection may hand out a fresher one than the control connection's.
    return { context: this.io.context, serverHostname: this.io.serverHostname, session: () => this.#session ?? this.tlsSocket?.session?.() ?? null };
  }

  protected override dataDone(socket: TLSSocket): void {
    this.#session = socket.session?.() ?? this.#session;
  }

  static {
    // As FTP's calls: close() during one of these is not an unhandled rejection.
    trackCalls(FTP_TLS.prototype, ['auth', 'protP', 'protC'], (ftp) => ftp.calls);
  }
}
