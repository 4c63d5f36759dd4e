import { createRequire } from 'node:module';

/** The native side (native/tls_openssl.c). Connections and contexts are opaque wrapped objects. */
export interface Addon {
  createContext(isServer: boolean, options: NativeContextOptions): object;
  createConnection(context: object, serverHostname: string | null, isIp: boolean, session: Buffer | null): object;
  doHandshake(this: object): number;
  read(this: object, max: number): Buffer | number;
  write(this: object, data: Buffer): number;
  shutdown(this: object): number;
  feed(this: object, data: Buffer): boolean;
  feedEof(this: object): void;
  incomingPending(this: object): number;
  outgoingPending(this: object): number;
  drain(this: object, max: number): Buffer;
  info(this: object): NativeInfo;
  session(this: object): Buffer | undefined;
  free(object: object): void;
  readonly opensslVersion: string;
}

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
  peerCert?: Buffer;
  sessionReused: number;
  verifyResult: number;
  sniMissing: number;
  servername?: string;
  shutdown: number;
}

/** Statuses the native calls return instead of throwing. */
export const Status = { DONE: 0, WANT_READ: 1, WANT_WRITE: 2, ZERO_RETURN: 3, RAGGED_EOF: 4 } as const;

/** Loads the native addon, or throws one error that says why and what to use instead. */
export function loadAddon(path = '../build/Release/tls_openssl.node'): Addon {
  const require = createRequire(import.meta.url);
  try {
    return require(path) as Addon;
  } catch (cause) {
    throw new Error(
      '@unitls/tls-openssl: its native addon is not built or cannot load here ' +
        `(${(cause as Error).message.split('\n')[0]}). It needs Node's own OpenSSL headers and a C compiler at install ` +
        '(npm rebuild @unitls/tls-openssl), and runs on Node only. Use @unitls/tls-node instead.',
      { cause },
    );
  }
}

export const addon: Addon = loadAddon();
