/**
 * SASL mechanisms shared by SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051) and POP3 AUTH
 * (RFC 5034): PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), XOAUTH2 and SCRAM-SHA-256
 * (RFC 7677). Each mechanism is a small sans-IO state machine over raw bytes; the client does the
 * base64 and the protocol's framing. Nothing here logs: clients redact these exchanges.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { clientErrors, type ErrorFamily } from './errors.js';
import { scram } from './scram.js';

/** What a client authenticates with. */
export interface Credentials {
  /** The authentication identity (user name). */
  user: string;
  /** The password (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256). */
  password?: string;
  /** An OAuth 2 access token (XOAUTH2). */
  accessToken?: string;
  /** PLAIN's authorization identity, to act as another user (default: none). */
  authzid?: string;
}

/** Bounds on what a server may make the client do while authenticating. */
export interface SaslLimits {
  /** The highest SCRAM iteration count accepted (default 100 000): each costs a PBKDF2 round. */
  maxScramIterations?: number;
}

/**
 * One authentication exchange. `initialResponse()` first; then `respond()` to each server
 * challenge; `complete()` when the server reports success.
 */
export interface SaslMechanism {
  /** The IANA name ("PLAIN", "SCRAM-SHA-256", ...). */
  readonly name: string;
  /** The initial response (sent with the command where the protocol allows), or null to wait for a challenge. */
  initialResponse(): Uint8Array | null;
  /**
   * The answer to a challenge (already base64-decoded).
   *
   * @throws the family's protocol error when the challenge is malformed or proves the server false (SCRAM).
   */
  respond(challenge: Uint8Array): Uint8Array;
  /**
   * Call when the server reported success, with the success's additional data if the protocol
   * carried any.
   *
   * @throws the family's protocol error when the server has not proved itself (SCRAM's server signature).
   */
  complete(additionalData?: Uint8Array): void;
}

/** Options of {@link mechanismFor}. */
export interface MechanismOptions extends SaslLimits {
  errors?: ErrorFamily;
  /** SCRAM's client nonce (tests only: RFC 7677's vector); random by default. */
  nonce?: string;
}

/**
 * Mechanisms strongest first, as `login()` tries them: XOAUTH2 when a token was given, then
 * SCRAM-SHA-256 (the password never crosses the wire and the server proves it knows it),
 * CRAM-MD5, PLAIN, LOGIN.
 */
export const SASL_PREFERENCE = ['XOAUTH2', 'SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN', 'LOGIN'] as const;

/**
 * The most challenges one exchange answers (SCRAM needs 2, LOGIN 2): a server sending "+" or 334
 * for ever is a protocol error, not a loop that re-sends the password.
 */
export const MAX_SASL_ROUNDS = 10;

const utf8 = (text: string) => Buffer.from(text, 'utf8');

function checkCredential(what: string, value: string | undefined, errors: ErrorFamily, also = '', required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') throw errors.usage(`the ${what} must be a string`);
  if (value.includes('\0')) throw errors.usage(`the ${what} contains NUL, which SASL uses as a separator; refused, nothing was sent`);
  if (also !== '' && [...also].some((c) => value.includes(c))) {
    throw errors.usage(`the ${what} contains a character the mechanism cannot carry (${JSON.stringify(also)}); refused, nothing was sent`);
  }
}

/**
 * What every mechanism refuses in `credentials` (NUL anywhere, \x01 in an access token), checked
 * before a login sends anything, EHLO or CAPABILITY included.
 *
 * @throws the family's usage error
 */
export function checkCredentials(credentials: Credentials, errors: ErrorFamily): void {
  checkCredential('user name', credentials.user, errors, '', true);
  checkCredential('password', credentials.password, errors);
  checkCredential('access token', credentials.accessToken, errors, '\x01');
  checkCredential('authorization identity', credentials.authzid, errors);
}

const done: Pick<SaslMechanism, 'complete'> = { complete: () => {} };

/** PLAIN: `authzid NUL user NUL password` at once. */
export function plain({ user, password = '', authzid = '' }: Credentials): SaslMechanism {
  const message = utf8(`${authzid}\0${user}\0${password}`);
  // A server that does not take an initial response sends an empty challenge first.
  return { name: 'PLAIN', initialResponse: () => message, respond: () => message, ...done };
}

/** LOGIN: the user name, then the password, each in answer to a challenge. */
export function login({ user, password = '' }: Credentials): SaslMechanism {
  let step = 0;
  return { name: 'LOGIN', initialResponse: () => null, respond: () => utf8(step++ === 0 ? user : password), ...done };
}

/** CRAM-MD5: `user HMAC-MD5(password, challenge)` in hex. */
export function cramMd5({ user, password = '' }: Credentials): SaslMechanism {
  return {
    name: 'CRAM-MD5',
    initialResponse: () => null,
    respond: (challenge) => utf8(`${user} ${createHmac('md5', password).update(challenge).digest('hex')}`),
    ...done,
  };
}

/** XOAUTH2 (Google, Microsoft): the user and bearer token at once. */
export function xoauth2({ user, accessToken = '' }: Credentials): SaslMechanism {
  return {
    name: 'XOAUTH2',
    initialResponse: () => utf8(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`),
    // A challenge after XOAUTH2 carries the server's error (JSON); the empty answer ends the exchange.
    respond: () => new Uint8Array(0),
    ...done,
  };
}

/**
 * The mechanism `name` for `credentials`, or null when it is unknown or the credentials lack what
 * it needs (a password, a token).
 *
 * @throws the family's usage error when a credential holds NUL (or, for XOAUTH2, \x01).
 */
export function mechanismFor(name: string, credentials: Credentials, options: MechanismOptions = {}): SaslMechanism | null {
  const errors = options.errors ?? clientErrors;
  const upper = name.toUpperCase();
  const needsPassword = upper !== 'XOAUTH2';
  if (needsPassword ? credentials.password === undefined : credentials.accessToken === undefined) return null;
  checkCredentials(credentials, errors);
  if (upper === 'XOAUTH2') checkCredential('user name', credentials.user, errors, '\x01', true);
  const mechanism = build(upper, credentials, options, errors);
  return mechanism === null ? null : bounded(mechanism, errors);
}

function build(upper: string, credentials: Credentials, options: MechanismOptions, errors: ErrorFamily): SaslMechanism | null {
  switch (upper) {
    case 'PLAIN':
      return plain(credentials);
    case 'LOGIN':
      return login(credentials);
    case 'CRAM-MD5':
      return cramMd5(credentials);
    case 'XOAUTH2':
      return xoauth2(credentials);
    case 'SCRAM-SHA-256':
      return scram('SCRAM-SHA-256', 'sha256', credentials, { ...options, errors });
    default:
      return null;
  }
}

/** `mechanism` answering at most {@link MAX_SASL_ROUNDS} challenges. */
function bounded(mechanism: SaslMechanism, errors: ErrorFamily): SaslMechanism {
  let rounds = 0;
  return {
    name: mechanism.name,
    initialResponse: () => mechanism.initialResponse(),
    respond: (challenge) => {
      if (++rounds > MAX_SASL_ROUNDS) throw errors.protocol(`the server sent more than ${MAX_SASL_ROUNDS} SASL challenges in one exchange; refusing to continue`);
      return mechanism.respond(challenge);
    },
    complete: (additionalData) => mechanism.complete(additionalData),
  };
}

/** The mechanisms of {@link SASL_PREFERENCE} that the server offers and the credentials allow, strongest first. */
export function preferredMechanisms(offered: readonly string[], credentials: Credentials): string[] {
  const upper = new Set(offered.map((m) => m.toUpperCase()));
  return SASL_PREFERENCE.filter((m) => upper.has(m) && (m === 'XOAUTH2' ? credentials.accessToken !== undefined : credentials.password !== undefined));
}

/** Base64 of a SASL response; "=" for an empty initial response (RFC 4954, RFC 4959). */
export function encodeSasl(bytes: Uint8Array, emptyAs = ''): string {
  return bytes.length === 0 ? emptyAs : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/**
 * The bytes of a base64 challenge.
 *
 * @throws the family's protocol error when it is not base64.
 */
export function decodeSasl(text: string, errors: ErrorFamily = clientErrors): Buffer {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '=') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 === 1) {
    throw errors.protocol('the server sent a SASL challenge that is not base64');
  }
  return Buffer.from(trimmed, 'base64');
}

/**
 * What to do after a server refused the credentials given with `mechanism` (a SASL name, or a
 * protocol's own command: LOGIN, USER/PASS, APOP): the clients' authentication errors end with it.
 * It names the mechanism, never a credential.
 */
export function credentialsAdvice(mechanism: string): string {
  const what = mechanism.toUpperCase() === 'XOAUTH2' ? 'the user name and the access token (unexpired, granted for mail)' : 'the user name and password';
  return `the server refused the credentials given with ${mechanism}: check ${what}`;
}
