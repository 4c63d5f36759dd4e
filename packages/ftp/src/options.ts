/**
 * The options of FTP and FTP_TLS: the one client shape of the unitls mail and FTP clients
 * (issue #18), with every bound in one `limits` object.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { optionKinds, optionNames, SHARED_OPTION_NAMES, SIGNAL_ONLY, type CallOptionKinds, type ClientOptionNames, type Security, type TransportFactory } from '@unitls/client-kit';
import type { TLSClientConfiguration, TLSImplementation } from '@unitls/tls-core';
import { FTPUsageError } from './errors.js';
import type { ReplyLimits } from './protocol/replies.js';
import { describeValue } from '@unitls/tls-core';

/**
 * Every bound on what the server can make the client hold, compute or wait for. `maxLineLength`
 * and `maxReplySize` bound control replies (and `maxLineLength` listing lines too).
 */
export interface FTPLimits extends ReplyLimits {
  /**
   * Largest listing `nlst()`, `dir()` or `mlsd()` will hold, in bytes (default 64 MiB). Each entry
   * counts its length plus what holding it costs (32 bytes for a line, more for an MLSD entry), so
   * memory stays within a small factor of this however the listing is cut into lines. Passing it
   * fails the call with an FTPProtoError; `retrlines()` with a callback holds nothing and is not
   * bounded by it.
   */
  maxListingSize?: number;
  /**
   * The slowest a data transfer may be, in bytes per second, measured over windows of `timeout`
   * milliseconds of waiting on the server (default 1024; 0: any progress at all). A transfer that
   * stalls or drips slower fails with a TimeoutError; time spent in your sink or source does not
   * count. With `timeout: Infinity` transfers are not bounded (pass a `signal` to bound them).
   */
  minTransferRate?: number;
}

/**
 * The limits with the deprecated top-level options folded in, each checked.
 *
 * @throws FTPUsageError for a deprecated top-level limit that is not a positive integer (those in
 *   `limits` were checked with the other options, by checkClientOptions).
 */
export function checkLimits(owner: string, options: FTPOptions): FTPLimits {
  for (const name of ['maxLineLength', 'maxReplySize'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) {
      throw new FTPUsageError(`${owner}: ${name} must be a positive integer (a number, not a string), got ${describeValue(value)}`);
    }
  }
  return { maxLineLength: options.maxLineLength, maxReplySize: options.maxReplySize, ...options.limits };
}

/** Options shared by FTP and FTP_TLS. */
export interface FTPOptions {
  /** Default 'localhost'. */
  host?: string;
  /** Default 21, or 990 with implicit TLS. */
  port?: number;
  /**
   * Milliseconds allowed for each operation as a whole (default 30 000; Infinity for none):
   * connecting, each reply, opening a data connection and its TLS handshake. A server dripping
   * bytes cannot stretch it. Data transfers are bounded by `limits.minTransferRate` instead.
   */
  timeout?: number;
  /** Ends whatever is in progress and closes the connection, for the client's whole life. */
  signal?: AbortSignal;
  /** Opens the byte streams, control and passive data connections (default TCP): tests, proxies. */
  transport?: TransportFactory;
  /** Passive mode (EPSV, then PASV) when true (default); active mode (EPRT/PORT) when false. */
  passive?: boolean;
  /**
   * Use the address in a PASV reply instead of the control connection's peer. Off by default: a
   * hostile server could point the client anywhere (ftplib's CVE-2021-4189 lesson).
   */
  trustPasvHost?: boolean;
  /** Bounds: see {@link FTPLimits}. */
  limits?: FTPLimits;
  /** @deprecated use `limits.maxLineLength`. */
  maxLineLength?: number;
  /** @deprecated use `limits.maxReplySize`. */
  maxReplySize?: number;
}

/** Options of the plain FTP class. */
export interface FTPPlainOptions extends FTPOptions {
  /** Allow a password other than anonymous's over this unencrypted connection (never the default). */
  allowPlaintextAuth?: boolean;
}

/** Options of FTP_TLS. */
export interface FTP_TLSOptions extends FTPPlainOptions {
  /**
   * 'starttls' (default): AUTH TLS right after the greeting, and a refusal is an error.
   * 'implicit': TLS from the first byte (port 990 style). 'plaintext': no TLS unless `auth()` is
   * called, an explicit opt-in (passwords then need `allowPlaintextAuth`).
   */
  security?: Security;
  /** @deprecated use `security: 'implicit'`. */
  implicit?: boolean;
  /** The TLS implementation (default @unitls/tls-node). */
  implementation?: TLSImplementation;
  /** TLS settings (default: secure defaults with the system trust store). */
  configuration?: TLSClientConfiguration;
  /** The name the certificate must match, on the control and data connections (default: host). */
  serverHostname?: string;
  /** Data connections after login: 'private' (PROT P, the default) or 'clear' (PROT C). */
  dataProtection?: 'private' | 'clear';
}

/**
 * Options every verb that waits accepts.
 *
 * Checked first thing in every verb, before anything is sent or any state changes: options that
 * are not an object, a name the verb does not take ("unknown option 'sginal' of noop() (did you
 * mean 'signal'?); nothing was sent") or a value of the wrong kind reject with FTPUsageError,
 * and the connection stays usable.
 */
export interface CallOptions {
  /**
   * Ends this call when it aborts. On a transfer the data connection is dropped and ABOR sent (the
   * connection stays usable); on any other verb the connection is closed.
   */
  signal?: AbortSignal;
}

/** Options of {@link FTP.retrbinary}: a transfer's, and the memory a callback sink's chunks may share. */
export interface RetrieveOptions extends TransferOptions {
  /**
   * Memory to receive into, for a callback sink only (opt-in, as node:net's `onread` option): each
   * chunk the callback gets may then be a view of it, valid until the callback returns or the promise
   * it returns settles — the next read overwrites it, so copy what you keep (`Buffer.from(chunk)`).
   * Under PROT P on a TLS socket with recvInto (tls-openssl) the data is decrypted straight into it,
   * with no allocation per read. Chunks are at most its length. Without it every chunk is fresh.
   */
  into?: Uint8Array;
  /**
   * For a Writable sink: whether the call ends it (default true, as stream.pipeline and pipe() do).
   * When true the call resolves only after the Writable's 'finish' (a file stream's descriptor
   * closed), so the file is complete when it returns; when the transfer fails the Writable is
   * destroyed (without an error: no 'error' event) and keeps what arrived. `false` leaves it open
   * (pipe()'s `{ end: false }`), e.g. to append a REST-resumed download.
   */
  end?: boolean;
}

/** Progress of a transfer: bytes so far, and the total when known (SIZE, the 150 reply, or the source). */
export interface TransferProgress {
  readonly bytes: number;
  readonly total: number | null;
}

/** Options of the transfer verbs. */
export interface TransferOptions extends CallOptions {
  /** Restart offset (REST) for resuming. */
  rest?: number;
  /** Chunk size for uploads from a Uint8Array (default 64 KiB). */
  blocksize?: number;
  onProgress?: (progress: TransferProgress) => void;
  /**
   * The transfer's total size when you know it: for an upload's progress when the source cannot
   * tell; for a download, the file's size (e.g. from MLSD's size fact), which also lets a download
   * that ends without TLS close_notify be checked (see the README).
   */
  total?: number;
}

/**
 * What a download delivers to: a callback (awaited, so it can apply backpressure) or a Node Writable.
 * Each chunk is fresh memory the sink may keep (as ftplib's `retrbinary(cmd, chunks.append)`), unless
 * the call passes {@link RetrieveOptions.into}.
 */
export type Sink = ((chunk: Uint8Array) => void | Promise<void>) | Writable;
/** What an upload reads from: bytes, a string, an async iterable of chunks, or a Node Readable. */
export type Source = Uint8Array | string | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

const LIMIT_NAMES = optionNames<FTPLimits>({ maxLineLength: true, maxReplySize: true, maxListingSize: true, minTransferRate: true });

const FTP_NAMES = { passive: true, trustPasvHost: true, maxLineLength: true, maxReplySize: true } as const;

/** Every option name FTP_TLS takes, and those of `limits`: any other is a usage error. */
export const FTP_TLS_OPTION_NAMES: ClientOptionNames = {
  options: optionNames<FTP_TLSOptions>({ ...SHARED_OPTION_NAMES, ...FTP_NAMES, implicit: true, dataProtection: true }),
  limits: LIMIT_NAMES,
  limitsFromZero: ['minTransferRate'],
};

/** Every option name plain FTP takes (none of TLS: FTP never speaks it), and those of `limits`. */
export const FTP_OPTION_NAMES: ClientOptionNames = {
  options: optionNames<FTPPlainOptions>({ host: true, port: true, timeout: true, signal: true, transport: true, limits: true, allowPlaintextAuth: true, ...FTP_NAMES }),
  limits: LIMIT_NAMES,
  limitsFromZero: ['minTransferRate'],
};

/** What the transfer verbs' options take (see {@link TransferOptions}). */
export const TRANSFER_OPTIONS: CallOptionKinds = {
  ...SIGNAL_ONLY,
  rest: optionKinds.count,
  blocksize: optionKinds.size,
  onProgress: optionKinds.function,
  total: optionKinds.count,
};

/** What retrbinary takes: a transfer's options and `into`. */
export const RETRIEVE_OPTIONS: CallOptionKinds = {
  ...TRANSFER_OPTIONS,
  into: ['a Uint8Array of at least 1 byte (e.g. new Uint8Array(65536))', (value) => value instanceof Uint8Array && value.length > 0],
  end: optionKinds.boolean,
};
