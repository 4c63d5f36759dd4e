/**
 * A drop-in for node:tls's `connect`: the same call shapes and a Duplex result with the familiar
 * members (getPeerCertificate, getCipher, alpnProtocol, authorized, 'secureConnect'), routed
 * through any TLSImplementation. Not supported (they throw or are absent): renegotiate,
 * exportKeyingMaterial, getSession / the 'session' event (use unitls sessions), getFinished,
 * getEphemeralKeyInfo, getSharedSigalgs, setMaxSendFragment, enableTrace, 'keylog', 'OCSPResponse'.
 * As node:tls's, it throws at once for a wrong argument and emits 'error' for what fails later.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { TLSSocketStream, cipherSuiteName, type ClientContext, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { implementation as nodeImplementation } from '@unitls/tls-node';
import { CIPHER_ATTRIBUTES } from './cipher-attributes.js';
import { describeValue } from './arguments.js';
import { fromNodeError } from './errors.js';
import { fromNodeConnectOptions } from './node-options.js';

const opensslNames = new Map(CIPHER_ATTRIBUTES.map(([name, id, , version]) => [id, { name, version }]));

/** node:tls's legacy certificate object, as far as it can be built from the DER. */
export interface PeerCertificate {
  subject: Record<string, string>;
  issuer: Record<string, string>;
  subjectaltname?: string;
  valid_from: string;
  valid_to: string;
  serialNumber: string;
  fingerprint: string;
  fingerprint256: string;
  fingerprint512: string;
  raw: Buffer;
}

function distinguishedName(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** The socket {@link connect} returns: a Duplex shaped like node:tls's TLSSocket. */
export class CompatTLSSocket extends TLSSocketStream {
  authorized = false;
  authorizationError: Error | null = null;
  servername: string | false = false;

  /** @internal */
  _attach(socket: TLSSocket, servername: string): void {
    this.authorized = true;
    this.servername = servername;
    this.attach(socket);
  }

  #abortReason: unknown = undefined;

  /** @internal Destroys the socket with an AbortSignal's reason, which is passed on as it is. */
  _abort(reason: unknown): void {
    this.#abortReason = reason;
    this.destroy(reason as Error);
  }

  /** Errors from the socket, as the typed errors Python code expects (a signal's reason as it is). */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    super._destroy(error === null || error === this.#abortReason ? error : fromNodeError(error), callback);
  }

  /**
   * node:tls passes `hadError` with 'close' (true when the socket was destroyed by an error);
   * Node's streams emit it without arguments, so code written for node:tls read `undefined`.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.errored !== null);
    return super.emit(event, ...args);
  }

  getPeerX509Certificate(): X509Certificate | undefined {
    const der = this.tlsSocket?.getpeercert() ?? null;
    return der === null ? undefined : new X509Certificate(der);
  }

  /** The peer certificate in node:tls's legacy shape (`detailed` chains are not available). */
  getPeerCertificate(): PeerCertificate | Record<string, never> {
    const cert = this.getPeerX509Certificate();
    if (cert === undefined) return {};
    return {
      subject: distinguishedName(cert.subject),
      issuer: distinguishedName(cert.issuer),
      ...(cert.subjectAltName === undefined ? {} : { subjectaltname: cert.subjectAltName }),
      valid_from: cert.validFrom,
      valid_to: cert.validTo,
      serialNumber: cert.serialNumber,
      fingerprint: cert.fingerprint,
      fingerprint256: cert.fingerprint256,
      fingerprint512: cert.fingerprint512,
      raw: cert.raw,
    };
  }

  getCipher(): { name: string; standardName: string; version: string } | undefined {
    const id = this.tlsSocket?.cipher() ?? null;
    if (id === null) return undefined;
    const standardName = cipherSuiteName(id);
    const known = opensslNames.get(id);
    return { name: known?.name ?? standardName, standardName, version: known?.version ?? 'TLSv1.3' };
  }

  getProtocol(): string | null {
    return this.tlsSocket?.negotiatedTlsVersion ?? null;
  }
}

type ConnectArgs =
  | [options: Record<string, unknown>, listener?: () => void]
  | [port: number, host?: string, options?: Record<string, unknown>, listener?: () => void]
  | [port: number, options?: Record<string, unknown>, listener?: () => void];

function normalize(args: unknown[]): { options: Record<string, unknown>; listener: (() => void) | undefined } {
  const listener = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
  if (typeof args[0] !== 'number') return { options: { ...(args[0] as Record<string, unknown>) }, listener };
  const [port, second, third] = args;
  if (typeof second === 'string') return { options: { ...(third as Record<string, unknown>), port, host: second }, listener };
  return { options: { ...(second as Record<string, unknown>), port }, listener };
}

/** A `connect` bound to an implementation: `const connect = createConnect(implementation)`. */
export function createConnect(implementation: TLSImplementation) {
  return function connect(...args: ConnectArgs): CompatTLSSocket {
    const { options, listener } = normalize(args);
    // Argument errors throw here, before any socket exists, as node:tls's connect throws them
    // (ERR_INVALID_ARG_TYPE, ERR_SOCKET_BAD_PORT, a bad key or cipher string): a try/catch around
    // a migrated call must still catch them. Only what happens on the network comes as 'error'.
    const mapped = fromNodeConnectOptions(options);
    if (mapped.port === undefined) throw new TypeError('connect: port is required');
    const signal = abortSignalOption(options.signal);
    let context: ClientContext;
    try {
      context = new implementation.clientContext(mapped.configuration);
    } catch (error) {
      throw fromNodeError(error);
    }
    const socket = new CompatTLSSocket();
    if (listener !== undefined) socket.once('secureConnect', listener);
    // node:net's `signal`: aborting destroys the socket with the signal's reason, at any time;
    // already aborted, it does so a tick later with no connection tried, as node:net does.
    if (signal !== undefined) {
      const abort = () => socket._abort(signal.reason);
      if (signal.aborted) {
        process.nextTick(abort);
        return socket;
      }
      signal.addEventListener('abort', abort, { once: true });
      socket.once('close', () => signal.removeEventListener('abort', abort));
    }
    const { timeout } = mapped;
    context
      .connect(
        { host: mapped.host, port: mapped.port },
        {
          serverHostname: mapped.serverHostname,
          // The wait for TCP connect plus handshake is bounded by `timeout` and ended by `signal`.
          ...(timeout === undefined ? {} : { timeout }),
          ...(signal === undefined ? {} : { signal }),
        },
      )
      .then(
        (tls) => {
          if (socket.destroyed) return void tls.close(true);
          socket._attach(tls, mapped.serverHostname);
          // Afterwards `timeout` is node:net's idle timeout: a 'timeout' event, nothing destroyed.
          if (timeout !== undefined && timeout > 0) socket.setTimeout(timeout);
        },
        (error: unknown) => {
          if (socket.destroyed) return;
          // node:net emits 'timeout' when the time is up; listeners that destroy the socket still work.
          if ((error as Error | null)?.name === 'TimeoutError') socket.emit('timeout');
          socket.destroy(fromNodeError(error));
        },
      );
    return socket;
  };
}

function abortSignalOption(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw new TypeError(`connect: signal must be an AbortSignal, got ${describeValue(value)}`);
  return value;
}

/**
 * node:tls's `connect` over tls-node: `import { connect } from '@unitls/ssl-compat'` in place of
 * `import { connect } from 'node:tls'`.
 *
 * @throws UnsupportedOptionError (a ConfigurationError) for an option unitls does not honour or
 *   does not know (a misspelt one names the option it resembles: "rejectUnauthorised" ... did you
 *   mean "rejectUnauthorized"?), or of the wrong type or value; TypeError for a missing port or a
 *   signal that is not an AbortSignal; the implementation's TLSError for certificate or key
 *   material it refuses. All synchronously, as node:tls's connect throws its argument errors, so
 *   a try/catch around the call catches them. Network and handshake failures (ECONNREFUSED, a
 *   certificate that fails verification, `timeout`, an aborted `signal`) come as 'error' events.
 *
 * @example
 * ```ts
 * import { connect } from '@unitls/ssl-compat';
 * const socket = connect({ host: 'example.org', port: 443, ALPNProtocols: ['h2'] }, () => {
 *   console.log(socket.getProtocol(), socket.getCipher()?.standardName, socket.alpnProtocol);
 *   socket.end();
 * });
 * ```
 */
export const connect = createConnect(nodeImplementation);
