/**
 * @unitls/smtp: Python's smtplib for TypeScript, on any unitls TLS implementation. A sans-IO
 * protocol core (`SMTPConnection`, every state and transition in one table) under a thin async
 * client (`SMTP`, `SMTP_SSL`) built on @unitls/client-kit.
 *
 * @example
 * ```ts
 * import { SMTP } from '@unitls/smtp';
 * await using smtp = new SMTP({ host: 'mail.example.org', port: 587 }); // STARTTLS required by default
 * await smtp.connect();
 * await smtp.login('alice', 'secret');
 * await smtp.sendmail('alice@example.org', ['bob@example.org'], 'Subject: hi\r\n\r\nHello Bob\r\n');
 * ```
 *
 * @module
 */
export * from './errors.js';
export { SMTP, SMTP_SSL } from './client.js';
export type { SMTPOptions, SMTPPlainOptions, SMTPLimits, CallOptions } from './options.js';
export type { Refused, MessageSource } from './envelope.js';
export { composeMessage, type MailMessage } from './message.js';
export { SMTPConnection, NEED_DATA, type SMTPCommand, type SMTPEvent, type ReplyEvent, type ClosedEvent } from './protocol/connection.js';
export { SMTPState, TRANSITIONS, type CommandName } from './protocol/states.js';
export { ReplyParser, ReplyReader, type Reply, type ReplyLimits } from './protocol/reply.js';
export { Extensions } from './protocol/ehlo.js';
export { DataEncoder, encodeData } from './protocol/data.js';
export { command, checkArgument, quoteAddress } from './protocol/commands.js';
export type { Credentials } from '@unitls/client-kit';
