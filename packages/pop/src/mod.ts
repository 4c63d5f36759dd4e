/**
 * @unitls/pop: Python's poplib for TypeScript, on any unitls TLS implementation.
 *
 * @example
 * ```ts
 * import { POP3 } from '@unitls/pop';
 * await using pop = new POP3({ host: 'mail.example.org' }); // STLS required by default
 * await pop.connect();
 * await pop.user('alice');
 * await pop.pass_('secret');
 * const [count] = await pop.stat();
 * const first = await pop.retr(1);
 * ```
 *
 * @module
 */
export * from './errors.js';
export { POP3, POP3_SSL, type POP3Options, type POP3PlainOptions, type ScanListing } from './client.js';
export { LineSplitter, bodyLine, parseStatus } from './protocol/lines.js';
