/**
 * Resumption state: what a client keeps from a NewSessionTicket (TLS 1.3) or a finished TLS 1.2
 * handshake (serialised into the opaque TLSSession.data of tls-core), and what a server seals into
 * the ticket it hands out (RFC 8446 §4.6.1 PSKs, RFC 5077 TLS 1.2 tickets).
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { CryptoProvider } from '../crypto/provider.js';

/** A client's resumable TLS 1.3 session (RFC 8446 §4.6.1). */
export interface ClientSession {
  readonly version: 0x0304;
  readonly cipherSuite: number;
  readonly psk: Uint8Array;
  readonly ticket: Uint8Array;
  readonly ageAdd: number;
  /** Seconds the server allows the ticket to be used. */
  readonly lifetime: number;
  /** When the ticket arrived (ms since the epoch). */
  readonly receivedAt: number;
  /** The peer's chain as verified in the full handshake. */
  readonly peerCertificates: readonly Uint8Array[];
}

/**
 * A client's resumable TLS 1.2 session: the extended master secret (RFC 7627 §5.3: only such
 * sessions are resumed) with the server's session id (RFC 5246 §7.4.1.2) and/or its ticket (RFC 5077).
 */
export interface ClientSession12 {
  readonly version: 0x0303;
  readonly cipherSuite: number;
  readonly masterSecret: Uint8Array;
  /** The server's session id; empty when it identifies sessions by ticket only. */
  readonly sessionId: Uint8Array;
  /** The server's ticket; empty when it resumes by session id only. */
  readonly ticket: Uint8Array;
  /** Seconds the session may be offered (the ticket's lifetime hint, or our own bound). */
  readonly lifetime: number;
  /** When the session was made (ms since the epoch). */
  readonly receivedAt: number;
  readonly peerCertificates: readonly Uint8Array[];
}

/** What a client can offer again. */
export type StoredSession = ClientSession | ClientSession12;

const FORMAT = 1;
const FORMAT_12 = 2;

function writeChain(w: Writer, chain: readonly Uint8Array[]): void {
  w.vector(3, (x) => chain.forEach((c) => x.opaque(3, c)));
}

function readChain(r: Reader): Uint8Array[] {
  const list = r.sub(3, 'chain');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) out.push(Uint8Array.from(list.vector(3, 'certificate')));
  return out;
}

function writeTime(w: Writer, ms: number): void {
  w.u32(Math.floor(ms / 1000)).u16(ms % 1000);
}

export function encodeClientSession(session: StoredSession): Uint8Array {
  if (session.version === 0x0303) {
    const w = new Writer().u8(FORMAT_12).u16(session.cipherSuite).opaque(1, session.masterSecret).opaque(1, session.sessionId).opaque(2, session.ticket);
    w.u32(session.lifetime);
    writeTime(w, session.receivedAt);
    writeChain(w, session.peerCertificates);
    return w.finish();
  }
  const w = new Writer().u8(FORMAT).u16(session.cipherSuite).opaque(1, session.psk).opaque(2, session.ticket);
  w.u32(session.ageAdd).u32(session.lifetime);
  writeTime(w, session.receivedAt);
  writeChain(w, session.peerCertificates);
  return w.finish();
}

/** The session in `data`, or null when it is not one this version of tls-pure wrote. */
export function decodeClientSession(data: Uint8Array): StoredSession | null {
  try {
    const r = new Reader(data);
    const format = r.u8();
    if (format === FORMAT_12) {
      const cipherSuite = r.u16();
      const masterSecret = Uint8Array.from(r.vector(1, 'master secret', 48, 48));
      const sessionId = Uint8Array.from(r.vector(1, 'session id', 0, 32));
      const ticket = Uint8Array.from(r.vector(2, 'ticket'));
      const lifetime = r.u32();
      const receivedAt = r.u32() * 1000 + r.u16();
      const peerCertificates = readChain(r);
      r.end('session');
      return { version: 0x0303, cipherSuite, masterSecret, sessionId, ticket, lifetime, receivedAt, peerCertificates };
    }
    if (format !== FORMAT) return null;
    const cipherSuite = r.u16();
    const psk = Uint8Array.from(r.vector(1, 'psk'));
    const ticket = Uint8Array.from(r.vector(2, 'ticket'));
    const ageAdd = r.u32();
    const lifetime = r.u32();
    const receivedAt = r.u32() * 1000 + r.u16();
    const peerCertificates = readChain(r);
    r.end('session');
    return { version: 0x0304, cipherSuite, psk, ticket, ageAdd, lifetime, receivedAt, peerCertificates };
  } catch {
    return null;
  }
}

/** What a server seals into a ticket. */
export interface TicketState {
  /** 0x0304: `secret` is a TLS 1.3 resumption PSK; 0x0303: a TLS 1.2 extended master secret. */
  readonly version: 0x0303 | 0x0304;
  readonly cipherSuite: number;
  readonly secret: Uint8Array;
  /** TLS 1.3 only (0 for TLS 1.2). */
  readonly ageAdd: number;
  readonly lifetime: number;
  readonly createdAt: number;
  readonly serverName: string;
  readonly peerCertificates: readonly Uint8Array[];
}

const TICKET_AAD = new TextEncoder().encode('unitls tls-pure ticket v2');

/**
 * Stateless tickets: the state sealed with AES-256-GCM under a key that lives only in this
 * server context (so tickets die with it; nothing is written anywhere).
 */
export class Ticketer {
  readonly #provider: CryptoProvider;
  readonly #key: Uint8Array;
  /** Seconds a ticket may be used (RFC 8446 §4.6.1 allows up to 7 days). */
  readonly lifetime = 7200;

  constructor(provider: CryptoProvider) {
    this.#provider = provider;
    this.#key = provider.random(32);
  }

  seal(state: TicketState): Uint8Array {
    const w = new Writer().u16(state.version).u16(state.cipherSuite).opaque(1, state.secret).u32(state.ageAdd).u32(state.lifetime);
    w.u32(Math.floor(state.createdAt / 1000)).opaque(2, new TextEncoder().encode(state.serverName));
    writeChain(w, state.peerCertificates);
    const nonce = this.#provider.random(12);
    const sealed = this.#provider.aead('aes-256-gcm', this.#key).seal(nonce, TICKET_AAD, w.finish());
    const out = new Uint8Array(12 + sealed.length);
    out.set(nonce);
    out.set(sealed, 12);
    return out;
  }

  /** The state in a ticket this context issued, or null (forged, corrupted, or another context's). */
  open(ticket: Uint8Array): TicketState | null {
    if (ticket.length < 12 + 16) return null;
    const plain = this.#provider.aead('aes-256-gcm', this.#key).open(ticket.subarray(0, 12), TICKET_AAD, ticket.subarray(12));
    if (plain === null) return null;
    try {
      const r = new Reader(plain);
      const version = r.u16();
      if (version !== 0x0303 && version !== 0x0304) return null;
      const cipherSuite = r.u16();
      const secret = Uint8Array.from(r.vector(1, 'secret'));
      const ageAdd = r.u32();
      const lifetime = r.u32();
      const createdAt = r.u32() * 1000;
      const serverName = new TextDecoder().decode(r.vector(2, 'server name'));
      const peerCertificates = readChain(r);
      r.end('ticket');
      return { version, cipherSuite, secret, ageAdd, lifetime, createdAt, serverName, peerCertificates };
    } catch {
      return null;
    }
  }
}
