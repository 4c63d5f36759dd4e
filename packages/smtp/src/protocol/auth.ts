/**
 * SASL mechanisms for AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5, XOAUTH2. Each is a small state
 * machine: `start()` gives the initial response (or null), `next(challenge)` answers a 334
 * challenge. Nothing here logs; the client redacts these exchanges from debug output.
 */
import { createHmac } from 'node:crypto';

export interface Credentials {
  user: string;
  password?: string;
  /** OAuth 2 access token, for XOAUTH2. */
  accessToken?: string;
}

export interface Mechanism {
  readonly name: string;
  /** The initial response, base64 (sent with AUTH), or null to wait for a challenge. */
  start(): string | null;
  /** The base64 response to a base64 challenge. */
  next(challenge: string): string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export function plain({ user, password = '' }: Credentials): Mechanism {
  return { name: 'PLAIN', start: () => b64(`\0${user}\0${password}`), next: () => '' };
}

export function login({ user, password = '' }: Credentials): Mechanism {
  let step = 0;
  return {
    name: 'LOGIN',
    start: () => null,
    next: () => (step++ === 0 ? b64(user) : b64(password)),
  };
}

export function cramMd5({ user, password = '' }: Credentials): Mechanism {
  return {
    name: 'CRAM-MD5',
    start: () => null,
    next: (challenge) => b64(`${user} ${createHmac('md5', password).update(Buffer.from(challenge, 'base64')).digest('hex')}`),
  };
}

export function xoauth2({ user, accessToken = '' }: Credentials): Mechanism {
  return {
    name: 'XOAUTH2',
    start: () => b64(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`),
    // A 334 after XOAUTH2 carries an error description; the empty answer ends the exchange.
    next: () => '',
  };
}

/** smtplib's preference, strongest first; XOAUTH2 only when a token was given. */
export const PREFERENCE = ['XOAUTH2', 'CRAM-MD5', 'PLAIN', 'LOGIN'] as const;

export function mechanismFor(name: string, credentials: Credentials): Mechanism | null {
  switch (name.toUpperCase()) {
    case 'PLAIN':
      return credentials.password === undefined ? null : plain(credentials);
    case 'LOGIN':
      return credentials.password === undefined ? null : login(credentials);
    case 'CRAM-MD5':
      return credentials.password === undefined ? null : cramMd5(credentials);
    case 'XOAUTH2':
      return credentials.accessToken === undefined ? null : xoauth2(credentials);
    default:
      return null;
  }
}
