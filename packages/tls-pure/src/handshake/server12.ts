/**
 * The TLS 1.2 server handshake after ClientHello (RFC 5246 §7.3, RFC 8422, RFC 7627): ECDHE with
 * AEAD suites only, extended master secret required, renegotiation refused, resumption with
 * stateless tickets only (RFC 5077; no session-id cache, so nothing is kept per session).
 *
 *   full:    [ExpectCertificate] -> ExpectClientKeyExchange -> [ExpectCertificateVerify]
 *            -> [ChangeCipherSpec] -> ExpectFinished -> ExpectTraffic
 *   resumed: [ChangeCipherSpec] -> ExpectResumedFinished -> ExpectTraffic
 *
 * @module
 */
import { CertificateVerificationError } from '@unitls/tls-core';
import { AlertDescription, ExtensionType, HandshakeType } from '../codec/constants.js';
import * as ext from '../codec/extensions.js';
import { decodeCertificateVerify, encodeFinished, encodeServerHello, findExtension, type Extension, type HandshakeMessage } from '../codec/messages.js';
import {
  HandshakeType12,
  decodeCertificate12,
  decodeClientKeyExchange,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeNewSessionTicket12,
  encodeServerEcdhParams,
  encodeServerHelloDone,
  encodeServerKeyExchange,
} from '../codec/messages12.js';
import { concat } from '../codec/writer.js';
import type { CryptoProvider, KeyExchange } from '../crypto/provider.js';
import { keyFitsAuth, type Tls12Suite } from '../crypto/schemes.js';
import type { Engine, HandshakeState } from '../engine.js';
import { fail } from '../errors.js';
import { MAX_FRAGMENT } from '../record/record-layer.js';
import { install12, Messages, schemeFitsAuth } from './client12.js';
import { badSignature, expectType, VERIFY_SCHEMES } from './common.js';
import { extendedMasterSecret, finished12 } from './prf.js';
import type { ServedChain, ServerConfig } from './server.js';
import type { TicketState } from './session.js';

/** RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.3-capable server's random when it negotiates TLS 1.2. */
const DOWNGRADE_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

interface Server12 {
  readonly config: ServerConfig;
  readonly suite: Tls12Suite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly messages: Messages;
  readonly exchange: KeyExchange;
  readonly alpn: Uint8Array | null;
  readonly sni: string | null;
  /** The client asked for a ticket (RFC 5077 §3.2) and we promised one in ServerHello. */
  readonly issueTicket: boolean;
  peerCertificates: readonly Uint8Array[];
  publicKeyInfo?: Uint8Array;
  master?: Uint8Array;
}

/** What the TLS 1.3 ExpectClientHello already worked out. */
export interface Hello12 {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly Extension[];
  readonly sni: string | null;
  readonly alpn: Uint8Array | null;
  readonly chain: ServedChain;
}

/** Answers a ClientHello with a TLS 1.2 flight. */
export function acceptClientHello12(engine: Engine, config: ServerConfig, hello: Hello12, clientHello: Uint8Array): HandshakeState {
  engine.version = 0x0303;
  const get = (type: number) => findExtension(hello.extensions, type);
  if (get(ExtensionType.EXTENDED_MASTER_SECRET) === undefined) {
    fail(AlertDescription.handshake_failure, 'the client does not offer the extended master secret (RFC 7627), which tls-pure requires for TLS 1.2');
  }
  const renegotiation = get(ExtensionType.RENEGOTIATION_INFO);
  if (renegotiation !== undefined && (renegotiation.length !== 1 || renegotiation[0] !== 0)) fail(AlertDescription.handshake_failure, 'a renegotiation_info that is not empty on a first handshake');
  const provider = config.provider;
  const random = provider.random(32);
  if (config.plan.tls13.length > 0) random.set(DOWNGRADE_TLS12, 24);
  const ticketData = get(ExtensionType.SESSION_TICKET);
  const issueTicket = ticketData !== undefined && config.ticketer !== null;
  negotiateRecordSizeLimit12(engine, get(ExtensionType.RECORD_SIZE_LIMIT));
  const resumed = ticketData === undefined || ticketData.length === 0 ? null : resumable(config, hello, ticketData);
  if (resumed !== null) return resume(engine, config, hello, clientHello, random, resumed.state, resumed.suite, issueTicket);

  const chain = hello.chain;
  const suite = config.plan.tls12.find((s) => hello.cipherSuites.includes(s.id) && keyFitsAuth(chain.key.schemes, s.auth));
  if (suite === undefined) fail(AlertDescription.handshake_failure, 'no cipher suite in common with the client (for this certificate)');
  const groupsData = get(ExtensionType.SUPPORTED_GROUPS);
  const clientGroups = groupsData === undefined ? [] : ext.supportedGroups.decode(groupsData);
  const group = config.groups.find((g) => clientGroups.includes(g) && g !== 0x11ec);
  if (group === undefined) fail(AlertDescription.handshake_failure, 'no key exchange group in common with the client');
  const schemesData = get(ExtensionType.SIGNATURE_ALGORITHMS);
  // Without signature_algorithms a TLS 1.2 client means SHA-1 (RFC 5246 §7.4.1.4.1), which is refused.
  const clientSchemes = schemesData === undefined ? [] : ext.signatureAlgorithms.decode(schemesData);
  const scheme = chain.key.schemes.find((s) => clientSchemes.includes(s) && schemeFitsAuth(s, suite.auth));
  if (scheme === undefined) fail(AlertDescription.handshake_failure, 'no signature scheme in common with the client for this certificate');

  const messages = new Messages();
  messages.add(clientHello);
  const send = (m: Uint8Array) => {
    messages.add(m);
    engine.sendHandshake(m);
  };
  // legacy_version 0x0303 is what encodeServerHello writes; no session id: sessions are resumed by ticket only.
  send(encodeServerHello({ random, sessionId: new Uint8Array(0), cipherSuite: suite.id, extensions: serverHelloExtensions(engine, hello, issueTicket) }));
  send(encodeCertificate12(chain.certificates));
  const exchange = provider.keyExchange(group);
  const params = encodeServerEcdhParams(group, exchange.publicKey);
  send(encodeServerKeyExchange(params, scheme, chain.key.sign(scheme, concat(hello.random, random, params))));
  const requested = config.clientVerifier !== null;
  if (requested) send(encodeCertificateRequest12(VERIFY_SCHEMES));
  send(encodeServerHelloDone());
  const s: Server12 = { config, suite, clientRandom: hello.random, serverRandom: random, messages, exchange, alpn: hello.alpn, sni: hello.sni, issueTicket, peerCertificates: [] };
  return requested ? new ExpectCertificate(s) : new ExpectClientKeyExchange(s);
}

/**
 * RFC 8449 in TLS 1.2: the client's record_size_limit bounds the plaintext of the records we
 * send (at most 2^14, TLS 1.2's own bound); without one, ours is not in effect either (the client
 * cannot know it), so records up to 2^14 are taken.
 */
function negotiateRecordSizeLimit12(engine: Engine, data: Uint8Array | undefined): void {
  if (data === undefined) {
    engine.records.incomingLimit = MAX_FRAGMENT + 1;
    return;
  }
  let limit: number;
  try {
    limit = ext.recordSizeLimit.decode(data);
  } catch (error) {
    fail(AlertDescription.illegal_parameter, (error as Error).message);
  }
  engine.records.outgoingLimit = Math.min(limit, 2 ** 14);
  engine.records.incomingLimit = Math.min(engine.records.advertisedLimit, 2 ** 14);
}

function serverHelloExtensions(engine: Engine, hello: Hello12, issueTicket: boolean): Extension[] {
  const extensions: Extension[] = [
    { type: ExtensionType.RENEGOTIATION_INFO, data: Uint8Array.of(0) },
    { type: ExtensionType.EXTENDED_MASTER_SECRET, data: new Uint8Array(0) },
  ];
  if (findExtension(hello.extensions, 0x000b) !== undefined) extensions.push({ type: 0x000b, data: Uint8Array.of(1, 0) });
  if (hello.alpn !== null) extensions.push(ext.alpn.encode([hello.alpn]));
  if (issueTicket) extensions.push({ type: ExtensionType.SESSION_TICKET, data: new Uint8Array(0) });
  // RFC 8449 §4: the server answers in its ServerHello (TLS 1.2), with a limit of at most 2^14.
  if (findExtension(hello.extensions, ExtensionType.RECORD_SIZE_LIMIT) !== undefined) extensions.push(ext.recordSizeLimit.encode(engine.records.incomingLimit));
  return extensions;
}

/**
 * The TLS 1.2 session in the client's ticket when we may resume it: a ticket of this context for
 * TLS 1.2, not expired, for the same SNI name, its suite still allowed here and offered by the
 * client, and a client certificate in it when this server now asks for one.
 */
function resumable(config: ServerConfig, hello: Hello12, ticket: Uint8Array): { state: TicketState; suite: Tls12Suite } | null {
  const state = config.ticketer?.open(ticket) ?? null;
  if (state === null || state.version !== 0x0303) return null;
  if (Date.now() - state.createdAt > state.lifetime * 1000 || state.serverName !== (hello.sni ?? '')) return null;
  const suite = config.plan.tls12.find((s) => s.id === state.cipherSuite);
  if (suite === undefined || !hello.cipherSuites.includes(suite.id)) return null;
  if (config.clientVerifier !== null && state.peerCertificates.length === 0) return null;
  return { state, suite };
}

/** The abbreviated handshake (RFC 5246 §7.3, RFC 5077 §3.1): we finish first, the client follows. */
function resume(engine: Engine, config: ServerConfig, hello: Hello12, clientHello: Uint8Array, random: Uint8Array, state: TicketState, suite: Tls12Suite, issueTicket: boolean): HandshakeState {
  const provider = config.provider;
  const master = state.secret;
  const messages = new Messages();
  messages.add(clientHello);
  const send = (m: Uint8Array) => {
    messages.add(m);
    engine.sendHandshake(m);
  };
  // Echoing the client's session id is what tells it the ticket was accepted (RFC 5077 §3.4).
  send(encodeServerHello({ random, sessionId: hello.sessionId, cipherSuite: suite.id, extensions: serverHelloExtensions(engine, hello, issueTicket) }));
  // A fresh ticket for the same session; its age still counts from the full handshake.
  if (issueTicket) send(newSessionTicket(config, state));
  engine.sendChangeCipherSpec();
  install12(engine, suite, master, hello.random, random, 'server', 'write');
  send(encodeFinished(finished12(provider, suite.hash, master, 'server', provider.hash(suite.hash, messages.all()))));
  engine.flush();
  engine.onChangeCipherSpec = () => install12(engine, suite, master, hello.random, random, 'server', 'read');
  return new ExpectResumedFinished({ suite, master, messages, alpn: hello.alpn, sni: hello.sni, peerCertificates: state.peerCertificates, provider });
}

function newSessionTicket(config: ServerConfig, state: TicketState): Uint8Array {
  const ticketer = config.ticketer!;
  return encodeNewSessionTicket12({ lifetimeHint: ticketer.lifetime, ticket: ticketer.seal(state) });
}

class ExpectResumedFinished implements HandshakeState {
  readonly name = 'ExpectResumedFinished';
  constructor(
    readonly r: {
      readonly suite: Tls12Suite;
      readonly master: Uint8Array;
      readonly messages: Messages;
      readonly alpn: Uint8Array | null;
      readonly sni: string | null;
      readonly peerCertificates: readonly Uint8Array[];
      readonly provider: CryptoProvider;
    },
  ) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.FINISHED, this.name);
    const { suite, master, messages, provider } = this.r;
    if (engine.onChangeCipherSpec !== null) fail(AlertDescription.unexpected_message, 'Finished before ChangeCipherSpec');
    const expected = finished12(provider, suite.hash, master, 'client', provider.hash(suite.hash, messages.all()));
    if (!provider.equal(expected, message.body)) fail(AlertDescription.decrypt_error, "the client's Finished does not match the handshake (tampering, or a bug)");
    engine.complete({ cipherSuite: suite.id, group: null, alpn: this.r.alpn, peerCertificates: this.r.peerCertificates, resumed: true, serverName: this.r.sni });
    return new ExpectTraffic();
  }
}

class ExpectCertificate implements HandshakeState {
  readonly name = 'ExpectCertificate';
  constructor(readonly s: Server12) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CERTIFICATE, this.name);
    const config = this.s.config;
    const chain = decodeCertificate12(message.body, config.limits.maxChainLength);
    if (chain.length === 0) {
      throw new CertificateVerificationError('missing-certificate', 'a client certificate is required and none was sent (the client must configure certificateChain)', {
        verifyCode: 'handshake_failure',
      });
    }
    this.s.publicKeyInfo = config.clientVerifier!.verify(chain, null, 'client', config.verificationTime()).publicKeyInfo;
    this.s.peerCertificates = chain;
    this.s.messages.add(message.encoded);
    return new ExpectClientKeyExchange(this.s);
  }
}

class ExpectClientKeyExchange implements HandshakeState {
  readonly name = 'ExpectClientKeyExchange';
  constructor(readonly s: Server12) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType12.CLIENT_KEY_EXCHANGE, this.name);
    const s = this.s;
    const provider = s.config.provider;
    let preMaster: Uint8Array;
    try {
      preMaster = s.exchange.agree(decodeClientKeyExchange(message.body));
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'DecodeError') throw cause;
      fail(AlertDescription.illegal_parameter, `the client's key share is invalid: ${(cause as Error).message}`, cause);
    }
    s.messages.add(message.encoded);
    const master = extendedMasterSecret(provider, s.suite.hash, preMaster, provider.hash(s.suite.hash, s.messages.all()));
    s.master = master;
    engine.onChangeCipherSpec = () => install12(engine, s.suite, master, s.clientRandom, s.serverRandom, 'server', 'read');
    return s.peerCertificates.length > 0 ? new ExpectCertificateVerify(s) : new ExpectFinished(s);
  }
}

class ExpectCertificateVerify implements HandshakeState {
  readonly name = 'ExpectCertificateVerify';
  constructor(readonly s: Server12) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CERTIFICATE_VERIFY, this.name);
    const s = this.s;
    const verify = decodeCertificateVerify(message.body);
    if (!VERIFY_SCHEMES.includes(verify.scheme)) fail(AlertDescription.illegal_parameter, `the client signed with scheme 0x${verify.scheme.toString(16)}, which we did not offer`);
    if (!s.config.provider.verify(verify.scheme, s.publicKeyInfo!, s.messages.all(), verify.signature)) {
      fail(AlertDescription.decrypt_error, "the client's CertificateVerify signature does not verify with its certificate's key", badSignature());
    }
    s.messages.add(message.encoded);
    return new ExpectFinished(s);
  }
}

class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(readonly s: Server12) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.FINISHED, this.name);
    const s = this.s;
    const provider = s.config.provider;
    if (engine.onChangeCipherSpec !== null) fail(AlertDescription.unexpected_message, 'Finished before ChangeCipherSpec');
    const expected = finished12(provider, s.suite.hash, s.master!, 'client', provider.hash(s.suite.hash, s.messages.all()));
    if (!provider.equal(expected, message.body)) fail(AlertDescription.decrypt_error, "the client's Finished does not match the handshake (tampering, or a bug)");
    s.messages.add(message.encoded);
    if (s.issueTicket) {
      const ticket = newSessionTicket(s.config, {
        version: 0x0303,
        cipherSuite: s.suite.id,
        secret: s.master!,
        ageAdd: 0,
        lifetime: s.config.ticketer!.lifetime,
        createdAt: Date.now(),
        serverName: s.sni ?? '',
        peerCertificates: s.peerCertificates,
      });
      s.messages.add(ticket);
      engine.sendHandshake(ticket);
    }
    engine.sendChangeCipherSpec();
    install12(engine, s.suite, s.master!, s.clientRandom, s.serverRandom, 'server', 'write');
    engine.sendHandshake(encodeFinished(finished12(provider, s.suite.hash, s.master!, 'server', provider.hash(s.suite.hash, s.messages.all()))));
    engine.flush();
    engine.complete({ cipherSuite: s.suite.id, group: s.exchange.group, alpn: s.alpn, peerCertificates: s.peerCertificates, resumed: false, serverName: s.sni });
    return new ExpectTraffic();
  }
}

class ExpectTraffic implements HandshakeState {
  readonly name = 'ExpectTraffic';
  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    if (message.type !== HandshakeType.CLIENT_HELLO) return fail(AlertDescription.unexpected_message, `handshake message type ${message.type} after the TLS 1.2 handshake`);
    // RFC 5246 7.2.2 / RFC 5746: renegotiation is refused with a no_renegotiation warning, as
    // OpenSSL does; the client decides (it usually ends the connection with handshake_failure).
    engine.sendWarning(AlertDescription.no_renegotiation);
    return this;
  }
}
