/**
 * @unitls/ftp: Python's ftplib on any unitls TLS implementation — FTP, FTP_TLS (AUTH TLS or
 * implicit), with PROT P data connections that resume the control connection's TLS session (what
 * vsftpd's require_ssl_reuse, ProFTPD and FileZilla Server demand, and ftplib cannot do). The
 * protocol is a sans-IO core (`FTPConnection`, every state and transition in one table); the
 * classes are a thin loop over @unitls/client-kit.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { FTP_TLS } from '@unitls/ftp';
 * import { implementation } from '@unitls/tls-openssl';
 *
 * await using ftp = new FTP_TLS({ host: 'ftp.example.org', implementation });
 * await ftp.connect(); // AUTH TLS before anything else
 * await ftp.login('user', 'secret'); // then PBSZ 0 / PROT P
 * console.log(await ftp.mlsd());
 * await ftp.retrbinary('RETR big.iso', createWriteStream('big.iso'), {
 *   onProgress: ({ bytes, total }) => console.log(bytes, total),
 * });
 * ```
 *
 * @module
 */
export { FTP } from './client.js';
export type { DataChannel } from './data.js';
export { FTP_TLS } from './tls.js';
export type { CallOptions, FTPLimits, FTPOptions, FTPPlainOptions, FTP_TLSOptions, RetrieveOptions, Sink, Source, TransferOptions, TransferProgress } from './options.js';
export {
  FTPError,
  FTPReplyError,
  FTPTempError,
  FTPPermError,
  FTPProtoError,
  FTPUsageError,
  FTPConnectionError,
  FTPTimeoutError,
  error_reply,
  error_temp,
  error_perm,
  error_proto,
} from './errors.js';
export { FTPConnection, NEED_DATA, type FTPCommand, type FTPEvent, type ReplyEvent, type ResyncedEvent, type ClosedEvent } from './protocol/connection.js';
export { FTPState, TRANSITIONS, kindOf, type CommandKind } from './protocol/states.js';
export { ReplyParser, ReplyReader, type Reply, type ReplyLimits } from './protocol/replies.js';
export { TextLines, ListingBudget, DEFAULT_MAX_LISTING_SIZE } from './protocol/listing.js';
export { parse227, parse229, parsePassive, parse257, parseFeat, parseMlsxLine } from './protocol/parse.js';
