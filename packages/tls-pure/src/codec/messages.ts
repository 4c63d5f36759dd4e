/**
 * The TLS 1.3 handshake messages (RFC 8446 §4) as plain objects, with their encoders and
 * decoders. Extensions stay raw ({type, data}) here; extensions.ts reads and writes their bodies.
 *
 * @module
 */
import { HandshakeType } from './constants.js';
import { DecodeError, Reader } from './reader.js';
import { Writer } from './writer.js';

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface ClientHello {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly Extension[];
}

export interface ServerHello {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly extensions: readonly Extension[];
}

export interface CertificateEntry {
  readonly data: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface CertificateMessage {
  readonly context: Uint8Array;
  readonly entries: readonly CertificateEntry[];
}

export interface CertificateRequest {
  readonly context: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export interface NewSessionTicket {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** One handshake message as framed on the wire: its type, body, and the full encoding (for the transcript). */
export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  readonly encoded: Uint8Array;
}

/** Frames a handshake message body: type(1) length(3) body. */
export function frame(type: number, body: Uint8Array): Uint8Array {
  return new Writer().u8(type).opaque(3, body).finish();
}

function readExtensions(r: Reader, what: string, allowEmptyBlock = false): Extension[] {
  if (allowEmptyBlock && r.remaining === 0) return [];
  const block = r.sub(2, `${what} extensions`);
  const seen = new Set<number>();
  const out: Extension[] = [];
  while (block.remaining > 0) {
    const type = block.u16('extension type');
    const data = block.vector(2, 'extension data');
    // RFC 8446 §4.2: never more than one extension of a type.
    if (seen.has(type)) throw new DecodeError(`${what}: extension ${type} appears twice`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.vector(2, (x) => {
    for (const e of extensions) x.u16(e.type).opaque(2, e.data);
  });
}

export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
  return extensions.find((e) => e.type === type)?.data;
}

export function encodeClientHello(hello: ClientHello): Uint8Array {
  const w = new Writer().u16(0x0303).bytes(hello.random).opaque(1, hello.sessionId);
  w.vector(2, (x) => hello.cipherSuites.forEach((s) => x.u16(s)));
  w.opaque(1, Uint8Array.of(0)); // legacy_compression_methods: null only
  writeExtensions(w, hello.extensions);
  return frame(HandshakeType.CLIENT_HELLO, w.finish());
}

export function decodeClientHello(body: Uint8Array): ClientHello & { legacyVersion: number; compression: Uint8Array } {
  const r = new Reader(body);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vector(1, 'legacy_session_id', 0, 32);
  const suites = r.sub(2, 'cipher_suites', 2, 0xfffe);
  const cipherSuites: number[] = [];
  while (suites.remaining > 0) cipherSuites.push(suites.u16('cipher suite'));
  const compression = r.vector(1, 'legacy_compression_methods', 1);
  // A TLS 1.2-era ClientHello may have no extensions block at all.
  const extensions = readExtensions(r, 'ClientHello', true);
  r.end('ClientHello');
  return { legacyVersion, random, sessionId, cipherSuites, compression, extensions };
}

export function encodeServerHello(hello: ServerHello): Uint8Array {
  const w = new Writer().u16(0x0303).bytes(hello.random).opaque(1, hello.sessionId).u16(hello.cipherSuite).u8(0);
  writeExtensions(w, hello.extensions);
  return frame(HandshakeType.SERVER_HELLO, w.finish());
}

export function decodeServerHello(body: Uint8Array): ServerHello & { legacyVersion: number; compression: number } {
  const r = new Reader(body);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vector(1, 'legacy_session_id_echo', 0, 32);
  const cipherSuite = r.u16('cipher_suite');
  const compression = r.u8('legacy_compression_method');
  const extensions = readExtensions(r, 'ServerHello', true);
  r.end('ServerHello');
  return { legacyVersion, random, sessionId, cipherSuite, compression, extensions };
}

export function encodeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  const w = new Writer();
  writeExtensions(w, extensions);
  return frame(HandshakeType.ENCRYPTED_EXTENSIONS, w.finish());
}

export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body);
  const extensions = readExtensions(r, 'EncryptedExtensions');
  r.end('EncryptedExtensions');
  return extensions;
}

export function encodeCertificateRequest(request: CertificateRequest): Uint8Array {
  const w = new Writer().opaque(1, request.context);
  writeExtensions(w, request.extensions);
  return frame(HandshakeType.CERTIFICATE_REQUEST, w.finish());
}

export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  const context = r.vector(1, 'certificate_request_context');
  const extensions = readExtensions(r, 'CertificateRequest');
  r.end('CertificateRequest');
  return { context, extensions };
}

export function encodeCertificate(message: CertificateMessage): Uint8Array {
  const w = new Writer().opaque(1, message.context);
  w.vector(3, (x) => {
    for (const entry of message.entries) {
      x.opaque(3, entry.data);
      writeExtensions(x, entry.extensions);
    }
  });
  return frame(HandshakeType.CERTIFICATE, w.finish());
}

/** Decodes a Certificate message, refusing more than `maxEntries` certificates. */
export function decodeCertificate(body: Uint8Array, maxEntries: number): CertificateMessage {
  const r = new Reader(body);
  const context = r.vector(1, 'certificate_request_context');
  const list = r.sub(3, 'certificate_list');
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    if (entries.length === maxEntries) throw new DecodeError(`Certificate: more than ${maxEntries} certificates`);
    const data = list.vector(3, 'cert_data', 1);
    entries.push({ data, extensions: readExtensions(list, 'CertificateEntry') });
  }
  r.end('Certificate');
  return { context, entries };
}

export function encodeCertificateVerify(verify: CertificateVerify): Uint8Array {
  return frame(HandshakeType.CERTIFICATE_VERIFY, new Writer().u16(verify.scheme).opaque(2, verify.signature).finish());
}

export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body);
  const scheme = r.u16('algorithm');
  const signature = r.vector(2, 'signature', 1);
  r.end('CertificateVerify');
  return { scheme, signature };
}

export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return frame(HandshakeType.FINISHED, verifyData);
}

export function encodeNewSessionTicket(ticket: NewSessionTicket): Uint8Array {
  const w = new Writer().u32(ticket.lifetime).u32(ticket.ageAdd).opaque(1, ticket.nonce).opaque(2, ticket.ticket);
  writeExtensions(w, ticket.extensions);
  return frame(HandshakeType.NEW_SESSION_TICKET, w.finish());
}

export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body);
  const lifetime = r.u32('ticket_lifetime');
  const ageAdd = r.u32('ticket_age_add');
  const nonce = r.vector(1, 'ticket_nonce');
  const ticket = r.vector(2, 'ticket', 1);
  const extensions = readExtensions(r, 'NewSessionTicket');
  r.end('NewSessionTicket');
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

export function encodeKeyUpdate(requestUpdate: boolean): Uint8Array {
  return frame(HandshakeType.KEY_UPDATE, Uint8Array.of(requestUpdate ? 1 : 0));
}

export function decodeKeyUpdate(body: Uint8Array): boolean {
  const r = new Reader(body);
  const request = r.u8('request_update');
  r.end('KeyUpdate');
  if (request > 1) throw new DecodeError(`KeyUpdate: request_update ${request} is neither 0 nor 1`);
  return request === 1;
}
