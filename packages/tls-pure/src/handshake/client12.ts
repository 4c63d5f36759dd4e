/**
 * The TLS 1.2 client handshake after ServerHello (RFC 5246 §7.3, RFC 8422, RFC 7627): ECDHE with
 * AEAD suites only, extended master secret required, renegotiation refused, sessions resumed by
 * session id or ticket (RFC 5077). One state per message:
 *
 *   full:    ExpectCertificate -> ExpectServerKeyExchange -> ExpectCertificateRequestOrServerHelloDone
 *            -> (ExpectServerHelloDone) -> [ExpectNewSessionTicket] -> [ChangeCipherSpec]
 *            -> ExpectFinished -> ExpectTraffic
 *   resumed: [ExpectNewSessionTicket] -> [ChangeCipherSpec] -> ExpectFinished -> ExpectTraffic
 *
 * @module
 */
import { AlertDescription, ExtensionType, HandshakeType } from '../codec/constants.js';
import { alpn as alpnExtension, recordSizeLimit as recordSizeLimitExtension } from '../codec/extensions.js';
import { encodeFinished, findExtension, type Extension, type HandshakeMessage } from '../codec/messages.js';
import {
  HandshakeType12,
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeNewSessionTicket12,
  decodeServerKeyExchange,
  encodeCertificate12,
  encodeClientKeyExchange,
} from '../codec/messages12.js';
import { concat, Writer } from '../codec/writer.js';
import type { Tls12Suite } from '../crypto/schemes.js';
import type { Engine, HandshakeState } from '../engine.js';
import { fail } from '../errors.js';
import { RecordProtection12 } from '../record/protection12.js';
import type { ClientConfig } from './client.js';
import { badSignature, bytesEqual, expectType, VERIFY_SCHEMES } from './common.js';
import { extendedMasterSecret, finished12, keyBlock } from './prf.js';
import type { ClientSession12 } from './session.js';

/** How long a session the server identified by session id only may be offered (it gave no lifetime). */
const SESSION_ID_LIFETIME = 2 * 3600;
/** The longest a ticket is kept whatever the server's hint says (RFC 8446's bound, for both versions). */
const MAX_LIFETIME = 7 * 86400;

/** Whether a signature scheme can authenticate a suite of this kind in TLS 1.2. */
export function schemeFitsAuth(scheme: number, auth: 'ecdsa' | 'rsa'): boolean {
  const rsa = (scheme & 0xff) === 0x01 || (scheme >= 0x0804 && scheme <= 0x0806);
  const ecdsa = (scheme & 0xff) === 0x03 || scheme === 0x0807;
  return auth === 'rsa' ? rsa : ecdsa;
}

/** Installs the TLS 1.2 keys of one direction from the key block. */
export function install12(engine: Engine, suite: Tls12Suite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, side: 'client' | 'server', direction: 'read' | 'write'): void {
  const keys = keyBlock(engine.provider, suite.hash, master, clientRandom, serverRandom, suite.keyLength, suite.fixedIvLength);
  const clientSide = (side === 'client') === (direction === 'write');
  const protection = new RecordProtection12(engine.provider, suite, clientSide ? keys.clientKey : keys.serverKey, clientSide ? keys.clientIv : keys.serverIv);
  if (direction === 'read') engine.records.setReader(protection);
  else {
    engine.flush();
    engine.records.setWriter(protection);
  }
}

/** The handshake so far: its messages as bytes (TLS 1.2 CertificateVerify signs them whole). */
export class Messages {
  readonly #list: Uint8Array[] = [];
  add(message: Uint8Array): void {
    this.#list.push(message);
  }
  all(): Uint8Array {
    return concat(...this.#list);
  }
}

interface Client12 {
  readonly config: ClientConfig;
  readonly suite: Tls12Suite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly messages: Messages;
  readonly alpn: Uint8Array | null;
  /** The server's session id (ServerHello). */
  readonly sessionId: Uint8Array;
  /** The session being resumed, or null in a full handshake. */
  readonly resuming: ClientSession12 | null;
  /** The server said it will send a NewSessionTicket (RFC 5077 §3.2). */
  ticketPromised: boolean;
  ticket?: { lifetimeHint: number; ticket: Uint8Array };
  master?: Uint8Array;
  peerCertificates: readonly Uint8Array[];
  publicKeyInfo?: Uint8Array;
  serverShare?: { group: number; publicKey: Uint8Array };
  requestedSchemes?: number[] | null;
}

/** What our ClientHello offered that a TLS 1.2 ServerHello answers. */
export interface Offer12 {
  readonly clientRandom: Uint8Array;
  readonly sessionId: Uint8Array;
  /** The session offered for resumption (its id in `sessionId`, or its ticket in session_ticket). */
  readonly session: ClientSession12 | null;
}

/** Continues a client handshake whose ServerHello chose TLS 1.2. */
export function acceptServerHello12(
  engine: Engine,
  config: ClientConfig,
  hello: { random: Uint8Array; sessionId: Uint8Array; cipherSuite: number; extensions: readonly Extension[] },
  offer: Offer12,
  clientHello: Uint8Array,
  serverHello: Uint8Array,
): HandshakeState {
  const clientRandom = offer.clientRandom;
  engine.version = 0x0303;
  const suite = config.plan.tls12.find((s) => s.id === hello.cipherSuite);
  if (suite === undefined) fail(AlertDescription.illegal_parameter, `the server selected cipher suite 0x${hello.cipherSuite.toString(16)}, which we did not offer for TLS 1.2`);
  // RFC 7627 §5.3: without extended master secret the handshake is open to triple handshake attacks.
  if (findExtension(hello.extensions, ExtensionType.EXTENDED_MASTER_SECRET) === undefined) {
    fail(AlertDescription.handshake_failure, 'the server does not support the extended master secret (RFC 7627), which tls-pure requires for TLS 1.2');
  }
  const renegotiation = findExtension(hello.extensions, ExtensionType.RENEGOTIATION_INFO);
  if (renegotiation !== undefined && !bytesEqual(renegotiation, Uint8Array.of(0))) fail(AlertDescription.handshake_failure, 'a renegotiation_info that is not empty on a first handshake');
  let alpn: Uint8Array | null = null;
  const alpnData = findExtension(hello.extensions, ExtensionType.ALPN);
  if (alpnData !== undefined) {
    const chosen = alpnExtension.decode(alpnData);
    if (chosen.length !== 1 || !(config.alpn ?? []).some((p) => bytesEqual(p, chosen[0]!))) fail(AlertDescription.illegal_parameter, 'the server selected an ALPN protocol we did not offer');
    alpn = Uint8Array.from(chosen[0]!);
  }
  // RFC 8449 §4: the server's limit bounds the plaintext of the records we send (TLS 1.2: at most
  // 2^14); ours is in effect only when the server answered with its own (then at most 2^14 too).
  const limit = findExtension(hello.extensions, ExtensionType.RECORD_SIZE_LIMIT);
  if (limit !== undefined) {
    let peerLimit: number;
    try {
      peerLimit = recordSizeLimitExtension.decode(limit);
    } catch (error) {
      fail(AlertDescription.illegal_parameter, (error as Error).message);
    }
    engine.records.outgoingLimit = Math.min(peerLimit, 2 ** 14);
    engine.records.incomingLimit = Math.min(engine.records.advertisedLimit, 2 ** 14);
  }
  const ticketData = findExtension(hello.extensions, ExtensionType.SESSION_TICKET);
  if (ticketData !== undefined && ticketData.length !== 0) fail(AlertDescription.decode_error, 'a session_ticket extension with data in the ServerHello');
  const messages = new Messages();
  messages.add(clientHello);
  messages.add(serverHello);
  // RFC 5077 §3.4 / RFC 5246 §7.4.1.3: the server resumes by echoing the session id we offered.
  const session = offer.session;
  const resumed = session !== null && hello.sessionId.length > 0 && bytesEqual(hello.sessionId, offer.sessionId);
  const c: Client12 = {
    config,
    suite,
    clientRandom,
    serverRandom: hello.random,
    messages,
    alpn,
    sessionId: Uint8Array.from(hello.sessionId),
    resuming: resumed ? session : null,
    ticketPromised: ticketData !== undefined,
    peerCertificates: [],
  };
  if (!resumed) return new ExpectCertificate(c);
  if (suite.id !== session.cipherSuite) fail(AlertDescription.illegal_parameter, 'the server resumed our session with another cipher suite');
  c.master = session.masterSecret;
  c.peerCertificates = session.peerCertificates;
  engine.onChangeCipherSpec = () => install12(engine, suite, c.master!, clientRandom, hello.random, 'client', 'read');
  return c.ticketPromised ? new ExpectNewSessionTicket(c) : new ExpectFinished(c);
}

class ExpectCertificate implements HandshakeState {
  readonly name = 'ExpectCertificate';
  constructor(readonly c: Client12) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CERTIFICATE, this.name);
    const config = this.c.config;
    const chain = decodeCertificate12(message.body, config.limits.maxChainLength);
    if (chain.length === 0) fail(AlertDescription.decode_error, 'the server sent no certificate');
    const verified = config.verifier.verify(chain, config.checkName ? config.serverName : null, 'server', config.verificationTime());
    this.c.messages.add(message.encoded);
    this.c.peerCertificates = chain;
    this.c.publicKeyInfo = verified.publicKeyInfo;
    return new ExpectServerKeyExchange(this.c);
  }
}

class ExpectServerKeyExchange implements HandshakeState {
  readonly name = 'ExpectServerKeyExchange';
  constructor(readonly c: Client12) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType12.SERVER_KEY_EXCHANGE, this.name);
    const c = this.c;
    const exchange = decodeServerKeyExchange(message.body);
    if (!c.config.groups.includes(exchange.group)) fail(AlertDescription.illegal_parameter, `the server chose group 0x${exchange.group.toString(16)}, which we did not offer`);
    if (!VERIFY_SCHEMES.includes(exchange.scheme) || !schemeFitsAuth(exchange.scheme, c.suite.auth)) {
      fail(AlertDescription.illegal_parameter, `the server signed with scheme 0x${exchange.scheme.toString(16)}, which does not fit the suite or was not offered`);
    }
    const signed = concat(c.clientRandom, c.serverRandom, exchange.params);
    if (!c.config.provider.verify(exchange.scheme, c.publicKeyInfo!, signed, exchange.signature)) {
      fail(AlertDescription.decrypt_error, "the server's key exchange signature does not verify with its certificate's key", badSignature());
    }
    c.messages.add(message.encoded);
    c.serverShare = { group: exchange.group, publicKey: Uint8Array.from(exchange.publicKey) };
    return new ExpectCertificateRequestOrServerHelloDone(c);
  }
}

class ExpectCertificateRequestOrServerHelloDone implements HandshakeState {
  readonly name = 'ExpectCertificateRequestOrServerHelloDone';
  constructor(readonly c: Client12) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    if (message.type === HandshakeType.CERTIFICATE_REQUEST) {
      this.c.requestedSchemes = decodeCertificateRequest12(message.body);
      this.c.messages.add(message.encoded);
      return new ExpectServerHelloDone(this.c);
    }
    return new ExpectServerHelloDone(this.c).handle(engine, message);
  }
}

class ExpectServerHelloDone implements HandshakeState {
  readonly name = 'ExpectServerHelloDone';
  constructor(readonly c: Client12) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType12.SERVER_HELLO_DONE, this.name);
    if (message.body.length !== 0) fail(AlertDescription.decode_error, 'a ServerHelloDone with a body');
    const c = this.c;
    const provider = c.config.provider;
    c.messages.add(message.encoded);
    const send = (m: Uint8Array) => {
      c.messages.add(m);
      engine.sendHandshake(m);
    };
    const chain = c.config.chain;
    const scheme = c.requestedSchemes == null || chain === null ? undefined : chain.key.schemes.find((s) => c.requestedSchemes!.includes(s));
    if (c.requestedSchemes != null) send(encodeCertificate12(scheme === undefined ? [] : chain!.certificates));
    const ours = provider.keyExchange(c.serverShare!.group);
    let preMaster: Uint8Array;
    try {
      preMaster = ours.agree(c.serverShare!.publicKey);
    } catch (cause) {
      fail(AlertDescription.illegal_parameter, `the server's key share is invalid: ${(cause as Error).message}`, cause);
    }
    send(encodeClientKeyExchange(ours.publicKey));
    const master = extendedMasterSecret(provider, c.suite.hash, preMaster, provider.hash(c.suite.hash, c.messages.all()));
    c.master = master;
    if (scheme !== undefined) {
      const signature = chain!.key.sign(scheme, c.messages.all());
      send(frame12CertificateVerify(scheme, signature));
    }
    engine.sendChangeCipherSpec();
    install12(engine, c.suite, master, c.clientRandom, c.serverRandom, 'client', 'write');
    const finished = encodeFinished(finished12(provider, c.suite.hash, master, 'client', provider.hash(c.suite.hash, c.messages.all())));
    send(finished);
    engine.flush();
    engine.onChangeCipherSpec = () => install12(engine, c.suite, master, c.clientRandom, c.serverRandom, 'client', 'read');
    return c.ticketPromised ? new ExpectNewSessionTicket(c) : new ExpectFinished(c);
  }
}

/** CertificateVerify is the same shape in both versions; only what is signed differs. */
function frame12CertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(HandshakeType.CERTIFICATE_VERIFY), u24(2 + 2 + signature.length), new Writer().u16(scheme).opaque(2, signature).finish());
}

function u24(n: number): Uint8Array {
  return Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** RFC 5077 §3.3: after a session_ticket in ServerHello, a NewSessionTicket comes before ChangeCipherSpec. */
class ExpectNewSessionTicket implements HandshakeState {
  readonly name = 'ExpectNewSessionTicket';
  constructor(readonly c: Client12) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.NEW_SESSION_TICKET, this.name);
    this.c.ticket = decodeNewSessionTicket12(message.body);
    this.c.messages.add(message.encoded);
    return new ExpectFinished(this.c);
  }
}

class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(readonly c: Client12) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.FINISHED, this.name);
    const c = this.c;
    const provider = c.config.provider;
    const master = c.master!;
    if (engine.onChangeCipherSpec !== null) fail(AlertDescription.unexpected_message, 'Finished before ChangeCipherSpec');
    const expected = finished12(provider, c.suite.hash, master, 'server', provider.hash(c.suite.hash, c.messages.all()));
    if (!provider.equal(expected, message.body)) fail(AlertDescription.decrypt_error, "the server's Finished does not match the handshake (tampering, or a bug)");
    if (c.resuming !== null) {
      // Abbreviated handshake (RFC 5246 §7.3): the server finished first; our ChangeCipherSpec and Finished follow.
      c.messages.add(message.encoded);
      engine.sendChangeCipherSpec();
      install12(engine, c.suite, master, c.clientRandom, c.serverRandom, 'client', 'write');
      engine.sendHandshake(encodeFinished(finished12(provider, c.suite.hash, master, 'client', provider.hash(c.suite.hash, c.messages.all()))));
      engine.flush();
    }
    engine.complete({
      cipherSuite: c.suite.id,
      group: c.serverShare?.group ?? null,
      alpn: c.alpn,
      peerCertificates: c.peerCertificates,
      resumed: c.resuming !== null,
      serverName: c.config.sni,
    });
    const session = sessionToKeep(c);
    if (session !== null) c.config.sessions.storeSession(session);
    return new ExpectTraffic();
  }
}

/** The session this handshake leaves to resume later, or null when the server offered none. */
function sessionToKeep(c: Client12): ClientSession12 | null {
  const fresh = c.ticket !== undefined && c.ticket.ticket.length > 0;
  if (!fresh && c.resuming !== null) return c.resuming; // resumed without a new ticket: the same session again
  const ticket = fresh ? c.ticket!.ticket : new Uint8Array(0);
  if (ticket.length === 0 && c.sessionId.length === 0) return null;
  const hint = fresh ? c.ticket!.lifetimeHint : 0;
  return {
    version: 0x0303,
    cipherSuite: c.suite.id,
    masterSecret: c.master!,
    sessionId: c.sessionId,
    ticket,
    lifetime: hint === 0 ? SESSION_ID_LIFETIME : Math.min(hint, MAX_LIFETIME),
    receivedAt: Date.now(),
    peerCertificates: c.peerCertificates,
  };
}

class ExpectTraffic implements HandshakeState {
  readonly name = 'ExpectTraffic';
  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    // RFC 5746 / issue #17: renegotiation is refused; a HelloRequest gets a no_renegotiation warning.
    if (message.type !== HandshakeType12.HELLO_REQUEST) fail(AlertDescription.unexpected_message, `handshake message type ${message.type} after the TLS 1.2 handshake`);
    engine.sendWarning(AlertDescription.no_renegotiation);
    return this;
  }
}
