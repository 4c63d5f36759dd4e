/**
 * The options of IMAP4 / IMAP4_SSL: the client shape shared with SMTP, POP3 and FTP.
 *
 * @module
 */
import { optionKinds, optionNames, SHARED_OPTION_NAMES, SIGNAL_ONLY, type CallOptionKinds, type ClientOptionNames, type Security, type TransportFactory } from '@unitls/client-kit';
import type { TLSClientConfiguration, TLSImplementation } from '@unitls/tls-core';
import type { IMAPLimits } from './protocol/connection.js';

/** The core's limits, and the client's own. */
export interface IMAP4Limits extends IMAPLimits {
  /** Bytes of untagged responses one command (or pipelined batch) may collect (default 256 MiB). */
  maxResultSize?: number;
  /** The highest SCRAM-SHA-256 iteration count accepted (default 100 000). */
  maxScramIterations?: number;
}

export interface IMAP4Options {
  host?: string;
  /** Default 993 for implicit TLS, else 143. */
  port?: number;
  /** 'starttls' (IMAP4's default): TLS required, done by connect(); 'implicit' (IMAP4_SSL); 'plaintext': an explicit opt-in. */
  security?: Security;
  /**
   * Milliseconds allowed for each operation as a whole: connecting, a command until its tagged
   * reply, STARTTLS, leaving IDLE (default 30 000; Infinity for none). A server that drips its
   * reply byte by byte cannot stretch it.
   */
  timeout?: number;
  /** Ends whatever is in progress and closes the connection, for the session's whole life. */
  signal?: AbortSignal;
  implementation?: TLSImplementation;
  configuration?: TLSClientConfiguration;
  serverHostname?: string;
  /** Bounds on what the server may make the client hold or compute. */
  limits?: IMAP4Limits;
  /** Opens the byte stream (default: TCP): tests pass an in-memory pair, proxies a tunnel. */
  transport?: TransportFactory;
  /** Allow LOGIN/AUTHENTICATE without TLS (never the default; LOGINDISABLED always wins). */
  allowPlaintextAuth?: boolean;
}

/**
 * Per-call options of every verb that waits for the server.
 *
 * Checked first thing in every verb, before anything is sent or any state changes: options that
 * are not an object, a name the verb does not take ("unknown option 'sginal' of noop() (did you
 * mean 'signal'?); nothing was sent") or a value of the wrong kind reject with IMAP4UsageError,
 * and the connection stays usable.
 */
export interface CallOptions {
  /** Ends this call; the connection is closed (the server's answer could no longer be told apart). */
  signal?: AbortSignal;
}

/** Per-call options of IMAP4.fetchEach / uidFetchEach. */
export interface FetchEachOptions extends CallOptions {
  /**
   * Memory each message's literals (its body) are received into, reused for every message; a
   * result's bytes are valid only until the callback returns (or the promise it returns settles).
   * Default: fresh memory per literal, which the callback may keep.
   */
  into?: Uint8Array;
}

/** Answers an AUTHENTICATE challenge (the "+" text) with a base64 line. */
export type Answer = (challenge: string) => string;


/** Every option name IMAP4 and IMAP4_SSL take, and those of `limits`: any other is a usage error. */
export const IMAP4_OPTION_NAMES: ClientOptionNames = {
  options: optionNames<IMAP4Options>(SHARED_OPTION_NAMES),
  limits: optionNames<IMAP4Limits>({ maxLineLength: true, maxLiteralSize: true, maxResponseSize: true, maxDepth: true, maxResultSize: true, maxScramIterations: true }),
};

/** The options of append() (`flags` and `date` are checked by append itself, against the grammar). */
export const APPEND_OPTIONS: CallOptionKinds = { ...SIGNAL_ONLY, flags: optionKinds.own, date: optionKinds.own };

/** The options of fetchEach() and uidFetchEach() (`into` is checked by the verb). */
export const FETCH_EACH_OPTIONS: CallOptionKinds = { ...SIGNAL_ONLY, into: optionKinds.own };
