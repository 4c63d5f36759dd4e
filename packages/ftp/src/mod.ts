/**
 * @unitls/ftp: Python's ftplib on any unitls TLS implementation — FTP, FTP_TLS (AUTH TLS or
 * implicit), with PROT P data connections that resume the control connection's TLS session (what
 * vsftpd's require_ssl_reuse, ProFTPD and FileZilla Server demand, and ftplib cannot do).
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
 * await ftp.quit();
 * ```
 *
 * @module
 */
export { FTP, FTP_TLS, type FTPOptions, type FTPPlainOptions, type FTP_TLSOptions, type Sink, type Source, type TransferOptions, type TransferProgress } from './client.js';
export { FTPError, FTPReplyError, FTPTempError, FTPPermError, FTPProtoError, FTPUsageError, error_reply, error_temp, error_perm, error_proto } from './errors.js';
export { ReplyParser, type Reply, type ReplyLimits } from './protocol/replies.js';
export { parse227, parse229, parse257, parseFeat, parseMlsxLine } from './protocol/parse.js';
