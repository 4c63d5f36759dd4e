/**
 * FETCH results (RFC 9051 §7.5.2, `msg-att`) typed by the grammar: ENVELOPE, BODYSTRUCTURE with
 * its extension data, sections, 64-bit MODSEQ and Gmail ids as bigints, flags and labels as text.
 *
 * @module
 */
import { IMAP4ProtocolError } from '../errors.js';
import { astring, flags, list, modSequence, nstring, number, nzNumber, size, utf8 } from './grammar.js';
import type { IMAPValue } from './tokens.js';

export interface Address {
  name: string | null;
  /** The source route (obsolete; almost always null). */
  adl: string | null;
  mailbox: string | null;
  host: string | null;
  /** mailbox@host, when both are present (null for RFC 5322 group markers). */
  address: string | null;
}

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[];
  sender: Address[];
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
  inReplyTo: string | null;
  messageId: string | null;
}

export interface Disposition {
  type: string;
  parameters: Record<string, string>;
}

export interface BodyStructure {
  /** Lower-cased media type ("text", "multipart", ...). */
  type: string;
  subtype: string;
  parameters: Record<string, string>;
  id: string | null;
  description: string | null;
  encoding: string | null;
  /** Octets of the encoded body (null for multipart). */
  size: number | null;
  /** Lines, for text/* and message/rfc822 parts (null when the server sent NIL). */
  lines?: number | null;
  /** For message/rfc822: the enclosed message's envelope and structure. */
  envelope?: Envelope;
  body?: BodyStructure;
  /** For multipart bodies. */
  parts?: BodyStructure[];
  /** Extension data (BODYSTRUCTURE only), when the server sent it. */
  md5?: string | null;
  disposition?: Disposition | null;
  language?: string[] | null;
  location?: string | null;
}

export interface FetchResult {
  /** The message sequence number. */
  seq: number;
  uid?: number;
  flags?: string[];
  size?: number;
  internalDate?: string;
  envelope?: Envelope;
  bodyStructure?: BodyStructure;
  /** CONDSTORE (RFC 7162) mod-sequence, 64-bit. */
  modseq?: bigint;
  /** Gmail's X-GM-MSGID / X-GM-THRID (unsigned 64-bit) and X-GM-LABELS (labels are text, even "2024"). */
  gmailMessageId?: bigint;
  gmailThreadId?: bigint;
  gmailLabels?: string[];
  /** OBJECTID (RFC 8474). */
  emailId?: string | null;
  threadId?: string | null;
  /** BODY[section]<origin>, BINARY[...] and RFC822[.HEADER|.TEXT] contents by the key the server used. */
  body: Record<string, Uint8Array | null>;
  /** BINARY.SIZE[section] (RFC 3516). */
  binarySize?: Record<string, number>;
  /** Items this client does not type, as sent. */
  other?: Record<string, IMAPValue>;
}

const text = (value: IMAPValue | undefined, what: string): string | null => {
  const raw = nstring(value, what);
  return raw === null ? null : utf8(raw);
};

function addresses(value: IMAPValue | undefined): Address[] {
  if (value === null || value === undefined) return [];
  return list(value, 'ENVELOPE address list').map((entry) => {
    const [name, adl, mailbox, host] = list(entry, 'ENVELOPE address');
    const m = text(mailbox, 'address mailbox');
    const h = text(host, 'address host');
    return { name: text(name, 'address name'), adl: text(adl, 'address adl'), mailbox: m, host: h, address: m !== null && h !== null ? `${m}@${h}` : null };
  });
}

export function parseEnvelope(value: IMAPValue): Envelope {
  const v = list(value, 'ENVELOPE');
  if (v.length < 10) throw new IMAP4ProtocolError(`the server sent an ENVELOPE of ${v.length} fields, the grammar has 10`);
  return {
    date: text(v[0], 'env-date'),
    subject: text(v[1], 'env-subject'),
    from: addresses(v[2]),
    sender: addresses(v[3]),
    replyTo: addresses(v[4]),
    to: addresses(v[5]),
    cc: addresses(v[6]),
    bcc: addresses(v[7]),
    inReplyTo: text(v[8], 'env-in-reply-to'),
    messageId: text(v[9], 'env-message-id'),
  };
}

function parameters(value: IMAPValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || value === undefined) return out;
  const v = list(value, 'body-fld-param');
  for (let i = 0; i + 1 < v.length; i += 2) out[utf8(astring(v[i], 'body-fld-param')).toLowerCase()] = utf8(astring(v[i + 1], 'body-fld-param'));
  return out;
}

function disposition(value: IMAPValue | undefined): Disposition | null {
  if (value === null || value === undefined) return null;
  const [type, params] = list(value, 'body-fld-dsp');
  return { type: astring(type, 'body-fld-dsp').toLowerCase(), parameters: parameters(params) };
}

function language(value: IMAPValue | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? value.map((l) => astring(l, 'body-fld-lang')) : [astring(value, 'body-fld-lang')];
}

/** body-ext-1part / body-ext-mpart after their first field: disposition, language, location. */
function extensions(structure: BodyStructure, v: IMAPValue[], from: number): void {
  if (v.length > from) structure.disposition = disposition(v[from]);
  if (v.length > from + 1) structure.language = language(v[from + 1]);
  if (v.length > from + 2) structure.location = text(v[from + 2], 'body-fld-loc');
}

/**
 * `body` (RFC 9051 §9). Tolerated, because servers send them and a reader loses nothing:
 * - NIL where text and message parts carry their line count: a server-side fallback structure
 *   (migadu/alps#45, go-imap reads it as 0); here it is null.
 * - A space before a closing ")" (Yahoo Japan, emailjs/emailjs-imap-handler#8; imap.qq.com,
 *   jakartaee/mail-api#209): the list reader skips it.
 * - A multipart sent as a one-part body (gmx.net, jstedfast/MailKit#878) reads as a part whose
 *   type is "multipart" and that has no `parts`.
 */
export function parseBodyStructure(value: IMAPValue): BodyStructure {
  const v = list(value, 'body');
  if (Array.isArray(v[0])) {
    const parts: BodyStructure[] = [];
    let i = 0;
    while (Array.isArray(v[i])) parts.push(parseBodyStructure(v[i++]!));
    const structure: BodyStructure = {
      type: 'multipart',
      subtype: astring(v[i], 'media-subtype').toLowerCase(),
      parameters: v.length > i + 1 ? parameters(v[i + 1]) : {},
      id: null,
      description: null,
      encoding: null,
      size: null,
      parts,
    };
    extensions(structure, v, i + 2);
    return structure;
  }
  const type = (nstring(v[0], 'media-type') ?? '').toLowerCase();
  const subtype = (nstring(v[1], 'media-subtype') ?? '').toLowerCase();
  const structure: BodyStructure = {
    type,
    subtype,
    parameters: parameters(v[2]),
    id: text(v[3], 'body-fld-id'),
    description: text(v[4], 'body-fld-desc'),
    encoding: text(v[5], 'body-fld-enc'),
    size: number(v[6], 'body-fld-octets'),
  };
  let next = 7;
  const lines = (at: number) => (v[at] === null ? null : number(v[at], 'body-fld-lines'));
  if (type === 'message' && (subtype === 'rfc822' || subtype === 'global') && Array.isArray(v[7])) {
    structure.envelope = parseEnvelope(v[7]);
    structure.body = parseBodyStructure(v[8]!);
    structure.lines = lines(9);
    next = 10;
  } else if (type === 'text') {
    structure.lines = lines(7);
    next = 8;
  }
  // A multipart in one-part form carries a multipart's extension data (parameters, not an MD5).
  if (v.length > next && type !== 'multipart') structure.md5 = text(v[next], 'body-fld-md5');
  extensions(structure, v, next + 1);
  return structure;
}

function uint64(value: IMAPValue | undefined, what: string): bigint {
  const n = typeof value === 'string' && /^[0-9]{1,20}$/.test(value) ? BigInt(value) : -1n;
  if (n < 0n || n >= 1n << 64n) throw new IMAP4ProtocolError(`the server sent ${JSON.stringify(value)} for ${what}, not an unsigned 64-bit number`);
  return n;
}

function objectId(value: IMAPValue | undefined, what: string): string | null {
  if (value === null) return null;
  return astring(list(value, what)[0], what);
}

function bodyValue(value: IMAPValue): Uint8Array | null {
  if (value === null || value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  throw new IMAP4ProtocolError('the server sent a list where a FETCH body section wants a string');
}

/** One `* n FETCH (...)` response as an object; `items` is its parenthesised list. */
export function parseFetch(seq: number, items: IMAPValue[]): FetchResult {
  if (items.length % 2 !== 0) throw new IMAP4ProtocolError('the server sent a FETCH item without its value');
  const result: FetchResult = { seq, body: {} };
  for (let i = 0; i < items.length; i += 2) {
    const key = astring(items[i], 'msg-att');
    const value = items[i + 1]!;
    const upper = key.toUpperCase();
    if (upper === 'UID') result.uid = nzNumber(value, 'FETCH UID');
    else if (upper === 'FLAGS') result.flags = flags(value, 'FETCH FLAGS');
    else if (upper === 'RFC822.SIZE') result.size = size(value, 'RFC822.SIZE');
    else if (upper === 'INTERNALDATE') result.internalDate = astring(value, 'INTERNALDATE');
    else if (upper === 'ENVELOPE') result.envelope = parseEnvelope(value);
    else if (upper === 'BODYSTRUCTURE' || upper === 'BODY') result.bodyStructure = parseBodyStructure(value);
    else if (upper === 'MODSEQ') result.modseq = modSequence(list(value, 'FETCH MODSEQ')[0], 'FETCH MODSEQ');
    else if (upper === 'X-GM-MSGID') result.gmailMessageId = uint64(value, 'X-GM-MSGID');
    else if (upper === 'X-GM-THRID') result.gmailThreadId = uint64(value, 'X-GM-THRID');
    else if (upper === 'X-GM-LABELS') result.gmailLabels = flags(value, 'X-GM-LABELS').map(utf8);
    else if (upper === 'EMAILID') result.emailId = objectId(value, 'EMAILID');
    else if (upper === 'THREADID') result.threadId = objectId(value, 'THREADID');
    else if (upper.startsWith('BINARY.SIZE[')) (result.binarySize ??= {})[key] = number(value, 'BINARY.SIZE');
    else if (upper.startsWith('BODY[') || upper.startsWith('BINARY[') || upper === 'RFC822' || upper === 'RFC822.HEADER' || upper === 'RFC822.TEXT') {
      result.body[key] = bodyValue(value);
    } else (result.other ??= {})[key] = value;
  }
  return result;
}
