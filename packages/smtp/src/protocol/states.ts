/**
 * Every state of an SMTP client session and every transition, in one table (RFC 5321 §4.3.2,
 * RFC 2920 pipelining, RFC 3207 STARTTLS, RFC 4954 AUTH, RFC 3030 BDAT). The sans-IO core
 * (./connection.ts) consults it and nothing else to decide what may be sent and what a reply does.
 *
 * @module
 */

/** Where the session is. */
export const SMTPState = {
  /** Connected; the server's 220 greeting is awaited. Nothing may be sent. */
  GREETING: 'GREETING',
  /** Commands may be sent (pipelined ones while replies are pending, see BARRIER). */
  READY: 'READY',
  /** AUTH got 334: only the SASL response (or "*") may be sent. */
  AUTH: 'AUTH',
  /** DATA got 354: only message bytes and the end-of-data mark may be sent. */
  DATA: 'DATA',
  /** STARTTLS got 220: the transport must be upgraded; any byte received now is an injection. */
  TLS: 'TLS',
  /** QUIT was answered, or the server closed between replies. */
  CLOSED: 'CLOSED',
  /** The server broke the protocol or went away mid-reply; every call raises that first error. */
  ERROR: 'ERROR',
} as const;
export type SMTPState = (typeof SMTPState)[keyof typeof SMTPState];

/** What the client sends. */
export type CommandName =
  | 'GREETING'
  | 'EHLO'
  | 'HELO'
  | 'STARTTLS'
  | 'AUTH'
  | 'AUTH_RESPONSE'
  | 'MAIL'
  | 'RCPT'
  | 'DATA'
  | 'BODY'
  | 'END_OF_DATA'
  | 'BDAT'
  | 'RSET'
  | 'NOOP'
  | 'VRFY'
  | 'QUIT'
  | 'RAW';

/** RFC 5321 §4.2.1: 2yz positive, 3yz intermediate, 4yz and 5yz negative. */
export type ReplyClass = 'positive' | 'intermediate' | 'negative';

export const replyClass = (code: number): ReplyClass => (code < 300 ? 'positive' : code < 400 ? 'intermediate' : 'negative');

type Row = {
  /** Commands allowed in this state, and the state sending one leads to. */
  readonly send: Partial<Record<CommandName, SMTPState>>;
  /** For a reply to `command` of a class: the next state. A class missing here is a protocol error. */
  readonly reply: Partial<Record<CommandName, Partial<Record<ReplyClass, SMTPState>>>>;
};

const { GREETING, READY, AUTH, DATA, TLS, CLOSED, ERROR } = SMTPState;
// smtplib treats any unexpected code as that command's failure; so do we (3yz included).
const STAY: Partial<Record<ReplyClass, SMTPState>> = { positive: READY, intermediate: READY, negative: READY };

/** THE table. */
export const TRANSITIONS: Readonly<Record<SMTPState, Row>> = {
  [GREETING]: {
    send: {},
    reply: { GREETING: STAY },
  },
  [READY]: {
    send: { EHLO: READY, HELO: READY, STARTTLS: READY, AUTH: READY, MAIL: READY, RCPT: READY, DATA: READY, BDAT: READY, RSET: READY, NOOP: READY, VRFY: READY, QUIT: READY, RAW: READY },
    reply: {
      EHLO: STAY,
      HELO: STAY,
      MAIL: STAY,
      RCPT: STAY,
      END_OF_DATA: STAY,
      BDAT: STAY,
      RSET: STAY,
      NOOP: STAY,
      VRFY: STAY,
      RAW: STAY,
      STARTTLS: { positive: TLS, intermediate: READY, negative: READY },
      AUTH: { positive: READY, intermediate: AUTH, negative: READY },
      // RFC 5321 §4.3.2: DATA is answered 354 or an error, never 2yz. A 2yz here is a reply that
      // belongs to another command (a server sending one reply too many in a pipelined group):
      // taking it would leave the real answer to read as the reply to the next command.
      DATA: { intermediate: DATA, negative: READY },
      QUIT: { positive: CLOSED, intermediate: CLOSED, negative: CLOSED },
    },
  },
  [AUTH]: {
    send: { AUTH_RESPONSE: AUTH },
    reply: { AUTH_RESPONSE: { positive: READY, intermediate: AUTH, negative: READY } },
  },
  [DATA]: {
    send: { BODY: DATA, END_OF_DATA: READY },
    reply: {},
  },
  // Left by `startedTls()` (to READY) once the handshake is done.
  [TLS]: { send: {}, reply: {} },
  [CLOSED]: { send: {}, reply: {} },
  [ERROR]: { send: {}, reply: {} },
};

/**
 * Commands that end a pipelined group (RFC 2920 §3.1, plus STARTTLS, AUTH and BDAT, which this
 * client never pipelines): nothing more may be sent until their reply came.
 */
export const BARRIER: ReadonlySet<CommandName> = new Set<CommandName>(['EHLO', 'HELO', 'STARTTLS', 'AUTH', 'AUTH_RESPONSE', 'DATA', 'END_OF_DATA', 'BDAT', 'NOOP', 'VRFY', 'QUIT', 'RAW']);

/** Commands that expect no reply of their own (message bytes inside DATA). */
export const SILENT: ReadonlySet<CommandName> = new Set<CommandName>(['BODY']);

/**
 * What to do before `command` can be sent in `state` (trial 12, finding 6: a state error must say
 * the call to make).
 */
export function stateAdvice(command: CommandName, state: SMTPState): string {
  switch (state) {
    case GREETING:
      return 'await connect() first (it reads the greeting)';
    case READY:
      return command === 'BODY' || command === 'END_OF_DATA' ? 'the message goes after DATA: call data() or sendmail()' : command === 'AUTH_RESPONSE' ? 'a SASL response goes only after AUTH: call login() or auth()' : '';
    case AUTH:
      return 'the AUTH exchange is still running: finish it (or cancel it with "*") first';
    case DATA:
      return 'the message of DATA is still being sent: finish it (data() sends it and its end) first';
    case TLS:
      return 'await starttls() first';
    case CLOSED:
    case ERROR:
      return 'the session ended (quit(), or the server closed or failed): call connect() to open a new one';
  }
}
