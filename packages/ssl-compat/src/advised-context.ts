/**
 * The ClientContext an SSLContext hands out: the implementation's own, whose certificate
 * verification errors advise in SSLContext's terms (its cafile / loadVerifyLocations) rather than
 * PEP 748's trustStore, which an ssl-style caller never handles. Everything else is the
 * implementation's, unchanged. Internal: callers see a ClientContext.
 *
 * @module
 */
import type { Address, ClientConnectOptions, ClientContext, TLSBuffer, TLSClientConfiguration, TLSSession, TLSSocket, Transport, UpgradeOptions } from '@unitls/tls-core';
import { withTrustAdvice, type TrustAdvice } from './trust-advice.js';

/**
 * Python's SSLSocket.version() ('TLSv1.3'), on the socket itself (trial 10, finding 4): the
 * PEP 748 socket's negotiatedTlsVersion, or null when there is none (Python's None).
 */
function withVersion(socket: TLSSocket): TLSSocket {
  if (!('version' in socket)) {
    Object.defineProperty(socket, 'version', {
      configurable: true,
      writable: true,
      value(this: TLSSocket): string | null {
        return this.negotiatedTlsVersion ?? null;
      },
    });
  }
  return socket;
}

/** The buffer methods a handshake runs through: PEP 748's, and tls-core's fast-path status form. */
const HANDSHAKE_ENTRIES = ['doHandshake', 'handshakeStep'] as const;

/** Shadows `buffer[name]` with a call of `step` whose certificate verification error advises as `advice` says. */
function advise(buffer: TLSBuffer, name: string, step: () => unknown, advice: TrustAdvice): void {
  Object.defineProperty(buffer, name, {
    configurable: true,
    writable: true,
    value(this: TLSBuffer): unknown {
      try {
        return step.call(this);
      } catch (error) {
        throw withTrustAdvice(advice, error);
      }
    },
  });
}

export class AdvisedClientContext implements ClientContext {
  readonly #inner: ClientContext;
  readonly #advice: TrustAdvice;

  constructor(inner: ClientContext, advice: TrustAdvice) {
    this.#inner = inner;
    this.#advice = advice;
  }

  get configuration(): TLSClientConfiguration {
    return this.#inner.configuration;
  }

  async connect(address: Address, options?: ClientConnectOptions): Promise<TLSSocket> {
    try {
      return withVersion(await this.#inner.connect(address, options));
    } catch (error) {
      throw withTrustAdvice(this.#advice, error);
    }
  }

  /**
   * The implementation's buffer, its doHandshake (where the server's certificate is verified)
   * advising as connect does. Shadowed on the instance rather than wrapped in another object, so
   * the buffer keeps its class and its extensions (negotiatedGroup, ...) for feature detection.
   * Every way in to the handshake is shadowed: tls-core's BufferSocket drives a buffer that has
   * the fast-path `handshakeStep` (tls-openssl's) through it, not through doHandshake.
   */
  createBuffer(serverHostname: string, options?: { session?: TLSSession | null }): TLSBuffer {
    const buffer = this.#inner.createBuffer(serverHostname, options);
    for (const name of HANDSHAKE_ENTRIES) {
      const step = (buffer as unknown as Record<string, unknown>)[name];
      if (typeof step === 'function') advise(buffer, name, step as () => unknown, this.#advice);
    }
    return buffer;
  }

  /** The implementation's STARTTLS upgrade, advising as connect does; absent when it has none (tls-core's startTls then goes through createBuffer). */
  get upgrade(): ((socket: Transport, options: UpgradeOptions) => Promise<TLSSocket>) | undefined {
    const upgrade = this.#inner.upgrade?.bind(this.#inner);
    if (upgrade === undefined) return undefined;
    return async (socket, options) => {
      try {
        return withVersion(await upgrade(socket, options));
      } catch (error) {
        throw withTrustAdvice(this.#advice, error);
      }
    };
  }
}
