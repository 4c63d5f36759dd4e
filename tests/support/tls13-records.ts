/**
 * A raw TLS 1.3 record writer for hostile-peer tests: a TCP proxy between a node:tls peer and the
 * implementation under test that follows the peer's records with the traffic secrets node:tls
 * exports ('keylog' event, NSS key log format), so a test can write arbitrary encrypted records
 * (any inner content type, padding, no type at all) on an established connection.
 *
 * The peer is a node:tls server (client under test) or a node:tls client (server under test),
 * always TLS 1.3 with TLS_AES_128_GCM_SHA256, so the keys are AES-128-GCM (RFC 8446 §7.3). The
 * proxy decrypts each record the peer sends toward the implementation (handshake keys first, then
 * the application keys) only to count them: a record it writes itself takes the next sequence
 * number. From the first injection on, the peer's own records are no longer forwarded (their
 * sequence numbers would be off by the injected ones).
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterEach } from 'vitest';
import { pki } from './fixtures.js';

/** TLSInnerPlaintext (RFC 8446 §5.2) content types. */
export const CONTENT = { alert: 21, handshake: 22, applicationData: 23 } as const;

/**
 * One record to inject: `content` of inner type `type` followed by `padding` zero bytes; or `inner`,
 * the whole TLSInnerPlaintext as given (a record without a non-zero octet, say).
 */
export type InjectedRecord = { type: number; content: Uint8Array; padding?: number } | { inner: Uint8Array };

export interface Injector {
  /** The proxy's port (the client under test connects to it). */
  readonly port: number;
  /**
   * Encrypts `records` with the peer's application traffic keys and writes them in one TCP write;
   * with `end`, then ends the TCP connection (FIN).
   */
  inject(records: readonly InjectedRecord[], options?: { end?: boolean }): void;
  /** The peer's node:tls socket once its handshake is done. */
  readonly peer: Promise<tls.TLSSocket>;
}

function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  // HKDF-Expand with SHA-256: one block is enough for 16 and 12 bytes.
  return createHmac('sha256', secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length);
}

class Direction {
  readonly key: Buffer;
  readonly iv: Buffer;
  seq = 0n;
  constructor(secret: Buffer) {
    this.key = hkdfExpandLabel(secret, 'key', 16);
    this.iv = hkdfExpandLabel(secret, 'iv', 12);
  }
  #nonce(): Buffer {
    const nonce = Buffer.from(this.iv);
    for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((this.seq >> BigInt(8 * i)) & 0xffn);
    return nonce;
  }
  /** True (and the sequence number advanced) when `record` (header + body) opens with this key. */
  opens(record: Buffer): boolean {
    const body = record.subarray(5);
    if (body.length < 16) return false;
    const decipher = createDecipheriv('aes-128-gcm', this.key, this.#nonce());
    decipher.setAAD(record.subarray(0, 5));
    decipher.setAuthTag(body.subarray(body.length - 16));
    try {
      decipher.update(body.subarray(0, body.length - 16));
      decipher.final();
    } catch {
      return false;
    }
    this.seq++;
    return true;
  }
  seal(inner: Uint8Array): Buffer {
    const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
    const cipher = createCipheriv('aes-128-gcm', this.key, this.#nonce());
    cipher.setAAD(header);
    const sealed = Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
    this.seq++;
    return sealed;
  }
}

function innerOf(record: InjectedRecord): Uint8Array {
  if ('inner' in record) return record.inner;
  return Buffer.concat([record.content, Buffer.from([record.type]), Buffer.alloc(record.padding ?? 0)]);
}

/**
 * The hostile peer for the calling test file: `start('server')` starts a node:tls server that writes
 * 'A' once connected (the client under test connects to the returned port); `start('client', port)`
 * connects a node:tls client, through the proxy, to the implementation's server on `port` and writes
 * 'A'. Everything is closed after each test.
 */
export function useTls13Injector(): (side: 'server' | 'client', target?: number) => Promise<Injector> {
  const closers: Array<() => void> = [];
  afterEach(() => {
    closers.splice(0).forEach((close) => close());
  });
  return async (side, target) => {
    const secrets = new Map<string, Buffer>();
    const keylog = (line: Buffer) => {
      const [label, , secret] = line.toString('latin1').trim().split(' ');
      if (label !== undefined && secret !== undefined) secrets.set(label, Buffer.from(secret, 'hex'));
    };
    const prefix = side === 'server' ? 'SERVER' : 'CLIENT';
    let server: tls.Server | null = null;
    let upstreamPort = target!;
    let resolvePeer!: (socket: tls.TLSSocket) => void;
    const peer = new Promise<tls.TLSSocket>((resolve) => (resolvePeer = resolve));
    if (side === 'server') {
      server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt'), minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' });
      server.on('keylog', keylog);
      server.on('tlsClientError', () => {});
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        socket.on('error', () => {});
        socket.write('A');
        resolvePeer(socket);
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      upstreamPort = (server.address() as net.AddressInfo).port;
    }
    // The socket toward the implementation under test; the peer's records to it are followed.
    let facing: net.Socket | null = null;
    let injected = false;
    let failure: Error | null = null;
    let handshake: Direction | null = null;
    let application: Direction | null = null;
    let pending = Buffer.alloc(0);
    const sockets: net.Socket[] = [];
    const fromPeer = (chunk: Buffer) => {
      if (injected) return;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const length = 5 + pending.readUInt16BE(3);
        if (pending.length < length) break;
        const record = pending.subarray(0, length);
        pending = pending.subarray(length);
        if (record[0] === 23) {
          handshake ??= new Direction(secrets.get(`${prefix}_HANDSHAKE_TRAFFIC_SECRET`)!);
          if (application === null || !application.opens(record)) {
            if (!handshake.opens(record)) {
              application ??= new Direction(secrets.get(`${prefix}_TRAFFIC_SECRET_0`)!);
              if (!application.opens(record)) {
                failure = new Error('tls13-records: a record of the peer opens with neither key');
                facing!.destroy();
                return;
              }
            }
          }
        }
        facing!.write(record);
      }
    };
    const proxy = net.createServer((socket) => {
      socket.on('error', () => {});
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      facing = side === 'server' ? socket : upstream;
      sockets.push(socket, upstream);
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      if (side === 'server') {
        upstream.on('data', fromPeer);
        socket.on('data', (chunk: Buffer) => upstream.write(chunk));
      } else {
        // Server under test: the proxy's accepted socket faces the node:tls client (the peer).
        socket.on('data', fromPeer);
        upstream.on('data', (chunk: Buffer) => socket.write(chunk));
      }
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    closers.push(() => {
      sockets.forEach((socket) => socket.destroy());
      proxy.close();
      server?.close();
    });
    if (side === 'client') {
      const client = tls.connect({ port: proxyPort, host: '127.0.0.1', servername: 'localhost', ca: pki.pem('root'), minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' });
      client.on('keylog', keylog);
      client.on('error', () => {});
      closers.push(() => client.destroy());
      await once(client, 'secureConnect');
      client.write('A');
      resolvePeer(client);
    }
    return {
      port: proxyPort,
      peer,
      inject(records, { end = false } = {}) {
        if (failure !== null) throw failure;
        if (application === null) throw new Error('tls13-records: inject before the peer\'s "A" went through (read it first)');
        injected = true;
        const keys = application;
        facing!.write(Buffer.concat(records.map((record) => keys.seal(innerOf(record)))));
        if (end) facing!.end();
      },
    };
  };
}
