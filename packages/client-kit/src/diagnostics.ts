/**
 * Every node:diagnostics_channel of the unitls protocol clients, declared here and nowhere else,
 * named `unitls:<package>:<event>`. Subscribe to trace any client without a debug flag:
 *
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe('unitls:smtp:command', ({ command }) => console.log('C:', command));
 * subscribe('unitls:smtp:reply', ({ reply }) => console.log('S:', reply));
 * ```
 *
 * Messages are built only when a channel has subscribers. Secrets never appear: AUTH exchanges,
 * POP3 PASS and IMAP LOGIN arguments are published as `<redacted>`.
 *
 * @module
 */
import { channel, type Channel } from 'node:diagnostics_channel';
import type { TLSSocket } from '@unitls/tls-core';

/** The clients that publish. */
export type ClientPackage = 'smtp' | 'imap' | 'pop' | 'ftp';

/** `unitls:<package>:connect`: a transport was opened (before any TLS). */
export interface ConnectMessage {
  client: object;
  host: string;
  port: number;
  security: 'implicit' | 'starttls' | 'plaintext';
}
/** `unitls:<package>:command`: a command line was written (without CRLF, secrets redacted). */
export interface CommandMessage {
  client: object;
  command: string;
}
/** `unitls:<package>:reply`: a server reply or response was read (lines joined with \n, secrets redacted). */
export interface ReplyMessage {
  client: object;
  reply: string;
}
/** `unitls:<package>:tls`: TLS is up, at connect (implicit) or after STARTTLS/STLS/AUTH TLS. */
export interface TLSMessage {
  client: object;
  socket: TLSSocket;
  /** True for an upgrade of a plain connection, false for implicit TLS. */
  upgraded: boolean;
}
/** `unitls:<package>:close`: the connection was closed. */
export interface CloseMessage {
  client: object;
}

/** The channels of one client package. */
export interface ClientChannels {
  readonly connect: Channel;
  readonly command: Channel;
  readonly reply: Channel;
  readonly tls: Channel;
  readonly close: Channel;
}

function channelsOf(name: ClientPackage): ClientChannels {
  return {
    connect: channel(`unitls:${name}:connect`),
    command: channel(`unitls:${name}:command`),
    reply: channel(`unitls:${name}:reply`),
    tls: channel(`unitls:${name}:tls`),
    close: channel(`unitls:${name}:close`),
  };
}

/** The channels, by package. */
export const diagnostics: Readonly<Record<ClientPackage, ClientChannels>> = Object.freeze({
  smtp: channelsOf('smtp'),
  imap: channelsOf('imap'),
  pop: channelsOf('pop'),
  ftp: channelsOf('ftp'),
});

/** What replaces a secret in published text and debug output. */
export const REDACTED = '<redacted>';

/**
 * `text` with everything after its first `keep` characters replaced by {@link REDACTED}
 * (`redact('AUTH PLAIN AGFsaWNl', 10)` is `'AUTH PLAIN <redacted>'`); `keep` 0 hides it all.
 */
export function redact(text: string, keep = 0): string {
  return keep <= 0 ? REDACTED : `${text.slice(0, keep).trimEnd()} ${REDACTED}`;
}
