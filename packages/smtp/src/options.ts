/**
 * The options of SMTP and SMTP_SSL: the one client shape of the unitls mail and FTP clients
 * (issue #18), with every bound in one `limits` object.
 *
 * @module
 */
import { SHARED_OPTION_NAMES, optionNames, type ClientOptionNames, type SaslLimits, type Security, type TransportFactory } from '@unitls/client-kit';
import type { TLSClientConfiguration, TLSImplementation } from '@unitls/tls-core';
import type { ReplyLimits } from './protocol/reply.js';

/** Every bound on what the server can make the client hold or compute. */
export interface SMTPLimits extends ReplyLimits, SaslLimits {}

/** Options of SMTP and SMTP_SSL. */
export interface SMTPOptions {
  /** Default 'localhost'. */
  host?: string;
  /** Default 25, or 465 with implicit TLS. */
  port?: number;
  /**
   * 'starttls' (default for SMTP): TLS is required; connect() upgrades at once and fails when the
   * server cannot. 'implicit' (SMTP_SSL): TLS from the first byte. 'plaintext': no TLS unless
   * starttls() is called, an explicit opt-in.
   */
  security?: Security;
  /** Allow AUTH over a connection without TLS (never the default). */
  allowPlaintextAuth?: boolean;
  /** The name sent with EHLO/HELO (default: this machine's name). */
  localHostname?: string;
  /**
   * Milliseconds allowed for each operation as a whole — connecting, each reply, each write
   * (default 30 000; Infinity for none). A server dripping bytes cannot stretch it.
   */
  timeout?: number;
  /** Aborts whatever is in progress and closes the connection, for the client's whole life. */
  signal?: AbortSignal;
  /** The TLS implementation (default @unitls/tls-node). */
  implementation?: TLSImplementation;
  /** TLS settings (default: secure defaults with the system trust store). */
  configuration?: TLSClientConfiguration;
  /** The name the certificate must match (default: host). */
  serverHostname?: string;
  /** Opens the byte stream (default TCP): for tests, proxies, tunnels. */
  transport?: TransportFactory;
  /** Bounds: reply line length (8192), lines per reply (1000), SCRAM iterations (100 000). */
  limits?: SMTPLimits;
  /** 0: silent; 1: commands and replies; 2: with timestamps (AUTH exchanges are always redacted). */
  debuglevel?: number;
  /** Where debug lines go (default: stderr). */
  debugOutput?: (line: string) => void;
}

/** @deprecated the same as {@link SMTPOptions}; kept for code written against 0.1. */
export type SMTPPlainOptions = SMTPOptions;

/**
 * Options every verb that waits accepts.
 *
 * Checked first thing in every verb, before anything is sent or any state changes: options that
 * are not an object, a name the verb does not take ("unknown option 'sginal' of noop() (did you
 * mean 'signal'?); nothing was sent") or a value of the wrong kind reject with SMTPUsageError,
 * and the connection stays usable.
 */
export interface CallOptions {
  /** Ends this call (and closes the connection) when it aborts. */
  signal?: AbortSignal;
}

/** Every option name SMTP and SMTP_SSL take, and those of `limits`: any other is a usage error. */
export const SMTP_OPTION_NAMES: ClientOptionNames = {
  options: optionNames<SMTPOptions>({ ...SHARED_OPTION_NAMES, localHostname: true, debuglevel: true, debugOutput: true }),
  limits: optionNames<SMTPLimits>({ maxLineLength: true, maxLines: true, maxScramIterations: true }),
};
