/**
 * The TLS 1.3 client handshake (RFC 8446 §2, §4): one state per message expected, named after it.
 *
 *   ExpectServerHello -> (HelloRetryRequest: ExpectServerHello once more)
 *   -> ExpectEncryptedExtensions -> ExpectCertificateOrCertificateRequest -> ExpectCertificate
 *   -> ExpectCertificateVerify -> ExpectFinished -> ExpectTraffic
 *   (resumed: ExpectEncryptedExtensions -> ExpectFinished)
 *
 * @module
 */
import { AlertDescription, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, NamedGroup, ProtocolVersion } from '../codec/constants.js';
import * as ext from '../codec/extensions.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeEncryptedExtensions,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientHello,
  encodeFinished,
  findExtension,
  type Extension,
  type HandshakeMessage,
} from '../codec/messages.js';
import type { Limits } from '../config/limits.js';
import type { CryptoProvider, KeyExchange } from '../crypto/provider.js';
import { tls13Suite, type Tls13Suite } from '../crypto/schemes.js';
import type { Engine, HandshakeState } from '../engine.js';
import { fail } from '../errors.js';
import type { PeerVerifier } from '../verify/verifier.js';
import { bytesEqual, certificateVerifyContent, checkCertificateVerify, chooseScheme, expectType, VERIFY_SCHEMES } from './common.js';
import { KeySchedule, wipe } from './key-schedule.js';
import type { ClientSession, ClientSession12, StoredSession } from './session.js';
import { Transcript } from './transcript.js';
import type { LoadedChain } from '../config/material.js';
import type { SuitePlan } from '../config/validate.js';
import { acceptServerHello12 } from './client12.js';

/** Everything a client handshake is configured with. */
export interface ClientConfig {
  readonly provider: CryptoProvider;
  readonly plan: SuitePlan;
  readonly groups: readonly number[];
  readonly alpn: readonly Uint8Array[] | null;
  /** The name the certificate must match (a DNS name or IP literal). */
  readonly serverName: string;
  /** The SNI host_name, or null for IP literals (RFC 6066 §3). */
  readonly sni: string | null;
  readonly verifier: PeerVerifier;
  /** False only for @unitls/insecure's relaxed contexts. */
  readonly checkName: boolean;
  readonly chain: LoadedChain | null;
  readonly verificationTime: () => Date;
  readonly session: StoredSession | null;
  /** Where the session tickets go (the connection's buffer). */
  readonly sessions: { storeSession(session: StoredSession): void };
  readonly limits: Limits;
}

/** State shared along the handshake. */
class ClientHandshake {
  readonly config: ClientConfig;
  readonly transcript = new Transcript();
  readonly random: Uint8Array;
  /** legacy_session_id: a TLS 1.2 session's id when resuming one, else random. */
  readonly sessionId: Uint8Array;
  /** A TLS 1.2 session offered for resumption (RFC 5246 §7.4.1.2, RFC 5077). */
  readonly offered12: ClientSession12 | null;
  /** Our key shares: the first group's, and X25519's beside a hybrid one (so non-PQ servers need no retry). */
  keyShares: KeyExchange[];
  cookie: Uint8Array | null = null;
  offeredPsk: ClientSession | null;
  /** The first ClientHello as sent (TLS 1.2 keeps the handshake messages whole). */
  firstHello: Uint8Array | null = null;

  constructor(config: ClientConfig) {
    this.config = config;
    this.random = config.provider.random(32);
    this.offered12 = usableSession12(config);
    // A TLS 1.2 session id to resume; otherwise a random one, which RFC 8446 §D.4 (middlebox compatibility)
    // and RFC 5077 §3.4 (the server echoes it when it accepts our ticket) both want non-empty.
    this.sessionId = this.offered12 !== null && this.offered12.sessionId.length > 0 ? this.offered12.sessionId : config.provider.random(32);
    const first = config.groups[0]!;
    const classical = config.groups.find((g) => g !== NamedGroup.X25519MLKEM768);
    const share = config.provider.keyExchange(first);
    this.keyShares = [share];
    if (first === NamedGroup.X25519MLKEM768 && classical !== undefined) {
      // The hybrid's own X25519 key pair serves as the X25519 share too (see KeyExchange.classical).
      this.keyShares.push(share.classical?.group === classical ? share.classical : config.provider.keyExchange(classical));
    }
    this.offeredPsk = usableSession(config);
  }

  /** Builds, binds (PSK) and queues a ClientHello. */
  sendHello(engine: Engine): void {
    const c = this.config;
    const tls13 = c.plan.tls13.length > 0;
    const tls12 = c.plan.tls12.length > 0;
    const extensions: Extension[] = [];
    if (c.sni !== null) extensions.push(ext.serverName.encode(c.sni));
    extensions.push(ext.supportedVersions.encodeClient([...(tls13 ? [ProtocolVersion.TLS13] : []), ...(tls12 ? [ProtocolVersion.TLS12] : [])]));
    extensions.push(ext.supportedGroups.encode(c.groups));
    extensions.push(ext.signatureAlgorithms.encode(VERIFY_SCHEMES));
    if (tls13) {
      extensions.push(ext.keyShare.encodeClient(this.keyShares.map((k) => ({ group: k.group, keyExchange: k.publicKey }))));
      extensions.push(ext.pskKeyExchangeModes.encode([ext.PSK_DHE_KE]));
    }
    if (tls12) {
      // RFC 7627 (required here), RFC 8422 §5.1.2 (uncompressed points), RFC 5746 (no renegotiation, said securely).
      extensions.push({ type: ExtensionType.EXTENDED_MASTER_SECRET, data: new Uint8Array(0) });
      extensions.push({ type: 0x000b, data: Uint8Array.of(1, 0) });
      extensions.push({ type: ExtensionType.RENEGOTIATION_INFO, data: Uint8Array.of(0) });
      // RFC 5077 §3.2: empty asks for a ticket; a ticket offers its session.
      extensions.push({ type: ExtensionType.SESSION_TICKET, data: this.offered12?.ticket ?? new Uint8Array(0) });
    }
    if (c.alpn !== null && c.alpn.length > 0) extensions.push(ext.alpn.encode(c.alpn));
    extensions.push(ext.recordSizeLimit.encode(engine.records.advertisedLimit));
    if (this.cookie !== null) extensions.push(ext.cookie.encode(this.cookie));
    const psk = tls13 ? this.offeredPsk : null;
    const suite = psk === null ? undefined : tls13Suite(psk.cipherSuite);
    let hello: Uint8Array;
    if (psk !== null && suite !== undefined) {
      const hashLength = c.provider.hash(suite.hash, new Uint8Array(0)).length;
      const age = (Date.now() - psk.receivedAt + psk.ageAdd) >>> 0;
      const identities = [{ identity: psk.ticket, obfuscatedTicketAge: age }];
      // pre_shared_key is last (§4.2.11); binders are computed over the hello truncated before them.
      const unbound = encodeClientHello(this.#hello([...extensions, ext.preSharedKey.encodeClient(identities, [new Uint8Array(hashLength)])]));
      const bindersLength = 2 + 1 + hashLength;
      const truncated = unbound.subarray(0, unbound.length - bindersLength);
      const schedule = new KeySchedule(c.provider, suite.hash, psk.psk);
      const transcriptHash = this.transcript.started ? this.transcript.currentWith(truncated) : c.provider.hash(suite.hash, truncated);
      const binderKey = schedule.binderKey();
      const binder = schedule.finishedVerifyData(binderKey, transcriptHash);
      wipe(binderKey);
      schedule.erase();
      hello = encodeClientHello(this.#hello([...extensions, ext.preSharedKey.encodeClient(identities, [binder])]));
    } else {
      this.offeredPsk = null;
      hello = encodeClientHello(this.#hello(extensions));
    }
    this.transcript.add(hello);
    this.firstHello ??= hello;
    engine.sendHandshake(hello);
  }

  #hello(extensions: Extension[]) {
    const plan = this.config.plan;
    return { random: this.random, sessionId: this.sessionId, cipherSuites: [...plan.tls13, ...plan.tls12].map((s) => s.id), extensions };
  }
}

/** The stored TLS 1.3 session when it may be offered: a suite we still allow, and not expired. */
function usableSession(config: ClientConfig): ClientSession | null {
  const session = config.session;
  if (session === null || session.version !== ProtocolVersion.TLS13) return null;
  const suite = tls13Suite(session.cipherSuite);
  if (suite === undefined || !config.plan.tls13.some((s) => s.hash === suite.hash)) return null;
  if (Date.now() - session.receivedAt > session.lifetime * 1000) return null;
  return session;
}

/** The stored TLS 1.2 session when it may be offered: its suite still allowed, and not expired. */
function usableSession12(config: ClientConfig): ClientSession12 | null {
  const session = config.session;
  if (session === null || session.version !== ProtocolVersion.TLS12) return null;
  if (!config.plan.tls12.some((s) => s.id === session.cipherSuite)) return null;
  if (Date.now() - session.receivedAt > session.lifetime * 1000) return null;
  return session;
}

/** Starts a client handshake: queues the ClientHello and returns the first state. */
export function startClient(engine: Engine, config: ClientConfig): HandshakeState {
  engine.records.plaintextVersion = 0x0301; // RFC 8446 §5.1: the first ClientHello may say TLS 1.0
  const hs = new ClientHandshake(config);
  hs.sendHello(engine);
  engine.flush();
  engine.records.plaintextVersion = 0x0303;
  return new ExpectServerHello(hs, false);
}

const DOWNGRADE_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

/** Extensions a ServerHello may carry (§4.2 table). */
const SERVER_HELLO_EXTENSIONS = new Set<number>([ExtensionType.KEY_SHARE, ExtensionType.PRE_SHARED_KEY, ExtensionType.SUPPORTED_VERSIONS]);
const RETRY_EXTENSIONS = new Set<number>([ExtensionType.KEY_SHARE, ExtensionType.COOKIE, ExtensionType.SUPPORTED_VERSIONS]);

class ExpectServerHello implements HandshakeState {
  readonly name = 'ExpectServerHello';
  constructor(
    readonly hs: ClientHandshake,
    readonly retried: boolean,
    readonly retrySuite: number | null = null,
  ) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.SERVER_HELLO, this.name);
    const hs = this.hs;
    const c = hs.config;
    const hello = decodeServerHello(message.body);
    const versionData = findExtension(hello.extensions, ExtensionType.SUPPORTED_VERSIONS);
    if (versionData === undefined) {
      if (hello.legacyVersion !== ProtocolVersion.TLS12 || c.plan.tls12.length === 0 || this.retried) {
        fail(AlertDescription.protocol_version, `the server chose TLS version 0x${hello.legacyVersion.toString(16)}, which is not allowed here (no TLS version in common)`);
      }
      // RFC 8446 §4.1.3: a TLS 1.3 server that lets itself be pushed down to 1.2 says so in its random.
      if (c.plan.tls13.length > 0 && bytesEqual(hello.random.subarray(24), DOWNGRADE_TLS12)) fail(AlertDescription.illegal_parameter, 'the server signals a downgrade to TLS 1.2 from TLS 1.3 (an attack?)');
      if (hello.compression !== 0) fail(AlertDescription.illegal_parameter, 'the server selected compression');
      return acceptServerHello12(engine, c, hello, { clientRandom: hs.random, sessionId: hs.sessionId, session: hs.offered12 }, hs.firstHello!, message.encoded);
    }
    if (ext.supportedVersions.decodeServer(versionData) !== ProtocolVersion.TLS13 || c.plan.tls13.length === 0) fail(AlertDescription.illegal_parameter, 'the server selected a TLS version we did not offer');
    engine.version = ProtocolVersion.TLS13;
    if (!bytesEqual(hello.sessionId, hs.sessionId)) fail(AlertDescription.illegal_parameter, 'the server did not echo our legacy_session_id');
    if (hello.compression !== 0) fail(AlertDescription.illegal_parameter, 'the server selected compression');
    const suite = c.plan.tls13.find((s) => s.id === hello.cipherSuite);
    if (suite === undefined) fail(AlertDescription.illegal_parameter, `the server selected cipher suite 0x${hello.cipherSuite.toString(16)}, which we did not offer`);
    if (this.retrySuite !== null && suite.id !== this.retrySuite) fail(AlertDescription.illegal_parameter, 'the ServerHello cipher suite differs from the HelloRetryRequest one');
    const isRetry = bytesEqual(hello.random, HELLO_RETRY_REQUEST_RANDOM);
    const allowed = isRetry ? RETRY_EXTENSIONS : SERVER_HELLO_EXTENSIONS;
    for (const e of hello.extensions) if (!allowed.has(e.type)) fail(AlertDescription.unsupported_extension, `the server sent extension ${e.type} in its ${isRetry ? 'HelloRetryRequest' : 'ServerHello'}`);
    hs.transcript.start(c.provider, suite.hash);
    return isRetry ? this.#retry(engine, hello.extensions, suite, message) : this.#accept(engine, hello.extensions, suite, message);
  }

  #retry(engine: Engine, extensions: readonly Extension[], suite: Tls13Suite, message: HandshakeMessage): HandshakeState {
    const hs = this.hs;
    if (this.retried) fail(AlertDescription.unexpected_message, 'a second HelloRetryRequest');
    const groupData = findExtension(extensions, ExtensionType.KEY_SHARE);
    const cookieData = findExtension(extensions, ExtensionType.COOKIE);
    if (groupData !== undefined) {
      const group = ext.keyShare.decodeRetry(groupData);
      // §4.1.4: a group we offered, and not the one we already sent a share for.
      if (!hs.config.groups.includes(group) || hs.keyShares.some((k) => k.group === group)) fail(AlertDescription.illegal_parameter, `the HelloRetryRequest asks for group 0x${group.toString(16)}`);
      hs.keyShares = [hs.config.provider.keyExchange(group)];
    } else if (cookieData === undefined) {
      fail(AlertDescription.illegal_parameter, 'a HelloRetryRequest that would change nothing');
    }
    hs.cookie = cookieData === undefined ? null : ext.cookie.decode(cookieData);
    if (hs.offeredPsk !== null && tls13Suite(hs.offeredPsk.cipherSuite)!.hash !== suite.hash) hs.offeredPsk = null;
    hs.transcript.replaceWithMessageHash();
    hs.transcript.add(message.encoded);
    hs.sendHello(engine);
    return new ExpectServerHello(hs, true, suite.id);
  }

  #accept(engine: Engine, extensions: readonly Extension[], suite: Tls13Suite, message: HandshakeMessage): HandshakeState {
    const hs = this.hs;
    const c = hs.config;
    const shareData = findExtension(extensions, ExtensionType.KEY_SHARE);
    if (shareData === undefined) fail(AlertDescription.missing_extension, 'the ServerHello has no key_share (we offered only psk_dhe_ke)');
    const share = ext.keyShare.decodeServer(shareData);
    const ours = hs.keyShares.find((k) => k.group === share.group);
    if (ours === undefined) fail(AlertDescription.illegal_parameter, `the server's key share is for group 0x${share.group.toString(16)}, not one we sent`);
    let shared: Uint8Array;
    try {
      shared = ours.agree(share.keyExchange);
    } catch (cause) {
      fail(AlertDescription.illegal_parameter, `the server's key share is invalid: ${(cause as Error).message}`, cause);
    }
    const pskData = findExtension(extensions, ExtensionType.PRE_SHARED_KEY);
    let psk: ClientSession | null = null;
    if (pskData !== undefined) {
      if (hs.offeredPsk === null || ext.preSharedKey.decodeServer(pskData) !== 0) fail(AlertDescription.illegal_parameter, 'the server selected a PSK we did not offer');
      if (tls13Suite(hs.offeredPsk.cipherSuite)!.hash !== suite.hash) fail(AlertDescription.illegal_parameter, "the server's cipher suite does not fit the resumed session");
      psk = hs.offeredPsk;
    }
    hs.transcript.add(message.encoded);
    const schedule = new KeySchedule(c.provider, suite.hash, psk?.psk ?? null);
    schedule.inputSharedSecret(shared);
    wipe(shared);
    const helloHash = hs.transcript.current();
    const clientSecret = schedule.derive('c hs traffic', helloHash);
    const serverSecret = schedule.derive('s hs traffic', helloHash);
    engine.setReadSecret(suite, schedule, serverSecret);
    return new ExpectEncryptedExtensions({ hs, suite, schedule, clientSecret, serverSecret, psk, group: share.group });
  }
}

/** What the states after ServerHello carry. */
interface Keyed {
  readonly hs: ClientHandshake;
  readonly suite: Tls13Suite;
  readonly schedule: KeySchedule;
  readonly clientSecret: Uint8Array;
  readonly serverSecret: Uint8Array;
  readonly psk: ClientSession | null;
  readonly group: number;
  alpn?: Uint8Array | null;
  request?: { context: Uint8Array; schemes: number[] } | null;
  peerCertificates?: readonly Uint8Array[];
}

const ENCRYPTED_EXTENSIONS = new Set<number>([
  ExtensionType.SERVER_NAME,
  ExtensionType.SUPPORTED_GROUPS,
  ExtensionType.ALPN,
  ExtensionType.RECORD_SIZE_LIMIT,
]);

class ExpectEncryptedExtensions implements HandshakeState {
  readonly name = 'ExpectEncryptedExtensions';
  constructor(readonly k: Keyed) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.ENCRYPTED_EXTENSIONS, this.name);
    const c = this.k.hs.config;
    const extensions = decodeEncryptedExtensions(message.body);
    let alpn: Uint8Array | null = null;
    for (const e of extensions) {
      if (!ENCRYPTED_EXTENSIONS.has(e.type)) fail(AlertDescription.unsupported_extension, `the server sent extension ${e.type} in EncryptedExtensions, which we did not offer`);
      if (e.type === ExtensionType.ALPN) {
        const offered = c.alpn ?? [];
        const chosen = ext.alpn.decode(e.data);
        // RFC 7301 §3.1: exactly one protocol, one we offered.
        if (chosen.length !== 1 || !offered.some((p) => bytesEqual(p, chosen[0]!))) fail(AlertDescription.illegal_parameter, 'the server selected an ALPN protocol we did not offer');
        alpn = Uint8Array.from(chosen[0]!);
      } else if (e.type === ExtensionType.RECORD_SIZE_LIMIT) {
        // RFC 8449 §4: the limit we offered is in effect from now on, only because the server answered
        // with its own (records until this one, the one carrying it included, were judged by 2^14 + 1).
        engine.records.outgoingLimit = Math.min(ext.recordSizeLimit.decode(e.data), 2 ** 14 + 1);
        engine.records.incomingLimit = engine.records.advertisedLimit;
      } else if (e.type === ExtensionType.SERVER_NAME) {
        if (e.data.length !== 0 || c.sni === null) fail(AlertDescription.illegal_parameter, 'a server_name acknowledgement that is not empty, or for a name we did not send');
      }
    }
    this.k.hs.transcript.add(message.encoded);
    this.k.alpn = alpn;
    return this.k.psk === null ? new ExpectCertificateOrCertificateRequest(this.k) : new ExpectFinished(this.k);
  }
}

class ExpectCertificateOrCertificateRequest implements HandshakeState {
  readonly name = 'ExpectCertificateOrCertificateRequest';
  constructor(readonly k: Keyed) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    if (message.type !== HandshakeType.CERTIFICATE_REQUEST) return new ExpectCertificate(this.k).handle(engine, message);
    const request = decodeCertificateRequest(message.body);
    if (request.context.length !== 0) fail(AlertDescription.illegal_parameter, 'a handshake CertificateRequest with a non-empty context');
    const schemes = findExtension(request.extensions, ExtensionType.SIGNATURE_ALGORITHMS);
    if (schemes === undefined) fail(AlertDescription.missing_extension, 'a CertificateRequest without signature_algorithms');
    this.k.request = { context: request.context, schemes: ext.signatureAlgorithms.decode(schemes) };
    this.k.hs.transcript.add(message.encoded);
    return new ExpectCertificate(this.k);
  }
}

class ExpectCertificate implements HandshakeState {
  readonly name = 'ExpectCertificate';
  constructor(readonly k: Keyed) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CERTIFICATE, this.name);
    const c = this.k.hs.config;
    const certificate = decodeCertificate(message.body, c.limits.maxChainLength);
    if (certificate.context.length !== 0) fail(AlertDescription.illegal_parameter, 'a server Certificate with a non-empty context');
    if (certificate.entries.length === 0) fail(AlertDescription.decode_error, 'the server sent no certificate');
    const chain = certificate.entries.map((e) => Uint8Array.from(e.data));
    const verified = c.verifier.verify(chain, c.checkName ? c.serverName : null, 'server', c.verificationTime());
    this.k.hs.transcript.add(message.encoded);
    this.k.peerCertificates = chain;
    return new ExpectCertificateVerify(this.k, verified.publicKeyInfo);
  }
}

class ExpectCertificateVerify implements HandshakeState {
  readonly name = 'ExpectCertificateVerify';
  constructor(
    readonly k: Keyed,
    readonly publicKeyInfo: Uint8Array,
  ) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CERTIFICATE_VERIFY, this.name);
    const hs = this.k.hs;
    checkCertificateVerify('server', hs.config.provider, message, this.publicKeyInfo, hs.transcript.current());
    hs.transcript.add(message.encoded);
    return new ExpectFinished(this.k);
  }
}

class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(readonly k: Keyed) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.FINISHED, this.name);
    const { hs, suite, schedule, clientSecret, serverSecret } = this.k;
    const c = hs.config;
    const expected = schedule.finishedVerifyData(serverSecret, hs.transcript.current());
    if (!c.provider.equal(expected, message.body)) fail(AlertDescription.decrypt_error, "the server's Finished does not match the handshake (tampering, or a bug)");
    hs.transcript.add(message.encoded);
    schedule.toMaster();
    const serverFinishedHash = hs.transcript.current();
    const clientTraffic = schedule.derive('c ap traffic', serverFinishedHash);
    const serverTraffic = schedule.derive('s ap traffic', serverFinishedHash);
    engine.setReadSecret(suite, schedule, serverTraffic);
    engine.setWriteSecret(suite, schedule, clientSecret);
    if (this.k.request !== undefined && this.k.request !== null) this.#authenticate(engine, this.k.request);
    const finished = encodeFinished(schedule.finishedVerifyData(clientSecret, hs.transcript.current()));
    hs.transcript.add(finished);
    engine.sendHandshake(finished);
    engine.setWriteSecret(suite, schedule, clientTraffic);
    engine.trackTraffic(suite, schedule, serverTraffic, clientTraffic);
    const resumptionSecret = schedule.derive('res master', hs.transcript.current());
    // What outlives the handshake: the application traffic secrets (KeyUpdate) and the resumption
    // master secret (tickets may come at any time); the rest is wiped.
    wipe(clientSecret);
    wipe(serverSecret);
    schedule.erase();
    const peerCertificates = this.k.psk?.peerCertificates ?? this.k.peerCertificates ?? [];
    engine.complete({ cipherSuite: suite.id, group: this.k.group, alpn: this.k.alpn ?? null, peerCertificates, resumed: this.k.psk !== null, serverName: c.sni });
    return new ExpectTraffic(c.sessions, suite, schedule, resumptionSecret, peerCertificates);
  }

  /** Our Certificate (and CertificateVerify) for the server's CertificateRequest. */
  #authenticate(engine: Engine, request: { context: Uint8Array; schemes: number[] }): void {
    const hs = this.k.hs;
    const chain = hs.config.chain;
    const scheme = chain === null ? undefined : chooseScheme(chain.key.schemes, request.schemes);
    // Without a usable chain, an empty Certificate lets the server decide (§4.4.2).
    const certificate = encodeCertificate({ context: request.context, entries: scheme === undefined ? [] : chain!.certificates.map((data) => ({ data, extensions: [] })) });
    hs.transcript.add(certificate);
    engine.sendHandshake(certificate);
    if (scheme === undefined) return;
    const signature = chain!.key.sign(scheme, certificateVerifyContent('client', hs.transcript.current()));
    const verify = encodeCertificateVerify({ scheme, signature });
    hs.transcript.add(verify);
    engine.sendHandshake(verify);
  }
}

class ExpectTraffic implements HandshakeState {
  readonly name = 'ExpectTraffic';
  constructor(
    readonly sessions: ClientConfig['sessions'],
    readonly suite: Tls13Suite,
    readonly schedule: KeySchedule,
    readonly resumptionSecret: Uint8Array,
    readonly peerCertificates: readonly Uint8Array[],
  ) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    switch (message.type) {
      case HandshakeType.NEW_SESSION_TICKET: {
        const ticket = decodeNewSessionTicket(message.body);
        if (ticket.lifetime > 0) {
          this.sessions.storeSession({
            version: ProtocolVersion.TLS13,
            cipherSuite: this.suite.id,
            psk: this.schedule.resumptionPsk(this.resumptionSecret, ticket.nonce),
            ticket: Uint8Array.from(ticket.ticket),
            ageAdd: ticket.ageAdd,
            lifetime: Math.min(ticket.lifetime, 7 * 86400),
            receivedAt: Date.now(),
            peerCertificates: this.peerCertificates,
          });
        }
        return this;
      }
      case HandshakeType.KEY_UPDATE:
        engine.receiveKeyUpdate(decodeKeyUpdate(message.body));
        return this;
      default:
        return fail(AlertDescription.unexpected_message, `handshake message type ${message.type} after the handshake (post-handshake authentication was not offered)`);
    }
  }
}
