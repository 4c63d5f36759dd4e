/**
 * Every state of an IMAP connection and every transition between them, in one place (RFC 9051
 * §3, the state diagram; RFC 2177 IDLE; RFC 3501 §6.2.1 STARTTLS). The connection core
 * (./connection.ts) only looks things up here.
 *
 * Session states: GREETING (waiting for the server's first line), NOT_AUTHENTICATED,
 * AUTHENTICATED, SELECTED, IDLE, STARTTLS (the server said OK; nothing may arrive before the
 * handshake), LOGOUT, and ERROR (sticky: after the first error every call raises it).
 * Two more states run beside them: receiving is either reading a line or inside a literal (the
 * framer's `inLiteral`), and sending is either free or waiting for the server's "+" before the
 * rest of a command (a synchronising literal, an AUTHENTICATE exchange, IDLE's go-ahead).
 *
 * @module
 */

export type IMAPState = 'GREETING' | 'NOT_AUTHENTICATED' | 'AUTHENTICATED' | 'SELECTED' | 'IDLE' | 'STARTTLS' | 'LOGOUT' | 'ERROR';

/**
 * What moves the session: the greeting's status, a command's tagged status ("SELECT OK"), the
 * go-ahead to IDLE, the TLS handshake finishing, an untagged BYE, or the end of the stream.
 * IDLE's end goes back to the state IDLE began in (the core remembers it).
 */
export type Trigger =
  | 'greeting OK'
  | 'greeting PREAUTH'
  | 'greeting BYE'
  | `${string} ${'OK' | 'NO' | 'BAD'}`
  | 'IDLE +'
  | 'TLS established'
  | 'BYE'
  | 'closed';

/** state -> trigger -> next state. A completion not listed leaves the state as it is. */
export const TRANSITIONS: { readonly [S in IMAPState]: Readonly<Partial<Record<Trigger, IMAPState | 'RESUME'>>> } = {
  GREETING: { 'greeting OK': 'NOT_AUTHENTICATED', 'greeting PREAUTH': 'AUTHENTICATED', 'greeting BYE': 'LOGOUT', BYE: 'LOGOUT', closed: 'LOGOUT' },
  NOT_AUTHENTICATED: {
    'LOGIN OK': 'AUTHENTICATED',
    'AUTHENTICATE OK': 'AUTHENTICATED',
    'STARTTLS OK': 'STARTTLS',
    'LOGOUT OK': 'LOGOUT',
    BYE: 'LOGOUT',
    closed: 'LOGOUT',
  },
  STARTTLS: { 'TLS established': 'NOT_AUTHENTICATED', closed: 'LOGOUT' },
  AUTHENTICATED: {
    'SELECT OK': 'SELECTED',
    'EXAMINE OK': 'SELECTED',
    'IDLE +': 'IDLE',
    'LOGOUT OK': 'LOGOUT',
    BYE: 'LOGOUT',
    closed: 'LOGOUT',
  },
  SELECTED: {
    'SELECT OK': 'SELECTED',
    'EXAMINE OK': 'SELECTED',
    // RFC 9051 §6.3.2: a failed SELECT/EXAMINE leaves no mailbox selected.
    'SELECT NO': 'AUTHENTICATED',
    'SELECT BAD': 'AUTHENTICATED',
    'EXAMINE NO': 'AUTHENTICATED',
    'EXAMINE BAD': 'AUTHENTICATED',
    'CLOSE OK': 'AUTHENTICATED',
    'UNSELECT OK': 'AUTHENTICATED',
    'IDLE +': 'IDLE',
    'LOGOUT OK': 'LOGOUT',
    BYE: 'LOGOUT',
    closed: 'LOGOUT',
  },
  IDLE: { 'IDLE OK': 'RESUME', 'IDLE NO': 'RESUME', 'IDLE BAD': 'RESUME', BYE: 'LOGOUT', closed: 'LOGOUT' },
  LOGOUT: { closed: 'LOGOUT' },
  ERROR: {},
};

const ANY = ['NOT_AUTHENTICATED', 'AUTHENTICATED', 'SELECTED'] as const;
const AUTH = ['AUTHENTICATED', 'SELECTED'] as const;
const NONAUTH = ['NOT_AUTHENTICATED'] as const;
const SELECTED = ['SELECTED'] as const;

/**
 * The states each command may be sent in (imaplib's `Commands` table, with the extensions this
 * client speaks). A command not listed (an extension sent through `command()`) is allowed in
 * any of NOT_AUTHENTICATED, AUTHENTICATED and SELECTED, as imaplib's `xatom` allows it.
 */
export const COMMAND_STATES: Readonly<Record<string, readonly IMAPState[]>> = {
  APPEND: AUTH,
  AUTHENTICATE: NONAUTH,
  CAPABILITY: ANY,
  CHECK: SELECTED,
  CLOSE: SELECTED,
  COPY: SELECTED,
  CREATE: AUTH,
  DELETE: AUTH,
  ENABLE: ['AUTHENTICATED'],
  EXAMINE: AUTH,
  EXPUNGE: SELECTED,
  FETCH: SELECTED,
  ID: ANY,
  IDLE: AUTH,
  LIST: AUTH,
  LOGIN: NONAUTH,
  LOGOUT: ANY,
  LSUB: AUTH,
  MOVE: SELECTED,
  NAMESPACE: AUTH,
  NOOP: ANY,
  RENAME: AUTH,
  SEARCH: SELECTED,
  SELECT: AUTH,
  SORT: SELECTED,
  STARTTLS: NONAUTH,
  STATUS: AUTH,
  STORE: SELECTED,
  SUBSCRIBE: AUTH,
  THREAD: SELECTED,
  UID: SELECTED,
  UNSELECT: SELECTED,
  UNSUBSCRIBE: AUTH,
};

/**
 * Commands after which the session's state or what it may send depends on the answer; nothing is
 * pipelined with them (RFC 9051 §5.5).
 */
export const NOT_PIPELINED: ReadonlySet<string> = new Set(['AUTHENTICATE', 'CLOSE', 'ENABLE', 'EXAMINE', 'IDLE', 'LOGIN', 'LOGOUT', 'SELECT', 'STARTTLS', 'UNSELECT', 'COMPRESS']);

/** The states `verb` may be sent in. */
export function statesFor(verb: string): readonly IMAPState[] {
  return COMMAND_STATES[verb] ?? ANY;
}

/** The state after `trigger` in `state` (`resume`: the state IDLE began in). */
export function transition(state: IMAPState, trigger: Trigger, resume: IMAPState): IMAPState {
  const next = TRANSITIONS[state][trigger];
  if (next === undefined) return state;
  return next === 'RESUME' ? resume : next;
}

/**
 * What to call before `verb` can be sent in `state` (trial 12, finding 6: "FETCH illegal in state
 * AUTHENTICATED" did not say to select a mailbox); '' when there is nothing to call.
 */
export function stateAdvice(verb: string, state: IMAPState): string {
  const allowed = statesFor(verb);
  switch (state) {
    case 'GREETING':
      return 'await connect() first (it reads the greeting)';
    case 'NOT_AUTHENTICATED':
      return allowed.includes('AUTHENTICATED') || allowed.includes('SELECTED') ? 'log in first: call login() or authenticate()' : '';
    case 'AUTHENTICATED':
      if (allowed.includes('SELECTED')) return 'select a mailbox first: call select() or examine()';
      return allowed.includes('NOT_AUTHENTICATED') ? `${verb} is sent only before logging in, and the session is authenticated already` : '';
    case 'SELECTED':
      if (allowed.includes('AUTHENTICATED')) return `${verb} is sent only while no mailbox is selected: call unselect() or close() first`;
      return allowed.includes('NOT_AUTHENTICATED') ? `${verb} is sent only before logging in, and the session is authenticated already` : '';
    case 'IDLE':
      return 'leave the idle() loop first (break out of it, or abort its signal)';
    case 'STARTTLS':
      return 'await starttls() first';
    case 'LOGOUT':
    case 'ERROR':
      return 'the connection was logged out or failed: call connect() to open a new one';
  }
}
