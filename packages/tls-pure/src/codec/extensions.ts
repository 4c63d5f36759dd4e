/**
 * The bodies of the extensions this engine speaks (RFC 8446 §4.2, RFC 6066 §3, RFC 7301,
 * RFC 8449): one encoder/decoder pair each.
 *
 * @module
 */
import { ExtensionType } from './constants.js';
import type { Extension } from './messages.js';
import { DecodeError, Reader } from './reader.js';
import { Writer } from './writer.js';

const ext = (type: number, data: Uint8Array): Extension => ({ type, data });

function u16List(data: Uint8Array, what: string, lengthBytes: 1 | 2, min = 2): number[] {
  const r = new Reader(data);
  const list = r.sub(lengthBytes, what, min);
  r.end(what);
  if (list.remaining % 2 !== 0) throw new DecodeError(`${what}: odd length`);
  const out: number[] = [];
  while (list.remaining > 0) out.push(list.u16(what));
  return out;
}

const writeU16List = (values: readonly number[], lengthBytes: 1 | 2) =>
  new Writer().vector(lengthBytes, (w) => values.forEach((v) => w.u16(v))).finish();

export const serverName = {
  encode: (host: string): Extension =>
    ext(
      ExtensionType.SERVER_NAME,
      new Writer().vector(2, (w) => w.u8(0).opaque(2, new TextEncoder().encode(host))).finish(),
    ),
  /** The host_name, or null for an empty (acknowledging) extension. */
  decode(data: Uint8Array): string | null {
    if (data.length === 0) return null;
    const r = new Reader(data);
    const list = r.sub(2, 'server_name_list', 1);
    r.end('server_name');
    let host: string | null = null;
    while (list.remaining > 0) {
      const type = list.u8('name_type');
      const name = list.vector(2, 'HostName', 1);
      if (type !== 0) continue;
      if (host !== null) throw new DecodeError('server_name: two host_name entries');
      // RFC 6066 §3: ASCII, no trailing dot; anything else (NUL, controls) is refused.
      if (!name.every((b) => b > 0x20 && b < 0x7f)) throw new DecodeError('server_name: not a printable ASCII host name');
      host = String.fromCharCode(...name);
    }
    return host;
  },
  acknowledge: (): Extension => ext(ExtensionType.SERVER_NAME, new Uint8Array(0)),
};

export const supportedGroups = {
  encode: (groups: readonly number[]): Extension => ext(ExtensionType.SUPPORTED_GROUPS, writeU16List(groups, 2)),
  decode: (data: Uint8Array): number[] => u16List(data, 'supported_groups', 2),
};

export const signatureAlgorithms = {
  encode: (schemes: readonly number[], type: number = ExtensionType.SIGNATURE_ALGORITHMS): Extension => ext(type, writeU16List(schemes, 2)),
  decode: (data: Uint8Array): number[] => u16List(data, 'signature_algorithms', 2),
};

export const alpn = {
  encode: (protocols: readonly Uint8Array[]): Extension =>
    ext(ExtensionType.ALPN, new Writer().vector(2, (w) => protocols.forEach((p) => w.opaque(1, p))).finish()),
  decode(data: Uint8Array): Uint8Array[] {
    const r = new Reader(data);
    const list = r.sub(2, 'protocol_name_list', 2);
    r.end('application_layer_protocol_negotiation');
    const out: Uint8Array[] = [];
    while (list.remaining > 0) out.push(list.vector(1, 'ProtocolName', 1));
    return out;
  },
};

export const supportedVersions = {
  encodeClient: (versions: readonly number[]): Extension => ext(ExtensionType.SUPPORTED_VERSIONS, writeU16List(versions, 1)),
  decodeClient: (data: Uint8Array): number[] => u16List(data, 'supported_versions', 1),
  encodeServer: (version: number): Extension => ext(ExtensionType.SUPPORTED_VERSIONS, new Writer().u16(version).finish()),
  decodeServer(data: Uint8Array): number {
    const r = new Reader(data);
    const version = r.u16('selected_version');
    r.end('supported_versions');
    return version;
  },
};

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

export const keyShare = {
  encodeClient: (entries: readonly KeyShareEntry[]): Extension =>
    ext(ExtensionType.KEY_SHARE, new Writer().vector(2, (w) => entries.forEach((e) => w.u16(e.group).opaque(2, e.keyExchange))).finish()),
  decodeClient(data: Uint8Array): KeyShareEntry[] {
    const r = new Reader(data);
    const list = r.sub(2, 'client_shares');
    r.end('key_share');
    const out: KeyShareEntry[] = [];
    while (list.remaining > 0) {
      const group = list.u16('group');
      // RFC 8446 §4.2.8: one share per group.
      if (out.some((e) => e.group === group)) throw new DecodeError(`key_share: group ${group} twice`);
      out.push({ group, keyExchange: list.vector(2, 'key_exchange', 1) });
    }
    return out;
  },
  encodeServer: (entry: KeyShareEntry): Extension => ext(ExtensionType.KEY_SHARE, new Writer().u16(entry.group).opaque(2, entry.keyExchange).finish()),
  decodeServer(data: Uint8Array): KeyShareEntry {
    const r = new Reader(data);
    const group = r.u16('group');
    const keyExchange = r.vector(2, 'key_exchange', 1);
    r.end('key_share');
    return { group, keyExchange };
  },
  encodeRetry: (group: number): Extension => ext(ExtensionType.KEY_SHARE, new Writer().u16(group).finish()),
  decodeRetry(data: Uint8Array): number {
    const r = new Reader(data);
    const group = r.u16('selected_group');
    r.end('key_share');
    return group;
  },
};

export const cookie = {
  encode: (value: Uint8Array): Extension => ext(ExtensionType.COOKIE, new Writer().opaque(2, value).finish()),
  decode(data: Uint8Array): Uint8Array {
    const r = new Reader(data);
    const value = r.vector(2, 'cookie', 1);
    r.end('cookie');
    return value;
  },
};

export const pskKeyExchangeModes = {
  encode: (modes: readonly number[]): Extension => ext(ExtensionType.PSK_KEY_EXCHANGE_MODES, new Writer().vector(1, (w) => modes.forEach((m) => w.u8(m))).finish()),
  decode(data: Uint8Array): number[] {
    const r = new Reader(data);
    const list = r.sub(1, 'ke_modes', 1);
    r.end('psk_key_exchange_modes');
    const out: number[] = [];
    while (list.remaining > 0) out.push(list.u8('mode'));
    return out;
  },
};

/** psk_dhe_ke: resumption with a fresh (EC)DHE exchange, the only mode this engine uses (forward secrecy). */
export const PSK_DHE_KE = 1;

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

export const preSharedKey = {
  /** The extension with zeroed binders of the right sizes (filled in after hashing the truncated hello). */
  encodeClient: (identities: readonly PskIdentity[], binders: readonly Uint8Array[]): Extension =>
    ext(
      ExtensionType.PRE_SHARED_KEY,
      new Writer()
        .vector(2, (w) => identities.forEach((i) => w.opaque(2, i.identity).u32(i.obfuscatedTicketAge)))
        .vector(2, (w) => binders.forEach((b) => w.opaque(1, b)))
        .finish(),
    ),
  decodeClient(data: Uint8Array): { identities: PskIdentity[]; binders: Uint8Array[]; bindersLength: number } {
    const r = new Reader(data);
    const ids = r.sub(2, 'identities', 7);
    const identities: PskIdentity[] = [];
    while (ids.remaining > 0) identities.push({ identity: ids.vector(2, 'identity', 1), obfuscatedTicketAge: ids.u32('obfuscated_ticket_age') });
    const bindersStart = data.length - r.remaining;
    const list = r.sub(2, 'binders', 33);
    r.end('pre_shared_key');
    const binders: Uint8Array[] = [];
    while (list.remaining > 0) binders.push(list.vector(1, 'PskBinderEntry', 32));
    if (binders.length !== identities.length) throw new DecodeError('pre_shared_key: identities and binders differ in number');
    return { identities, binders, bindersLength: data.length - bindersStart };
  },
  encodeServer: (selected: number): Extension => ext(ExtensionType.PRE_SHARED_KEY, new Writer().u16(selected).finish()),
  decodeServer(data: Uint8Array): number {
    const r = new Reader(data);
    const selected = r.u16('selected_identity');
    r.end('pre_shared_key');
    return selected;
  },
};

export const recordSizeLimit = {
  encode: (limit: number): Extension => ext(ExtensionType.RECORD_SIZE_LIMIT, new Writer().u16(limit).finish()),
  decode(data: Uint8Array): number {
    const r = new Reader(data);
    const limit = r.u16('RecordSizeLimit');
    r.end('record_size_limit');
    // RFC 8449 §4: below 64 is an illegal_parameter; decode errors share the same fate here.
    if (limit < 64) throw new DecodeError(`record_size_limit: ${limit} is below the minimum of 64`);
    return limit;
  },
};
