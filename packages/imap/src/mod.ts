/**
 * @unitls/imap: Python's imaplib for TypeScript, with parsed results, on any unitls TLS implementation.
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
export { IMAP4, IMAP4_SSL, type IMAP4Options, type IMAP4PlainOptions, type Argument, type CommandResult, type ListEntry, type MailboxStatus } from './client.js';
export { ResponseParser, type IMAPValue, type ParserLimits, type Response, type TaggedResponse, type UntaggedResponse, type ContinuationResponse } from './protocol/parser.js';
export { parseFetch, parseEnvelope, parseBodyStructure, type FetchResult, type Envelope, type Address, type BodyStructure } from './protocol/fetch.js';
export { encodeMailbox, decodeMailbox } from './protocol/utf7.js';
