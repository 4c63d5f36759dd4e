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

/**
 * Fields whose strings are the message's content (MailComposer encodes them, line breaks included)
 * or never reach the message (a file path or URL to read, the DKIM key): everything else may end
 * up in a header line.
 */
const CONTENT_FIELDS = new Set(['text', 'html', 'amp', 'watchHtml', 'raw', 'content', 'path', 'href', 'dkim']);
const UNSAFE = /[\r\n\0]/;

/**
 * Refuses CR, LF or NUL in every field that can reach a header or the envelope, at any depth
 * (names included), and a value in an address field that is not a string or { name, address }.
 * MailComposer would parse "bob@x.test\r\nRCPT TO:<eve@x.test>" in to or envelope.to as a group
 * and send to eve alone, copies a "prepared" header value as it is (a header of the caller's
 * choosing), and quietly turns line breaks elsewhere into spaces.
 *
 * @throws SMTPUsageError
 */
function checkFields(mail: MailMessage): void {
  const seen = new Set<object>();
  const refuse = (path: string): never => {
    throw new SMTPUsageError(`the ${JSON.stringify(path)} field of the message contains CR, LF or NUL, which could change the recipients or headers; refused, nothing was sent`);
  };
  // Under "headers" every name is a header's, "content" and "path" too.
  const check = (path: string, value: unknown, headers = false): void => {
    if (typeof value === 'string') {
      if (UNSAFE.test(value)) refuse(path);
      return;
    }
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array || value instanceof Date || seen.has(value)) return;
    seen.add(value);
    for (const [key, inner] of Object.entries(value)) {
      const at = Array.isArray(value) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
      if (UNSAFE.test(key)) refuse(at);
      if (headers || !CONTENT_FIELDS.has(key)) check(at, inner, headers || key === 'headers');
    }
  };
  for (const field of ADDRESS_FIELDS) checkAddressTypes(field, mail[field]);
  check('', mail);
}

const ADDRESS_FIELDS = ['from', 'sender', 'replyTo', 'to', 'cc', 'bcc'] as const;

/** @throws SMTPUsageError for an address that is neither a string nor { name, address }. */
function checkAddressTypes(field: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) return value.forEach((v) => checkAddressTypes(field, v));
  if (typeof value === 'object') {
    const { name, address } = value as { name?: unknown; address?: unknown };
    checkAddressTypes(field, name);
    checkAddressTypes(field, address);
    return;
  }
  if (typeof value !== 'string') throw new SMTPUsageError(`the ${field} field must hold strings or { name, address } objects, got ${describeValue(value)}; nothing was sent`);
}

/** smtplib's send_message; `options` (with its signal) goes on to sendmail as it is. */
export async function sendMessage(smtp: SMTP, mail: MailMessage, options: { from?: string; to?: string[]; signal?: AbortSignal } = {}): Promise<Refused> {
  checkFields(mail);
  const { from, to, raw } = await composeMessage(mail);
  return smtp.sendmail(options.from ?? from, options.to ?? to, raw, [], [], options);
}
