import type { X509Certificate } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import * as tls from 'node:tls';
import {
  AcceptQueue,
  ConfigurationError,
  TLSError,
  checkAddress,
  type Address,
  type ServerContext,
  type TLSBuffer,
  type TLSServerConfiguration,
  type TLSSocket,
} from '@unitls/tls-core';
import { NO_BUFFER_MESSAGE } from './client.js';
import { certificateVerdict, toTLSError } from './errors.js';
import { certAndKey, chainMaterial, trustAnchors } from './material.js';
import { alpnOption, protocolOptions } from './options.js';
import { NodeTLSSocket, certificateDer } from './socket.js';
import { validateConfig } from './validate.js';

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
  readonly configuration: TLSServerConfiguration;
  readonly #defaultContext: tls.SecureContext;
  readonly #chains: ServedChain[];
  readonly #alpn: Buffer | undefined;

  constructor(configuration: TLSServerConfiguration) {
    validateConfig(configuration);
    if (configuration.certificateChain === null) {
      throw new ConfigurationError('a server needs at least one certificate chain (certificateChain)');
    }
    this.configuration = configuration;
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
  wrap(transport: Socket): tls.TLSSocket {
    const requireClientCertificate = this.configuration.trustStore !== null;
    return new tls.TLSSocket(transport, {
      isServer: true,
      secureContext: this.#defaultContext,
      requestCert: requireClientCertificate,
      rejectUnauthorized: requireClientCertificate,
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
    });
  }

  async connect(address: Address): Promise<NodeListener> {
    checkAddress('ServerContext.connect', address);
    return NodeListener.listen(this, address);
  }

  createBuffer(): TLSBuffer {
    throw new ConfigurationError(NO_BUFFER_MESSAGE);
  }
}

/** A listening TLSSocket: each TCP connection is handshaken and queued for `accept()`. */
export class NodeListener implements TLSSocket {
  readonly context: NodeServerContext;
  readonly negotiatedTlsVersion = null;
  readonly #server: Server;
  readonly #queue = new AcceptQueue<NodeTLSSocket>();
  readonly #handshaking = new Set<Socket>();

  private constructor(context: NodeServerContext, server: Server) {
    this.context = context;
    this.#server = server;
    server.on('connection', (transport: Socket) => this.#onConnection(transport));
  }

  static async listen(context: NodeServerContext, address: Address): Promise<NodeListener> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new NodeListener(context, server);
  }

  #onConnection(transport: Socket): void {
    if (!this.#queue.hasRoom) {
      transport.destroy();
      return;
    }
    this.#handshaking.add(transport);
    const socket = this.context.wrap(transport);
    const finish = (result: { ok: true; value: NodeTLSSocket } | { ok: false; error: unknown }) => {
      socket.off('error', onError);
      socket.off('close', onClose);
      this.#handshaking.delete(transport);
      if (!result.ok) socket.destroy();
      this.#queue.push(result);
    };
    const onError = (error: Error) =>
      finish({ ok: false, error: certificateVerdict(socket, null, error) ?? this.#explain(socket, error) });
    const onClose = () => finish({ ok: false, error: new TLSError('the client closed the connection during the TLS handshake') });
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('secure', () => {
      if (this.context.configuration.trustStore !== null) {
        // node:tls accepts any client certificate in the handshake and leaves the verdict to us
        // (tls.Server does this same check).
        const refused = certificateVerdict(socket, null, undefined);
        if (refused !== null) {
          finish({ ok: false, error: refused });
          return;
        }
      }
      finish({ ok: true, value: new NodeTLSSocket(this.context, socket, certificateDer(socket)) });
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
    return toTLSError(error, 'handshake');
  }

  listen(backlog: number): void {
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError('listen: backlog must be a non-negative integer');
    this.#queue.backlog = Math.max(backlog, 1);
  }

  async accept(): Promise<[TLSSocket, Address]> {
    const socket = await this.#queue.next();
    return [socket, socket.getpeername() ?? { host: '', port: 0 }];
  }

  getsockname(): Address | null {
    const address = this.#server.address();
    return address === null || typeof address === 'string' ? null : { host: address.address, port: address.port };
  }

  getpeername(): null {
    return null;
  }

  getpeercert(): null {
    return null;
  }

  cipher(): null {
    return null;
  }

  negotiatedProtocol(): null {
    return null;
  }

  recv(): Promise<Uint8Array> {
    return Promise.reject(new TLSError('recv() on a listening socket: accept() a connection first'));
  }

  send(): Promise<number> {
    return Promise.reject(new TLSError('send() on a listening socket: accept() a connection first'));
  }

  async close(): Promise<void> {
    this.#queue.close(new TLSError('the listening socket was closed'));
    for (const transport of this.#handshaking) transport.destroy();
    this.#server.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
