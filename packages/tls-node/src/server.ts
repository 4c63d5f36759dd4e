import type { X509Certificate } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import * as tls from 'node:tls';
import {
  ConfigurationError,
  TLSError,
  TLSListener,
  checkAddress,
  listenOn,
  type Address,
  type ServerContext,
  type TLSBuffer,
  type TLSServerConfiguration,
} from '@unitls/tls-core';
import { NO_BUFFER_MESSAGE } from './client.js';
import { certificateVerdict, toTLSError } from './errors.js';
import { forgetHandshakeOptions } from './handshake-options.js';
import { certAndKey, chainMaterial, trustAnchors } from './material.js';
import { alpnOption, protocolOptions } from './options.js';
import { NOT_USER_CONSTRUCTED, NodeTLSSocket, connectedSocket, peerCertificate } from './socket.js';
import { tlsOver, type StreamEnd } from './transport.js';
import { validateConfig } from './validate.js';

/** Server contexts whose client-certificate verification @unitls/insecure turned off (see insecure.ts). */
const unverifiedClients = new WeakSet<NodeServerContext>();

/** For insecure.ts only: accept any client certificate on this context. Not exported from the package. */
export function relaxServer(context: NodeServerContext): void {
  unverifiedClients.add(context);
}

interface ServedChain {
  readonly leaf: X509Certificate;
  readonly context: tls.SecureContext;
}

/**
 * The server side over node:tls. With one chain it is served to every client. With several, the
 * chain whose leaf matches the client's SNI name is served, and the default context holds no
 * certificate at all: node:tls copies the default context's certificate into each connection,
 * and an SNI context whose key type differs then loses to it (nodejs/node#54235). Each SNI
 * context is complete (chain, trust store, versions, ciphers), so nothing of the default leaks.
 * A trust store turns on client-certificate authentication.
 */
export class NodeServerContext implements ServerContext {
  readonly #configuration: TLSServerConfiguration;
  readonly #defaultContext: tls.SecureContext;
  readonly #chains: ServedChain[];
  readonly #alpn: Buffer | undefined;

  constructor(configuration: TLSServerConfiguration) {
    validateConfig(configuration);
    if (configuration.certificateChain === null) {
      throw new ConfigurationError('a server needs at least one certificate chain (certificateChain)');
    }
    this.#configuration = configuration;
    const shared = {
      ...protocolOptions(configuration),
      ...(configuration.trustStore === null ? {} : { ca: trustAnchors(configuration.trustStore) }),
    };
    const build = (options: tls.SecureContextOptions) => {
      try {
        return tls.createSecureContext({ ...shared, ...options });
      } catch (cause) {
        throw new ConfigurationError(`node:tls refused the server configuration: ${(cause as Error).message}`, { cause });
      }
    };
    this.#chains = configuration.certificateChain.map((chain) => {
      const material = chainMaterial(chain);
      return { leaf: material.leaf, context: build(certAndKey(material)) };
    });
    this.#defaultContext = this.#chains.length === 1 ? this.#chains[0]!.context : build({});
    this.#alpn = alpnOption(configuration);
    Object.freeze(this);
  }

  /** The configuration this context was built from (it cannot be replaced). */
  get configuration(): TLSServerConfiguration {
    return this.#configuration;
  }

  /** The chain for an SNI name, or undefined when no leaf matches it. */
  chainFor(servername: string): ServedChain | undefined {
    return this.#chains.find(
      (chain) => chain.leaf.checkHost(servername, { subject: 'never', partialWildcards: false, multiLabelWildcards: false }) !== undefined,
    );
  }

  get multipleChains(): boolean {
    return this.#chains.length > 1;
  }

  /** Starts the server side of a handshake on an accepted TCP connection. */
  wrap(raw: Socket): { socket: tls.TLSSocket; end: StreamEnd } {
    const requireClientCertificate = this.configuration.trustStore !== null;
    return tlsOver(raw, (stream) => new tls.TLSSocket(stream, {
      isServer: true,
      secureContext: this.#defaultContext,
      requestCert: requireClientCertificate,
      rejectUnauthorized: requireClientCertificate && !unverifiedClients.has(this),
      ...(this.#alpn === undefined ? {} : { ALPNProtocols: this.#alpn }),
      ...(this.multipleChains
        ? {
            SNICallback: (servername: string, callback: (error: Error | null, context?: tls.SecureContext) => void) => {
              // No match leaves the certificate-less default in place: the handshake then fails
              // with an alert, and accept() reports why.
              callback(null, this.chainFor(servername)?.context ?? this.#defaultContext);
            },
          }
        : {}),
    }));
  }

  async connect(address: Address): Promise<NodeListener> {
    checkAddress('ServerContext.connect', address);
    return NodeListener.listen(this, address);
  }

  createBuffer(): TLSBuffer {
    throw new ConfigurationError(NO_BUFFER_MESSAGE);
  }
}

const listenerConstruction = Symbol('NodeListener construction');

/** A listening TLSSocket over node:tls: each TCP connection is handshaken and queued for `accept()`. */
export class NodeListener extends TLSListener<NodeTLSSocket> {
  declare readonly context: NodeServerContext;

  /** @internal Built by {@link NodeServerContext.connect} only. */
  protected constructor(secret: symbol, context: NodeServerContext, server: Server) {
    if (secret !== listenerConstruction) throw new TypeError(`NodeListener ${NOT_USER_CONSTRUCTED}`);
    super(context, server);
  }

  static async listen(context: NodeServerContext, address: Address): Promise<NodeListener> {
    // Half-open (close_notify still writable after the client's FIN) and no Nagle delay on alerts.
    return new NodeListener(listenerConstruction, context, await listenOn(address, { allowHalfOpen: true, noDelay: true }));
  }

  protected handshake(transport: Socket): Promise<NodeTLSSocket> {
    const { socket, end } = this.context.wrap(transport);
    return new Promise((resolve, reject) => {
      const finish = (error: unknown) => {
        socket.off('error', onError);
        socket.off('close', onClose);
        socket.off('end', onClose);
        if (error === null) {
          // What tls.Server does for its sockets once they are secure (onServerSocketSecure): from
          // now on node:tls reports TLS errors as 'error' events instead of keeping them to
          // itself, so a bad record after the handshake fails recv and closes the connection.
          // The public route (handing the socket to a never-listening tls.Server) rebuilds the
          // secure context from a fixed option list that drops allowPartialTrustChain (Node 20).
          (socket as unknown as { _releaseControl?: () => boolean })._releaseControl?.();
          // node:tls's copy of the options and the client's SNI name (see handshake-options.ts).
          forgetHandshakeOptions(socket, 'server');
          resolve(connectedSocket(this.context, socket, end, peerCertificate(socket)));
        } else {
          reject(error);
          socket.destroy();
        }
      };
      const onError = (error: Error) =>
        finish((unverifiedClients.has(this.context) ? null : certificateVerdict(socket, null, error)) ?? this.#explain(socket, error));
      // The text every implementation gives for a FIN during the handshake, client and server
      // side (BufferSocket, toTLSError): a FIN says the connection closed, not who closed it.
      const onClose = () => finish(new TLSError('the connection closed during the TLS handshake'));
      socket.once('error', onError);
      socket.once('close', onClose);
      // Over a JavaScript transport node:tls ends the stream on the client's FIN but does not close
      // a socket that never finished its handshake.
      socket.once('end', onClose);
      socket.once('secure', () => {
        // node:tls accepts any client certificate in the handshake and leaves the verdict to us
        // (tls.Server makes this same check).
        const verify = this.context.configuration.trustStore !== null && !unverifiedClients.has(this.context);
        const refused = verify ? certificateVerdict(socket, null, undefined) : null;
        finish(refused);
      });
    });
  }

  /** A clearer error for the handshake failures only the server can explain. */
  #explain(socket: tls.TLSSocket, error: Error): Error {
    if (this.context.multipleChains) {
      const servername = (socket as unknown as { servername?: string | false }).servername;
      if (typeof servername !== 'string' || servername === '') {
        return new TLSError(
          'the client sent no SNI name; this server has several certificate chains and chooses one by name',
          { cause: error },
        );
      }
      if (this.context.chainFor(servername) === undefined) {
        return new TLSError(`no certificate chain matches the SNI name "${servername}"`, { cause: error });
      }
    }
    return toTLSError(error, 'handshake', null, 'server');
  }
}
