/**
 * fetch and undici on any unitls TLS implementation: an undici Agent whose connector opens TLS
 * with the chosen implementation (pooling, keep-alive, redirects and decompression stay undici's).
 *
 * @module
 */
import { TLSClientConfiguration, TLSSocketStream, connectTcp, deadlineSignal, type TLSImplementation } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** The TLS implementation (default @unitls/tls-node). */
  implementation?: TLSImplementation;
  /** TLS settings (default: secure defaults with the system trust store). */
  configuration?: TLSClientConfiguration;
  /** Milliseconds for TCP connect plus handshake (default 10 000). */
  connectTimeout?: number;
  /**
   * Passed on to undici's Agent (pool sizes, keep-alive, `headersTimeout`, `bodyTimeout`, ...).
   * `allowH2` defaults to true here: HTTP/2 is used when the server picks `h2` by ALPN.
   */
  agent?: Omit<Agent.Options, 'connect'>;
}

/**
 * An undici Dispatcher (an Agent) whose HTTPS connections are made by `implementation`, verifying
 * the origin's name with it. Use it as fetch's `dispatcher` or with undici's `request`.
 *
 * @example
 * ```ts
 * import { fetch } from 'undici';
 * import { createDispatcher } from '@unitls/http';
 * import { implementation } from '@unitls/tls-openssl';
 * const dispatcher = createDispatcher({ implementation });
 * const response = await fetch('https://example.org/', { dispatcher });
 * ```
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const implementation = options.implementation ?? nodeImplementation;
  const allowH2 = options.agent?.allowH2 ?? true;
  const configuration = options.configuration ?? new TLSClientConfiguration();
  // ALPN offers what the Agent can speak, unless the caller chose its own list.
  const offered = configuration.innerProtocols.length === 0 ? configuration.with({ innerProtocols: allowH2 ? ['h2', 'http/1.1'] : ['http/1.1'] }) : configuration;
  const context = new implementation.clientContext(offered);
  const timeout = options.connectTimeout ?? 10_000;
  return new Agent({
    ...options.agent,
    allowH2,
    connect(connectOptions, callback) {
      const { hostname, protocol, servername } = connectOptions;
      const port = Number(connectOptions.port) || (protocol === 'https:' ? 443 : 80);
      if (protocol !== 'https:') {
        connectTcp(hostname, port, deadlineSignal(undefined, timeout)).then(
          (socket) => callback(null, socket),
          (error: unknown) => callback(error as Error, null),
        );
        return;
      }
      // Bracketed IPv6 literals come without brackets from undici's hostname.
      context.connect({ host: hostname, port }, { serverHostname: servername || hostname, timeout }).then(
        (tls) => callback(null, new TLSSocketStream(tls) as unknown as import('node:net').Socket),
        (error: unknown) => callback(error as Error, null),
      );
    },
  });
}

let defaultDispatcher: Dispatcher | null = null;

/**
 * `fetch` whose HTTPS goes through a unitls implementation (tls-node unless `init.dispatcher` says
 * otherwise; pass `createDispatcher({ implementation })`).
 */
export function fetch(input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}): ReturnType<typeof undiciFetch> {
  defaultDispatcher ??= createDispatcher();
  return undiciFetch(input, { dispatcher: defaultDispatcher, ...init });
}
