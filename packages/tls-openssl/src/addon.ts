import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '@unitls/tls-core';

/**
 * The native side (native/*.c). Connections and contexts are opaque wrapped objects; connection
 * calls take the connection as `this`. Counts are returned as numbers >= 0 and statuses as
 * negative numbers (`-Status.WANT_READ`, ...), so the hot paths never build an exception.
 */
export interface Addon {
  createContext(isServer: boolean, options: NativeContextOptions): object;
  createConnection(context: object, serverHostname: string | null, isIp: boolean, session: Uint8Array | null): object;
  isConnection(value: unknown): boolean;
  doHandshake(this: object): number;
  /** Bytes read (> 0) into target[offset, offset + length), or -status; `all`: every decryptable record. */
  readInto(this: object, target: Uint8Array, offset: number, length: number, all: boolean): number;
  /** Bytes taken (>= 0), or -status (-WANT_WRITE when the outgoing buffer is full). */
  write(this: object, data: Uint8Array): number;
  /** Ciphertext bytes placed in target[offset, offset + length) (>= 0), or -status (-WANT_WRITE: use write). */
  writeInto(this: object, data: Uint8Array, target: Uint8Array, offset: number, length: number): number;
  shutdown(this: object): number;
  feed(this: object, data: Uint8Array): boolean;
  /** Like feed, but keeps large inputs by reference: the caller never changes `data` again. */
  feedOwned(this: object, data: Uint8Array): boolean;
  /** Copies in as much of data as fits under INCOMING_BUFFER_LIMIT; returns the count (0 when full). */
  feedSome(this: object, data: Uint8Array): number;
  feedEof(this: object): void;
  incomingPending(this: object): number;
  outgoingPending(this: object): number;
  drain(this: object, max: number): Buffer;
  /** Ciphertext bytes moved into target[offset, offset + length). */
  drainInto(this: object, target: Uint8Array, offset: number, length: number): number;
  info(this: object): NativeInfo;
  session(this: object): Buffer | undefined;
  free(object: object): void;
  /** A keyed AEAD (aead.c): AES-128/256-GCM or ChaCha20-Poly1305, one OpenSSL context for both directions. */
  aeadCreate(algorithm: string, key: Uint8Array): object;
  /** Ciphertext || tag written into target from offset; returns its length (plaintext + 16). */
  aeadSeal(this: object, nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array, target: Uint8Array, offset: number): number;
  /** Plaintext written into target from offset; returns its length, or -1 when authentication fails. */
  aeadOpen(this: object, nonce: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array, target: Uint8Array, offset: number): number;
  /** Chunks the connections' queues of this thread allocated so far (reused read-sized ones not counted). */
  chunkAllocations(): number;
  /** Bytes of the C heap in use (glibc's mallinfo2), or -1 where that cannot be told. */
  heapInUse(): number;
  /**
   * What every connection call leaves here for the connection it ran on, returned or thrown
   * (indexes: {@link State}): the caller reads it right after the call, with no call back in.
   */
  readonly state: Uint32Array;
  readonly opensslVersion: string;
  /** The interface version the addon was built with (native/addon.h ADDON_ABI); must be {@link ADDON_ABI}. */
  readonly abi: number;
  readonly incomingBufferLimit: number;
  readonly outgoingBufferLimit: number;
  readonly maxChains: number;
  readonly maxIdleHandshakeMessages: number;
}

/**
 * Every export the JavaScript side uses. A build of native/ from another version of this package
 * (a checkout pulled without rebuilding, a copied build/) lacks some: {@link loadAddon} names them
 * instead of failing later at the first call ("Cannot read properties of undefined").
 */
export const ADDON_EXPORTS = [
  'createContext', 'createConnection', 'isConnection', 'doHandshake', 'readInto', 'write', 'writeInto',
  'shutdown', 'feed', 'feedOwned', 'feedSome', 'feedEof', 'incomingPending', 'outgoingPending', 'drain',
  'drainInto', 'info', 'session', 'free', 'aeadCreate', 'aeadSeal', 'aeadOpen', 'chunkAllocations', 'heapInUse', 'state', 'opensslVersion', 'abi',
  'incomingBufferLimit', 'outgoingBufferLimit', 'maxChains', 'maxIdleHandshakeMessages',
] as const satisfies readonly (keyof Addon)[];
// A member added to Addon without its name above fails to compile here.
const everyExportListed: Exclude<keyof Addon, (typeof ADDON_EXPORTS)[number]> extends never ? true : never = true;
void everyExportListed;

/**
 * The interface version between this JavaScript and native/ (native/addon.h ADDON_ABI, the same
 * number, bumped with every change to native/). {@link loadAddon} refuses a build with another
 * number: a build whose C changed under the same export names passes the export check, and would
 * misbehave instead of failing.
 */
export const ADDON_ABI = 3;

export interface NativeContextOptions {
  minVersion: number;
  maxVersion: number;
  cipherList: string;
  cipherSuites: string;
  trustPem?: Buffer;
  chains?: Array<{ cert: Buffer; key: Buffer }>;
  alpn?: Buffer;
  verifyTime?: number;
  skipVerify?: boolean;
}

export interface NativeInfo {
  handshakeDone: number;
  version: number;
  cipher: number;
  alpn?: Buffer;
  /** The key-exchange group's name (SSL_group_to_name of SSL_get_negotiated_group), once known. */
  group?: string;
  peerCert?: Buffer;
  /** The leaf certificate of a chain verification refused (names for the error message). */
  refusedCert?: Buffer;
  /** The certificate the first refusal was about (an expired intermediate, say), and its depth (0: the leaf). */
  refusedAt?: Buffer;
  refusedDepth?: number;
  /** The chain verification built when it refused first, leaf first (DER). */
  refusedChain?: Buffer[];
  sessionReused: number;
  verifyResult: number;
  sniMissing: number;
  servername?: string;
  shutdown: number;
}

/**
 * The slots of {@link Addon.state}: the incoming and outgoing queues' byte counts, and READABLE:
 * 0 when a read can only want input (nothing buffered or decrypted, no end or failure seen).
 */
export const State = { INCOMING: 0, OUTGOING: 1, READABLE: 2 } as const;

/** Statuses the native calls return instead of throwing. */
export const Status = { DONE: 0, WANT_READ: 1, WANT_WRITE: 2, ZERO_RETURN: 3, RAGGED_EOF: 4 } as const;

/** The environment variable naming an addon file to load instead of the installed one (sanitizer builds). */
export const ADDON_PATH_VARIABLE = 'UNITLS_TLS_OPENSSL_ADDON';

const ALTERNATIVE = 'Use @unitls/tls-node (or @unitls/tls-pure) instead.';

/** The name of a JavaScript runtime that is not Node, or null on Node. */
export function foreignRuntime(): string | null {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions['bun'] !== undefined || 'Bun' in globalThis) return `Bun ${versions['bun'] ?? ''}`.trim();
  if (versions['deno'] !== undefined || 'Deno' in globalThis) return `Deno ${versions['deno'] ?? ''}`.trim();
  return null;
}

/**
 * Loads the native addon: `path` when given, else the build of this install (build/Release) or
 * the prebuilt one shipped for this platform (prebuilds/, found by node-gyp-build).
 *
 * @throws ConfigurationError on a runtime other than Node ("not available on this runtime"), for a
 *   build from another version of this package (naming the exports it lacks, or its interface version
 *   when that differs from {@link ADDON_ABI}, and the rebuild command), or
 *   when no addon loads here, saying what is missing.
 */
export function loadAddon(path?: string): Addon {
  const runtime = foreignRuntime();
  if (runtime !== null) {
    throw new ConfigurationError(
      `@unitls/tls-openssl is not available on this runtime (${runtime}): it drives the OpenSSL built into Node, which ${runtime.split(' ')[0]} does not export. ${ALTERNATIVE}`,
    );
  }
  const require = createRequire(import.meta.url);
  const root = fileURLToPath(new URL('..', import.meta.url));
  let addon: Addon;
  try {
    addon = (path === undefined ? (require('node-gyp-build') as (dir: string) => unknown)(root) : require(path)) as Addon;
    if (typeof addon?.createContext !== 'function') throw new Error('the file loaded is not the tls-openssl addon');
  } catch (cause) {
    const reason = String((cause as Error)?.message ?? cause).split('\n')[0] ?? '';
    // node-gyp-build looks for the platform npm was told to install for, as the install step did.
    const target = `${process.env['npm_config_platform'] || process.platform}-${process.env['npm_config_arch'] || process.arch}`;
    const missing = /No native build was found/.test(reason)
      ? `no prebuilt addon ships for ${target} and none was built at install (building needs a C compiler, make and Python 3; install them, then run \`npm rebuild @unitls/tls-openssl\`)`
      : `its native addon cannot load here (${reason})`;
    throw new ConfigurationError(`@unitls/tls-openssl: ${missing}. ${ALTERNATIVE}`, { cause });
  }
  const lacking = ADDON_EXPORTS.filter((name) => addon[name] === undefined);
  const mismatch =
    lacking.length > 0 ? `it lacks ${lacking.join(', ')}` : addon.abi !== ADDON_ABI ? `its interface version is ${String(addon.abi)}, this package's is ${ADDON_ABI}` : null;
  if (mismatch !== null) {
    throw new ConfigurationError(
      `@unitls/tls-openssl: the native addon loaded was built from another version of this package (${mismatch}); rebuild it: \`npm rebuild @unitls/tls-openssl\` (in a checkout of unitls: \`node packages/tls-openssl/scripts/install.mjs\`)`,
    );
  }
  return withTypedArgumentErrors(addon);
}

/** Server names and other strings the C side refuses (a NUL inside, ...) come out as ConfigurationError. */
function withTypedArgumentErrors(raw: Addon): Addon {
  const createConnection = raw.createConnection;
  return Object.freeze({
    ...raw,
    createConnection(...args: Parameters<Addon['createConnection']>): object {
      try {
        return createConnection(...args);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'UNITLS_NUL_IN_STRING' || code === 'UNITLS_INVALID_ARGUMENT') throw new ConfigurationError((error as Error).message, { cause: error });
        throw error;
      }
    },
  });
}

export const addon: Addon = loadAddon(process.env[ADDON_PATH_VARIABLE] || undefined);
