// The TLS engines the TLS benchmarks compare, each used the way its users would: raw node:tls
// through its own events, tls-node, tls-openssl and tls-pure through the unitls TLSSocket API.
// TLS 1.3 with TLS_AES_128_GCM_SHA256 everywhere, so every row does the same bulk cryptography.
// tls-pure runs with each crypto provider (node:crypto, the default; the @noble packages; node:crypto
// with AES-GCM from tls-openssl's addon, opt-in: issue #17's "OpenSSL AEAD" row), and its
// default key exchange is X25519MLKEM768 where the others do X25519: the "X25519 only" variant
// (a client offering X25519 alone, against the same server) shows what the post-quantum share costs.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore, type ClientContext, type ServerContext, type TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
import { implementation as pure, nobleCryptoProvider, nodeCryptoProvider, NamedGroup, PureClientContext, PureServerContext, type PureContextOptions } from '@unitls/tls-pure';
import { endRaw } from './raw-close.js';

export type Engine = 'raw' | 'node' | 'openssl' | 'pure' | 'pure-openssl-aead' | 'pure-noble' | 'pure-x25519';
/**
 * The engines of the bulk and memory benchmarks (every handshake row adds {@link HANDSHAKE_ONLY}).
 * `BENCH_ENGINES=node,openssl` keeps those rows only (raw node:tls, the anchor, always runs), for
 * short A/B runs of one engine.
 */
export const ENGINES: Engine[] = onlyWanted(['raw', 'node', 'openssl', 'pure', 'pure-openssl-aead', 'pure-noble']);

function onlyWanted(engines: Engine[]): Engine[] {
  const wanted = process.env.BENCH_ENGINES?.split(',').filter(Boolean);
  if (wanted === undefined || wanted.length === 0) return engines;
  const unknown = wanted.filter((name) => !engines.includes(name as Engine));
  if (unknown.length > 0) throw new Error(`BENCH_ENGINES: unknown engine ${unknown.join(', ')}: choose from ${engines.join(', ')}`);
  return engines.filter((engine) => engine === 'raw' || wanted.includes(engine));
}
/** Client variants that change only the handshake; their server is {@link serverEngine}'s. */
export const HANDSHAKE_ONLY: Engine[] = ENGINES.includes('pure') ? ['pure-x25519'] : [];
export const LABEL: Record<Engine, string> = {
  raw: 'raw node:tls',
  node: 'tls-node',
  openssl: 'tls-openssl',
  pure: 'tls-pure',
  'pure-openssl-aead': 'tls-pure (OpenSSL AEAD)',
  'pure-noble': 'tls-pure (@noble provider)',
  'pure-x25519': 'tls-pure (client offers X25519 only)',
};
export const UNITLS: Record<'node' | 'openssl' | 'pure', TLSImplementation> = { node, openssl, pure };
const AES_128_GCM = 0x1301;

/** tls-pure's context options per variant (the plain 'pure' engine uses the defaults). */
const PURE_OPTIONS: Partial<Record<Engine, PureContextOptions>> = {
  pure: {},
  'pure-openssl-aead': { provider: withOpenSSLAead(nodeCryptoProvider) },
  'pure-noble': { provider: nobleCryptoProvider },
  'pure-x25519': { groups: [NamedGroup.x25519] },
};

/** The engine whose server a variant's client talks to. */
export function serverEngine(engine: Engine): Engine {
  return engine === 'pure-x25519' ? 'pure' : engine;
}

/** A unitls client context for `engine` (not raw). */
export function clientContextFor(engine: Engine, configuration: TLSClientConfiguration): ClientContext {
  const options = PURE_OPTIONS[engine];
  if (options !== undefined) return new PureClientContext(configuration, options);
  return new UNITLS[engine as keyof typeof UNITLS].clientContext(configuration);
}

/** A unitls server context for `engine` (not raw). */
export function serverContextFor(engine: Engine, configuration: TLSServerConfiguration): ServerContext {
  const options = PURE_OPTIONS[engine];
  if (options !== undefined) return new PureServerContext(configuration, options);
  return new UNITLS[engine as keyof typeof UNITLS].serverContext(configuration);
}

/** The client side of one connection, as the bulk, handshake and memory benchmarks need it. */
export interface Connection {
  send(bytes: Uint8Array): Promise<void>;
  /** Up to `size` bytes; empty at EOF. */
  recv(size: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function serverConfiguration(certFile: string, keyFile: string): TLSServerConfiguration {
  const chain = new SigningChain([Certificate.fromBuffer(readFileSync(certFile)), PrivateKey.fromBuffer(readFileSync(keyFile))]);
  return new TLSServerConfiguration({ certificateChain: [chain], ciphers: [AES_128_GCM] });
}

/**
 * Where the raw node:tls anchor's secure context comes from: 'per-connection', the CA given to each
 * tls.connect (node:tls then builds a context per connection: an OpenSSL SSL_CTX with its own trust
 * store, ~15-30 KiB of RSS and a 72-byte object per idle connection), or 'shared', one
 * tls.createSecureContext for every connection, as each unitls client context holds one (the memory
 * benchmark's: the same options as the unitls clients, session 11).
 */
export type RawContext = 'per-connection' | 'shared';

/** A function that opens one verified connection to 127.0.0.1:`port` (SNI localhost) on `engine`. */
export function dialer(engine: Engine, port: number, caFile: string, rawContext: RawContext = 'per-connection'): () => Promise<Connection> {
  const ca = readFileSync(caFile);
  if (engine === 'raw') {
    const options: tls.ConnectionOptions = { ca, ciphers: 'TLS_AES_128_GCM_SHA256' };
    if (rawContext === 'per-connection') return () => rawConnect(port, options);
    const shared = { secureContext: tls.createSecureContext(options) };
    return () => rawConnect(port, shared);
  }
  const context = clientContextFor(engine, new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca), ciphers: [AES_128_GCM] }));
  return async () => {
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    // Methods, as rawConnect's: tsx names arrow functions in object literals with Object.defineProperty,
    // which gives each its own property dictionary (~256 B per function, per connection in the memory row).
    return {
      async send(bytes) {
        await socket.send(bytes);
      },
      recv(size) {
        return socket.recv(size);
      },
      close() {
        return socket.close(true);
      },
    };
  };
}

async function rawConnect(port: number, options: tls.ConnectionOptions): Promise<Connection> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
  await once(socket, 'secureConnect');
  socket.pause();
  return {
    async send(bytes) {
      if (!socket.write(bytes)) await once(socket, 'drain');
    },
    async recv(size) {
      for (;;) {
        const chunk = socket.read() as Buffer | null;
        if (chunk !== null) {
          if (chunk.length > size) socket.unshift(chunk.subarray(size));
          return chunk.subarray(0, size);
        }
        if (socket.readableEnded) return new Uint8Array(0);
        await readableOrEnd(socket);
      }
    },
    close() {
      return endRaw(socket);
    },
  };
}

/**
 * Resolves at the socket's next 'readable' or 'end', leaving no listener behind (a Promise.race of
 * two once()s kept the loser's listener, promise and closures on every idle connection).
 */
function readableOrEnd(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('readable', done);
      socket.off('end', done);
      resolve();
    };
    socket.on('readable', done);
    socket.on('end', done);
  });
}
