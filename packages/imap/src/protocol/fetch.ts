/** FETCH results as objects: FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODYSTRUCTURE, BODY[...] sections. */
import type { IMAPValue } from './parser.js';

export interface Address {
  name: string | null;
  mailbox: string | null;
  host: string | null;
  /** mailbox@host, when both are present. */
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

export interface BodyStructure {
  type: string;
  subtype: string;
  parameters: Record<string, string>;
  id: string | null;
  description: string | null;
  encoding: string | null;
  size: number | null;
  /** For multipart bodies. */
  parts?: BodyStructure[];
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
  /** BODY[section]<origin> contents by their key as the server named it ("BODY[]", "BODY[HEADER]", ...). */
  body: Record<string, Uint8Array | null>;
}

const text = (value: IMAPValue | undefined): string | null =>
  value === null || value === undefined ? null : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : Array.isArray(value) ? null : String(value);

function addresses(value: IMAPValue | undefined): Address[] {
  if (!Array.isArray(value)) return [];
  return value.filter(Array.isArray).map((a) => {
    const [name, , mailbox, host] = a as IMAPValue[];
    const m = text(mailbox);
    const h = text(host);
    return { name: text(name), mailbox: m, host: h, address: m !== null && h !== null ? `${m}@${h}` : null };
  });
}

export function parseEnvelope(value: IMAPValue): Envelope {
  const v = Array.isArray(value) ? value : [];
  return {
    date: text(v[0]),
    subject: text(v[1]),
    from: addresses(v[2]),
    sender: addresses(v[3]),
    replyTo: addresses(v[4]),
    to: addresses(v[5]),
    cc: addresses(v[6]),
    bcc: addresses(v[7]),
    inReplyTo: text(v[8]),
    messageId: text(v[9]),
  };
}

function parameters(value: IMAPValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(value)) return out;
  for (let i = 0; i + 1 < value.length; i += 2) out[String(text(value[i])).toLowerCase()] = text(value[i + 1]) ?? '';
  return out;
}

export function parseBodyStructure(value: IMAPValue): BodyStructure {
  const v = Array.isArray(value) ? value : [];
  if (Array.isArray(v[0])) {
    const parts: BodyStructure[] = [];
    let i = 0;
    while (Array.isArray(v[i])) parts.push(parseBodyStructure(v[i++]!));
    return { type: 'multipart', subtype: String(text(v[i]) ?? '').toLowerCase(), parameters: parameters(v[i + 1]), id: null, description: null, encoding: null, size: null, parts };
  }
  return {
    type: String(text(v[0]) ?? '').toLowerCase(),
    subtype: String(text(v[1]) ?? '').toLowerCase(),
    parameters: parameters(v[2]),
    id: text(v[3]),
    description: text(v[4]),
    encoding: text(v[5]),
    size: typeof v[6] === 'number' ? v[6] : null,
  };
}

/** One "* n FETCH (...)" response as an object. */
export function parseFetch(seq: number, data: IMAPValue[]): FetchResult {
  const items = Array.isArray(data[0]) ? data[0] : [];
  const result: FetchResult = { seq, body: {} };
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = String(items[i]);
    const value = items[i + 1]!;
    const upper = key.toUpperCase();
    if (upper === 'UID') result.uid = Number(value);
    else if (upper === 'FLAGS') result.flags = Array.isArray(value) ? value.map(String) : [];
    else if (upper === 'RFC822.SIZE') result.size = Number(value);
    else if (upper === 'INTERNALDATE') result.internalDate = text(value) ?? undefined;
    else if (upper === 'ENVELOPE') result.envelope = parseEnvelope(value);
    else if (upper === 'BODYSTRUCTURE' || upper === 'BODY') result.bodyStructure = parseBodyStructure(value);
    else if (upper.startsWith('BODY[') || upper.startsWith('BINARY[') || upper.startsWith('RFC822')) {
      result.body[key] = value instanceof Uint8Array ? value : typeof value === 'string' ? Buffer.from(value, 'latin1') : null;
    }
  }
  return result;
}
