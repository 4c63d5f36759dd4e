/**
 * Server responses (RFC 9051 §7) typed by the grammar: each data response a small object whose
 * numbers are numbers only where the grammar says so. Responses this client does not type come
 * out as `OTHER` with their raw values.
 *
 * @module
 */
import { IMAP4ProtocolError } from '../errors.js';
import { responseText, type ResponseCode } from './codes.js';
import { parseFetch, type FetchResult } from './fetch.js';
import type { ResponseParts } from './framer.js';
import { astring, flags, list, modSequence, nstring, number, number64, nzNumber, pairs, sequenceSet, utf8 } from './grammar.js';
import { Tokens, type IMAPValue } from './tokens.js';
import { decodeMailbox } from './utf7.js';

export type Status = 'OK' | 'NO' | 'BAD';

export interface TaggedResponse {
  readonly kind: 'tagged';
  readonly tag: string;
  readonly status: Status;
  readonly code: ResponseCode | null;
  readonly text: string;
}

export interface ContinuationResponse {
  readonly kind: 'continuation';
  readonly text: string;
}

export interface StatusResponse {
  readonly kind: 'untagged';
  readonly type: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';
  readonly code: ResponseCode | null;
  readonly text: string;
}

/** STATUS items (RFC 9051 §7.2.4, RFC 7162, RFC 8474, RFC 7889); unknown items as sent. */
export interface StatusItems {
  MESSAGES?: number;
  RECENT?: number;
  UIDNEXT?: number;
  UIDVALIDITY?: number;
  UNSEEN?: number;
  DELETED?: number;
  SIZE?: bigint;
  'DELETED-STORAGE'?: bigint;
  HIGHESTMODSEQ?: bigint;
  APPENDLIMIT?: number | null;
  MAILBOXID?: string;
  [item: string]: number | bigint | string | null | undefined;
}

export interface Namespace {
  readonly prefix: string;
  readonly delimiter: string | null;
}

type Data<T extends string, F> = { readonly kind: 'untagged'; readonly type: T } & F;

export type UntaggedResponse =
  | StatusResponse
  | Data<'CAPABILITY' | 'ENABLED', { capabilities: string[] }>
  | Data<'FLAGS', { flags: string[] }>
  /** `mailbox` decoded (modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT); `extended` as sent (RFC 5258). */
  | Data<'LIST' | 'LSUB', { flags: string[]; delimiter: string | null; mailbox: string; extended: IMAPValue[] }>
  | Data<'STATUS', { mailbox: string; items: StatusItems }>
  | Data<'SEARCH' | 'SORT', { numbers: number[]; modseq: bigint | null }>
  | Data<'ESEARCH', { tag: string | null; uid: boolean; min?: number; max?: number; count?: number; all?: string; modseq?: bigint; other: Array<[string, IMAPValue]> }>
  | Data<'EXISTS' | 'RECENT' | 'EXPUNGE', { number: number }>
  | Data<'FETCH', { number: number; fetch: FetchResult }>
  | Data<'NAMESPACE', { personal: Namespace[] | null; other: Namespace[] | null; shared: Namespace[] | null }>
  | Data<'ID', { fields: Record<string, string | null> | null }>
  | Data<'OTHER', { name: string; number: number | null; data: IMAPValue[] }>;

export type Response = UntaggedResponse | TaggedResponse | ContinuationResponse;

/** What typing needs to know about the session. */
export interface ParseContext {
  /** After ENABLE UTF8=ACCEPT (RFC 6855) mailbox names are UTF-8, not modified UTF-7. */
  readonly utf8Accept: boolean;
  readonly maxDepth: number;
}

const STATUS_TYPES = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);
// One string per type word, shared by every response (a flood of "* 1 EXISTS" must not hold a copy each).
const TYPES = new Map(
  [...STATUS_TYPES, 'CAPABILITY', 'ENABLED', 'FLAGS', 'LIST', 'LSUB', 'STATUS', 'SEARCH', 'SORT', 'ESEARCH', 'EXISTS', 'RECENT', 'EXPUNGE', 'FETCH', 'NAMESPACE', 'ID'].map((t) => [t, t]),
);
const typeOf = (word: string) => TYPES.get(word) ?? TYPES.get(word.toUpperCase()) ?? word.toUpperCase();

/** A mailbox name as the API shows it. INBOX is case-insensitive (RFC 9051 §5.1). */
export function mailboxName(wire: string, utf8Accept: boolean): string {
  if (wire.toUpperCase() === 'INBOX') return 'INBOX';
  return utf8Accept ? utf8(wire) : decodeMailbox(wire);
}

/** The values after the response's type word, to the end. */
function rest(tokens: Tokens): IMAPValue[] {
  const data: IMAPValue[] = [];
  for (;;) {
    // Trailing spaces tolerated: Yahoo sends "* SEARCH 7456 " (djc/imap-proto#108, ikvk/imap_tools#97).
    tokens.skipSpace();
    if (tokens.atEnd() || tokens.peek() === -1) return data;
    data.push(tokens.value());
  }
}

function statusItems(value: IMAPValue | undefined): StatusItems {
  const items: StatusItems = {};
  for (const [name, v] of pairs(value, 'STATUS')) {
    if (name === 'UIDNEXT' || name === 'UIDVALIDITY') items[name] = nzNumber(v, `STATUS ${name}`);
    else if (name === 'MESSAGES' || name === 'RECENT' || name === 'UNSEEN' || name === 'DELETED') items[name] = number(v, `STATUS ${name}`);
    else if (name === 'SIZE' || name === 'DELETED-STORAGE') items[name] = number64(v, `STATUS ${name}`);
    else if (name === 'HIGHESTMODSEQ') items[name] = modSequence(v, 'STATUS HIGHESTMODSEQ', true);
    else if (name === 'APPENDLIMIT') items[name] = v === null ? null : number(v, 'STATUS APPENDLIMIT');
    else if (name === 'MAILBOXID') items[name] = astring(list(v, 'MAILBOXID')[0], 'MAILBOXID');
    else items[name] = Array.isArray(v) ? null : astring(v, `STATUS ${name}`);
  }
  return items;
}

function searchNumbers(data: IMAPValue[], what: string): { numbers: number[]; modseq: bigint | null } {
  let modseq: bigint | null = null;
  const last = data.at(-1);
  // RFC 7162 §3.1.5: "* SEARCH 2 5 6 (MODSEQ 917162500)".
  if (Array.isArray(last)) {
    const [name, value] = last;
    if (typeof name !== 'string' || name.toUpperCase() !== 'MODSEQ') throw new IMAP4ProtocolError(`the server sent an unknown list in ${what}`);
    modseq = modSequence(value, `${what} MODSEQ`);
    data = data.slice(0, -1);
  }
  return { numbers: data.map((n) => nzNumber(n, what)), modseq };
}

function esearch(data: IMAPValue[]): UntaggedResponse {
  let i = 0;
  let tag: string | null = null;
  const first = data[0];
  if (Array.isArray(first)) {
    if (typeof first[0] !== 'string' || first[0].toUpperCase() !== 'TAG') throw new IMAP4ProtocolError('the server sent an ESEARCH correlator without TAG');
    tag = astring(first[1], 'ESEARCH TAG');
    i = 1;
  }
  const uid = typeof data[i] === 'string' && (data[i] as string).toUpperCase() === 'UID';
  if (uid) i++;
  const out: { min?: number; max?: number; count?: number; all?: string; modseq?: bigint; other: Array<[string, IMAPValue]> } = { other: [] };
  for (; i < data.length; i += 2) {
    const name = astring(data[i], 'ESEARCH').toUpperCase();
    const value = data[i + 1];
    if (value === undefined) throw new IMAP4ProtocolError(`the server sent ESEARCH ${name} without a value`);
    if (name === 'MIN' || name === 'MAX') out[name === 'MIN' ? 'min' : 'max'] = nzNumber(value, `ESEARCH ${name}`);
    else if (name === 'COUNT') out.count = number(value, 'ESEARCH COUNT');
    else if (name === 'ALL') out.all = sequenceSet(value, 'ESEARCH ALL');
    else if (name === 'MODSEQ') out.modseq = modSequence(value, 'ESEARCH MODSEQ');
    else out.other.push([name, value]);
  }
  return { kind: 'untagged', type: 'ESEARCH', tag, uid, ...out };
}

function namespaces(value: IMAPValue | undefined): Namespace[] | null {
  if (value === null || value === undefined) return null;
  return list(value, 'NAMESPACE').map((entry) => {
    const [prefix, delimiter] = list(entry, 'Namespace-Descr');
    return { prefix: utf8(astring(prefix, 'NAMESPACE prefix')), delimiter: nstring(delimiter, 'NAMESPACE delimiter') };
  });
}

function nonZero(n: number, what: string): number {
  if (n === 0) throw new IMAP4ProtocolError(`the server sent message number 0 in ${what}, which must be non-zero`);
  return n;
}

function data(type: string, number: number | null, tokens: Tokens, context: ParseContext): UntaggedResponse {
  if (number !== null) {
    if (type === 'EXISTS' || type === 'RECENT') return { kind: 'untagged', type, number };
    if (type === 'EXPUNGE') return { kind: 'untagged', type, number: nonZero(number, 'EXPUNGE') };
    if (type === 'FETCH') {
      tokens.skipSpace();
      const items = tokens.list();
      if (rest(tokens).length > 0) tokens.fail('data after the FETCH list');
      return { kind: 'untagged', type, number, fetch: parseFetch(nonZero(number, 'FETCH'), items) };
    }
    return { kind: 'untagged', type: 'OTHER', name: type, number, data: rest(tokens) };
  }
  const values = rest(tokens);
  switch (type) {
    case 'CAPABILITY':
    case 'ENABLED':
      return { kind: 'untagged', type, capabilities: values.map((v) => astring(v, type)) };
    case 'FLAGS':
      return { kind: 'untagged', type, flags: flags(values[0], 'FLAGS') };
    case 'LIST':
    case 'LSUB': {
      const [attributes, delimiter, mailbox, ...extended] = values;
      if (mailbox === undefined) throw new IMAP4ProtocolError(`the server sent a ${type} response without a mailbox`);
      return {
        kind: 'untagged',
        type,
        flags: flags(attributes, `${type} attributes`),
        delimiter: nstring(delimiter, `${type} delimiter`),
        mailbox: mailboxName(astring(mailbox, `${type} mailbox`), context.utf8Accept),
        extended,
      };
    }
    case 'STATUS':
      return { kind: 'untagged', type, mailbox: mailboxName(astring(values[0], 'STATUS mailbox'), context.utf8Accept), items: statusItems(values[1]) };
    case 'SEARCH':
    case 'SORT':
      return { kind: 'untagged', type, ...searchNumbers(values, type) };
    case 'ESEARCH':
      return esearch(values);
    case 'NAMESPACE':
      return { kind: 'untagged', type, personal: namespaces(values[0]), other: namespaces(values[1]), shared: namespaces(values[2]) };
    case 'ID': {
      if (values[0] === null || values[0] === undefined) return { kind: 'untagged', type, fields: null };
      const fields: Record<string, string | null> = {};
      const v = list(values[0], 'ID');
      for (let i = 0; i + 1 < v.length; i += 2) fields[utf8(astring(v[i], 'ID field'))] = nstring(v[i + 1], 'ID value');
      return { kind: 'untagged', type, fields };
    }
    default:
      return { kind: 'untagged', type: 'OTHER', name: type, number: null, data: values };
  }
}

/** One framed response, typed. Throws IMAP4ProtocolError where the grammar is broken. */
export function parseResponse(parts: ResponseParts, context: ParseContext): Response {
  const tokens = new Tokens(parts, context.maxDepth);
  if (tokens.peek() === 0x2b /* + */) {
    tokens.advance();
    tokens.skipSpace();
    return { kind: 'continuation', text: tokens.rest() };
  }
  const tag = tokens.atom(true);
  tokens.space('after the tag');
  tokens.skipSpace();
  if (tag === '*') {
    let word = tokens.atom(true);
    let seq: number | null = null;
    if (/^[0-9]+$/.test(word)) {
      seq = number(word, 'message number');
      tokens.space('after the message number');
      word = tokens.atom(true);
    }
    const type = typeOf(word);
    if (seq === null && STATUS_TYPES.has(type)) return { kind: 'untagged', type: type as StatusResponse['type'], ...responseText(tokens) };
    return data(type, seq, tokens, context);
  }
  if (tag.includes('+')) tokens.fail('a tag may not contain "+"');
  const status = typeOf(tokens.atom(true));
  if (status !== 'OK' && status !== 'NO' && status !== 'BAD') tokens.fail(`unknown status ${status}`);
  return { kind: 'tagged', tag, status: status as Status, ...responseText(tokens) };
}
