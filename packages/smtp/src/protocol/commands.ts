/**
 * SMTP command lines, built only from arguments that cannot inject a second command: CR, LF and
 * NUL are refused before anything is sent (the smtplib CVE-2019-9740 / header-injection lesson).
 */
import { SMTPUsageError } from '../errors.js';

export function checkArgument(what: string, value: string): string {
  if (typeof value !== 'string') throw new SMTPUsageError(`${what} must be a string`);
  if (/[\r\n\0]/.test(value)) throw new SMTPUsageError(`${what} contains CR, LF or NUL, which could inject SMTP commands; refused`);
  return value;
}

/** `<address>` as RFC 5321 wants it; an address already in <> is kept, "" is the null sender. */
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

export const command = {
  ehlo: (name: string) => `EHLO ${checkArgument('the EHLO name', name)}\r\n`,
  helo: (name: string) => `HELO ${checkArgument('the HELO name', name)}\r\n`,
  starttls: () => 'STARTTLS\r\n',
  mail: (from: string, parameters: readonly string[] = []) => `${withParameters(`MAIL FROM:${quoteAddress('the sender', from)}`, parameters)}\r\n`,
  rcpt: (to: string, parameters: readonly string[] = []) => `${withParameters(`RCPT TO:${quoteAddress('a recipient', to)}`, parameters)}\r\n`,
  data: () => 'DATA\r\n',
  bdat: (size: number, last: boolean) => `BDAT ${size}${last ? ' LAST' : ''}\r\n`,
  rset: () => 'RSET\r\n',
  noop: () => 'NOOP\r\n',
  vrfy: (address: string) => `VRFY ${quoteAddress('the address', address)}\r\n`,
  quit: () => 'QUIT\r\n',
  auth: (mechanism: string, initial?: string) =>
    `AUTH ${checkArgument('the AUTH mechanism', mechanism)}${initial === undefined ? '' : ` ${checkArgument('the AUTH response', initial)}`}\r\n`,
  authLine: (response: string) => `${checkArgument('the AUTH response', response)}\r\n`,
};
