/**
 * The options of POP3 and POP3_SSL: the one client shape of the unitls mail and FTP clients
 * (issue #18), with every bound in one `limits` object.
 *
 * @module
 */
import { SHARED_OPTION_NAMES, optionNames, type ClientOptionNames, type SaslLimits, type Security, type TransportFactory } from '@unitls/client-kit';
import type { TLSClientConfiguration, TLSImplementation } from '@unitls/tls-core';
import type { POP3Limits } from './protocol/connection.js';

/**
 * Every bound on what the server can make the client hold or compute: status and listing lines
 * (`maxLineLength`, 8192), message content lines (`maxContentLineLength`, 1 MiB), one message
 * (`maxMessageSize`, 64 MiB), one listing (`maxListingSize`, 8 MiB), SCRAM iterations
 * (`maxScramIterations`, 100 000). Past one, the call fails with a POP3ProtocolError naming it and
 * the connection is closed.
 */
export interface POP3ClientLimits extends POP3Limits, SaslLimits {}

/** Options of POP3 and POP3_SSL. */
export interface POP3Options {
  /** Default 'localhost'. */
  host?: string;
  /** Default 110, or 995 with implicit TLS. */
  port?: number;
  /**
   * 'starttls' (default for POP3): TLS is required; connect() upgrades with STLS and fails when
   * the server cannot. 'implicit' (POP3_SSL): TLS from the first byte. 'plaintext': no TLS unless
   * stls() is called, an explicit opt-in. ('stls' is the 0.1 name of 'starttls'.)
   */
  security?: Security | 'stls';
  /** Allow USER/PASS, APOP or AUTH over a connection without TLS (never the default). */
  allowPlaintextAuth?: boolean;
  /**
   * Milliseconds allowed for each operation as a whole — connecting, each reply, each message
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
  /** Bounds on what the server can make the client hold (see {@link POP3ClientLimits}). */
  limits?: POP3ClientLimits;
  /** @deprecated use `limits.maxLineLength`. */
  maxLineLength?: number;
}

/** @deprecated the same as {@link POP3Options}; kept for code written against 0.1. */
export type POP3PlainOptions = POP3Options;

/**
 * Options every verb that waits accepts.
 *
 * Checked first thing in every verb, before anything is sent or any state changes: options that
 * are not an object, a name the verb does not take ("unknown option 'sginal' of noop() (did you
 * mean 'signal'?); nothing was sent") or a value of the wrong kind reject with POP3UsageError,
 * and the connection stays usable.
 */
export interface CallOptions {
  /** Ends this call (and closes the connection) when it aborts. */
  signal?: AbortSignal;
}

/** Every option name POP3 and POP3_SSL take, and those of `limits`: any other is a usage error. */
export const POP3_OPTION_NAMES: ClientOptionNames = {
  options: optionNames<POP3Options>({ ...SHARED_OPTION_NAMES, maxLineLength: true }),
  limits: optionNames<POP3ClientLimits>({ maxLineLength: true, maxContentLineLength: true, maxMessageSize: true, maxListingSize: true, maxScramIterations: true }),
};
