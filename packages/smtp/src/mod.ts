/**
 * @unitls/smtp: Python's smtplib for TypeScript, on any unitls TLS implementation.
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
export { SMTP, SMTP_SSL, type SMTPOptions, type SMTPPlainOptions, type Refused, type MessageSource } from './client.js';
export { composeMessage, type MailMessage } from './message.js';
export { ReplyParser, type Reply, type ReplyLimits } from './protocol/reply.js';
export { Extensions } from './protocol/ehlo.js';
export { DataEncoder, encodeData } from './protocol/data.js';
export { command, checkArgument, quoteAddress } from './protocol/commands.js';
