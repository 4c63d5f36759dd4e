/**
 * ClientContext and ServerContext of tls-pure: load the configuration once (suites, trust
 * anchors, chains and keys through the provider) and make a TLSBuffer per connection; sockets
 * come from tls-core's BufferSocket over that buffer.
 *
 * @module
 */
import { once } from 'node:events';
import {
  BufferListener,
  BufferSocket,
  ConfigurationError,
  bindSessions,
  checkAddress,
  checkConnectOptions,
  connectDirect,
  connectOperation,
  deadlineSignal,
  describeAbort,
  openSession,
  parseServerName,
  protocolBytes,
  sessionFingerprint,
  throwIfAborted,
  untilAborted,
  type ServerName,
  type Address,
  type ClientConnectOptions,
  type ClientContext,
  type ServerContext,
  type TLSClientConfiguration,
  type TLSServerConfiguration,
  type TLSSession,
  type TLSSocket,
} from '@unitls/tls-core';
import { IMPLEMENTATION_NAME, PureBuffer } from '../buffer.js';
import { RELAX, relaxedVerifier, type Relaxations } from '../danger.js';
import { nodeCryptoProvider } from '../crypto/node.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { Engine } from '../engine.js';
import { startClient, type ClientConfig } from '../handshake/client.js';
import { startServer, type ServedChain, type ServerConfig } from '../handshake/server.js';
import { Ticketer, decodeClientSession } from '../handshake/session.js';
import { CertificateValidator } from '../x509/peer-validator.js';
import { checkSubjectName, referenceName } from '../x509/subject-name.js';
import { trustAnchorsFor } from '../x509/trust-store.js';
import { TrustStore } from '@unitls/tls-core';
import type { PeerVerifier } from '../verify/verifier.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { loadChain, parseLeaf, type LoadedChain } from './material.js';
import { planSuites, validateConfig, type SuitePlan } from './validate.js';

/** Extension options of both contexts. */
export interface PureContextOptions {
  /** The crypto provider (default: node:crypto). */
  provider?: CryptoProvider;
  /** Verify certificates as of this time instead of now (tests; x509-limbo). */
  verificationTime?: Date;
  /** Bounds (default {@link DEFAULT_LIMITS}). */
  limits?: Partial<Limits>;
  /**
   * Key-exchange groups (NamedGroup ids) in preference order; the client sends a key share for the
   * first. Default: the provider's groups.
   */
  groups?: readonly number[];
  /**
   * The record size limit to advertise (RFC 8449; 64 to 16385, the default): the peer then sends
   * encrypted records of at most this many bytes of content plus one.
   */
  recordSizeLimit?: number;
  /** Zero bytes added to every encrypted record (RFC 8446 §5.4), to hide record lengths. */
  recordPadding?: number;
}

interface Common {
  recordPadding: number;
  recordSizeLimit: number;
  provider: CryptoProvider;
  plan: SuitePlan;
  groups: readonly number[];
  alpn: Uint8Array[] | null;
  verificationTime: () => Date;
  limits: Limits;
}

function common(configuration: TLSClientConfiguration | TLSServerConfiguration, options: PureContextOptions): Common {
  validateConfig(configuration);
  const provider = options.provider ?? nodeCryptoProvider;
  const when = options.verificationTime;
  return {
    provider,
    plan: forProvider(planSuites(configuration.ciphers, configuration.lowestSupportedVersion, configuration.highestSupportedVersion), provider),
    groups: checkGroups(options.groups ?? provider.groups, provider),
    alpn: configuration.innerProtocols?.map((p) => Uint8Array.from(protocolBytes(p))) ?? null,
    verificationTime: when === undefined ? () => new Date() : () => when,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    recordPadding: options.recordPadding ?? 0,
    recordSizeLimit: checkRecordSizeLimit(options.recordSizeLimit ?? 2 ** 14 + 1),
  };
}

/** The plan without the suites whose AEAD the provider lacks (the @noble provider has no AES-CCM). */
function forProvider(plan: SuitePlan, provider: CryptoProvider): SuitePlan {
  const has = provider.aeads;
  if (has === undefined) return plan;
  const tls13 = plan.tls13.filter((s) => has.includes(s.aead));
  const tls12 = plan.tls12.filter((s) => has.includes(s.aead));
  if (tls13.length === 0 && tls12.length === 0) throw new ConfigurationError(`none of the configured cipher suites can be done by the ${provider.name} provider (it has ${has.join(', ')})`);
  return { tls13, tls12, minVersion: tls12.length === 0 ? 'TLSv1.3' : plan.minVersion, maxVersion: tls13.length === 0 ? 'TLSv1.2' : plan.maxVersion };
}

function checkRecordSizeLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 64 || limit > 2 ** 14 + 1) throw new ConfigurationError(`recordSizeLimit must be an integer from 64 to 16385, got ${limit}`);
  return limit;
}

function checkGroups(groups: readonly number[], provider: CryptoProvider): readonly number[] {
  if (groups.length === 0) throw new ConfigurationError('groups: name at least one key-exchange group');
  for (const group of groups) {
    if (!provider.groups.includes(group)) throw new ConfigurationError(`groups: the ${provider.name} provider cannot do group 0x${group.toString(16)}`);
  }
  return Object.freeze([...groups]);
}

/**
 * The implementation name a context's sessions are bound to (tls-core's fingerprint): one per
 * provider ("pure", "pure-noble"), so a session made over one provider is never resumed over another.
 */
export function implementationName(provider: CryptoProvider): string {
  return provider === nodeCryptoProvider ? IMPLEMENTATION_NAME : `${IMPLEMENTATION_NAME}-${provider.name.replace(/[^a-z0-9]+/gi, '')}`;
}

function verifierFor(store: TrustStore, provider: CryptoProvider): PeerVerifier {
  return new CertificateValidator(trustAnchorsFor(store), provider);
}

/** Whether a chain's leaf is valid for `name` by the validator's own SAN rules (wildcards included). */
function nameMatcher(leafDer: Uint8Array): (name: string) => boolean {
  const leaf = parseLeaf(leafDer);
  return (name) => {
    try {
      checkSubjectName(leaf, referenceName(name), name);
      return true;
    } catch {
      return false;
    }
  };
}

/** The client side. Certificates are always verified, names against SANs only. */
export class PureClientContext implements ClientContext {
  readonly configuration: TLSClientConfiguration;
  readonly #common: Common;
  readonly #verifier: PeerVerifier;
  readonly #chain: LoadedChain | null;

  constructor(configuration: TLSClientConfiguration, options: PureContextOptions = {}) {
    this.#common = common(configuration, options);
    this.configuration = configuration;
    const verifier = verifierFor(configuration.trustStore ?? TrustStore.system(), this.#common.provider);
    const relax = (options as { [RELAX]?: Relaxations })[RELAX];
    this.#verifier = relax === undefined ? verifier : relaxedVerifier(verifier, relax);
    const chain = configuration.certificateChain;
    this.#chain = chain === null ? null : loadChain(chain, this.#common.provider);
    bindSessions(this, () =>
      sessionFingerprint(implementationName(this.#common.provider), configuration, {
        verifyChain: relax?.verifyChain ?? true,
        checkHostname: relax?.checkHostname ?? true,
        verificationTime: options.verificationTime ?? null,
      }),
    );
    Object.freeze(this);
  }

  createBuffer(serverHostname: string, options: { session?: TLSSession | null } = {}): PureBuffer {
    return this.#buffer(parseServerName(serverHostname, 'ClientContext.createBuffer'), options.session ?? null);
  }

  #buffer(target: ServerName, offered: TLSSession | null): PureBuffer {
    // A session vouches only for the context and name that verified it (tls-core's openSession).
    const resumed = openSession(this, offered, target.name, 'ClientContext.createBuffer');
    const stored = resumed === null ? null : decodeClientSession(resumed.data);
    const engine = new Engine(this.#common.provider, this.#common.limits, { name: 'NotStarted', handle: () => { throw new Error('unreachable'); } });
    engine.records.padding = this.#common.recordPadding;
    engine.records.advertisedLimit = this.#common.recordSizeLimit;
    // The configuration lives for the handshake only (the starter, dropped once run, and the states
    // hold it); what stays for the connection's life takes the buffer itself for its tickets, not a
    // closure, whose scope would keep this configuration (~0.7 KB a connection) alive too.
    const buffer = new PureBuffer(this, engine, (e) => (e.state = startClient(e, config)), target.name);
    const config: ClientConfig = {
      ...this.#common,
      serverName: target.name,
      sni: target.sni,
      verifier: this.#verifier,
      checkName: true,
      chain: this.#chain,
      session: stored,
      sessions: buffer,
    };
    return buffer;
  }

  /**
   * Connects over TCP and completes the handshake. `timeout` (milliseconds) bounds the TCP connect
   * and the handshake together, the work the handshake does in this process included
   * (certificate verification; with TrustStore.system(), decoding a root on its first use): a
   * handshake that ends after it fails with TimeoutError. `signal` ends either wait with its
   * reason (an already-aborted signal before any connection).
   *
   * @throws ConfigurationError for a bad server name or a session from another context or name,
   *   before any connection; the signal's reason (AbortError, TimeoutError) when it aborts first,
   *   a stock one described with the address and phase (tls-core's describeAbort);
   *   TLSError when the handshake fails; the TCP error (ECONNREFUSED, ...) when the connection
   *   cannot be made; RangeError for a negative timeout.
   */
  async connect(address: Address, options: ClientConnectOptions = {}): Promise<TLSSocket> {
    checkAddress('ClientContext.connect', address);
    checkConnectOptions('ClientContext.connect', options);
    // One deadline for the TCP connect and the handshake together (issue #14 item 15).
    const signal = deadlineSignal(options.signal, options.timeout);
    // Everything is checked before the TCP connection exists: a refused name never reaches the wire.
    const buffer = this.#buffer(parseServerName(options.serverHostname ?? address.host, 'ClientContext.connect'), options.session ?? null);
    const operation = connectOperation(address);
    // Aborted before the call: its reason as it is, as the other implementations raise it.
    if (signal?.aborted) throw signal.reason;
    // Past the deadline already (creating the buffer is work too): the timer may not have fired yet.
    try {
      throwIfAborted(signal);
    } catch (reason) {
      throw describeAbort(reason, signal, { operation, phase: 'TCP connect' });
    }
    // Half-open: our close_notify must still go out after the peer's FIN (issue #14 item 5).
    // Read into reused memory (tls-core's connectDirect, fed through copyIncoming): no fresh ArrayBuffer per read.
    const tcp = connectDirect({ host: address.host, port: address.port, noDelay: true, allowHalfOpen: true });
    try {
      await untilAborted(once(tcp, 'connect'), signal, () => tcp.destroy(), { operation, phase: 'TCP connect' });
    } catch (error) {
      tcp.destroy();
      throw error;
    }
    return BufferSocket.open(buffer, tcp, { signal, operation });
  }
}

/** The server side; with several chains, the one whose SAN matches the client's SNI name is served. */
export class PureServerContext implements ServerContext {
  readonly configuration: TLSServerConfiguration;
  readonly #config: ServerConfig & { recordPadding: number; recordSizeLimit: number };

  constructor(configuration: TLSServerConfiguration, options: PureContextOptions = {}) {
    const shared = common(configuration, options);
    const acceptAny = (options as { [RELAX]?: { verifyClientChain: boolean } })[RELAX]?.verifyClientChain === false;
    if (configuration.certificateChain === null) throw new ConfigurationError('a server needs at least one certificate chain (certificateChain)');
    this.configuration = configuration;
    const chains: ServedChain[] = configuration.certificateChain.map((chain) => {
      const loaded = loadChain(chain, shared.provider);
      return { ...loaded, matches: nameMatcher(loaded.certificates[0]!) };
    });
    this.#config = {
      ...shared,
      chains,
      clientVerifier:
        configuration.trustStore === null
          ? null
          : acceptAny
            ? relaxedVerifier(verifierFor(configuration.trustStore, shared.provider), { verifyChain: false, checkHostname: false })
            : verifierFor(configuration.trustStore, shared.provider),
      ticketer: new Ticketer(shared.provider),
    };
    Object.freeze(this);
  }

  createBuffer(): PureBuffer {
    const engine = new Engine(this.#config.provider, this.#config.limits, startServer(this.#config));
    engine.records.role = 'server';
    engine.records.padding = this.#config.recordPadding;
    engine.records.advertisedLimit = this.#config.recordSizeLimit;
    return new PureBuffer(this, engine, null, null);
  }

  connect(address: Address): Promise<TLSSocket> {
    return BufferListener.listen(this, address);
  }
}
