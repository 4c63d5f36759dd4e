/**
 * The TLS 1.2 handshake messages that differ from TLS 1.3's (RFC 5246 §7.4, RFC 8422 §5):
 * Certificate without contexts, ServerKeyExchange for named-curve ECDHE, CertificateRequest,
 * ServerHelloDone, ClientKeyExchange, CertificateVerify, HelloRequest, and the RFC 5077
 * NewSessionTicket.
 *
 * @module
 */
import { HandshakeType } from './constants.js';
import { frame } from './messages.js';
import { DecodeError, Reader } from './reader.js';
import { Writer } from './writer.js';

export const HandshakeType12 = { HELLO_REQUEST: 0, SERVER_KEY_EXCHANGE: 12, SERVER_HELLO_DONE: 14, CLIENT_KEY_EXCHANGE: 16 } as const;

export function encodeCertificate12(chain: readonly Uint8Array[]): Uint8Array {
  return frame(HandshakeType.CERTIFICATE, new Writer().vector(3, (w) => chain.forEach((c) => w.opaque(3, c))).finish());
}

export function decodeCertificate12(body: Uint8Array, maxEntries: number): Uint8Array[] {
  const r = new Reader(body);
  const list = r.sub(3, 'certificate_list');
  r.end('Certificate');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    if (out.length === maxEntries) throw new DecodeError(`Certificate: more than ${maxEntries} certificates`);
    out.push(Uint8Array.from(list.vector(3, 'ASN.1Cert', 1)));
  }
  return out;
}

/** ServerECDHParams (named_curve only) and the signature over randoms + params. */
export interface ServerKeyExchange {
  readonly group: number;
  readonly publicKey: Uint8Array;
  /** The encoded ServerECDHParams, as signed. */
  readonly params: Uint8Array;
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function encodeServerEcdhParams(group: number, publicKey: Uint8Array): Uint8Array {
  return new Writer().u8(3).u16(group).opaque(1, publicKey).finish();
}

export function encodeServerKeyExchange(params: Uint8Array, scheme: number, signature: Uint8Array): Uint8Array {
  return frame(HandshakeType12.SERVER_KEY_EXCHANGE, new Writer().bytes(params).u16(scheme).opaque(2, signature).finish());
}

export function decodeServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new Reader(body);
  if (r.u8('curve_type') !== 3) throw new DecodeError('ServerKeyExchange: only named_curve parameters are supported');
  const group = r.u16('namedcurve');
  const publicKey = r.vector(1, 'point', 1);
  const params = body.subarray(0, 3 + 1 + publicKey.length);
  const scheme = r.u16('SignatureAndHashAlgorithm');
  const signature = r.vector(2, 'signature', 1);
  r.end('ServerKeyExchange');
  return { group, publicKey, params, scheme, signature };
}

export function encodeCertificateRequest12(schemes: readonly number[]): Uint8Array {
  // certificate_types: rsa_sign(1), ecdsa_sign(64); no certificate_authorities list.
  const w = new Writer().opaque(1, Uint8Array.of(1, 64)).vector(2, (x) => schemes.forEach((s) => x.u16(s))).u16(0);
  return frame(HandshakeType.CERTIFICATE_REQUEST, w.finish());
}

export function decodeCertificateRequest12(body: Uint8Array): number[] {
  const r = new Reader(body);
  r.vector(1, 'certificate_types', 1);
  const list = r.sub(2, 'supported_signature_algorithms', 2);
  r.vector(2, 'certificate_authorities');
  r.end('CertificateRequest');
  const schemes: number[] = [];
  while (list.remaining > 0) schemes.push(list.u16('SignatureAndHashAlgorithm'));
  return schemes;
}

export const encodeServerHelloDone = (): Uint8Array => frame(HandshakeType12.SERVER_HELLO_DONE, new Uint8Array(0));

export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return frame(HandshakeType12.CLIENT_KEY_EXCHANGE, new Writer().opaque(1, publicKey).finish());
}

export function decodeClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const point = r.vector(1, 'ecdh_Yc', 1);
  r.end('ClientKeyExchange');
  return point;
}

/** RFC 5077 §3.3 NewSessionTicket: a lifetime hint (seconds, 0 = unspecified) and an opaque ticket. */
export interface NewSessionTicket12 {
  readonly lifetimeHint: number;
  /** Empty when the server, having said it would send one, decided not to (§3.3). */
  readonly ticket: Uint8Array;
}

export function encodeNewSessionTicket12(ticket: NewSessionTicket12): Uint8Array {
  return frame(HandshakeType.NEW_SESSION_TICKET, new Writer().u32(ticket.lifetimeHint).opaque(2, ticket.ticket).finish());
}

export function decodeNewSessionTicket12(body: Uint8Array): NewSessionTicket12 {
  const r = new Reader(body);
  const lifetimeHint = r.u32('ticket_lifetime_hint');
  const ticket = Uint8Array.from(r.vector(2, 'ticket'));
  r.end('NewSessionTicket');
  return { lifetimeHint, ticket };
}
