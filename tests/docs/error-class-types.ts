/**
 * Type-level checks of the client error classes made by client-kit's errorClass (checked by
 * tests/docs/typecheck.test.ts, which runs `tsc -p tests`): `instanceof` narrows to the class and
 * leaves every other error of the family in the other branch (a new-user trial found that branch
 * narrowed to `never`), one class is not assignable to a sibling, and the classes can be extended.
 */
import { FTPError, FTPPermError } from '@unitls/ftp';
import { POP3Error, POP3UsageError, POP3ReplyError } from '@unitls/pop';
import { SMTPException, SMTPRecipientsRefused, SMTPAuthenticationError } from '@unitls/smtp';
export function a(e: FTPError) { if (e instanceof FTPPermError) return 1; return e.message; }
export function b(e: POP3Error) { if (e instanceof POP3UsageError) return 1; return e.message; }
export function c(e: SMTPException) { if (e instanceof SMTPRecipientsRefused) return e.recipients; if (e instanceof SMTPAuthenticationError) return e.smtpCode; return e.message; }
// @ts-expect-error a reply error is not a usage error
export const u: POP3UsageError = new POP3ReplyError('x');
export class Mine extends POP3UsageError {}
export const m: POP3Error = new Mine('y');
export const r: string | null = new POP3ReplyError('x', '-ERR no').response;

// The timeout classes made by client-kit's timeoutErrorClass (review14): each is its client's
// connection error, named 'TimeoutError' with phase/command/timeout, narrows, and can be extended.
import { FTPConnectionError, FTPTimeoutError } from '@unitls/ftp';
import { IMAP4Abort, IMAP4Error, IMAP4TimeoutError } from '@unitls/imap';
import { POP3ConnectionError, POP3TimeoutError } from '@unitls/pop';
import { SMTPServerDisconnected, SMTPTimeoutError } from '@unitls/smtp';
import { ClientConnectionError, ClientTimeoutError, type TimeoutPhase } from '@unitls/client-kit';
export function t(e: IMAP4Error) {
  if (e instanceof IMAP4TimeoutError) {
    const name: 'TimeoutError' = e.name;
    const phase: TimeoutPhase = e.phase;
    const command: string | null = e.command;
    const timeout: number = e.timeout;
    return [name, phase, command, timeout, e.status];
  }
  return e.message;
}
const details = { timeout: 1, phase: 'read', command: null } as const;
export const tf: FTPConnectionError = new FTPTimeoutError('x', details);
export const ti: IMAP4Abort = new IMAP4TimeoutError('x', details);
export const tp: POP3ConnectionError = new POP3TimeoutError('x', details);
export const ts: SMTPServerDisconnected = new SMTPTimeoutError('x', details);
export const tc: ClientConnectionError = new ClientTimeoutError('x', { ...details, cause: new Error('timer') });
// @ts-expect-error a timeout error is built from a message and its details
export const tn = new POP3TimeoutError('x');
// @ts-expect-error one client's timeout is not another's
export const tx: SMTPTimeoutError = new POP3TimeoutError('x', details);
export class MyTimeout extends SMTPTimeoutError {}
export const tm: SMTPTimeoutError = new MyTimeout('x', details);
