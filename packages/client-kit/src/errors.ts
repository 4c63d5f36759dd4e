/**
 * One error model for the protocol clients (SMTP, IMAP4, POP3, FTP), branded like tls-core's
 * TLSError: every class has a literal `code`, keeps `cause`, and `instanceof` works across
 * duplicated copies of a package (the check is by a brand carried under a global symbol, not by
 * prototype identity, as undici does).
 *
 * Each client package declares its own base class (smtplib's SMTPException, imaplib's
 * IMAP4.error, ...) extending {@link ClientError}, then its usage, protocol, reply and connection
 * errors, each giving its {@link ErrorRole}. Kit components raise errors through the client's
 * {@link ErrorFamily}, so a framing error in SMTP is an SMTPProtocolError and one in POP3 an
 * error_proto.
 *
 * @module
 */

// The same global keys as tls-core's TLSError: one brand registry for every unitls error. The kit
// cannot extend TLSError itself, because an SMTP reply error is not a TLS error.
const kinds = Symbol.for('@unitls/tls-core.error-kinds');

/**
 * The static key a branded class sets to its own name:
 * `static override readonly [errorKind] = 'SMTPUsageError';`. A subclass without it is still an
 * error of its parents' kinds, checked by prototype.
 */
export const errorKind: unique symbol = Symbol.for('@unitls/tls-core.error-kind');

type Branded = { [kinds]?: readonly string[] };
type BrandedClass = { [errorKind]?: string };

function kindsOf(constructor: Function): string[] {
  const found: string[] = [];
  for (let c: Function | null = constructor; c && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, errorKind)) found.push((c as BrandedClass)[errorKind]!);
  }
  return found;
}

/**
 * What kind of failure an error is, the same across clients:
 * - `usage`: the caller asked for something unsafe or impossible; nothing was sent.
 * - `protocol`: the server broke the protocol (malformed, oversized or unexpected data).
 * - `reply`: the server answered with an error reply (its code and text are on the error).
 * - `connection`: the transport or TLS failed, or the server went away; `cause` keeps why.
 * - `error`: none of these (a package's base class).
 */
export type ErrorRole = 'usage' | 'protocol' | 'reply' | 'connection' | 'error';

/** Options every client error accepts. */
export interface ClientErrorOptions {
  /** The underlying error (a socket error, a TLSError, ...). */
  cause?: unknown;
}

/** Base of every protocol-client error of unitls. */
export class ClientError extends Error {
  /** Stable machine-readable code; subclasses narrow it. */
  readonly code: string = 'UNITLS_CLIENT';
  /** Which kind of failure this is (see {@link ErrorRole}). */
  readonly role: ErrorRole = 'error';

  constructor(message: string, options?: ClientErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    Object.defineProperty(this, kinds, { value: kindsOf(new.target) });
  }

  static readonly [errorKind]: string = 'ClientError';

  static override [Symbol.hasInstance](this: Function, value: unknown): boolean {
    if (!Object.hasOwn(this, errorKind)) return Function.prototype[Symbol.hasInstance].call(this, value);
    const wanted = (this as BrandedClass)[errorKind]!;
    return typeof value === 'object' && value !== null && ((value as Branded)[kinds]?.includes(wanted) ?? false);
  }
}

/**
 * A mark for TypeScript only (no such value exists at run time): the names of the
 * {@link errorClass} classes an error belongs to.
 */
export declare const errorClassName: unique symbol;

/**
 * An instance of a class made by {@link errorClass}: `Base`'s instance, marked with the class's
 * name. The mark keeps the classes apart for TypeScript as the brand does at run time: after
 * `if (e instanceof POP3UsageError)` the other branch still holds every other POP3Error (with
 * `Base`'s own type for both, that branch narrowed to `never`).
 */
export type ErrorInstance<Base extends new (...args: never[]) => ClientError, Name extends string> = InstanceType<Base> & {
  readonly [errorClassName]: { readonly [K in Name]: true };
};

/** The type of a class made by {@link errorClass}: `Base`'s constructor and statics, making {@link ErrorInstance}s. */
export type ErrorClass<Base extends new (...args: never[]) => ClientError, Name extends string> = Omit<Base, 'prototype'> & {
  new (...args: ConstructorParameters<Base>): ErrorInstance<Base, Name>;
  readonly prototype: ErrorInstance<Base, Name>;
};

/**
 * Makes a branded error class that differs from `base` only by its `code`, its `role` (the base's
 * when left out) and its brand: a subclass of `base`, taking the same constructor arguments, whose
 * `name` and brand (what `instanceof` checks, across duplicated copies of a package too) are
 * `name`. A class with fields or a constructor of its own is written out instead.
 *
 * @param base - the class to extend: a client's base class, or one made by errorClass.
 * @param name - the class's name, e.g. 'POP3UsageError'; also its brand, so unique among unitls errors.
 * @param code - the literal `code` of its instances, e.g. 'UNITLS_POP3_USAGE'.
 * @param role - what kind of failure its instances are (see {@link ErrorRole}).
 * @example
 * ```ts
 * export const POP3UsageError = errorClass(POP3Error, 'POP3UsageError', 'UNITLS_POP3_USAGE', 'usage');
 * export type POP3UsageError = InstanceType<typeof POP3UsageError>;
 * ```
 */
export function errorClass<Base extends new (...args: never[]) => ClientError, const Name extends string>(
  base: Base,
  name: Name,
  code: string,
  role?: ErrorRole,
): ErrorClass<Base, Name> {
  const made = class extends (base as unknown as typeof ClientError) {
    override readonly code: string = code;
    // Without a role of its own: the one the base class's initializer already set.
    override readonly role: ErrorRole = role ?? (this as ClientError).role;
    static override readonly [errorKind]: string = name;
  };
  // ClientError names each instance after new.target.
  Object.defineProperty(made, 'name', { value: name });
  return made as unknown as ErrorClass<Base, Name>;
}

/** The caller's misuse, when a component is used without a client's family. */
export const ClientUsageError = errorClass(ClientError, 'ClientUsageError', 'UNITLS_CLIENT_USAGE', 'usage');
export type ClientUsageError = InstanceType<typeof ClientUsageError>;

/** The server broke the protocol, when a component is used without a client's family. */
export const ClientProtocolError = errorClass(ClientError, 'ClientProtocolError', 'UNITLS_CLIENT_PROTOCOL', 'protocol');
export type ClientProtocolError = InstanceType<typeof ClientProtocolError>;

/** The transport failed, when a component is used without a client's family. */
export const ClientConnectionError = errorClass(ClientError, 'ClientConnectionError', 'UNITLS_CLIENT_CONNECTION', 'connection');
export type ClientConnectionError = InstanceType<typeof ClientConnectionError>;

/**
 * What was in progress when an operation's deadline (the client's `timeout` option) passed:
 * - `connect`: opening the TCP connection (with an implicit-TLS client, its handshake too);
 * - `tls-handshake`: the TLS handshake of a STARTTLS / STLS / AUTH TLS upgrade or a data connection;
 * - `greeting`: waiting for the server's first words, nothing sent yet;
 * - `read`: waiting for a reply (to {@link TimeoutDetails.command}) or for data;
 * - `write`: the server did not take the bytes sent (of {@link TimeoutDetails.command}).
 */
export type TimeoutPhase = 'connect' | 'tls-handshake' | 'greeting' | 'read' | 'write';

/** What a client's timeout error carries besides its message. */
export interface TimeoutDetails {
  /** The milliseconds the operation was allowed (the client's `timeout` option). */
  timeout: number;
  /** What was in progress. */
  phase: TimeoutPhase;
  /** The command whose reply or write was waited for (e.g. 'RCPT', 'FETCH'), null when none was sent. */
  command: string | null;
  /** The timer's DOMException (name 'TimeoutError', code 23). */
  cause?: unknown;
}

/** The fields of every client's timeout error (SMTPTimeoutError, IMAP4TimeoutError, ...). */
export interface TimeoutFields {
  /** Always 'TimeoutError', as a DOMException from AbortSignal.timeout() and Python's socket.timeout are named. */
  readonly name: 'TimeoutError';
  /** The milliseconds allowed. */
  readonly timeout: number;
  /** What was in progress. */
  readonly phase: TimeoutPhase;
  /** The command waited for, null when none was sent. */
  readonly command: string | null;
}

/**
 * Gives a client's timeout error its fields, and the name 'TimeoutError' (code that checked
 * `error.name === 'TimeoutError'` on the DOMException the clients raised before keeps working;
 * `instanceof SMTPTimeoutError` / `error.code` tell which client).
 */
export function setTimeoutFields(error: ClientError, details: TimeoutDetails): void {
  Object.defineProperty(error, 'name', { value: 'TimeoutError', writable: true, configurable: true, enumerable: false });
  Object.assign(error, { timeout: details.timeout, phase: details.phase, command: details.command });
}

/** An instance of a class made by {@link timeoutErrorClass}: the base's instance, marked, with the timeout's fields. */
export type TimeoutErrorInstance<Base extends new (...args: never[]) => ClientError, Name extends string> = ErrorInstance<Base, Name> &
  TimeoutFields;

/** The type of a class made by {@link timeoutErrorClass}: `Base`'s statics, constructed from a message and {@link TimeoutDetails}. */
export type TimeoutErrorClass<Base extends new (...args: never[]) => ClientError, Name extends string> = Omit<Base, 'prototype'> & {
  new (message: string, details: TimeoutDetails): TimeoutErrorInstance<Base, Name>;
  readonly prototype: TimeoutErrorInstance<Base, Name>;
};

/**
 * Makes a client's timeout error class (SMTPTimeoutError, IMAP4TimeoutError, ...): a branded
 * subclass of the client's connection error `base`, constructed from a message and
 * {@link TimeoutDetails}, named 'TimeoutError' (see {@link setTimeoutFields}) with the
 * {@link TimeoutFields} `timeout`, `phase` and `command`, and `cause` the timer's DOMException.
 *
 * @param base - the client's connection error class (the timeout closed the connection).
 * @param name - the class's name, e.g. 'POP3TimeoutError'; also its brand, so unique among unitls errors.
 * @param code - the literal `code` of its instances, e.g. 'UNITLS_POP3_TIMEOUT'.
 * @param baseArgs - the arguments `base`'s constructor takes for a message and options (with `cause`).
 * @example
 * ```ts
 * export const POP3TimeoutError = timeoutErrorClass(POP3ConnectionError, 'POP3TimeoutError', 'UNITLS_POP3_TIMEOUT',
 *   (message, options) => [message, null, options]);
 * export type POP3TimeoutError = InstanceType<typeof POP3TimeoutError>;
 * ```
 */
export function timeoutErrorClass<Base extends new (...args: never[]) => ClientError, const Name extends string>(
  base: Base,
  name: Name,
  code: string,
  baseArgs: (message: string, options: ClientErrorOptions | undefined) => [...NoInfer<ConstructorParameters<Base>>],
): TimeoutErrorClass<Base, Name> {
  const parent = base as unknown as new (...args: unknown[]) => ClientError;
  const made = class extends (parent as unknown as typeof ClientError) {
    override readonly code: string = code;
    constructor(message: string, details: TimeoutDetails) {
      super(...(baseArgs(message, details.cause === undefined ? undefined : { cause: details.cause }) as unknown as [string]));
      setTimeoutFields(this, details);
    }
    static override readonly [errorKind]: string = name;
  };
  // ClientError names each instance after new.target (setTimeoutFields then renames it 'TimeoutError').
  Object.defineProperty(made, 'name', { value: name });
  return made as unknown as TimeoutErrorClass<Base, Name>;
}

/**
 * The client's operation timed out, when a component is used without a client's family (each
 * client has its own: SMTPTimeoutError, IMAP4TimeoutError, POP3TimeoutError, FTPTimeoutError). A
 * connection error: the connection is closed. Named 'TimeoutError'.
 */
export const ClientTimeoutError = timeoutErrorClass(ClientConnectionError, 'ClientTimeoutError', 'UNITLS_CLIENT_TIMEOUT', (message, options) => [
  message,
  options,
]);
export type ClientTimeoutError = InstanceType<typeof ClientTimeoutError>;

/**
 * How kit components make a client's errors: each client passes one, so the errors its users
 * see are its own classes (SMTPUsageError, IMAP4.abort, error_proto, ...).
 */
export interface ErrorFamily {
  /** The caller's misuse (CR/LF in an argument, NUL in a password, ...); nothing was sent. */
  usage(message: string): Error;
  /** The server broke the protocol (an overlong line, a malformed SASL challenge, ...). */
  protocol(message: string, options?: ClientErrorOptions): Error;
  /** The transport or TLS failed; `cause` is the underlying error. */
  connection(message: string, options?: ClientErrorOptions): Error;
  /**
   * The operation's deadline passed (the connection is closed): the client's timeout error, named
   * 'TimeoutError'. Without one, a {@link ClientTimeoutError}.
   */
  timeout?(message: string, details: TimeoutDetails): Error;
}

/**
 * True when `error` says the connection is gone (role 'connection': the server closed it, a reset,
 * TLS ended without close_notify, it was already closed). quit() ignores such a failure of its
 * QUIT: what it was to end is over, and the failure that broke the connection is the one the
 * caller must see (`finally { await client.quit(); }`), as Python's close() never raises.
 */
export function connectionLost(error: unknown): boolean {
  // A client's timeout error (SMTPTimeoutError, ...) is a connection error too, but the QUIT's own
  // timeout is the server not answering, not a connection already gone: it still raises.
  return error instanceof ClientError && error.role === 'connection' && error.name !== 'TimeoutError';
}

/** The family of the kit's own classes (tests, and tools that use a component alone). */
export const clientErrors: ErrorFamily = {
  usage: (message) => new ClientUsageError(message),
  protocol: (message, options) => new ClientProtocolError(message, options),
  connection: (message, options) => new ClientConnectionError(message, options),
  timeout: (message, details) => new ClientTimeoutError(message, details),
};
