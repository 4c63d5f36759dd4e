/**
 * The caller's arguments checked against the IMAP grammar before anything is sent (RFC 9051 §9):
 * message sets, mailbox names, flags, APPEND's date-time. A wrong type or a value outside the
 * grammar is an IMAP4UsageError, never a TypeError or a command with a different meaning.
 *
 * @module
 */
import { IMAP4UsageError } from './errors.js';
import { describeValue } from '@unitls/tls-core';

/** Refuses what is not a message set ("1", "2:5", "1,3:*"). @throws IMAP4UsageError */
export function checkSet(set: string): void {
  if (typeof set !== 'string' || !/^[0-9:*,]+$/.test(set)) throw new IMAP4UsageError(`not a message set: ${JSON.stringify(set) ?? String(set)} (such as "1", "2:5" or "1,3:*")`);
}

/** A control character (C0, DEL, C1) or a line/paragraph separator: never part of a mailbox name. */
export const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
// RFC 9051 §9: flag-keyword = atom; flag-extension = "\" atom. atom-specials: ( ) { SP CTL % * " \ ].
const FLAG = /^\\?[\x21\x23\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// RFC 9051 §9 date-time (without its DQUOTEs): date-day-fixed "-" date-month "-" date-year SP time SP zone.
const DATE_TIME = new RegExp(`^(?: \\d|\\d\\d)-(?:${MONTHS.join('|')})-\\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}$`, 'i');

/** What a wrong argument is, for the usage error (tls-core's describeValue, shared by every package). */
export const kindOf = describeValue;

export function checkString(what: string, value: unknown): string {
  if (typeof value !== 'string') throw new IMAP4UsageError(`${what} must be a string, got ${describeValue(value)}; nothing was sent`);
  return value;
}

export function checkFlags(flags: unknown): string[] {
  if (!Array.isArray(flags)) throw new IMAP4UsageError(`flags must be an array of strings such as ["\\\\Seen"], got ${describeValue(flags)}; nothing was sent`);
  for (const flag of flags) {
    if (typeof flag !== 'string' || !FLAG.test(flag)) throw new IMAP4UsageError(`not an IMAP flag: ${JSON.stringify(flag) ?? String(flag)} (an atom or \\atom, RFC 9051 §9); nothing was sent`);
  }
  return flags;
}

/** APPEND's date-time: a Date (sent in UTC) or a string in the grammar's form. */
export function dateTime(date: unknown): string {
  if (date instanceof Date) {
    if (Number.isNaN(date.getTime())) throw new IMAP4UsageError('the APPEND date is an invalid Date; nothing was sent');
    const two = (n: number) => String(n).padStart(2, '0');
    return `${two(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
  }
  if (typeof date !== 'string' || !DATE_TIME.test(date)) {
    throw new IMAP4UsageError(`not an IMAP date-time: ${JSON.stringify(date) ?? String(date)} (a Date, or "dd-Mon-yyyy hh:mm:ss +zzzz", RFC 9051 §9); nothing was sent`);
  }
  return date;
}
