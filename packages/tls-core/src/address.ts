import { closestName } from './closest-name.js';
import { describeValue } from './describe-value.js';
import type { Address, ClientConnectOptions, Transport } from './interfaces.js';

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
 * @throws TypeError for a host that is not a non-empty string, a port that is not an integer
 *   from 0 to 65535 (the message shows a string port quoted), or a key other than host and port
 *   (an option name such as timeout, signal or session: "pass it in the options").
 */
export function checkAddress(what: string, address: Address): void {
  if (typeof address !== 'object' || address === null || typeof address.host !== 'string' || address.host === '') {
    // { hostname: ... } is node:net's and the URL's name for it.
    const meant = typeof address === 'object' && address !== null ? Object.keys(address).find((key) => key !== 'host' && closestName(key, ['host', 'hostname']) !== null) : undefined;
    throw new TypeError(`${what}: address must be { host, port } with a non-empty host${meant === undefined ? '' : ` (it has '${meant}': did you mean 'host'?)`}`);
  }
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    throw new TypeError(`${what}: port must be an integer from 0 to 65535, got ${describeValue(address.port)}`);
  }
  checkAddressKeys(what, address);
}

/** What an address holds; node:tls's `servername` in it means the serverHostname option. */
const ADDRESS_NAMES: readonly string[] = ['host', 'port'];

/**
 * An address holds host and port only: `connect({ host, port, timeout: 1500 })` ignored the
 * timeout, and a silent server then held the connect forever (trial 10, finding 1).
 */
function checkAddressKeys(what: string, address: Address): void {
  for (const key of Object.keys(address)) {
    if (ADDRESS_NAMES.includes(key)) continue;
    // ServerContext.connect takes no such options: only a client's connect gets the hint.
    const option = !what.startsWith('ClientContext') ? null : (CONNECT_OPTION_NAMES as readonly string[]).includes(key) ? key : key === 'servername' ? 'serverHostname' : closestName(key, CONNECT_OPTION_NAMES);
    const hint = option !== null
      ? `; '${option}' is an option: pass it in the options, connect(address, { ${option} })`
      : '';
    throw new TypeError(`${what}: unknown key '${key}' in the address (it takes host and port only)${hint}`);
  }
}

const CONNECT_OPTION_NAMES: readonly (keyof ClientConnectOptions)[] = ['serverHostname', 'signal', 'timeout', 'session'];
/** ClientContext.upgrade's options: connect's, and the name its messages give the handshake. */
const UPGRADE_OPTION_NAMES: readonly string[] = [...CONNECT_OPTION_NAMES, 'operation'];

/**
 * Checks the option names of ClientContext.connect / upgrade before any I/O: a misspelt
 * `{ timout: 1000 }` would otherwise mean no deadline at all, and a connect to a silent server
 * would wait forever (trial 8). Python raises TypeError for an unexpected keyword argument.
 *
 * @throws TypeError for options that are not an object, a name connect does not take (naming
 *   the one it resembles, or the ones it takes), or a timeout that is not a number;
 *   RangeError for a negative, NaN or infinite timeout.
 */
export function checkConnectOptions(what: string, options: object | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object such as { timeout: 10_000 }, got ${describeValue(options)}`);
  }
  const names = what.endsWith('.upgrade') ? UPGRADE_OPTION_NAMES : (CONNECT_OPTION_NAMES as readonly string[]);
  for (const name of Object.keys(options)) {
    if (names.includes(name)) continue;
    const close = closestName(name, names);
    const hint = close === null ? `the options are ${names.join(', ')}` : `did you mean '${close}'?`;
    throw new TypeError(`${what}: unknown option '${name}'; ${hint}`);
  }
  const operation = (options as { operation?: unknown }).operation;
  if (operation !== undefined && typeof operation !== 'string') throw new TypeError(`${what}: operation must be a string naming the handshake, got ${describeValue(operation)}`);
  checkTimeout(what, (options as ClientConnectOptions).timeout);
}

/**
 * The timeout option: a TypeError for another type, which the RangeError's "got 100" hid for the
 * string '100' (trial 10, finding 6); a RangeError for a negative, NaN or infinite number (no
 * timeout: leave it out).
 */
function checkTimeout(what: string, timeout: unknown): void {
  if (timeout === undefined) return;
  if (typeof timeout !== 'number') {
    throw new TypeError(`${what}: timeout must be a number of milliseconds, got ${describeValue(timeout)}`);
  }
  if (!Number.isFinite(timeout) || timeout < 0) {
    throw new RangeError(`${what}: timeout must be a non-negative finite number of milliseconds (leave it out for none), got ${timeout}`);
  }
}
