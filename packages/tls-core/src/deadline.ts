import { performance } from 'node:perf_hooks';
import { describeValue } from './describe-value.js';

// The moment (performance.now()) each deadline signal's timeout passes. A timer fires only when
// the event loop gets to it: synchronous work (certificate verification, a trust store decoded on
// first use) that ends after the deadline, followed by a handshake finishing in the same turn,
// would otherwise succeed late (issue #17). untilAborted checks this moment too.
// It also holds the timeout signal for as long as the combined one lives: AbortSignal.any keeps
// its sources only weakly and a timeout signal with no listener of its own may be collected, its
// timer then aborting nothing (Node 20: a connect with a fresh caller's signal and a timeout hung
// now and then, the timeout never firing).
const deadlines = new WeakMap<AbortSignal, { at: number; timer: AbortSignal; timeout: number }>();

/** The TimeoutErrors {@link throwIfAborted} makes for a deadline passed before its timer fired. */
const lateDeadlines = new WeakSet<object>();

/** One signal for "the caller aborted or the timeout passed"; undefined when neither was asked. */
export function deadlineSignal(signal?: AbortSignal, timeout?: number): AbortSignal | undefined {
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${describeValue(timeout)}`);
  }
  const timer = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
  const combined = signal === undefined ? timer : timer === undefined ? signal : AbortSignal.any([signal, timer]);
  if (timer !== undefined) deadlines.set(combined!, { at: performance.now() + timeout!, timer, timeout: timeout! });
  return combined;
}

/**
 * Throws the signal's reason when it aborted, or a TimeoutError (as AbortSignal.timeout's) when
 * it came from {@link deadlineSignal} and its timeout has passed though its timer has not fired
 * yet (the event loop was busy).
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) throw signal.reason;
  const deadline = deadlines.get(signal)?.at;
  if (deadline !== undefined && performance.now() >= deadline) {
    const late = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    lateDeadlines.add(late);
    throw late;
  }
}

/**
 * Runs `work`, rejecting with the signal's reason (AbortError / TimeoutError) as soon as it
 * aborts, or when the work ends after the signal's deadline ({@link throwIfAborted}); `onAbort`
 * releases what the work holds (destroys the socket). With `site`, a stock reason is described
 * first ({@link describeAbort}); a rejection of `work` itself is passed on as it is.
 */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void, site?: AbortSite): Promise<T> {
  if (signal === undefined) return work;
  const describe = (reason: unknown) => (site === undefined ? reason : describeAbort(reason, signal, site));
  try {
    throwIfAborted(signal);
  } catch (reason) {
    onAbort();
    work.catch(() => {});
    throw describe(reason);
  }
  let listener!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort();
      reject(describe(signal.reason));
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  let result: T;
  try {
    result = await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', listener);
    work.catch(() => {});
  }
  try {
    throwIfAborted(signal);
  } catch (reason) {
    onAbort();
    throw describe(reason);
  }
  return result;
}

/**
 * What a connect was doing when its deadline or signal ended it: waiting for the TCP connection,
 * waiting for the server's handshake messages, or working on them in this process past the
 * deadline ('verification': a handshake that ended after its deadline though the timer had not
 * fired yet, the event loop held by synchronous work such as certificate checks).
 */
export type ConnectPhase = 'TCP connect' | 'TLS handshake' | 'verification';

/**
 * Where {@link describeAbort} says a connect was: `operation` names it ("connect to
 * mail.example.com:993"); `late` is the phase of a deadline found passed after this process's own
 * synchronous work (default: `phase`), 'verification' once the server's flight was being processed.
 */
export interface AbortSite {
  readonly operation: string;
  readonly phase: ConnectPhase;
  readonly late?: ConnectPhase;
}

/** The errors {@link describeAbort} made: never described twice. */
const described = new WeakSet<object>();

/** {@link AbortSite.operation} of a connect to `address`: "connect to mail.example.com:993" ("[::1]:993" for IPv6). */
export function connectOperation(address: { host: string; port: number }): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `connect to ${host}:${address.port}`;
}

/** {@link AbortSite.operation} of a TLS upgrade of a connection already open (STARTTLS) to `serverHostname`. */
export function upgradeOperation(serverHostname: string): string {
  return `TLS upgrade (STARTTLS) of the connection to ${serverHostname}`;
}

const PHASE_TEXT: Readonly<Record<ConnectPhase, string>> = {
  'TCP connect': 'during the TCP connect',
  'TLS handshake': 'during the TLS handshake',
  verification: "during verification (the handshake's own work in this process, such as certificate checks, ended after the deadline)",
};

/**
 * The error a connect ended by its deadline or its signal rejects with. For the reasons the
 * platform makes (options.timeout's or AbortSignal.timeout's TimeoutError, abort()'s AbortError:
 * a DOMException of that name), a DOMException of the same name, so `error.name === 'TimeoutError'`
 * checks keep working, whose message says what ended and when, the reason kept as `cause`:
 * "connect to mail.example.com:993 timed out after 5000 ms during the TLS handshake". Any other
 * reason (the caller's own, given to `abort(reason)`) is returned as it is: the caller chose it.
 * A deadline found passed after this process's synchronous work counts as phase `site.late`.
 */
export function describeAbort(reason: unknown, signal: AbortSignal | undefined, site: AbortSite): unknown {
  if (!(reason instanceof DOMException) || (reason.name !== 'TimeoutError' && reason.name !== 'AbortError') || described.has(reason)) return reason;
  const late = lateDeadlines.has(reason);
  const phase = late ? (site.late ?? site.phase) : site.phase;
  const deadline = signal === undefined ? undefined : deadlines.get(signal);
  // The connect's own timeout: its timer's reason, or the TimeoutError of a deadline found passed.
  const ownTimeout = deadline !== undefined && (late || reason === deadline.timer.reason);
  const what =
    reason.name === 'AbortError'
      ? `aborted by its signal ${PHASE_TEXT[phase]}`
      : ownTimeout
        ? `timed out after ${deadline!.timeout} ms ${PHASE_TEXT[phase]}`
        : `timed out ${PHASE_TEXT[phase]} (its signal's TimeoutError: ${reason.message})`;
  const message = `${site.operation} ${what}`;
  const error = ownTimeout
    ? new ConnectTimeoutError(message, { timeout: deadline!.timeout, phase: phase === 'TCP connect' ? 'connect' : 'tls-handshake', cause: reason })
    : new DOMException(message, reason.name);
  // Set, not DOMException's options bag: Node 20 and some runtimes take only (message, name).
  if (!ownTimeout) Object.defineProperty(error, 'cause', { value: reason, writable: true, configurable: true, enumerable: false });
  described.add(error);
  return error;
}

/**
 * What was in progress when a connect's `timeout` passed, as the protocol clients' timeout errors
 * say it (client-kit's TimeoutPhase): `connect`, the TCP connection; `tls-handshake`, the TLS
 * handshake (its verification work included).
 */
export type ConnectTimeoutPhase = 'connect' | 'tls-handshake';

const connectTimeoutBrand = Symbol.for('@unitls/tls-core.connect-timeout');

/**
 * A connect (an implementation's `context.connect()`, tls-core's `startTls` and `connectTcp`, an
 * HTTP connection's connect) ended by its own `timeout` option: a DOMException named
 * 'TimeoutError' (code 23), as AbortSignal.timeout()'s reason and before this class was, with the
 * fields the protocol clients' timeout errors (SMTPTimeoutError, ...) carry: `timeout` (ms) and
 * `phase`. `cause` is the timer's DOMException. The message names the operation and the phase:
 * "connect to mail.example.com:993 timed out after 5000 ms during the TLS handshake". A
 * caller's signal that times out or aborts gives a plain DOMException (its timeout is not known).
 * `instanceof` works across duplicated copies of tls-core (checked by a global brand).
 */
export class ConnectTimeoutError extends DOMException {
  declare readonly name: 'TimeoutError';
  /** The milliseconds the connect was allowed (its `timeout` option). */
  readonly timeout: number;
  /** What was in progress: the TCP connect or the TLS handshake. */
  readonly phase: ConnectTimeoutPhase;
  /** The timer's DOMException. */
  declare readonly cause: unknown;

  constructor(message: string, details: { timeout: number; phase: ConnectTimeoutPhase; cause?: unknown }) {
    super(message, 'TimeoutError');
    this.timeout = details.timeout;
    this.phase = details.phase;
    // Set, not DOMException's options bag: Node 20 and some runtimes take only (message, name).
    Object.defineProperty(this, 'cause', { value: details.cause, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(this, connectTimeoutBrand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [connectTimeoutBrand]?: boolean })[connectTimeoutBrand] === true;
  }
}
