/**
 * SMTP command lines (without CRLF), built only from arguments that cannot inject a second
 * command: CR, LF and NUL are refused before anything is sent (the kit's guard, which also checks
 * the whole line when it is encoded).
 *
 * @module
 */
import { checkLine } from '@unitls/client-kit';
import { SMTPUsageError, smtpErrors } from '../errors.js';

/** `value` when it holds no CR, LF or NUL. @throws SMTPUsageError */
export function checkArgument(what: string, value: string): string {
  return checkLine(what, value, smtpErrors);
}

/** `<address>` as RFC 5321 wants it; an address already in <> is kept, "" is the null sender. @throws SMTPUsageError */
export function quoteAddress(what: string, address: string): string {
  checkArgument(what, address);
  const trimmed = address.trim();
  if (trimmed.startsWith('<') && trimmed.endsWith('>')) return trimmed;
  if (/[<>\s]/.test(trimmed)) throw new SMTPUsageError(`${what} ${JSON.stringify(address)} is not a plain address`);
  return `<${trimmed}>`;
}

function withParameters(base: string, parameters: readonly string[]): string {
  for (const parameter of parameters) checkArgument('an SMTP parameter', parameter);
  return parameters.length === 0 ? base : `${base} ${parameters.join(' ')}`;
}

/** The command lines, each refusing unsafe arguments. */
export const command = {
  ehlo: (name: string) => `EHLO ${checkArgument('the EHLO name', name)}`,
  helo: (name: string) => `HELO ${checkArgument('the HELO name', name)}`,
  mail: (from: string, parameters: readonly string[] = []) => withParameters(`MAIL FROM:${quoteAddress('the sender', from)}`, parameters),
  rcpt: (to: string, parameters: readonly string[] = []) => withParameters(`RCPT TO:${quoteAddress('a recipient', to)}`, parameters),
  bdat: (size: number, last: boolean) => `BDAT ${size}${last ? ' LAST' : ''}`,
  vrfy: (address: string) => `VRFY ${quoteAddress('the address', address)}`,
  auth: (mechanism: string, initial?: string) =>
    `AUTH ${checkArgument('the AUTH mechanism', mechanism)}${initial === undefined ? '' : ` ${checkArgument('the AUTH response', initial)}`}`,
};
