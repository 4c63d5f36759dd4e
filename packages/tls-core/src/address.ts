import type { Address, Transport } from './interfaces.js';

/** The local address of a connected socket, or null once it is gone. */
export function localAddress(socket: Transport): Address | null {
  return socket.localAddress === undefined || socket.localPort === undefined
    ? null
    : { host: socket.localAddress, port: socket.localPort };
}

/** The remote address of a connected socket, or null once it is gone. */
export function remoteAddress(socket: Transport): Address | null {
  return socket.remoteAddress === undefined || socket.remotePort === undefined
    ? null
    : { host: socket.remoteAddress, port: socket.remotePort };
}

/** Checks an address object before any I/O; `what` names the caller in the message.
 *
 * @throws TypeError for a host that is not a non-empty string, or a port that is not an integer
 *   from 0 to 65535 (the message shows a string port quoted).
 */
export function checkAddress(what: string, address: Address): void {
  if (typeof address !== 'object' || address === null || typeof address.host !== 'string' || address.host === '') {
    throw new TypeError(`${what}: address must be { host, port } with a non-empty host`);
  }
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    const got = typeof address.port === 'string' ? `the string ${JSON.stringify(address.port)}` : String(address.port);
    throw new TypeError(`${what}: port must be an integer from 0 to 65535, got ${got}`);
  }
}
