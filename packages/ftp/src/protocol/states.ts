/**
 * Every state of an FTP control connection and every transition, in one table (RFC 959 §4.2 and
 * §5.4, RFC 4217 AUTH TLS). The sans-IO core (./connection.ts) consults it and nothing else to
 * decide what may be sent and what a reply does.
 *
 * @module
 */

/** Where the control connection is. */
export const FTPState = {
  /** Connected; the greeting is awaited (120 "ready in n minutes" may come first). */
  GREETING: 'GREETING',
  /** No reply is awaited: any command may be sent. */
  IDLE: 'IDLE',
  /** A command was sent; its reply is awaited (a 1xx first leaves it here). */
  WAITING: 'WAITING',
  /** A transfer command (RETR, STOR, LIST, ...) was sent; its 1xx is awaited. */
  TRANSFER_REQUESTED: 'TRANSFER_REQUESTED',
  /** The transfer runs on the data connection; its final reply (226, 426, ...) is awaited. */
  TRANSFER: 'TRANSFER',
  /** The transfer was abandoned with ABOR + NOOP: replies are discarded up to NOOP's 200. */
  RESYNC: 'RESYNC',
  /** AUTH TLS got 234: the transport must be upgraded; any byte received now is an injection. */
  TLS: 'TLS',
  /** QUIT was answered, the server said 421, or it closed between replies. */
  CLOSED: 'CLOSED',
  /** The server broke the protocol or went away mid-reply; every call raises that first error. */
  ERROR: 'ERROR',
} as const;
export type FTPState = (typeof FTPState)[keyof typeof FTPState];

/** What a command is, for the table: most verbs are COMMAND. */
export type CommandKind = 'COMMAND' | 'TRANSFER' | 'AUTH' | 'QUIT' | 'ABOR';

/** Verbs that open a data connection (RFC 959 §4.1.3, RFC 3659 MLSD). */
const TRANSFER_VERBS: ReadonlySet<string> = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);

/** The kind of a verb (upper case). */
export function kindOf(verb: string): CommandKind {
  if (TRANSFER_VERBS.has(verb)) return 'TRANSFER';
  if (verb === 'AUTH' || verb === 'QUIT' || verb === 'ABOR') return verb;
  return 'COMMAND';
}

/** RFC 959 §4.2.1: the first digit of a reply code. */
export type ReplyClass = 'preliminary' | 'completion' | 'intermediate' | 'transient' | 'permanent';

export const replyClass = (code: number): ReplyClass =>
  code < 200 ? 'preliminary' : code < 300 ? 'completion' : code < 400 ? 'intermediate' : code < 500 ? 'transient' : 'permanent';

/** The next state for a reply: by exact code first (e.g. AUTH's 234), else by class. */
export type Transition = Partial<Record<ReplyClass, FTPState>> & { readonly [code: number]: FTPState };

type Row = {
  /** Commands allowed in this state, and the state sending one leads to. */
  readonly send: Partial<Record<CommandKind, FTPState>>;
  /** For a reply to a command of a kind: the next state. A class missing here is a protocol error. */
  readonly reply: Partial<Record<CommandKind | 'GREETING', Transition>>;
};

const { GREETING, IDLE, WAITING, TRANSFER_REQUESTED, TRANSFER, RESYNC, TLS, CLOSED, ERROR } = FTPState;

/** A reply to an ordinary command: a 1xx means another reply follows; anything else ends it. */
const ANSWERED: Transition = { preliminary: WAITING, completion: IDLE, intermediate: IDLE, transient: IDLE, permanent: IDLE };

/** THE table. 421 ("service closing") to any command leads to CLOSED, whatever the row says. */
export const TRANSITIONS: Readonly<Record<FTPState, Row>> = {
  [GREETING]: {
    send: {},
    reply: { GREETING: { preliminary: GREETING, completion: IDLE, transient: CLOSED, permanent: CLOSED } },
  },
  [IDLE]: {
    send: { COMMAND: WAITING, ABOR: WAITING, AUTH: WAITING, QUIT: WAITING, TRANSFER: TRANSFER_REQUESTED },
    reply: {},
  },
  [WAITING]: {
    send: {},
    reply: {
      COMMAND: ANSWERED,
      ABOR: ANSWERED,
      // RFC 4217 §4: 234 is the only go-ahead; 334 (AUTH SSL style) and errors leave TLS off.
      AUTH: { 234: TLS, preliminary: WAITING, completion: IDLE, intermediate: IDLE, transient: IDLE, permanent: IDLE },
      QUIT: { preliminary: WAITING, completion: CLOSED, intermediate: CLOSED, transient: CLOSED, permanent: CLOSED },
    },
  },
  [TRANSFER_REQUESTED]: {
    // ABOR here also sends NOOP (see the core): every reply up to NOOP's 200 is then discarded.
    send: { ABOR: RESYNC },
    reply: {
      // ftplib's tolerance: some servers send a 2xx before the 1xx; the 1xx still follows.
      TRANSFER: { preliminary: TRANSFER, completion: TRANSFER_REQUESTED, intermediate: IDLE, transient: IDLE, permanent: IDLE },
    },
  },
  [TRANSFER]: {
    send: { ABOR: RESYNC },
    reply: { TRANSFER: { preliminary: TRANSFER, completion: IDLE, intermediate: IDLE, transient: IDLE, permanent: IDLE } },
  },
  // Replies are consumed by the core itself until NOOP's 200, which leads to IDLE.
  [RESYNC]: { send: {}, reply: {} },
  // Left by `startedTls()` (to IDLE) once the handshake is done.
  [TLS]: { send: {}, reply: {} },
  [CLOSED]: { send: {}, reply: {} },
  [ERROR]: { send: {}, reply: {} },
};

/** How many replies RESYNC discards at most before NOOP's 200 (transfer, ABOR, NOOP: 4 in practice). */
export const MAX_RESYNC_REPLIES = 8;
