/**
 * Every state of a POP3 client session and every transition, in one table (RFC 1939 §3-§6: the
 * AUTHORIZATION, TRANSACTION and UPDATE states; RFC 2595 STLS; RFC 5034 AUTH; RFC 2449 CAPA and
 * PIPELINING; RFC 6856 UTF8). The sans-IO core (./connection.ts) consults these tables and nothing
 * else to decide what may be sent and what a reply does.
 *
 * Two things run beside the session state:
 * - what is being read ({@link Reading}): a status line ("+OK", "-ERR", or a SASL "+ "
 *   challenge), or the body of a multi-line response, IN_MULTILINE, opened by "+OK" to a command
 *   of {@link MULTILINE} and ended by a line holding a single ".";
 * - what is awaited: the replies of the commands sent, in order (several with PIPELINING).
 *
 * @module
 */

/** Where the session is. */
export const POP3State = {
  /** Connected; the server's greeting is awaited. Nothing may be sent. */
  GREETING: 'GREETING',
  /** RFC 1939 §4: the client identifies itself (USER/PASS, APOP, AUTH), may STLS, CAPA, UTF8, QUIT. */
  AUTHORIZATION: 'AUTHORIZATION',
  /** AUTH got a "+ " challenge: only the SASL response (or "*") may be sent. */
  SASL: 'SASL',
  /** STLS got +OK: the transport must be upgraded; any byte received now is an injection. */
  STLS: 'STLS',
  /** RFC 1939 §5: the maildrop is open: STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, CAPA, QUIT. */
  TRANSACTION: 'TRANSACTION',
  /** RFC 1939 §6: QUIT was sent in TRANSACTION; the server commits deletions, answers and closes. */
  UPDATE: 'UPDATE',
  /** QUIT was answered, the greeting was -ERR, or the server closed between replies. */
  CLOSED: 'CLOSED',
  /** The server broke the protocol or went away mid-reply; every call raises that first error. */
  ERROR: 'ERROR',
} as const;
export type POP3State = (typeof POP3State)[keyof typeof POP3State];

/** What the receiving side reads next: a status line, or the body of a multi-line response. */
export const Reading = { STATUS: 'STATUS', IN_MULTILINE: 'IN_MULTILINE' } as const;
export type Reading = (typeof Reading)[keyof typeof Reading];

/** What the client sends ("GREETING" stands for the server's first line, which answers nothing sent). */
export type CommandName =
  | 'GREETING'
  | 'USER'
  | 'PASS'
  | 'APOP'
  | 'AUTH'
  | 'AUTH_RESPONSE'
  | 'STLS'
  | 'CAPA'
  | 'UTF8'
  | 'STAT'
  | 'LIST'
  | 'UIDL'
  | 'RETR'
  | 'TOP'
  | 'DELE'
  | 'RSET'
  | 'NOOP'
  | 'QUIT';

/** How a server line answers a command: "+OK", "-ERR", or a SASL challenge "+ ..." (AUTH only). */
export type Outcome = '+OK' | '-ERR' | '+';

type Row = {
  /** Commands allowed in this state, and the state sending one leads to. */
  readonly send: Partial<Record<CommandName, POP3State>>;
  /** For a reply to `command`: the next state per outcome. An outcome missing here is a protocol error. */
  readonly reply: Partial<Record<CommandName, Partial<Record<Outcome, POP3State>>>>;
};

const { GREETING, AUTHORIZATION, SASL, STLS, TRANSACTION, UPDATE, CLOSED, ERROR } = POP3State;
const stay = (state: POP3State): Partial<Record<Outcome, POP3State>> => ({ '+OK': state, '-ERR': state });

/** THE table. */
export const TRANSITIONS: Readonly<Record<POP3State, Row>> = {
  [GREETING]: {
    send: {},
    // RFC 1939 §4: a -ERR greeting means the server will not serve us (it then closes).
    reply: { GREETING: { '+OK': AUTHORIZATION, '-ERR': CLOSED } },
  },
  [AUTHORIZATION]: {
    send: { USER: AUTHORIZATION, PASS: AUTHORIZATION, APOP: AUTHORIZATION, AUTH: AUTHORIZATION, STLS: AUTHORIZATION, CAPA: AUTHORIZATION, UTF8: AUTHORIZATION, QUIT: AUTHORIZATION },
    reply: {
      USER: stay(AUTHORIZATION),
      CAPA: stay(AUTHORIZATION),
      UTF8: stay(AUTHORIZATION),
      PASS: { '+OK': TRANSACTION, '-ERR': AUTHORIZATION },
      APOP: { '+OK': TRANSACTION, '-ERR': AUTHORIZATION },
      AUTH: { '+OK': TRANSACTION, '-ERR': AUTHORIZATION, '+': SASL },
      AUTH_RESPONSE: { '+OK': TRANSACTION, '-ERR': AUTHORIZATION, '+': SASL },
      STLS: { '+OK': STLS, '-ERR': AUTHORIZATION },
      QUIT: { '+OK': CLOSED, '-ERR': CLOSED },
    },
  },
  [SASL]: {
    send: { AUTH_RESPONSE: AUTHORIZATION },
    reply: {},
  },
  // Left by `startedTls()` (to AUTHORIZATION) once the handshake is done.
  [STLS]: { send: {}, reply: {} },
  [TRANSACTION]: {
    send: { STAT: TRANSACTION, LIST: TRANSACTION, UIDL: TRANSACTION, RETR: TRANSACTION, TOP: TRANSACTION, DELE: TRANSACTION, RSET: TRANSACTION, NOOP: TRANSACTION, CAPA: TRANSACTION, QUIT: UPDATE },
    reply: {
      STAT: stay(TRANSACTION),
      LIST: stay(TRANSACTION),
      UIDL: stay(TRANSACTION),
      RETR: stay(TRANSACTION),
      TOP: stay(TRANSACTION),
      DELE: stay(TRANSACTION),
      RSET: stay(TRANSACTION),
      NOOP: stay(TRANSACTION),
      CAPA: stay(TRANSACTION),
    },
  },
  [UPDATE]: {
    send: {},
    // RFC 1939 §6: -ERR means some deletions failed; the session ends either way.
    reply: { QUIT: { '+OK': CLOSED, '-ERR': CLOSED } },
  },
  [CLOSED]: { send: {}, reply: {} },
  [ERROR]: { send: {}, reply: {} },
};

/**
 * What "+OK" to a command opens (Reading goes to IN_MULTILINE until the "." line): a listing
 * (CAPA, LIST and UIDL without an argument; lines bounded by limits.maxLineLength, the whole by
 * limits.maxListingSize) or a message (RETR, TOP; lines bounded by limits.maxContentLineLength,
 * the whole by limits.maxMessageSize). LIST and UIDL with a message number answer on their status
 * line.
 */
export const MULTILINE: Readonly<Partial<Record<CommandName, 'listing' | 'message'>>> = { CAPA: 'listing', LIST: 'listing', UIDL: 'listing', RETR: 'message', TOP: 'message' };

/**
 * Commands after which nothing more may be sent until their reply came, pipelining or not: each
 * may change the state (RFC 2449 §6.6: a pipelining client still waits where what comes next
 * depends on the answer).
 */
export const BARRIER: ReadonlySet<CommandName> = new Set<CommandName>(['GREETING', 'USER', 'PASS', 'APOP', 'AUTH', 'AUTH_RESPONSE', 'STLS', 'UTF8', 'QUIT']);

/**
 * What to do before `command` can be sent in `state` (trial 12, finding 6: "STAT cannot be sent in
 * state AUTHORIZATION" did not say to log in).
 */
export function stateAdvice(command: string, state: POP3State): string {
  switch (state) {
    case POP3State.GREETING:
      return 'await connect() first (it reads the greeting)';
    case POP3State.AUTHORIZATION:
      return command === 'AUTH_RESPONSE' ? 'a SASL response goes only after AUTH: call auth()' : 'log in first: call user() and pass_(), apop() or auth()';
    case POP3State.SASL:
      return 'the AUTH exchange is still running: finish it (or cancel it with "*") first';
    case POP3State.STLS:
      return 'await stls() first';
    case POP3State.TRANSACTION:
      return `${command} is sent only before logging in, and the session is logged in already`;
    case POP3State.UPDATE:
    case POP3State.CLOSED:
    case POP3State.ERROR:
      return 'the session ended (quit(), or the server closed or failed): call connect() to open a new one';
  }
}
