/**
 * Commands to bytes (RFC 9051 §2.2.1, §4.3): arguments become atoms, quoted strings or literals,
 * and nothing the caller passes can end the command line early. A command is cut into pieces at
 * each synchronising literal: the first piece goes out at once, each later one after the server's
 * "+" continuation.
 *
 * @module
 */
import { IMAP4UsageError } from '../errors.js';
import { describeValue } from '@unitls/tls-core';

/**
 * A command argument: `{ atom }` is sent as is (printable ASCII, no "{"; FETCH item lists and
 * search keys), a string as a quoted string or, when it holds CR, LF or 8-bit text, a literal,
 * bytes always as a literal, a number or bigint in decimal, null as NIL, an array as a list.
 */
export type Argument = { atom: string } | string | Uint8Array | number | bigint | null | Argument[];

export interface Command {
  /** One atom, or UID and one ("NOOP", "UID FETCH"). */
  readonly name: string;
  readonly args?: readonly Argument[];
}

export interface LiteralMode {
  /** LITERAL+ (RFC 7888): every literal may be non-synchronising. */
  readonly literalPlus: boolean;
  /** LITERAL- (RFC 7888): non-synchronising literals up to 4096 bytes. */
  readonly literalMinus: boolean;
}

// One atom, or UID and one (RFC 9051 §6.4.9: "UID FETCH"); a second word otherwise would be an argument.
const NAME = /^(?:UID )?[A-Za-z][A-Za-z0-9.=_-]*$/i;
// Printable ASCII without "{" (a raw "{n}" at the end would announce a literal the server then
// reads from our next command) and without the DQUOTE/backslash a quoted string needs.
const RAW = /^[\x21-\x7a\x7c-\x7e](?:[\x20-\x7a\x7c-\x7e]*[\x21-\x7a\x7c-\x7e])?$/;
const QUOTABLE = /^[\x20-\x7e]*$/;
const CRLF = Buffer.from('\r\n');

/** Refuses a command name that is not an atom or "UID atom" (it would let a caller send any line). */
export function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new IMAP4UsageError(`not an IMAP command name: ${JSON.stringify(name)} (one atom, or UID and one, such as "NOOP" or "UID FETCH"; arguments go separately)`);
}

/** The pieces of `tag SP name [SP args] CRLF`; every piece after the first waits for "+". */
export function encodeCommand(tag: string, command: Command, mode: LiteralMode): Uint8Array[] {
  checkName(command.name);
  const pieces: Uint8Array[] = [];
  let current: Buffer[] = [Buffer.from(`${tag} ${command.name}`, 'latin1')];
  const text = (s: string) => current.push(Buffer.from(s, 'latin1'));
  const literal = (data: Uint8Array) => {
    if (data.includes(0)) throw new IMAP4UsageError('a literal argument contains NUL, which IMAP literals may not carry; refused');
    const plus = mode.literalPlus || (mode.literalMinus && data.length <= 4096);
    text(`{${data.length}${plus ? '+' : ''}}\r\n`);
    if (!plus) {
      pieces.push(Buffer.concat(current));
      current = [];
    }
    current.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  };
  const argument = (arg: Argument): void => {
    if (arg === null) text('NIL');
    else if (typeof arg === 'number' || typeof arg === 'bigint') {
      if ((typeof arg === 'number' && !Number.isSafeInteger(arg)) || arg < 0) throw new IMAP4UsageError(`not an IMAP number: ${arg}`);
      text(String(arg));
    } else if (Array.isArray(arg)) {
      text('(');
      arg.forEach((item, i) => {
        if (i > 0) text(' ');
        argument(item);
      });
      text(')');
    } else if (arg instanceof Uint8Array) literal(arg);
    else if (typeof arg === 'object') {
      if (typeof arg.atom !== 'string' || !RAW.test(arg.atom)) throw new IMAP4UsageError(`an IMAP atom must be printable ASCII without "{", CR, LF or NUL: ${JSON.stringify(arg.atom) ?? String(arg.atom)}; refused`);
      text(arg.atom);
    } else if (typeof arg !== 'string') {
      throw new IMAP4UsageError(`an IMAP argument must be a string, { atom }, bytes, a number, null or an array, got ${describeValue(arg)}; refused, nothing was sent`);
    } else if (arg.includes('\0')) throw new IMAP4UsageError('a string argument contains NUL; refused');
    else if (QUOTABLE.test(arg)) text(`"${arg.replace(/(["\\])/g, '\\$1')}"`);
    // CR/LF and 8-bit text travel as literals, which carry them safely.
    else literal(Buffer.from(arg, 'utf8'));
  };
  for (const arg of command.args ?? []) {
    text(' ');
    argument(arg);
  }
  current.push(CRLF);
  pieces.push(Buffer.concat(current));
  return pieces;
}
