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
