/**
 * Status responses and their response codes (RFC 9051 §7.1, `resp-text`), typed by the grammar.
 *
 * @module
 */
import { IMAP4ProtocolError } from '../errors.js';
import { flags, modSequence, nzNumber, sequenceSet } from './grammar.js';
import type { Tokens } from './tokens.js';

export interface AppendUid {
  readonly uidValidity: number;
  /** The UID (or, with MULTIAPPEND, the uid-set) the message got. */
  readonly uids: string;
}

export interface CopyUid {
  readonly uidValidity: number;
  readonly source: string;
  readonly destination: string;
}

/** The typed value of each response code this client understands. */
export interface CodeValues {
  UIDVALIDITY: number;
  UIDNEXT: number;
  UNSEEN: number;
  HIGHESTMODSEQ: bigint;
  CAPABILITY: readonly string[];
  PERMANENTFLAGS: readonly string[];
  BADCHARSET: readonly string[];
  APPENDUID: AppendUid;
  COPYUID: CopyUid;
  MODIFIED: string;
}

/**
 * A response code: one of {@link CodeValues} with its typed value, or any other (ALERT, READ-ONLY,
 * TRYCREATE, ...) with the raw text after its name, or null.
 */
export type ResponseCode =
  | { [K in keyof CodeValues]: { readonly name: K; readonly value: CodeValues[K] } }[keyof CodeValues]
  | { readonly name: string; readonly value: string | null };

/** The typed value of `name` when `code` is that code. */
export function codeValue<K extends keyof CodeValues>(code: ResponseCode | null | undefined, name: K): CodeValues[K] | undefined {
  return code?.name === name ? (code.value as CodeValues[K]) : undefined;
}

export interface ResponseText {
  readonly code: ResponseCode | null;
  readonly text: string;
}

const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const SP = 0x20;

const KNOWN: Record<keyof CodeValues, true> = {
  UIDVALIDITY: true,
  UIDNEXT: true,
  UNSEEN: true,
  HIGHESTMODSEQ: true,
  CAPABILITY: true,
  PERMANENTFLAGS: true,
  BADCHARSET: true,
  APPENDUID: true,
  COPYUID: true,
  MODIFIED: true,
};

/** The typed value of a known code, read after its name. */
function typedArguments(name: keyof CodeValues, tokens: Tokens): CodeValues[keyof CodeValues] {
  const arg = () => {
    tokens.space(`after ${name}`);
    return tokens.value(0, true);
  };
  switch (name) {
    case 'UIDVALIDITY':
    case 'UIDNEXT':
    case 'UNSEEN':
      return nzNumber(arg(), `[${name}]`);
    case 'HIGHESTMODSEQ':
      return modSequence(arg(), '[HIGHESTMODSEQ]');
    case 'MODIFIED':
      return sequenceSet(arg(), '[MODIFIED]');
    case 'PERMANENTFLAGS':
      return flags(arg(), '[PERMANENTFLAGS]');
    case 'APPENDUID':
      return { uidValidity: nzNumber(arg(), '[APPENDUID]'), uids: sequenceSet(arg(), '[APPENDUID]') };
    case 'COPYUID':
      return { uidValidity: nzNumber(arg(), '[COPYUID]'), source: sequenceSet(arg(), '[COPYUID]'), destination: sequenceSet(arg(), '[COPYUID]') };
    case 'BADCHARSET':
      return tokens.peek() === SP ? flags(arg(), '[BADCHARSET]') : [];
    case 'CAPABILITY': {
      const out: string[] = [];
      for (tokens.skipSpace(); tokens.peek() !== RBRACKET && tokens.peek() !== -1; tokens.skipSpace()) {
        out.push(tokens.atom(true));
      }
      return out;
    }
  }
}

/** An unknown code's argument: its grammar runs it to the first "]". */
function rawArguments(tokens: Tokens): string | null {
  if (tokens.peek() !== SP) return null;
  tokens.advance();
  const raw = tokens.upTo(']');
  if (raw === null) tokens.fail('unterminated response code');
  return raw;
}

/**
 * `resp-text = ["[" resp-text-code "]" SP] text`. Deliberately lenient where servers deviate and
 * nothing can be gained by an attacker:
 * - No text, or no space before it: iCloud sends `* BYE` (ruby/net-imap#229), Gmail `* OK
 *   [HIGHESTMODSEQ 123]` (modern-email/defects#28), ppops.net `A6 OK` (mscdex/node-imap#537).
 * - A code that does not match its grammar (`* NO [UNSEEN]`, an unclosed "[") is plain text, as
 *   Mark Crispin ruled on the imap-protocol list (quoted in duesee/imap-codec#301).
 */
export function responseText(tokens: Tokens): ResponseText {
  tokens.skipSpace();
  if (tokens.peek() !== LBRACKET) return { code: null, text: tokens.rest() };
  const start = tokens.mark();
  try {
    tokens.advance();
    const name = tokens.atom(true).toUpperCase();
    const value = name in KNOWN ? typedArguments(name as keyof CodeValues, tokens) : rawArguments(tokens);
    if (tokens.peek() !== RBRACKET) tokens.fail('unterminated response code');
    tokens.advance();
    tokens.skipSpace();
    return { code: { name, value } as ResponseCode, text: tokens.rest() };
  } catch (error) {
    if (!(error instanceof IMAP4ProtocolError)) throw error;
    tokens.restore(start);
    return { code: null, text: tokens.rest() };
  }
}
