/**
 * TLS sessions (an extension beyond PEP 748, needed by FTPS data connections): opaque values bound
 * to the context that made them and to the server name that was verified. A resumed session skips
 * certificate verification, so offering one is vouching for a peer: only a context with the same
 * configuration fingerprint (trust store, versions, ciphers, ALPN, client chain, insecure flags,
 * implementation) may resume it, and only for the same name. Every implementation seals and opens
 * sessions through these functions, so the rule is one rule.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { TLSClientConfiguration } from './configuration.js';
import type { DescriptorSource } from './descriptors.js';
import { ConfigurationError } from './errors.js';

const construction = Symbol('TLSSession construction');
// Set by TLSSession's static block: reads a session's private fields after checking its binding.
let open: (session: unknown, fingerprint: string, serverHostname: string, where: string) => SessionContent;

/**
 * An opaque TLS session to offer again for resumption (`connect(address, { session })`,
 * `createBuffer(name, { session })`, `startTls(..., { session })`). Only a context whose
 * configuration fingerprint equals the one that made it resumes it, and only for the same server
 * name; anything else is a ConfigurationError before a byte is sent. Sessions live in memory: they
 * cannot be serialised.
 */
export class TLSSession {
  readonly #fingerprint: string;
  readonly #implementation: string;
  readonly #serverHostname: string;
  readonly #data: Uint8Array;
  readonly #peerCertificate: Uint8Array | null;

  /** @internal Implementations make sessions with {@link sealSession}. */
  constructor(
    secret: symbol,
    fingerprint: string,
    implementation: string,
    serverHostname: string,
    data: Uint8Array,
    peerCertificate: Uint8Array | null,
  ) {
    if (secret !== construction) {
      throw new TypeError('TLSSession is not constructed by users: take one from a connected socket (socket.session())');
    }
    this.#fingerprint = fingerprint;
    this.#implementation = implementation;
    this.#serverHostname = serverHostname;
    this.#data = Uint8Array.from(data);
    this.#peerCertificate = peerCertificate === null ? null : Uint8Array.from(peerCertificate);
    Object.freeze(this);
  }

  /** The name of the implementation that made this session. */
  get implementation(): string {
    return this.#implementation;
  }

  /** The server name (A-label form, see parseServerName) the session's certificate was verified for. */
  get serverHostname(): string {
    return this.#serverHostname;
  }

  static {
    // The only way in: implementations read a session through openSession, which checks the binding.
    open = (session, fingerprint, serverHostname, where) => {
      if (!(session instanceof TLSSession)) {
        throw new ConfigurationError(`${where}: session must be a TLSSession taken from socket.session() or buffer.session()`);
      }
      if (session.#fingerprint !== fingerprint) {
        throw new ConfigurationError(
          `${where}: this TLS session was made by a context with another configuration (${session.#implementation === fingerprintImplementation(fingerprint) ? 'trust store, versions, ciphers, ALPN, client certificate or insecure flags differ' : `implementation "${session.#implementation}"`}); ` +
            'a session is resumed only by a context configured like the one that made it',
        );
      }
      if (session.#serverHostname !== serverHostname) {
        throw new ConfigurationError(
          `${where}: this TLS session was verified for "${session.#serverHostname}", not "${serverHostname}"; a session is resumed only for the name it was verified for`,
        );
      }
      return { data: Uint8Array.from(session.#data), peerCertificate: session.#peerCertificate === null ? null : Uint8Array.from(session.#peerCertificate) };
    };
  }
}

/** What an implementation gets back from {@link openSession}. */
export interface SessionContent {
  /** The implementation's own session bytes. */
  readonly data: Uint8Array;
  /** The peer's leaf certificate (DER) as verified when the session was made. */
  readonly peerCertificate: Uint8Array | null;
}

const fingerprints = new WeakMap<object, () => string>();
const computed = new WeakMap<object, string>();

function fingerprintImplementation(fingerprint: string): string {
  return fingerprint.slice(0, fingerprint.indexOf(':'));
}

function sourceIdentity(source: DescriptorSource): unknown {
  const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  switch (source.kind) {
    case 'buffer':
      return ['buffer', digest(source.data)];
    case 'file':
      return ['file', source.path];
    case 'id':
      return ['id', digest(source.id)];
    case 'system':
      return ['system'];
  }
}

/**
 * The configuration fingerprint sessions are bound to: the implementation's name, every field of
 * `configuration` (descriptors by their source, as `equals` compares them) and `extras`, the
 * implementation's own settings that change what a session vouches for (insecure flags, a
 * verification time). Equal configurations and extras give equal fingerprints.
 */
export function sessionFingerprint(implementation: string, configuration: TLSClientConfiguration, extras: Readonly<Record<string, unknown>> = {}): string {
  const chain = configuration.certificateChain;
  const canonical = JSON.stringify([
    configuration.ciphers,
    configuration.innerProtocols.map((p) => (typeof p === 'string' ? p : ['raw', Buffer.from(p).toString('hex')])),
    configuration.lowestSupportedVersion,
    configuration.highestSupportedVersion,
    configuration.trustStore === null ? null : sourceIdentity(configuration.trustStore.source),
    chain === null ? null : [sourceIdentity(chain.leaf[0].source), chain.leaf[1] === null ? null : sourceIdentity(chain.leaf[1].source), chain.chain.map((c) => sourceIdentity(c.source))],
    Object.keys(extras)
      .sort()
      .map((key) => [key, extras[key] instanceof Date ? (extras[key] as Date).toISOString() : extras[key]]),
  ]);
  return `${implementation}:${createHash('sha256').update(canonical).digest('hex')}`;
}

/**
 * Declares the fingerprint of a client context's sessions (see {@link sessionFingerprint}),
 * computed on first use so an implementation may finish configuring the context first.
 *
 * @throws TypeError when the context already has one (a binding never changes).
 */
export function bindSessions(context: object, fingerprint: () => string): void {
  if (fingerprints.has(context)) throw new TypeError('bindSessions: this context already has a session binding');
  fingerprints.set(context, fingerprint);
}

function fingerprintOf(context: object): string | undefined {
  let value = computed.get(context);
  if (value === undefined) {
    const compute = fingerprints.get(context);
    if (compute === undefined) return undefined;
    value = compute();
    computed.set(context, value);
  }
  return value;
}

/**
 * Wraps an implementation's session bytes into an opaque TLSSession bound to `context` and
 * `serverHostname` (the verified name, A-label form). Returns null when `context` has no session
 * binding (server contexts: resumption is offered by clients).
 */
export function sealSession(context: object, serverHostname: string, data: Uint8Array, peerCertificate: Uint8Array | null): TLSSession | null {
  const fingerprint = fingerprintOf(context);
  if (fingerprint === undefined) return null;
  return new TLSSession(construction, fingerprint, fingerprintImplementation(fingerprint), serverHostname, data, peerCertificate);
}

/**
 * The content of `session` for a connection of `context` to `serverHostname` (A-label form), or
 * null when no session is offered.
 *
 * @throws ConfigurationError when `session` is not a TLSSession, was made by a context with another
 *   fingerprint (another implementation, configuration or insecure flags), or for another name.
 */
export function openSession(context: object, session: TLSSession | null | undefined, serverHostname: string, where = 'ClientContext.connect'): SessionContent | null {
  if (session === null || session === undefined) return null;
  const fingerprint = fingerprintOf(context);
  if (fingerprint === undefined) throw new ConfigurationError(`${where}: this context cannot resume TLS sessions`);
  return open(session, fingerprint, serverHostname, where);
}
