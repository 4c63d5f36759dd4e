/**
 * @unitls/pop: Python's poplib for TypeScript, on any unitls TLS implementation. A sans-IO
 * protocol core (`POP3Connection`, every state and transition in one table) under a thin async
 * client (`POP3`, `POP3_SSL`) built on @unitls/client-kit.
 *
 * @example
 * ```ts
 * import { POP3 } from '@unitls/pop';
 * await using pop = new POP3({ host: 'mail.example.org' }); // STLS required by default
 * await pop.connect();
 * await pop.auth('SCRAM-SHA-256', { user: 'alice', password: 'secret' });
 * const [count] = await pop.stat();
 * const first = await pop.retr(1);
 * ```
 *
 * @module
 */
export * from './errors.js';
export { POP3, POP3_SSL, type ScanListing, type UniqueId } from './client.js';
export type { POP3Options, POP3PlainOptions, POP3ClientLimits, CallOptions } from './options.js';
export {
  POP3Connection,
  NEED_DATA,
  DEFAULT_LIMITS,
  type POP3Command,
  type POP3Event,
  type POP3Limits,
  type StatusEvent,
  type ChallengeEvent,
  type LineEvent,
  type EndEvent,
  type MessageEvent,
  type ClosedEvent,
} from './protocol/connection.js';
export { POP3State, Reading, TRANSITIONS, MULTILINE, BARRIER, type CommandName, type Outcome } from './protocol/states.js';
export type { Credentials } from '@unitls/client-kit';
