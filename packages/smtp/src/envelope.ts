/**
 * One sendmail transaction. The envelope is decided before anything is sent: MAIL parameters from
 * what the server offers (SIZE, 8BITMIME, SMTPUTF8, BINARYMIME), and refusals that save a round
 * trip (a message over the SIZE limit). MAIL, every RCPT and DATA then go in one write when the
 * server offers PIPELINING (RFC 2920), and each recipient's reply is read back into smtplib's map.
 *
 * @module
 */
import { isAscii as isAsciiBytes } from 'node:buffer';
import { SMTPDataError, SMTPNotSupportedError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPUsageError, type SMTPException } from './errors.js';
import type { SMTPCommand } from './protocol/connection.js';
import type { Extensions } from './protocol/ehlo.js';
import type { Reply } from './protocol/reply.js';
import type { Session } from './session.js';

/** Per-recipient refusals, as smtplib's sendmail returns them. */
export type Refused = Map<string, { code: number; text: string }>;

/** A message body: text, bytes, or a stream of bytes (sent as it comes). */
export type MessageSource = string | Uint8Array | AsyncIterable<Uint8Array>;

const isAscii = (text: string) => /^[\x00-\x7f]*$/.test(text);
const hasBody = (parameters: readonly string[]) => parameters.some((p) => /^BODY=/i.test(p));

/**
 * The MAIL FROM parameters for `body`, given the server's extensions (null: HELO, no ESMTP).
 *
 * @throws SMTPSenderRefused (a message over SIZE, nothing sent), SMTPNotSupportedError (non-ASCII
 *   addresses without SMTPUTF8, binary without BINARYMIME), SMTPUsageError (no recipient).
 */
export function mailParameters(
  extensions: Extensions | null,
  from: string,
  recipients: readonly string[],
  body: Uint8Array | AsyncIterable<Uint8Array>,
  mailOptions: readonly string[],
  binary: boolean,
): string[] {
  if (recipients.length === 0) throw new SMTPUsageError('sendmail needs at least one recipient');
  const parameters = [...mailOptions];
  const has = (name: string) => extensions?.has(name) ?? false;
  if (extensions !== null) {
    if (body instanceof Uint8Array) {
      const limit = extensions.sizeLimit;
      if (limit !== null && body.length > limit) {
        throw new SMTPSenderRefused(552, `message of ${body.length} bytes exceeds the server's SIZE limit of ${limit}; nothing was sent`, from);
      }
      if (has('size')) parameters.push(`SIZE=${body.length}`);
      if (!binary && has('8bitmime') && !hasBody(parameters) && !isAsciiBytes(body)) parameters.push('BODY=8BITMIME');
    }
    if (binary && !hasBody(parameters)) parameters.push('BODY=BINARYMIME');
  }
  if (!isAscii(from) || !recipients.every(isAscii)) {
    if (!has('smtputf8')) throw new SMTPNotSupportedError('non-ASCII addresses need SMTPUTF8, which the server does not offer');
    parameters.push('SMTPUTF8');
  }
  if (binary && !(has('chunking') && has('binarymime'))) {
    throw new SMTPNotSupportedError('binary sending needs CHUNKING and BINARYMIME, which the server does not offer');
  }
  return parameters;
}

/** The recipients whose RCPT was refused (any reply but 250/251), each with its own reply. */
export function refusedRecipients(recipients: readonly string[], replies: readonly Reply[]): Refused {
  const refused: Refused = new Map();
  recipients.forEach((recipient, i) => {
    const reply = replies[i]!;
    if (reply.code !== 250 && reply.code !== 251) refused.set(recipient, { code: reply.code, text: reply.text });
  });
  return refused;
}

/** What sendmail needs beside its arguments. */
export interface Transaction {
  session: Session;
  extensions: Extensions | null;
  signal: AbortSignal | undefined;
  /** BDAT (CHUNKING) instead of DATA. */
  binary: boolean;
  /** Sends the message with BDAT once the envelope is accepted. */
  bdat(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Reply>;
}

/**
 * smtplib's sendmail on an open session. Returns the refused recipients.
 *
 * @throws SMTPSenderRefused, SMTPRecipientsRefused (every recipient), SMTPDataError; RSET is sent
 *   after each of them.
 */
export async function sendmail(
  t: Transaction,
  from: string,
  recipients: readonly string[],
  message: MessageSource,
  mailOptions: readonly string[],
  rcptOptions: readonly string[],
): Promise<Refused> {
  const { session, signal, binary } = t;
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const parameters = mailParameters(t.extensions, from, recipients, body, mailOptions, binary);
  const envelope: SMTPCommand[] = [{ type: 'MAIL', from, parameters }, ...recipients.map((to): SMTPCommand => ({ type: 'RCPT', to, parameters: rcptOptions }))];
  const pipelined = t.extensions?.has('pipelining') ?? false;
  // DATA may end a pipelined group (RFC 2920 §3.1); BDAT waits until the envelope is accepted.
  const pipelinedData = pipelined && !binary;
  if (pipelinedData) envelope.push({ type: 'DATA' });
  const replies: Reply[] = [];
  if (pipelined) {
    await session.send(envelope, signal);
    await session.replies(envelope.length, signal, replies);
  } else {
    for (const command of envelope) {
      replies.push(await session.exchange(command, signal));
      if (command.type === 'MAIL' && replies[0]!.code !== 250) break;
    }
  }
  const mailReply = replies[0]!;
  const rcptReplies = replies.slice(1, 1 + recipients.length);
  const refused = rcptReplies.length === recipients.length ? refusedRecipients(recipients, rcptReplies) : new Map();
  const dataReply = pipelinedData ? replies.at(-1)! : null;
  const envelopeRefused = mailReply.code !== 250 || refused.size === recipients.length;
  // A server that accepted DATA although it refused the envelope gets an empty message, then RSET.
  if (dataReply?.code === 354 && envelopeRefused) await session.body(new Uint8Array(0), signal).catch(() => {});
  const fail = async (error: SMTPException) => {
    await session.exchange({ type: 'RSET' }, signal).catch(() => {});
    return error;
  };
  if (mailReply.code !== 250) throw await fail(new SMTPSenderRefused(mailReply.code, mailReply.text, from, mailReply.enhancedStatus));
  if (refused.size === recipients.length) throw await fail(new SMTPRecipientsRefused(refused));
  let reply: Reply;
  if (binary) reply = await t.bdat(body);
  else {
    const go = dataReply ?? (await session.exchange({ type: 'DATA' }, signal));
    if (go.code !== 354) throw await fail(new SMTPDataError(go.code, go.text, go.enhancedStatus));
    reply = await session.body(body, signal);
  }
  if (reply.code !== 250) throw await fail(new SMTPDataError(reply.code, reply.text, reply.enhancedStatus));
  return refused;
}
