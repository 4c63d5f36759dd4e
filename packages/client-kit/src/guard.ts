/**
 * The CR/LF/NUL guard: the one way a client turns text into a command line. CR or LF in an
 * argument would end the command early and start another one chosen by whoever wrote the
 * argument (smtplib's CVE-2019-9740 lesson, IMAP/POP command injection); NUL truncates strings in
 * C servers. Every client builds its command bytes here and nowhere else, so `docmd(line)` or
 * IMAP `command(...)` cannot send a raw line either.
 *
 * @module
 */
import { clientErrors, type ErrorFamily } from './errors.js';
import { describeValue } from '@unitls/tls-core';

const UNSAFE = /[\r\n\0]/;

/**
 * Returns `value` when it holds no CR, LF or NUL.
 *
 * @param what - what the value is, for the message ("the sender", "a mailbox name").
 * @throws the family's usage error otherwise (and a TypeError-like usage error for non-strings).
 */
export function checkLine(what: string, value: string, errors: ErrorFamily = clientErrors): string {
  if (typeof value !== 'string') throw errors.usage(`${what} must be a string, got ${describeValue(value)}`);
  if (UNSAFE.test(value)) throw errors.usage(`${what} contains CR, LF or NUL, which could inject protocol commands; refused, nothing was sent`);
  return value;
}

/**
 * One command line as bytes: `text` checked by {@link checkLine}, then CRLF. UTF-8 by default
 * (SMTPUTF8, IMAP UTF8=ACCEPT); `'latin1'` for byte-exact protocols.
 *
 * @throws the family's usage error when `text` holds CR, LF or NUL.
 */
export function encodeCommand(text: string, errors: ErrorFamily = clientErrors, encoding: 'utf8' | 'latin1' = 'utf8'): Buffer {
  checkLine('the command', text, errors);
  const length = encoding === 'latin1' ? text.length : Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.allocUnsafe(length + 2);
  bytes.write(text, 0, encoding);
  bytes[length] = 0x0d;
  bytes[length + 1] = 0x0a;
  return bytes;
}
