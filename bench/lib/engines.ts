// The TLS engines the TLS benchmarks compare, each used the way its users would: raw node:tls
// through its own events, tls-node and tls-openssl through the unitls TLSSocket API. TLS 1.3
// with TLS_AES_128_GCM_SHA256 everywhere, so every row does the same cryptography.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { implementation as pure } from '@unitls/tls-pure';

export type Engine = 'raw' | 'node' | 'openssl' | 'pure';
export const ENGINES: Engine[] = ['raw', 'node', 'openssl', 'pure'];
export const LABEL: Record<Engine, string> = { raw: 'raw node:tls', node: 'tls-node', openssl: 'tls-openssl', pure: 'tls-pure' };
export const UNITLS: Record<Exclude<Engine, 'raw'>, TLSImplementation> = { node, openssl, pure };
const AES_128_GCM = 0x1301;

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

/** A function that opens one verified connection to 127.0.0.1:`port` (SNI localhost) on `engine`. */
export function dialer(engine: Engine, port: number, caFile: string): () => Promise<Connection> {
  const ca = readFileSync(caFile);
  if (engine === 'raw') return () => rawConnect(port, ca);
  const context = new UNITLS[engine].clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca), ciphers: [AES_128_GCM] }));
  return async () => {
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    return { send: async (bytes) => void (await socket.send(bytes)), recv: (size) => socket.recv(size), close: () => socket.close(true) };
  };
}

async function rawConnect(port: number, ca: Buffer): Promise<Connection> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ciphers: 'TLS_AES_128_GCM_SHA256' });
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
        await Promise.race([once(socket, 'readable'), once(socket, 'end')]);
      }
    },
    async close() {
      socket.destroy();
    },
  };
}
