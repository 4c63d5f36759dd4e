/**
 * The TLS 1.3 server handshake (RFC 8446 §2, §4): one state per message expected.
 *
 *   ExpectClientHello -> (HelloRetryRequest: ExpectClientHello once more)
 *   -> [ExpectCertificate -> ExpectCertificateVerify] -> ExpectFinished -> ExpectTraffic
 *
 * @module
 */
import { AlertDescription, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, ProtocolVersion } from '../codec/constants.js';
import * as ext from '../codec/extensions.js';
import {
  decodeCertificate,
  decodeClientHello,
  decodeKeyUpdate,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeNewSessionTicket,
  encodeServerHello,
  findExtension,
  type Extension,
  type HandshakeMessage,
} from '../codec/messages.js';
import type { Limits } from '../config/limits.js';
import type { LoadedChain } from '../config/material.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { tls13Suite, type Tls13Suite } from '../crypto/schemes.js';
import type { Engine, HandshakeState } from '../engine.js';
import { fail } from '../errors.js';
import type { PeerVerifier } from '../verify/verifier.js';
import { CertificateVerificationError } from '@unitls/tls-core';
import { bytesEqual, certificateVerifyContent, checkCertificateVerify, chooseScheme, expectType, VERIFY_SCHEMES } from './common.js';
import { KeySchedule, wipe } from './key-schedule.js';
import type { Ticketer, TicketState } from './session.js';
import { Transcript } from './transcript.js';
import type { SuitePlan } from '../config/validate.js';
import { acceptClientHello12 } from './server12.js';

/** A chain the server can serve, and whether its leaf is valid for an SNI name. */
export interface ServedChain extends LoadedChain {
  readonly matches: (name: string) => boolean;
}

export interface ServerConfig {
  readonly provider: CryptoProvider;
  readonly plan: SuitePlan;
  readonly groups: readonly number[];
  readonly alpn: readonly Uint8Array[] | null;
  readonly chains: readonly ServedChain[];
  /** Verifies client certificates; null: do not ask for one. */
  readonly clientVerifier: PeerVerifier | null;
  readonly verificationTime: () => Date;
  readonly ticketer: Ticketer | null;
  readonly limits: Limits;
}

export function startServer(config: ServerConfig): HandshakeState {
  return new ExpectClientHello(config, new Transcript(), null);
}

function chooseChain(config: ServerConfig, sni: string | null): ServedChain {
  if (config.chains.length === 1) return config.chains[0]!;
  if (sni === null) fail(AlertDescription.handshake_failure, 'the client sent no SNI name; this server has several certificate chains and chooses one by name');
  const chain = config.chains.find((c) => c.matches(sni));
  if (chain === undefined) fail(AlertDescription.unrecognized_name, `no certificate chain matches the SNI name "${sni}"`);
  return chain;
}

/** After a HelloRetryRequest: what the second ClientHello must match. */
interface Retry {
  readonly group: number;
  readonly suite: Tls13Suite;
  readonly sessionId: Uint8Array;
}

class ExpectClientHello implements HandshakeState {
  readonly name = 'ExpectClientHello';
  constructor(
    readonly config: ServerConfig,
    readonly transcript: Transcript,
    readonly retry: Retry | null,
  ) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CLIENT_HELLO, this.name);
    const c = this.config;
    const hello = decodeClientHello(message.body);
    const get = (type: number) => findExtension(hello.extensions, type);
    if (hello.compression.length !== 1 || hello.compression[0] !== 0) fail(AlertDescription.illegal_parameter, 'the ClientHello offers compression');
    const versionsData = get(ExtensionType.SUPPORTED_VERSIONS);
    const versions = versionsData === undefined ? (hello.legacyVersion >= ProtocolVersion.TLS12 ? [ProtocolVersion.TLS12] : []) : ext.supportedVersions.decodeClient(versionsData);
    const sniData = get(ExtensionType.SERVER_NAME);
    const sni = sniData === undefined ? null : ext.serverName.decode(sniData)?.toLowerCase() ?? null;
    if (!(versions.includes(ProtocolVersion.TLS13) && c.plan.tls13.length > 0)) {
      if (this.retry !== null || !versions.includes(ProtocolVersion.TLS12) || c.plan.tls12.length === 0) {
        fail(AlertDescription.protocol_version, 'the client offers no TLS version this server accepts (no TLS version in common)');
      }
      if (hello.compression.length !== 1 || hello.compression[0] !== 0) fail(AlertDescription.illegal_parameter, 'the ClientHello offers compression');
      const chain = chooseChain(c, sni);
      return acceptClientHello12(engine, c, { ...hello, sni, alpn: this.#alpn(get(ExtensionType.ALPN)), chain }, message.encoded);
    }
    engine.version = ProtocolVersion.TLS13;
    const suite = c.plan.tls13.find((s) => hello.cipherSuites.includes(s.id));
    if (suite === undefined) fail(AlertDescription.handshake_failure, 'no cipher suite in common with the client');
    const groupsData = get(ExtensionType.SUPPORTED_GROUPS);
    const sharesData = get(ExtensionType.KEY_SHARE);
    if (groupsData === undefined || sharesData === undefined) fail(AlertDescription.missing_extension, 'the ClientHello lacks supported_groups or key_share');
    const clientGroups = ext.supportedGroups.decode(groupsData);
    const shares = ext.keyShare.decodeClient(sharesData);
    const schemesData = get(ExtensionType.SIGNATURE_ALGORITHMS);
    const alpn = this.#alpn(get(ExtensionType.ALPN));
    const limit = get(ExtensionType.RECORD_SIZE_LIMIT);
    // RFC 8449 §4: a limit is in effect once both sent one; a client that sent none cannot know ours
    // (judged per ClientHello: the one after a HelloRetryRequest decides).
    engine.records.outgoingLimit = limit === undefined ? 2 ** 14 + 1 : Math.min(ext.recordSizeLimit.decode(limit), 2 ** 14 + 1);
    engine.records.incomingLimit = limit === undefined ? 2 ** 14 + 1 : engine.records.advertisedLimit;

    if (this.retry !== null) {
      // §4.1.2: the second ClientHello keeps the suite and sends the one share asked for.
      if (suite.id !== this.retry.suite.id || shares.length !== 1 || shares[0]!.group !== this.retry.group) {
        fail(AlertDescription.illegal_parameter, 'the ClientHello after HelloRetryRequest does not carry the requested key share');
      }
    }
    const share = c.groups.map((g) => shares.find((s) => s.group === g)).find((s) => s !== undefined);
    if (share === undefined) {
      const group = c.groups.find((g) => clientGroups.includes(g));
      if (group === undefined) fail(AlertDescription.handshake_failure, 'no key exchange group in common with the client');
      if (this.retry !== null) fail(AlertDescription.illegal_parameter, 'the second ClientHello still has no usable key share');
      return this.#helloRetry(engine, message, suite, group, hello.sessionId);
    }
    // Resumption first: a resumed handshake needs no certificate.
    const resumed = this.#resume(message, hello.extensions, get, suite, sni);
    const chain = resumed === null ? chooseChain(c, sni) : null;
    let scheme: number | undefined;
    if (chain !== null) {
      if (schemesData === undefined) fail(AlertDescription.missing_extension, 'the ClientHello lacks signature_algorithms');
      scheme = chooseScheme(chain.key.schemes, ext.signatureAlgorithms.decode(schemesData));
      if (scheme === undefined) fail(AlertDescription.handshake_failure, 'no signature scheme in common with the client for this certificate');
    }
    let shared: Uint8Array;
    let serverShare: Uint8Array;
    try {
      ({ publicKey: serverShare, sharedSecret: shared } = c.provider.acceptKeyShare(share.group, share.keyExchange));
    } catch (cause) {
      fail(AlertDescription.illegal_parameter, `the client's key share is invalid: ${(cause as Error).message}`, cause);
    }

    const t = this.transcript;
    t.start(c.provider, suite.hash);
    t.add(message.encoded);
    const serverExtensions: Extension[] = [ext.supportedVersions.encodeServer(ProtocolVersion.TLS13), ext.keyShare.encodeServer({ group: share.group, keyExchange: serverShare })];
    if (resumed !== null) serverExtensions.push(ext.preSharedKey.encodeServer(0));
    const serverHello = encodeServerHello({ random: c.provider.random(32), sessionId: hello.sessionId, cipherSuite: suite.id, extensions: serverExtensions });
    t.add(serverHello);
    engine.sendHandshake(serverHello);
    // §D.4: in compatibility mode, one change_cipher_spec after our first handshake message.
    if (hello.sessionId.length > 0 && this.retry === null) engine.sendChangeCipherSpec();

    const schedule = new KeySchedule(c.provider, suite.hash, resumed?.secret ?? null);
    schedule.inputSharedSecret(shared);
    wipe(shared);
    const helloHash = t.current();
    const clientSecret = schedule.derive('c hs traffic', helloHash);
    const serverSecret = schedule.derive('s hs traffic', helloHash);
    engine.setWriteSecret(suite, schedule, serverSecret);
    engine.setReadSecret(suite, schedule, clientSecret);

    const encrypted: Extension[] = [];
    if (alpn !== null) encrypted.push(ext.alpn.encode([alpn]));
    if (sni !== null && resumed === null) encrypted.push(ext.serverName.acknowledge());
    if (limit !== undefined) encrypted.push(ext.recordSizeLimit.encode(engine.records.advertisedLimit));
    this.#send(engine, encodeEncryptedExtensions(encrypted));
    const askCertificate = resumed === null && c.clientVerifier !== null;
    if (askCertificate) {
      this.#send(engine, encodeCertificateRequest({ context: new Uint8Array(0), extensions: [ext.signatureAlgorithms.encode(VERIFY_SCHEMES)] }));
    }
    if (chain !== null) {
      this.#send(engine, encodeCertificate({ context: new Uint8Array(0), entries: chain.certificates.map((data) => ({ data, extensions: [] })) }));
      const signature = chain.key.sign(scheme!, certificateVerifyContent('server', t.current()));
      this.#send(engine, encodeCertificateVerify({ scheme: scheme!, signature }));
    }
    this.#send(engine, encodeFinished(schedule.finishedVerifyData(serverSecret, t.current())));
    wipe(serverSecret);
    schedule.toMaster();
    const finishedHash = t.current();
    const clientTraffic = schedule.derive('c ap traffic', finishedHash);
    const serverTraffic = schedule.derive('s ap traffic', finishedHash);
    // Our next records (alerts, tickets, data) are under the application keys (§7.1).
    engine.setWriteSecret(suite, schedule, serverTraffic);
    const keyed: Keyed = {
      config: c,
      transcript: t,
      suite,
      schedule,
      clientSecret,
      clientTraffic,
      serverTraffic,
      alpn,
      sni,
      group: share.group,
      peerCertificates: resumed?.peerCertificates ?? [],
      resumed: resumed !== null,
    };
    return askCertificate ? new ExpectCertificate(keyed) : new ExpectFinished(keyed);
  }

  #send(engine: Engine, message: Uint8Array): void {
    this.transcript.add(message);
    engine.sendHandshake(message);
  }

  /** RFC 7301 §3.2: our first protocol the client offers; none in common is fatal. */
  #alpn(data: Uint8Array | undefined): Uint8Array | null {
    const ours = this.config.alpn;
    if (data === undefined || ours === null || ours.length === 0) return null;
    const offered = ext.alpn.decode(data);
    const chosen = ours.find((p) => offered.some((o) => bytesEqual(o, p)));
    if (chosen === undefined) fail(AlertDescription.no_application_protocol, 'no ALPN protocol in common with the client (no_application_protocol)');
    return chosen;
  }

  #helloRetry(engine: Engine, message: HandshakeMessage, suite: Tls13Suite, group: number, sessionId: Uint8Array): HandshakeState {
    const t = this.transcript;
    t.start(this.config.provider, suite.hash);
    t.add(message.encoded);
    t.replaceWithMessageHash();
    const retry = encodeServerHello({
      random: HELLO_RETRY_REQUEST_RANDOM,
      sessionId,
      cipherSuite: suite.id,
      extensions: [ext.supportedVersions.encodeServer(ProtocolVersion.TLS13), ext.keyShare.encodeRetry(group)],
    });
    t.add(retry);
    engine.sendHandshake(retry);
    if (sessionId.length > 0) engine.sendChangeCipherSpec();
    return new ExpectClientHello(this.config, t, { group, suite, sessionId });
  }

  /** The ticket state when the client's first PSK identity is ours, fits, and its binder verifies. */
  #resume(message: HandshakeMessage, extensions: readonly Extension[], get: (type: number) => Uint8Array | undefined, suite: Tls13Suite, sni: string | null): TicketState | null {
    const c = this.config;
    const pskData = get(ExtensionType.PRE_SHARED_KEY);
    if (pskData === undefined) return null;
    if (extensions[extensions.length - 1]!.type !== ExtensionType.PRE_SHARED_KEY) fail(AlertDescription.illegal_parameter, 'pre_shared_key is not the last ClientHello extension');
    const modes = get(ExtensionType.PSK_KEY_EXCHANGE_MODES);
    if (modes === undefined) fail(AlertDescription.missing_extension, 'pre_shared_key without psk_key_exchange_modes');
    const offer = ext.preSharedKey.decodeClient(pskData);
    if (c.ticketer === null || !ext.pskKeyExchangeModes.decode(modes).includes(ext.PSK_DHE_KE)) return null;
    const state = c.ticketer.open(offer.identities[0]!.identity);
    if (state === null || state.version !== ProtocolVersion.TLS13) return null;
    const ticketSuite = tls13Suite(state.cipherSuite);
    if (ticketSuite === undefined || ticketSuite.hash !== suite.hash) return null;
    if (Date.now() - state.createdAt > state.lifetime * 1000 || state.serverName !== (sni ?? '')) return null;
    const truncated = message.encoded.subarray(0, message.encoded.length - offer.bindersLength);
    const schedule = new KeySchedule(c.provider, suite.hash, state.secret);
    const transcriptHash = this.transcript.started ? this.transcript.currentWith(truncated) : c.provider.hash(suite.hash, truncated);
    const binderKey = schedule.binderKey();
    const expected = schedule.finishedVerifyData(binderKey, transcriptHash);
    wipe(binderKey);
    schedule.erase();
    if (!c.provider.equal(expected, offer.binders[0]!)) fail(AlertDescription.decrypt_error, 'the PSK binder does not verify');
    return state;
  }
}

interface Keyed {
  readonly config: ServerConfig;
  readonly transcript: Transcript;
  readonly suite: Tls13Suite;
  readonly schedule: KeySchedule;
  readonly clientSecret: Uint8Array;
  readonly clientTraffic: Uint8Array;
  readonly serverTraffic: Uint8Array;
  readonly alpn: Uint8Array | null;
  readonly sni: string | null;
  readonly group: number;
  peerCertificates: readonly Uint8Array[];
  readonly resumed: boolean;
}

class ExpectCertificate implements HandshakeState {
  readonly name = 'ExpectCertificate';
  constructor(readonly k: Keyed) {}

  handle(_engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.CERTIFICATE, this.name);
    const c = this.k.config;
    const certificate = decodeCertificate(message.body, c.limits.maxChainLength);
    if (certificate.context.length !== 0) fail(AlertDescription.illegal_parameter, 'a client Certificate with a non-empty context');
    if (certificate.entries.length === 0) {
      throw new CertificateVerificationError('missing-certificate', 'a client certificate is required and none was sent (the client must configure certificateChain)', {
        verifyCode: 'certificate_required',
      });
    }
    const chain = certificate.entries.map((e) => Uint8Array.from(e.data));
    const verified = c.clientVerifier!.verify(chain, null, 'client', c.verificationTime());
    this.k.transcript.add(message.encoded);
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
    checkCertificateVerify('client', this.k.config.provider, message, this.publicKeyInfo, this.k.transcript.current());
    this.k.transcript.add(message.encoded);
    return new ExpectFinished(this.k);
  }
}

class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(readonly k: Keyed) {}

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.FINISHED, this.name);
    const k = this.k;
    const c = k.config;
    const expected = k.schedule.finishedVerifyData(k.clientSecret, k.transcript.current());
    if (!c.provider.equal(expected, message.body)) fail(AlertDescription.decrypt_error, "the client's Finished does not match the handshake (tampering, or a bug)");
    wipe(k.clientSecret);
    k.transcript.add(message.encoded);
    engine.setReadSecret(k.suite, k.schedule, k.clientTraffic);
    engine.trackTraffic(k.suite, k.schedule, k.clientTraffic, k.serverTraffic);
    if (c.ticketer !== null) {
      const resumption = k.schedule.derive('res master', k.transcript.current());
      const nonce = Uint8Array.of(0);
      const ageAdd = new DataView(c.provider.random(4).buffer).getUint32(0);
      const psk = k.schedule.resumptionPsk(resumption, nonce);
      wipe(resumption);
      const ticket = c.ticketer.seal({
        version: ProtocolVersion.TLS13,
        cipherSuite: k.suite.id,
        secret: psk,
        ageAdd,
        lifetime: c.ticketer.lifetime,
        createdAt: Date.now(),
        serverName: k.sni ?? '',
        peerCertificates: k.peerCertificates,
      });
      engine.sendHandshake(encodeNewSessionTicket({ lifetime: c.ticketer.lifetime, ageAdd, nonce, ticket, extensions: [] }));
    }
    // Only the application traffic secrets (engine.trackTraffic, for KeyUpdate) outlive the handshake.
    k.schedule.erase();
    engine.complete({ cipherSuite: k.suite.id, group: k.group, alpn: k.alpn, peerCertificates: k.peerCertificates, resumed: k.resumed, serverName: k.sni });
    return new ExpectTraffic();
  }
}

class ExpectTraffic implements HandshakeState {
  readonly name = 'ExpectTraffic';

  handle(engine: Engine, message: HandshakeMessage): HandshakeState {
    if (message.type !== HandshakeType.KEY_UPDATE) fail(AlertDescription.unexpected_message, `handshake message type ${message.type} from the client after the handshake`);
    engine.receiveKeyUpdate(decodeKeyUpdate(message.body));
    return this;
  }
}

