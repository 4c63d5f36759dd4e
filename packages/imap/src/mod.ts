/**
 * @unitls/imap: Python's imaplib for TypeScript, with results typed by the IMAP grammar, on any
 * unitls TLS implementation; and the protocol itself as a sans-IO connection (`IMAPConnection`).
 *
 * @example
 * ```ts
 * import { IMAP4 } from '@unitls/imap';
 * await using imap = new IMAP4({ host: 'mail.example.org' }); // STARTTLS required by default
 * await imap.connect();
 * await imap.login('alice', 'secret');
 * const inbox = await imap.select('INBOX');
 * const [first] = await imap.fetch('1', 'UID FLAGS ENVELOPE BODY.PEEK[]');
 * console.log(inbox.exists, first?.envelope?.subject);
 * ```
 *
 * @module
 */
export * from './errors.js';
export { IMAP4, IMAP4_SSL, type ListEntry, type MailboxStatus } from './client.js';
export { IMAP4Session, type CommandResult } from './session.js';
export type { IMAP4Options, IMAP4Limits, CallOptions, FetchEachOptions, Answer } from './options.js';
export type { Security, TransportFactory } from '@unitls/client-kit';
export { IMAPConnection, NEED_DATA, type IMAPEvent, type IMAPLimits } from './protocol/connection.js';
export { TRANSITIONS, COMMAND_STATES, type IMAPState, type Trigger } from './protocol/states.js';
export { encodeCommand, type Argument, type Command, type LiteralMode } from './protocol/command.js';
export { ResponseFramer, STREAM_END, LITERAL_OVERHEAD, type ResponseParts, type FramingLimits } from './protocol/framer.js';
export { parseResponse, mailboxName, type Response, type TaggedResponse, type UntaggedResponse, type ContinuationResponse, type StatusResponse, type StatusItems, type Namespace, type ParseContext } from './protocol/responses.js';
export { codeValue, type ResponseCode, type CodeValues, type AppendUid, type CopyUid } from './protocol/codes.js';
export { parseFetch, parseEnvelope, parseBodyStructure, type FetchResult, type Envelope, type Address, type BodyStructure, type Disposition } from './protocol/fetch.js';
export type { IMAPValue } from './protocol/tokens.js';
export { encodeMailbox, decodeMailbox } from './protocol/utf7.js';
