/**
 * SMTP command lines (without CRLF), built only from arguments that cannot inject a second
 * command: CR, LF and NUL are refused before anything is sent (the kit's guard, which also checks
 * the whole line when it is encoded).
 *
 * @module
 */
import { domainToASCII } from 'node:url';
import { checkLine } from '@unitls/client-kit';
import { SMTPUsageError, smtpErrors } from '../errors.js';

/** `value` when it holds no CR, LF or NUL. @throws SMTPUsageError */
export function checkArgument(what: string, value: string): string {
  return checkLine(what, value, smtpErrors);
}

/**
 * `<address>` as RFC 5321 wants it; an address already in <> is kept, "" is the null sender.
 * Angle brackets inside, or white space outside a quoted local part, would end the path early and
 * let the rest be read as parameters or another command's text: refused.
 *
 * @throws SMTPUsageError
 */
export function quoteAddress(what: string, address: string): string {
  checkArgument(what, address);
  const trimmed = address.trim();
  const bracketed = trimmed.startsWith('<') && trimmed.endsWith('>');
  const inner = bracketed ? trimmed.slice(1, -1) : trimmed;
  if (/[<>]/.test(inner) || spaceOutsideQuotes(inner)) {
    throw new SMTPUsageError(`${what} ${JSON.stringify(address)} is not a plain address (angle brackets or spaces would change the command)`);
  }
  return `<${inner}>`;
}

/**
 * Whether `text` has white space outside its quoted strings (RFC 5321 Quoted-string: `"`, then
 * characters other than `"` and `\` or a `\` and any character but a line terminator, then
 * `"`); a `"` that no such string closes is an ordinary character. One pass: a scan for a closing
 * quote that fails stops where every quote before that point would fail too (they share its
 * escape pairs), so no text is scanned twice (a pattern doing this took quadratic time on `"\"`
 * repeated).
 */
export function spaceOutsideQuotes(text: string): boolean {
  let failedUpTo = -1;
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && i > failedUpTo) {
      const end = closingQuote(text, i + 1);
      if (end >= 0) {
        i = end + 1;
        continue;
      }
      failedUpTo = -end - 1;
    }
    if (/\s/.test(text[i]!)) return true;
    i++;
  }
  return false;
}

/** The index of the `"` closing a quoted string whose content starts at `from`, or -(where it failed) - 1. */
function closingQuote(text: string, from: number): number {
  let j = from;
  while (j < text.length) {
    const c = text[j];
    if (c === '"') return j;
    if (c === '\\') {
      if (j + 1 >= text.length || LINE_TERMINATOR.test(text[j + 1]!)) return -j - 1;
      j += 2;
    } else j++;
  }
  return -text.length - 1;
}

const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** RFC 5321 §4.1.2 esmtp-param: a keyword, then "=" and a value without spaces, controls or "=". */
const PARAMETER = /^[A-Za-z0-9][A-Za-z0-9-]*(?:=[^\s=\x00-\x1f\x7f]+)?$/;

function withParameters(base: string, parameters: readonly string[]): string {
  if (!Array.isArray(parameters)) throw new SMTPUsageError(`SMTP parameters must be an array of strings such as ["SIZE=1000"]; nothing was sent`);
  for (const parameter of parameters) {
    checkArgument('an SMTP parameter', parameter);
    if (!PARAMETER.test(parameter)) throw new SMTPUsageError(`the SMTP parameter ${JSON.stringify(parameter)} is not KEYWORD or KEYWORD=value (RFC 5321 §4.1.2); nothing was sent`);
  }
  return parameters.length === 0 ? base : `${base} ${parameters.join(' ')}`;
}

/**
 * The EHLO/HELO name: a domain (an IDN goes out as A-labels, RFC 5890: EHLO carries no UTF-8) or
 * an address literal. @throws SMTPUsageError when empty, with spaces, or not a valid domain
 */
export function heloName(what: string, name: string): string {
  checkArgument(what, name);
  if (name === '' || /\s/.test(name)) throw new SMTPUsageError(`${what} ${JSON.stringify(name)} must be one domain name or address literal, without spaces`);
  if (/^[\x21-\x7e]+$/.test(name)) return name;
  const ascii = domainToASCII(name);
  if (ascii === '') throw new SMTPUsageError(`${what} ${JSON.stringify(name)} is not a valid domain name`);
  return ascii;
}

/** The command lines, each refusing unsafe arguments. */
export const command = {
  ehlo: (name: string) => `EHLO ${heloName('the EHLO name', name)}`,
  helo: (name: string) => `HELO ${heloName('the HELO name', name)}`,
  mail: (from: string, parameters: readonly string[] = []) => withParameters(`MAIL FROM:${quoteAddress('the sender', from)}`, parameters),
  rcpt: (to: string, parameters: readonly string[] = []) => withParameters(`RCPT TO:${quoteAddress('a recipient', to)}`, parameters),
  bdat: (size: number, last: boolean) => `BDAT ${size}${last ? ' LAST' : ''}`,
  vrfy: (address: string) => `VRFY ${quoteAddress('the address', address)}`,
  auth: (mechanism: string, initial?: string) =>
    `AUTH ${checkArgument('the AUTH mechanism', mechanism)}${initial === undefined ? '' : ` ${checkArgument('the AUTH response', initial)}`}`,
};

/**
 * Builds MAIL FROM and every RCPT TO of a transaction without sending them: a bad address or
 * parameter is refused before EHLO or MAIL goes out, not after MAIL left a transaction open (one
 * command at a time) or the state machine advanced past lines never written (pipelined).
 *
 * @throws SMTPUsageError
 */
export function checkEnvelope(from: string, recipients: readonly string[], mailOptions: readonly string[], rcptOptions: readonly string[]): void {
  command.mail(from, mailOptions);
  for (const to of recipients) command.rcpt(to, rcptOptions);
}
