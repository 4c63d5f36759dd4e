/**
 * Resumption state: what a client keeps from a NewSessionTicket (serialised into the opaque
 * TLSSession.data of tls-core), and what a server seals into the ticket it hands out.
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { CryptoProvider } from '../crypto/provider.js';

/** A client's resumable session (RFC 8446 §4.6.1). */
export interface ClientSession {
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

const FORMAT = 1;

function writeChain(w: Writer, chain: readonly Uint8Array[]): void {
  w.vector(3, (x) => chain.forEach((c) => x.opaque(3, c)));
}

function readChain(r: Reader): Uint8Array[] {
  const list = r.sub(3, 'chain');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) out.push(Uint8Array.from(list.vector(3, 'certificate')));
  return out;
}

export function encodeClientSession(session: ClientSession): Uint8Array {
  const w = new Writer().u8(FORMAT).u16(session.cipherSuite).opaque(1, session.psk).opaque(2, session.ticket);
  w.u32(session.ageAdd).u32(session.lifetime).u32(Math.floor(session.receivedAt / 1000)).u16(session.receivedAt % 1000);
  writeChain(w, session.peerCertificates);
  return w.finish();
}

/** The session in `data`, or null when it is not one this version of tls-pure wrote. */
export function decodeClientSession(data: Uint8Array): ClientSession | null {
  try {
    const r = new Reader(data);
    if (r.u8() !== FORMAT) return null;
    const cipherSuite = r.u16();
    const psk = Uint8Array.from(r.vector(1, 'psk'));
    const ticket = Uint8Array.from(r.vector(2, 'ticket'));
    const ageAdd = r.u32();
    const lifetime = r.u32();
    const receivedAt = r.u32() * 1000 + r.u16();
    const peerCertificates = readChain(r);
    r.end('session');
    return { cipherSuite, psk, ticket, ageAdd, lifetime, receivedAt, peerCertificates };
  } catch {
    return null;
  }
}

/** What a server seals into a ticket. */
export interface TicketState {
  readonly cipherSuite: number;
  readonly psk: Uint8Array;
  readonly ageAdd: number;
  readonly lifetime: number;
  readonly createdAt: number;
  readonly serverName: string;
  readonly peerCertificates: readonly Uint8Array[];
}

const TICKET_AAD = new TextEncoder().encode('unitls tls-pure ticket v1');

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
    const w = new Writer().u16(state.cipherSuite).opaque(1, state.psk).u32(state.ageAdd).u32(state.lifetime);
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
      const cipherSuite = r.u16();
      const psk = Uint8Array.from(r.vector(1, 'psk'));
      const ageAdd = r.u32();
      const lifetime = r.u32();
      const createdAt = r.u32() * 1000;
      const serverName = new TextDecoder().decode(r.vector(2, 'server name'));
      const peerCertificates = readChain(r);
      r.end('ticket');
      return { cipherSuite, psk, ageAdd, lifetime, createdAt, serverName, peerCertificates };
    } catch {
      return null;
    }
  }
}
