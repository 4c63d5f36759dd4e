/**
 * sendMessage: a structured message built by nodemailer's MailComposer (a well-kept MIME library),
 * with the envelope taken from its headers and Bcc stripped from what is sent.
 */
import MailComposerModule from 'nodemailer/lib/mail-composer';
import type { SMTP } from './client.js';
import type { Refused } from './envelope.js';
import { SMTPUsageError } from './errors.js';
import { describeValue } from '@unitls/tls-core';

/** The message fields (nodemailer's message options: from, to, cc, bcc, subject, text, html, attachments, headers, ...). */
export interface MailMessage {
  from: string | { name?: string; address: string };
  to?: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  subject?: string;
  text?: string | Uint8Array;
  html?: string | Uint8Array;
  attachments?: Array<{ filename?: string; content?: string | Uint8Array; contentType?: string }>;
  headers?: Record<string, string>;
  messageId?: string;
  date?: Date;
  [key: string]: unknown;
}

interface Compiled {
  getEnvelope(): { from: string | false; to: string[] };
  build(callback: (error: Error | null, message: Buffer) => void): void;
}
const MailComposer = MailComposerModule as unknown as new (mail: MailMessage) => { compile(): Compiled };

/** Builds the RFC 5322 bytes and the envelope of a message (Bcc recipients in the envelope only). */
export async function composeMessage(mail: MailMessage): Promise<{ from: string; to: string[]; raw: Buffer }> {
  const compiled = new MailComposer(mail).compile();
  const envelope = compiled.getEnvelope();
  const raw = await new Promise<Buffer>((resolve, reject) => compiled.build((error, message) => (error ? reject(error) : resolve(message))));
  return { from: envelope.from || '', to: envelope.to, raw };
}

const ADDRESS_FIELDS = ['from', 'sender', 'replyTo', 'to', 'cc', 'bcc'] as const;

/**
 * Refuses CR, LF or NUL anywhere in an address field: MailComposer would parse
 * "bob@x.test\r\nRCPT TO:<eve@x.test>" as a group and send to eve alone.
 *
 * @throws SMTPUsageError
 */
function checkAddresses(mail: MailMessage): void {
  const check = (field: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) return value.forEach((v) => check(field, v));
    if (typeof value === 'object') {
      const { name, address } = value as { name?: unknown; address?: unknown };
      check(field, name);
      check(field, address);
      return;
    }
    if (typeof value !== 'string') throw new SMTPUsageError(`the ${field} field must hold strings or { name, address } objects, got ${describeValue(value)}; nothing was sent`);
    if (/[\r\n\0]/.test(value)) throw new SMTPUsageError(`the ${field} field contains CR, LF or NUL, which could change the recipients or headers; refused, nothing was sent`);
  };
  for (const field of ADDRESS_FIELDS) check(field, mail[field]);
}

/** smtplib's send_message; `options` (with its signal) goes on to sendmail as it is. */
export async function sendMessage(smtp: SMTP, mail: MailMessage, options: { from?: string; to?: string[]; signal?: AbortSignal } = {}): Promise<Refused> {
  checkAddresses(mail);
  const { from, to, raw } = await composeMessage(mail);
  return smtp.sendmail(options.from ?? from, options.to ?? to, raw, [], [], options);
}
