import { connect as netConnect, type Socket } from 'node:net';
import * as tls from 'node:tls';
import {
  ConfigurationError,
  bindSessions,
  checkAddress,
  checkConnectOptions,
  connectOperation,
  deadlineSignal,
  openSession,
  parseServerName,
  sessionFingerprint,
  untilAborted,
  upgradeOperation,
  type Address,
  type ClientConnectOptions,
  type ClientContext,
  type ServerName,
  type SessionContent,
  type TLSBuffer,
  type TLSClientConfiguration,
  type Transport,
  type UpgradeOptions,
} from '@unitls/tls-core';
import { certificateVerdict, chainVerdict, refusedChain, toTLSError, type RefusedChain } from './errors.js';
import { forgetHandshakeOptions } from './handshake-options.js';
import { verifyServerName } from './hostname.js';
import { certAndKey, chainMaterial, trustAnchors } from './material.js';
import { alpnOption, protocolOptions } from './options.js';
import { IMPLEMENTATION_NAME, NodeTLSSocket, connectedSocket, peerCertificate } from './socket.js';
import type { NativeEnd } from './native-end.js';
import { directConnectSupported, tlsConnect, tlsOver, type StreamEnd } from './transport.js';
import { validateConfig } from './validate.js';

/** The message every createBuffer call raises: node:tls cannot be a synchronous TLSBuffer. */
export const NO_BUFFER_MESSAGE =
  '@unitls/tls-node cannot provide a TLSBuffer: node:tls produces handshake output only after event-loop turns, ' +
  'so it cannot meet the synchronous contract of PEP 748. Use @unitls/tls-openssl or @unitls/tls-pure for TLSBuffer (sans-IO) use.';

/** Checks an insecure context may skip; set only through @unitls/insecure (see insecure.ts). */
export interface ClientRelaxations {
  readonly verifyChain: boolean;
  readonly checkHostname: boolean;
}

const STRICT: ClientRelaxations = Object.freeze({ verifyChain: true, checkHostname: true });
const relaxations = new WeakMap<NodeClientContext, ClientRelaxations>();

/** For insecure.ts only: turns checks off on one context. Not exported from the package. */
export function relaxClient(context: NodeClientContext, relax: ClientRelaxations): void {
  relaxations.set(context, Object.freeze({ ...relax }));
}

/**
 * The client side over node:tls. Verification is always on: the chain by OpenSSL against the
 * configured trust store (the OS store by default), the name by {@link verifyServerName} (no
 * subject-CN fallback), on every connection including resumed ones.
 */
export class NodeClientContext implements ClientContext {
  readonly #configuration: TLSClientConfiguration;
  readonly #secureContext: tls.SecureContext;
  readonly #alpn: Buffer | undefined;

  /** @throws ConfigurationError when node:tls cannot honour `configuration` (see {@link validateConfig}). */
  constructor(configuration: TLSClientConfiguration) {
    validateConfig(configuration);
    this.#configuration = configuration;
    const chain = configuration.certificateChain === null ? {} : certAndKey(chainMaterial(configuration.certificateChain));
    try {
      this.#secureContext = tls.createSecureContext({
        ...protocolOptions(configuration),
        ca: trustAnchors(configuration.trustStore),
        ...chain,
      });
    } catch (cause) {
      throw new ConfigurationError(`node:tls refused the client configuration: ${(cause as Error).message}`, { cause });
    }
    this.#alpn = alpnOption(configuration);
    // Sessions are bound to this configuration and to the checks this context makes (insecure.ts
    // relaxes them right after construction, before any connection: hence computed on first use).
    bindSessions(this, () => {
      const relax = relaxations.get(this) ?? STRICT;
      return sessionFingerprint(IMPLEMENTATION_NAME, configuration, { verifyChain: relax.verifyChain, checkHostname: relax.checkHostname });
    });
    // Read-only at run time too: a socket must never report one configuration and use another.
    Object.freeze(this);
  }

  /** The configuration this context was built from (it cannot be replaced). */
  get configuration(): TLSClientConfiguration {
    return this.#configuration;
  }

  async connect(address: Address, options: ClientConnectOptions = {}): Promise<NodeTLSSocket> {
    checkAddress('ClientContext.connect', address);
    checkConnectOptions('ClientContext.connect', options);
    // Everything is checked before the TCP connection exists: a refused name never reaches the wire.
    const target = parseServerName(options.serverHostname ?? address.host, 'ClientContext.connect');
    const resumed = openSession(this, options.session, target.name, 'ClientContext.connect');
    const signal = deadlineSignal(options.signal, options.timeout);
    if (signal?.aborted) throw signal.reason;
    // node:tls connects by itself (one socket per connection, as a raw tls.connect client has).
    const operation = connectOperation(address);
    if (directConnectSupported()) return this.#handshake({ address }, target, resumed, signal, operation);
    // Half-open: after the server's FIN our close_notify can still be written.
    const tcp = netConnect({ host: address.host, port: address.port, noDelay: true, allowHalfOpen: true });
    await untilAborted(tcpConnected(tcp), signal, () => tcp.destroy(), { operation, phase: 'TCP connect' });
    return this.#handshake({ transport: tcp }, target, resumed, signal, operation);
  }

  /** Extension: STARTTLS on an already-connected socket (used by tls-core's startTls). */
  async upgrade(socket: Transport, options: UpgradeOptions): Promise<NodeTLSSocket> {
    checkConnectOptions('ClientContext.upgrade', options);
    const target = parseServerName(options?.serverHostname, 'ClientContext.upgrade');
    const resumed = openSession(this, options.session, target.name, 'ClientContext.upgrade');
    const signal = deadlineSignal(options.signal, options.timeout);
    if (signal?.aborted) throw signal.reason;
    return this.#handshake({ transport: socket }, target, resumed, signal, options.operation ?? upgradeOperation(target.name));
  }

  createBuffer(): TLSBuffer {
    throw new ConfigurationError(NO_BUFFER_MESSAGE);
  }

  /**
   * The handshake over `over`'s transport, or on a connection node:tls makes to `over`'s address.
   * Not async, and nothing made for a deadline that was not asked for (the site, its closures): every
   * connect runs this, and what it allocates is young-generation garbage an idle process keeps room
   * for (issue #16 item 3).
   */
  #handshake(
    over: { transport: Transport } | { address: Address },
    target: ServerName,
    resumed: SessionContent | null,
    signal: AbortSignal | undefined,
    operation: string,
  ): Promise<NodeTLSSocket> {
    const serverHostname = target.name;
    const relax = relaxations.get(this) ?? STRICT;
    // One object, filled in place: node:tls copies its options anyway (tls.connect spreads them
    // into its own), so spreads here were three to five objects more per connect.
    const options: tls.ConnectionOptions = {
      secureContext: this.#secureContext,
      rejectUnauthorized: relax.verifyChain,
      // Node skips this check on resumed sessions and falls back to the subject CN; the name is
      // checked below instead, on every connection.
      checkServerIdentity: noIdentityCheck,
    };
    if (target.sni !== null) options.servername = target.sni;
    if (this.#alpn !== undefined) options.ALPNProtocols = this.#alpn;
    if (resumed !== null) options.session = Buffer.from(resumed.data);
    const transport = 'transport' in over ? over.transport : null;
    let socket: tls.TLSSocket;
    let end: StreamEnd;
    // (Half-open either way: NativeEnd makes the socket so, see native-end.ts.)
    if ('address' in over) {
      options.host = over.address.host;
      options.port = over.address.port;
      ({ socket, end } = tlsConnect(() => tls.connect(options)));
    } else {
      ({ socket, end } = tlsOver(over.transport, (stream) => {
        options.socket = stream;
        return tls.connect(options);
      }));
    }
    // A deadline found passed once the handshake completed: the work of its last turn, the
    // server's last flight checked (chain, then name) - verification.
    let finished = false;
    // node:tls checks the chain in its own 'secure' listener and destroys a refused socket there,
    // before 'error' listeners can read the certificates (an expiry's message names one): this
    // listener runs first and keeps a refused chain.
    let refused: RefusedChain | null = null;
    if (relax.verifyChain) socket.prependOnceListener('secure', () => (refused = refusedChain(socket)));
    const done = new Promise<NodeTLSSocket>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        // Checked the way a careful client would order them: the chain, then the name, then
        // whatever broke the handshake later (e.g. the server's signature).
        const verdict = !relax.verifyChain ? null : refused !== null ? chainVerdict(refused, error) : certificateVerdict(socket, relax.checkHostname ? serverHostname : null, error);
        reject(verdict ?? toTLSError(error, 'handshake'));
        socket.destroy();
      };
      const closed = () => fail(Object.assign(new Error('connection closed during the handshake'), { code: 'ECONNRESET' }));
      // `on`, not `once`: a failed handshake can raise a second error (the alert node:tls writes
      // meets the peer's reset: "write ECONNRESET"), which unhandled would crash the process.
      socket.on('error', fail);
      socket.once('close', closed);
      // TCP errors (refused, unreachable) arrive on the transport, not the TLS socket (on the
      // TLS socket when node:tls connects by itself).
      transport?.on('error', fail);
      // The only 'secureConnect' listener: none is left once the socket is made (its table of
      // listeners is then made to fit, see listener-table.ts).
      socket.once('secureConnect', () => {
        finished = true;
        socket.off('error', fail);
        socket.off('close', closed);
        transport?.off('error', fail);
        // A resumed session carries no certificate in node:tls: check the one verified when the
        // session was made, against the name asked for now.
        // Nothing thrown here may escape: this runs from node:tls's event handler.
        try {
          const peer = socket.isSessionReused() ? (resumed?.peerCertificate ?? null) : peerCertificate(socket);
          const mismatch = relax.checkHostname ? verifyServerName(target, peer) : null;
          if (mismatch !== null) {
            fail(mismatch);
            return;
          }
          dropHandshakeEndListener(socket);
          // (Node itself: another runtime's node:tls may read more of its options later.)
          if (directConnectSupported()) forgetHandshakeOptions(socket, 'client');
          const connected = connectedSocket(this, socket, end, peer, serverHostname);
          settled = true;
          resolve(connected);
        } catch (error) {
          fail(error);
        }
      });
    });
    if (signal === undefined) return done;
    // When node:tls connects by itself the TCP connect is part of this wait: the end starts
    // watching at its TCP 'connect' (tlsConnect), which tells the phases apart (no listener of our own).
    const tcpEnd = transport === null ? (end as NativeEnd) : null;
    const site = {
      operation,
      get phase() {
        return tcpEnd === null || tcpEnd.watching ? ('TLS handshake' as const) : ('TCP connect' as const);
      },
      get late() {
        return finished ? ('verification' as const) : this.phase;
      },
    };
    return untilAborted(done, signal, () => socket.destroy(), site);
  }
}

/**
 * Resolves once `tcp` is connected. node:tls is built over the socket only then: over a socket
 * still connecting, it would wrap a TCP handle that Node replaces when a first address fails
 * (autoSelectFamily), which crashes the process (Node 20.20, seen with an IPv6 then an IPv4
 * address).
 */
function tcpConnected(tcp: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(toTLSError(error, 'handshake'));
    tcp.once('error', failed);
    tcp.once('connect', () => {
      tcp.off('error', failed);
      resolve();
    });
  });
}

/**
 * Removes node:tls's 'end' listener of the handshake (`onConnectEnd`: a connection that ends before
 * its handshake is done fails with ECONNRESET), which node:tls itself removes only after the
 * 'secureConnect' listeners ran. Removed first, so the socket's reader adds its 'end' listener
 * beside node:tls's one alone: a third listener grows the array of 'end' listeners, and the array
 * keeps that room for the connection's life (~150 bytes per idle client). Recognised by its name;
 * another Node's listener stays as it is.
 */
function dropHandshakeEndListener(socket: tls.TLSSocket): void {
  for (const listener of socket.rawListeners('end')) {
    const own = (listener as { listener?: (...args: unknown[]) => void }).listener ?? listener;
    if (own.name === 'onConnectEnd') socket.removeListener('end', own as (...args: unknown[]) => void);
  }
}

/**
 * node:tls's identity check, turned off (NodeClientContext checks the name itself). One function
 * for every connection: node:tls keeps its connect options for the connection's life, and a
 * closure here would keep the whole handshake's scope with it (~150 bytes per idle client).
 */
function noIdentityCheck(): undefined {
  return undefined;
}
