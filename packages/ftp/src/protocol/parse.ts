/**
 * Sans-IO parsing of FTP reply payloads (PASV/EPSV, 257, 150, 213, FEAT, MLSD) and building of
 * PORT/EPRT, with ftplib's checks, the one it lacked (PASV hosts taken on trust: see the client)
 * and the deviations real servers are known to send, each named where it is accepted.
 *
 * @module
 */
import { FTPProtoError, FTPReplyError } from '../errors.js';
import type { Reply } from './replies.js';

/**
 * 227 "Entering Passive Mode (h1,h2,h3,h4,p1,p2)" -> host and port. The numbers are searched for
 * anywhere in the text (RFC 1123 §4.1.2.6: some servers omit the parentheses, others write "=").
 */
export function parse227(reply: Reply): { host: string; port: number } {
  if (reply.code !== 227) throw new FTPReplyError(reply.text, reply);
  const match = /(\d{1,3}) *, *(\d{1,3}) *, *(\d{1,3}) *, *(\d{1,3}) *, *(\d{1,3}) *, *(\d{1,3})/.exec(reply.text);
  const numbers = match?.slice(1).map(Number);
  if (numbers === undefined || numbers.some((n) => n > 255)) throw new FTPProtoError(`malformed PASV reply: ${JSON.stringify(reply.text.slice(0, 120))}`, reply);
  const port = numbers[4]! * 256 + numbers[5]!;
  if (port === 0) throw new FTPProtoError(`PASV reply names port 0: ${JSON.stringify(reply.text.slice(0, 120))}`, reply);
  return { host: numbers.slice(0, 4).join('.'), port };
}

/** 229 "Entering Extended Passive Mode (|||port|)" -> port (RFC 2428 §3; any delimiter). */
export function parse229(reply: Reply): number {
  if (reply.code !== 229) throw new FTPReplyError(reply.text, reply);
  const match = /\(([!-~])\1\1(\d{1,5})\1\)/.exec(reply.text);
  const port = match === null ? NaN : Number(match[2]);
  if (!(port >= 1 && port <= 65535)) throw new FTPProtoError(`malformed EPSV reply: ${JSON.stringify(reply.text.slice(0, 120))}`, reply);
  return port;
}

/**
 * The address a passive reply names, whichever form the server chose: EPSV answered with 227
 * (basic-ftp#164, basic-ftp#135, FluentFTP#654: servers and middleboxes that answer EPSV as PASV)
 * or PASV answered with 229 (cpython#127478: servers behind NAT64/CLAT). `host` is null for a 229,
 * which names only a port (the control connection's address is meant).
 *
 * @throws FTPReplyError for any other code; FTPProtoError for a malformed 227 or 229.
 */
export function parsePassive(reply: Reply): { host: string | null; port: number } {
  if (reply.code === 229) return { host: null, port: parse229(reply) };
  if (reply.code === 227) return parse227(reply);
  throw new FTPReplyError(reply.text, reply);
}

/** 257 '"/dir" created' -> /dir ("" inside the quotes is one "). ftplib's parse257. */
export function parse257(reply: Reply): string {
  if (reply.code !== 257) throw new FTPReplyError(reply.text, reply);
  const text = reply.lines[reply.lines.length - 1]!.slice(4);
  if (!text.startsWith('"')) return '';
  let path = '';
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '"') {
      if (text[i + 1] !== '"') return path;
      i++;
    }
    path += text[i];
  }
  return path;
}

/**
 * The size a 150 reply announces, e.g. "Opening BINARY mode data connection for x (1234 bytes).";
 * null when none, or one past 2^53 - 1 that a number cannot hold exactly.
 */
export function parse150(reply: Reply): number | null {
  const match = /\((\d+) bytes\)/i.exec(reply.text);
  const size = match === null ? NaN : Number(match[1]);
  return Number.isSafeInteger(size) ? size : null;
}

/** 213 reply text (SIZE, MDTM) after the code. */
export function parse213(reply: Reply): string {
  if (reply.code !== 213) throw new FTPReplyError(reply.text, reply);
  return reply.lines[reply.lines.length - 1]!.slice(4).trim();
}

/**
 * MDTM's "YYYYMMDDHHMMSS[.sss]" (UTC) -> Date. A field out of its range (month 13, 31 February,
 * hour 24) is refused: Date.UTC would carry it into the next field and return another time.
 *
 * @throws FTPProtoError
 */
export function parseTimeVal(value: string): Date {
  const match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{1,3}))?$/.exec(value);
  if (match === null) throw new FTPProtoError(`malformed time value ${JSON.stringify(value.slice(0, 40))}`);
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Number((match[7] ?? '0').padEnd(3, '0'))));
  // Date.UTC maps years 0-99 to 1900-1999: set the year as written.
  date.setUTCFullYear(y, mo - 1, d);
  const fields = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  if (fields.some((field, i) => field !== [y, mo, d, h, mi, s][i])) throw new FTPProtoError(`time value out of range ${JSON.stringify(value)} (YYYYMMDDHHMMSS, UTC)`);
  return date;
}

/** Date -> MFMT's "YYYYMMDDHHMMSS" (UTC). */
export function formatTimeVal(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * FEAT's 211 reply -> feature name (upper case) -> parameters ("" when none). Feature lines start
 * with a space (RFC 2389 §3.2); real servers also send them prefixed with "211-" (ProFTPD with
 * MultilineRFC2228: proftpd#1085, jlaffaye/ftp#260), without the space (WS_FTP Server 8.5:
 * FluentFTP#712) and with blank lines between them (proftpd-mod_proxy#251). The first and last
 * lines are the reply's own ("211-Features:", then "211 End" or any text: ProFTPD in Italian ends
 * with "211 Fine", ftpserverlib#212).
 */
export function parseFeat(reply: Reply): Map<string, string> {
  const features = new Map<string, string>();
  if (reply.code !== 211) return features;
  const prefix = `${reply.code}-`;
  for (const line of reply.lines.slice(1, -1)) {
    const trimmed = (line.startsWith(prefix) ? line.slice(prefix.length) : line).trim();
    if (trimmed === '') continue;
    const space = trimmed.indexOf(' ');
    features.set((space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase(), space < 0 ? '' : trimmed.slice(space + 1).trim());
  }
  return features;
}

/**
 * One MLSD/MLST line "fact=value;fact=value; name" -> [name, facts with lower-case names]
 * (RFC 3659 §7.2: entry = [facts] SP pathname). The facts end at the first "; ", so a name may hold
 * semicolons and spaces (far2l#3159) and a fact value with a space (ProFTPD's UNIX.ownername of a
 * Windows domain group: proftpd#1367) does not cut the line in the wrong place; a line that starts
 * with a space has no facts.
 *
 * @throws FTPProtoError for a line without a separating space, or a fact without "=".
 */
export function parseMlsxLine(line: string): [string, Record<string, string>] {
  const end = line.startsWith(' ') ? 0 : line.indexOf('; ') + 1;
  const space = end > 0 || line.startsWith(' ') ? end : line.indexOf(' ');
  if (space < 0) throw new FTPProtoError(`malformed MLSD line ${JSON.stringify(line.slice(0, 120))}`);
  const facts: Record<string, string> = {};
  for (const fact of line.slice(0, space).split(';')) {
    if (fact === '') continue;
    const eq = fact.indexOf('=');
    if (eq <= 0) throw new FTPProtoError(`malformed MLSD fact ${JSON.stringify(fact.slice(0, 120))}`);
    facts[fact.slice(0, eq).toLowerCase()] = fact.slice(eq + 1);
  }
  return [line.slice(space + 1), facts];
}

/** PORT h1,h2,h3,h4,p1,p2 for an IPv4 address, EPRT |af|addr|port| otherwise (RFC 2428). */
export function portCommand(host: string, port: number): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return `PORT ${host.split('.').join(',')},${port >> 8},${port & 0xff}`;
  return `EPRT |2|${host}|${port}|`;
}
