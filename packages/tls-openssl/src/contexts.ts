import { once } from 'node:events';
import {
  BufferListener,
  BufferSocket,
  ConfigurationError,
  TLSError,
  bindSessions,
  checkAddress,
  checkConnectOptions,
  connectDirect,
  connectOperation,
  deadlineSignal,
  openSession,
  parseServerName,
  sessionFingerprint,
  untilAborted,
  protocolBytes,
  type Address,
  type ClientConnectOptions,
  type ClientContext,
  type ServerContext,
  type TLSClientConfiguration,
  type TLSServerConfiguration,
  type TLSSession,
  type TLSSocket,
} from '@unitls/tls-core';
import { certAndKey, chainMaterial, planCiphers, trustAnchors, validateConfig } from '@unitls/tls-node/internal';
import { addon, type NativeContextOptions } from './addon.js';
import { IMPLEMENTATION_NAME, OpenSSLBuffer, verificationTimes } from './buffer.js';

const VERSION = { 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 } as const;

/** Extension options of the contexts (tests and @unitls/insecure). */
export interface OpenSSLContextOptions {
  /** Verify certificates as of this time instead of now (tests; x509-limbo). */
  verificationTime?: Date;
}

/** Checks @unitls/insecure may turn off; passed under a symbol this package never exports. */
export interface Relaxations {
  readonly verifyChain: boolean;
  readonly checkHostname: boolean;
}
export const RELAX = Symbol('unitls relaxations');

function nativeOptions(
  configuration: TLSClientConfiguration | TLSServerConfiguration,
  trust: boolean,
  options: OpenSSLContextOptions,
  skipVerify: boolean,
): NativeContextOptions {
  const plan = planCiphers(configuration.ciphers, configuration.lowestSupportedVersion, configuration.highestSupportedVersion);
  const alpn = configuration.innerProtocols.map(protocolBytes);
  return {
    minVersion: VERSION[plan.minVersion],
    maxVersion: VERSION[plan.maxVersion],
    cipherList: plan.tls12.join(':'),
    cipherSuites: plan.tls13.join(':'),
    ...(trust ? { trustPem: Buffer.from(trustAnchors(configuration.trustStore).join('\n')) } : {}),
    ...(alpn.length === 0 ? {} : { alpn: Buffer.concat(alpn.flatMap((id) => [Buffer.of(id.length), id])) }),
    ...(options.verificationTime === undefined ? {} : { verifyTime: Math.floor(options.verificationTime.getTime() / 1000) }),
    ...(skipVerify ? { skipVerify: true } : {}),
  };
}

function build(isServer: boolean, options: NativeContextOptions): object {
  try {
    return addon.createContext(isServer, options);
  } catch (cause) {
    throw new ConfigurationError(`OpenSSL refused the configuration: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The client side over OpenSSL. Verification happens inside OpenSSL: X509_V_FLAG_X509_STRICT,
 * partial chains (as the PEP's reference), the name via X509_VERIFY_PARAM_set1_host with no
 * subject-CN fallback, IP addresses via set1_ip.
 */
export class OpenSSLClientContext implements ClientContext {
  readonly #configuration: TLSClientConfiguration;
  readonly #native: object;
  readonly #relax: Relaxations | undefined;

  constructor(configuration: TLSClientConfiguration, options: OpenSSLContextOptions = {}) {
    validateConfig(configuration, '@unitls/tls-openssl');
    this.#configuration = configuration;
    this.#relax = (options as { [RELAX]?: Relaxations })[RELAX];
    const native = nativeOptions(configuration, true, options, this.#relax !== undefined && !this.#relax.verifyChain);
    const chain = configuration.certificateChain;
    if (chain !== null) {
      const { cert, key } = certAndKey(chainMaterial(chain));
      native.chains = [{ cert: Buffer.from(cert), key: Buffer.from(key) }];
    }
    this.#native = build(false, native);
    if (options.verificationTime !== undefined) verificationTimes.set(this, options.verificationTime);
    const relax = this.#relax;
    bindSessions(this, () =>
      sessionFingerprint(IMPLEMENTATION_NAME, configuration, {
        verifyChain: relax?.verifyChain ?? true,
        checkHostname: relax?.checkHostname ?? true,
        verificationTime: options.verificationTime ?? null,
      }),
    );
    // Read-only at run time too: a socket must never report one configuration and use another.
    Object.freeze(this);
  }

  /** The configuration this context was built from (it cannot be replaced). */
  get configuration(): TLSClientConfiguration {
    return this.#configuration;
  }

  createBuffer(serverHostname: string, options: { session?: TLSSession | null } = {}): OpenSSLBuffer {
    const target = parseServerName(serverHostname, 'ClientContext.createBuffer');
    const relax = this.#relax;
    const native = this.#native;
    // OpenSSL does not re-verify a resumed session: tls-core's openSession refuses one made by a
    // context configured otherwise, or for another name.
    const resumed = openSession(this, options.session, target.name, 'ClientContext.createBuffer');
    const offered = resumed === null ? null : Buffer.from(resumed.data);
    const checkName = relax === undefined || relax.checkHostname;
    const connection = addon.createConnection(native, checkName ? target.name : null, target.ip !== 0, offered);
    return new OpenSSLBuffer(this, connection, target.name);
  }

  /**
   * Connects over TCP and runs the handshake. `timeout` (milliseconds) bounds both together;
   * `signal` ends either wait with its reason (an already-aborted signal before any connection).
   *
   * @throws the signal's reason (AbortError, TimeoutError) when it aborts first, a stock one
   *   described with the address and phase (tls-core's describeAbort); TLSError when the
   *   handshake fails; the TCP error (ECONNREFUSED, ...) when the connection cannot be made.
   */
  async connect(address: Address, options: ClientConnectOptions = {}): Promise<TLSSocket> {
    checkAddress('ClientContext.connect', address);
    checkConnectOptions('ClientContext.connect', options);
    const signal = deadlineSignal(options.signal, options.timeout);
    if (signal?.aborted) throw signal.reason;
    const buffer = this.createBuffer(options.serverHostname ?? address.host, { session: options.session ?? null });
    // Half-open: after the server's FIN our close_notify must still be writable. Read into reused
    // memory (tls-core's connectDirect): no fresh ArrayBuffer per read.
    const tcp = connectDirect({ host: address.host, port: address.port, noDelay: true, allowHalfOpen: true });
    const operation = connectOperation(address);
    try {
      await untilAborted(once(tcp, 'connect'), signal, () => tcp.destroy(), { operation, phase: 'TCP connect' });
    } catch (error) {
      tcp.destroy();
      buffer.free();
      throw error;
    }
    return BufferSocket.open(buffer, tcp, { signal, operation });
  }
}

/** The server side over OpenSSL; several chains are chosen by SNI name inside OpenSSL. */
export class OpenSSLServerContext implements ServerContext {
  readonly #configuration: TLSServerConfiguration;
  readonly #native: object;

  constructor(configuration: TLSServerConfiguration, options: OpenSSLContextOptions & { acceptAnyClientCertificate?: boolean } = {}) {
    validateConfig(configuration, '@unitls/tls-openssl');
    if (configuration.certificateChain === null) throw new ConfigurationError('a server needs at least one certificate chain (certificateChain)');
    this.#configuration = configuration;
    const native = nativeOptions(configuration, configuration.trustStore !== null, options, options.acceptAnyClientCertificate === true);
    native.chains = configuration.certificateChain.map((chain) => {
      const { cert, key } = certAndKey(chainMaterial(chain));
      return { cert: Buffer.from(cert), key: Buffer.from(key) };
    });
    this.#native = build(true, native);
    if (options.verificationTime !== undefined) verificationTimes.set(this, options.verificationTime);
    Object.freeze(this);
  }

  /** The configuration this context was built from (it cannot be replaced). */
  get configuration(): TLSServerConfiguration {
    return this.#configuration;
  }

  createBuffer(): OpenSSLBuffer {
    const several = (this.configuration.certificateChain?.length ?? 0) > 1;
    return new OpenSSLBuffer(this, addon.createConnection(this.#native, null, false, null), null, (error, info) => {
      if (!several) return error;
      const { sniMissing, servername } = info();
      if (servername === undefined) {
        return new TLSError('the client sent no SNI name; this server has several certificate chains and chooses one by name', { cause: error });
      }
      return sniMissing === 0 ? error : new TLSError(`no certificate chain matches the SNI name "${servername}"`, { cause: error });
    });
  }

  connect(address: Address): Promise<TLSSocket> {
    return BufferListener.listen(this, address);
  }
}
