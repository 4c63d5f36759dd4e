/**
 * node:tls keeps the options a socket was made with (`_tlsOptions`) for the connection's life, and
 * once the handshake is done it reads one of them only: `isServer` (its error path, renegotiate(),
 * setServername() and debug lines; `server`, `handshakeTimeout` and `requestOCSP` are read at a
 * handshake's start and end, and are unset here as they are for our sockets). The rest (secure
 * context, session, ALPN, SNI and PSK callbacks) was read during the handshake (lib/_tls_wrap.js,
 * Node 20-26). A raw node:tls connection keeps its copy: ~136 bytes per idle client connection.
 *
 * @module
 */
import type { TLSSocket } from 'node:tls';

/** What each side's sockets keep instead: shared by all of them, frozen. */
const AFTER_HANDSHAKE = {
  server: Object.freeze({ isServer: true }),
  client: Object.freeze({ isServer: false }),
} as const;

/**
 * Replaces `socket`'s options with the shared answer to the one question node:tls still asks of
 * them, and drops the SNI name node:tls read back from OpenSSL at the handshake's end (a string of
 * its own per connection, ~32 bytes; node:tls reads it again there on a renegotiation, and a
 * server's NodeListener reads it only when a handshake fails).
 */
export function forgetHandshakeOptions(socket: TLSSocket, side: 'server' | 'client'): void {
  const internals = socket as unknown as { _tlsOptions?: object; servername?: string | null };
  if (internals._tlsOptions !== undefined) internals._tlsOptions = AFTER_HANDSHAKE[side];
  if (typeof internals.servername === 'string') internals.servername = null;
}
