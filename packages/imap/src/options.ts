/**
 * The options of IMAP4 / IMAP4_SSL: the client shape shared with SMTP, POP3 and FTP.
 *
 * @module
 */
import type { Security, TransportFactory } from '@unitls/client-kit';
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

/** Per-call options of every verb that waits for the server. */
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

