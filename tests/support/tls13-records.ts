/**
 * A raw TLS record writer for hostile-peer tests: a TCP proxy between a node:tls peer and the
 * implementation under test that follows the peer's records with the secrets node:tls exports
 * ('keylog' event, NSS key log format), so a test can write arbitrary encrypted records (any
 * content type; in TLS 1.3 any inner content type, padding, no type at all) on an established
 * connection, and read the records the implementation sends back (its alerts, say).
 *
 * The peer is a node:tls server (client under test) or a node:tls client (server under test), in
 * TLS 1.3 with TLS_AES_128_GCM_SHA256 (the default) or TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256,
 * so the keys are AES-128-GCM either way (RFC 8446 §7.3; RFC 5246 §6.3 and RFC 5288: the key block
 * from the master secret, a 4-byte salt and an 8-byte explicit nonce per record). The proxy opens
 * each record of both directions (TLS 1.3: handshake keys first, then the application keys; TLS 1.2:
 * every record after the side's change_cipher_spec) only to count them: a record it writes itself
 * takes the next sequence number. From the first injection on, the peer's own records are no longer
 * forwarded (their sequence numbers would be off by the injected ones).
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterEach, expect } from 'vitest';
import type { TLSImplementation, TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from './fixtures.js';

/** Content types: TLSInnerPlaintext's in TLS 1.3 (RFC 8446 §5.2), the record's own in TLS 1.2. */
export const CONTENT = { alert: 21, handshake: 22, applicationData: 23 } as const;

/**
 * One record to inject: `content` of (inner) type `type`, in TLS 1.3 followed by `padding` zero
 * bytes; or (TLS 1.3 only) `inner`, the whole TLSInnerPlaintext as given (a record without a
 * non-zero octet, say).
 */
export type InjectedRecord = { type: number; content: Uint8Array; padding?: number } | { inner: Uint8Array };

/** A record the implementation under test sent, opened: its (inner) content type and content. */
export interface OpenedRecord {
  readonly type: number;
  readonly content: Buffer;
}

export interface Injector {
  /** The proxy's port (the client under test connects to it). */
  readonly port: number;
  /**
   * Encrypts `records` with the peer's application traffic keys and writes them in one TCP write;
   * with `end`, then ends the TCP connection (FIN).
   */
  inject(records: readonly InjectedRecord[], options?: { end?: boolean }): void;
  /** `records` sealed as inject would, in one piece, for the test to write in parts with `write`. */
  seal(records: readonly InjectedRecord[]): Buffer;
  /** Writes bytes (of `seal`) toward the implementation; with `end`, then a FIN. */
  write(bytes: Uint8Array, options?: { end?: boolean }): void;
  /** Resolves true once `done(received)` holds, false if the implementation's side closed first. */
  until(done: (received: readonly OpenedRecord[]) => boolean): Promise<boolean>;
  /** The records the implementation sent since the first injection, opened, in order. */
  readonly received: readonly OpenedRecord[];
  /**
   * The first fatal alert the implementation sent since the first injection (as it arrives), or null
   * once its side of the connection closed without one.
   */
  fatalAlert(): Promise<OpenedRecord | null>;
  /** The peer's node:tls socket once its handshake is done. */
  readonly peer: Promise<tls.TLSSocket>;
}

export type InjectorVersion = 'TLSv1.3' | 'TLSv1.2';

function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  // HKDF-Expand with SHA-256: one block is enough for 16 and 12 bytes.
  return createHmac('sha256', secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length);
}

/** TLS 1.2's PRF with SHA-256 (RFC 5246 §5): P_SHA256(secret, label + seed), `length` bytes. */
function prf12(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const hmac = (data: Buffer) => createHmac('sha256', secret).update(data).digest();
  const out: Buffer[] = [];
  for (let a = hmac(labelSeed), size = 0; size < length; a = hmac(a)) {
    const block = hmac(Buffer.concat([a, labelSeed]));
    out.push(block);
    size += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** One direction's AES-128-GCM keys and sequence number. */
interface Keys {
  /** The record (header + body) opened, and the sequence number advanced; null when it does not open. */
  open(record: Buffer): OpenedRecord | null;
  /** A record of `type` carrying `content` (TLS 1.3: `inner`, the TLSInnerPlaintext), sealed. */
  seal(record: InjectedRecord): Buffer;
}

const seqBytes = (seq: bigint) => {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(seq);
  return out;
};

function gcmOpen(key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < 16) return null;
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  } catch {
    return null;
  }
}

function gcmSeal(key: Buffer, nonce: Buffer, aad: Buffer, plain: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-128-gcm', key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** TLS 1.3 (RFC 8446 §5.2-5.3): per-record nonce = iv XOR seq, the header as additional data. */
class Keys13 implements Keys {
  readonly #key: Buffer;
  readonly #iv: Buffer;
  #seq = 0n;
  constructor(secret: Buffer) {
    this.#key = hkdfExpandLabel(secret, 'key', 16);
    this.#iv = hkdfExpandLabel(secret, 'iv', 12);
  }
  #nonce(): Buffer {
    const nonce = Buffer.from(this.#iv);
    for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((this.#seq >> BigInt(8 * i)) & 0xffn);
    return nonce;
  }
  open(record: Buffer): OpenedRecord | null {
    const inner = gcmOpen(this.#key, this.#nonce(), record.subarray(0, 5), record.subarray(5));
    if (inner === null) return null;
    this.#seq++;
    let end = inner.length;
    while (end > 0 && inner[end - 1] === 0) end--;
    return { type: end === 0 ? 0 : inner[end - 1]!, content: inner.subarray(0, Math.max(0, end - 1)) };
  }
  seal(record: InjectedRecord): Buffer {
    const inner = 'inner' in record ? record.inner : Buffer.concat([record.content, Buffer.from([record.type]), Buffer.alloc(record.padding ?? 0)]);
    const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
    const sealed = Buffer.concat([header, gcmSeal(this.#key, this.#nonce(), header, inner)]);
    this.#seq++;
    return sealed;
  }
}

/** TLS 1.2 AES-GCM (RFC 5288 §3): nonce = salt || explicit nonce (sent), additional data = seq || type || version || length. */
class Keys12 implements Keys {
  readonly #key: Buffer;
  readonly #salt: Buffer;
  #seq = 0n;
  constructor(key: Buffer, salt: Buffer) {
    this.#key = key;
    this.#salt = salt;
  }
  #aad(type: number, length: number): Buffer {
    return Buffer.concat([seqBytes(this.#seq), Buffer.from([type, 3, 3, length >> 8, length & 0xff])]);
  }
  open(record: Buffer): OpenedRecord | null {
    const body = record.subarray(5);
    if (body.length < 8 + 16) return null;
    const content = gcmOpen(this.#key, Buffer.concat([this.#salt, body.subarray(0, 8)]), this.#aad(record[0]!, body.length - 24), body.subarray(8));
    if (content === null) return null;
    this.#seq++;
    return { type: record[0]!, content };
  }
  seal(record: InjectedRecord): Buffer {
    if ('inner' in record) throw new Error('tls13-records: a TLSInnerPlaintext record is TLS 1.3 only');
    const explicit = seqBytes(this.#seq); // any value never used twice with this key: the sequence number is
    const sealed = gcmSeal(this.#key, Buffer.concat([this.#salt, explicit]), this.#aad(record.type, record.content.length), record.content);
    const length = 8 + sealed.length;
    this.#seq++;
    return Buffer.concat([Buffer.from([record.type, 3, 3, length >> 8, length & 0xff]), explicit, sealed]);
  }
}

/**
 * Follows one direction's records: `split` cuts its bytes into records as they pass, `open` opens
 * each in turn where encrypted, so each record moves the sequence number.
 */
class Follower {
  #pending = Buffer.alloc(0);
  #handshake: Keys | null = null;
  #application: Keys | null = null;
  #encrypted = false; // TLS 1.2: this side's change_cipher_spec was seen
  constructor(
    readonly version: InjectorVersion,
    /** TLS 1.3: this side's traffic secret by name; TLS 1.2: this side's keys, once known. */
    private readonly secret13: (name: 'HANDSHAKE_TRAFFIC_SECRET' | 'TRAFFIC_SECRET_0') => Buffer,
    private readonly keys12: () => Keys,
  ) {}
  /** The keys the next record of this direction is sealed with (application keys; TLS 1.2: once encrypted). */
  get application(): Keys | null {
    return this.#application;
  }
  /** Takes the direction's bytes as they pass; returns the whole records completed by them. */
  split(chunk: Buffer): Buffer[] {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    const out: Buffer[] = [];
    while (this.#pending.length >= 5) {
      const length = 5 + this.#pending.readUInt16BE(3);
      if (this.#pending.length < length) break;
      out.push(this.#pending.subarray(0, length));
      this.#pending = this.#pending.subarray(length);
    }
    return out;
  }
  /** Opens the next record (in order; null for a plaintext one), moving the sequence number; throws when it does not open. */
  open(record: Buffer): OpenedRecord | null {
    return this.#open(record);
  }
  #open(record: Buffer): OpenedRecord | null {
    if (this.version === 'TLSv1.2') {
      if (record[0] === 20) {
        this.#encrypted = true;
        this.#application = this.keys12();
        return null;
      }
      if (!this.#encrypted) return null;
      const opened = this.#application!.open(record);
      if (opened === null) throw new Error('tls13-records: a TLS 1.2 record does not open with its side\'s keys');
      return opened;
    }
    if (record[0] !== 23) return null; // TLS 1.3: a plaintext handshake record, or a compatibility change_cipher_spec
    this.#handshake ??= new Keys13(this.secret13('HANDSHAKE_TRAFFIC_SECRET'));
    const opened = this.#application?.open(record) ?? this.#handshake.open(record);
    if (opened !== null) return opened;
    this.#application ??= new Keys13(this.secret13('TRAFFIC_SECRET_0'));
    const late = this.#application.open(record);
    if (late === null) throw new Error('tls13-records: a record opens with neither key');
    return late;
  }
}

/**
 * The hostile peer for the calling test file: `start('server')` starts a node:tls server that writes
 * 'A' once connected (the client under test connects to the returned port); `start('client', port)`
 * connects a node:tls client, through the proxy, to the implementation's server on `port` and writes
 * 'A'. `version` picks TLS 1.3 (default) or TLS 1.2. Everything is closed after each test.
 */
export function useTls13Injector(): (side: 'server' | 'client', target?: number, version?: InjectorVersion) => Promise<Injector> {
  const closers: Array<() => void> = [];
  afterEach(() => {
    closers.splice(0).forEach((close) => close());
  });
  return async (side, target, version = 'TLSv1.3') => {
    const secrets = new Map<string, Buffer>();
    const tlsOptions: tls.SecureContextOptions & { minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } =
      version === 'TLSv1.3' ? { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' } : { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' };
    // TLS 1.2: the key block (RFC 5246 §6.3) needs both randoms: the client's comes with the master
    // secret in the key log (CLIENT_RANDOM <client random> <master secret>), the server's is read
    // from its ServerHello (bytes 11-42 of the server's first record).
    let serverHello = Buffer.alloc(0);
    let clientRandom: Buffer | null = null;
    let block: Buffer | null = null;
    const keys12 = (writer: 'client' | 'server'): Keys => {
      const master = secrets.get('CLIENT_RANDOM');
      if (block === null) {
        if (master === undefined || clientRandom === null || serverHello.length < 43) throw new Error('tls13-records: TLS 1.2 keys before the ServerHello and the key log');
        block = prf12(master, 'key expansion', Buffer.concat([serverHello.subarray(11, 43), clientRandom]), 40);
      }
      // client_write_key, server_write_key, client_write_IV, server_write_IV (no MAC keys with an AEAD)
      return writer === 'client' ? new Keys12(block.subarray(0, 16), block.subarray(32, 36)) : new Keys12(block.subarray(16, 32), block.subarray(36, 40));
    };
    const keylog = (line: Buffer) => {
      const [label, random, secret] = line.toString('latin1').trim().split(' ');
      if (label === undefined || random === undefined || secret === undefined) return;
      secrets.set(label, Buffer.from(secret, 'hex'));
      if (label === 'CLIENT_RANDOM') clientRandom = Buffer.from(random, 'hex');
    };
    const peerSide = side === 'server' ? 'server' : 'client';
    const targetSide = side === 'server' ? 'client' : 'server';
    const prefix = (writer: 'client' | 'server') => (writer === 'server' ? 'SERVER' : 'CLIENT');
    const follower = (writer: 'client' | 'server') => new Follower(version, (name) => secrets.get(`${prefix(writer)}_${name}`)!, () => keys12(writer));
    const fromPeerSide = follower(peerSide);
    const fromTarget = follower(targetSide);
    const sniffServerHello = (chunk: Buffer) => {
      if (serverHello.length < 43) serverHello = Buffer.concat([serverHello, chunk]);
    };
    let server: tls.Server | null = null;
    let upstreamPort = target!;
    let resolvePeer!: (socket: tls.TLSSocket) => void;
    const peer = new Promise<tls.TLSSocket>((resolve) => (resolvePeer = resolve));
    if (side === 'server') {
      server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt'), ...tlsOptions });
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
    // The socket toward the implementation under test; both directions' records are followed.
    let facing: net.Socket | null = null;
    let injected = false;
    let failure: Error | null = null;
    const received: OpenedRecord[] = [];
    const fail = (error: unknown) => {
      failure = error as Error;
      facing!.destroy();
    };
    const fromPeer = (chunk: Buffer) => {
      if (injected) return;
      if (peerSide === 'server') sniffServerHello(chunk);
      try {
        for (const record of fromPeerSide.split(chunk)) {
          fromPeerSide.open(record);
          facing!.write(record);
        }
      } catch (error) {
        fail(error);
      }
    };
    // The implementation's records are opened only from the first injection on: before it, the
    // peer may not have logged the secrets of what it has not read yet (a node:tls client logs the
    // server's handshake secret once it read the ServerHello), so they wait in `unopened`.
    const unopened: Buffer[] = [];
    const isFatalAlert = (record: OpenedRecord) => record.type === CONTENT.alert && record.content[0] === 2;
    let targetClosed = false;
    const waiters: Array<() => void> = [];
    const openFromTarget = () => {
      try {
        for (const record of unopened.splice(0)) {
          const opened = fromTarget.open(record);
          if (injected && opened !== null) received.push(opened);
        }
      } catch (error) {
        fail(error);
      }
      waiters.splice(0).forEach((wake) => wake());
    };
    const targetClosing = () => {
      targetClosed = true;
      waiters.splice(0).forEach((wake) => wake());
    };
    const fromImplementation = (toPeer: net.Socket) => (chunk: Buffer) => {
      if (targetSide === 'server') sniffServerHello(chunk);
      for (const record of fromTarget.split(chunk)) {
        unopened.push(record);
        toPeer.write(record);
      }
      if (injected) openFromTarget();
    };
    const sockets: net.Socket[] = [];
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
        socket.on('data', fromImplementation(upstream));
      } else {
        // Server under test: the proxy's accepted socket faces the node:tls client (the peer).
        socket.on('data', fromPeer);
        upstream.on('data', fromImplementation(socket));
      }
      facing.on('end', targetClosing);
      facing.on('close', targetClosing);
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
      const client = tls.connect({ port: proxyPort, host: '127.0.0.1', servername: 'localhost', ca: pki.pem('root'), ...tlsOptions });
      client.on('keylog', keylog);
      client.on('error', () => {});
      closers.push(() => client.destroy());
      await once(client, 'secureConnect');
      client.write('A');
      resolvePeer(client);
    }
    const injector: Injector = {
      port: proxyPort,
      peer,
      received,
      async until(done) {
        for (;;) {
          if (done(received)) return true;
          if (targetClosed || failure !== null) return false;
          await new Promise<void>((resolve) => waiters.push(resolve));
        }
      },
      async fatalAlert() {
        return (await injector.until((records) => records.some(isFatalAlert))) ? received.find(isFatalAlert)! : null;
      },
      seal(records) {
        if (failure !== null) throw failure;
        const keys = fromPeerSide.application;
        if (keys === null) throw new Error('tls13-records: inject before the peer\'s "A" went through (read it first)');
        openFromTarget(); // what came before the injection: counted, not kept
        injected = true;
        return Buffer.concat(records.map((record) => keys.seal(record)));
      },
      write(bytes, { end = false } = {}) {
        facing!.write(bytes);
        if (end) facing!.end();
      },
      inject(records, options) {
        injector.write(injector.seal(records), options);
      },
    };
    return injector;
  };
}

/** Everything recv yields until the end, and how it ended ('clean end' or the error). */
export async function readToEnd(socket: TLSSocket): Promise<{ text: string; end: unknown }> {
  let text = '';
  for (;;) {
    try {
      const chunk = await socket.recv(100);
      if (chunk.length === 0) return { text, end: 'clean end' };
      text += Buffer.from(chunk).toString('latin1');
    } catch (error) {
      return { text, end: error };
    }
  }
}

/**
 * Reads the peer's 'A', then has it write 'B' and reads that: whatever the peer sends on its own
 * after its handshake (a node:tls server's two NewSessionTickets, written after the 'A' of its
 * secureConnection handler) has then been read, so a test's count of records starts at its own.
 */
async function settled(socket: TLSSocket, injector: Injector): Promise<void> {
  expect(Buffer.from(await socket.recv(1)).toString()).toBe('A');
  (await injector.peer).write('B');
  expect(Buffer.from(await socket.recv(1)).toString()).toBe('B');
}

/**
 * Runs `body` with the implementation's socket (client or server) facing an injector made by
 * `start`, once the peer's 'A' and 'B' were read (settled); closes everything after.
 */
export async function facingInjector(
  start: ReturnType<typeof useTls13Injector>,
  implementation: TLSImplementation,
  side: 'client' | 'server',
  body: (socket: TLSSocket, injector: Injector) => Promise<void>,
  version: InjectorVersion = 'TLSv1.3',
): Promise<void> {
  const versions = { lowestSupportedVersion: version, highestSupportedVersion: version } as const;
  if (side === 'client') {
    const injector = await start('server', undefined, version);
    const socket = await new implementation.clientContext(clientConfig(versions)).connect({ host: '127.0.0.1', port: injector.port }, { serverHostname: 'localhost' });
    try {
      await settled(socket, injector);
      await body(socket, injector);
    } finally {
      await socket.close(true);
    }
    return;
  }
  const listener = await new implementation.serverContext(serverConfig('server-ec', versions)).connect({ host: '127.0.0.1', port: 0 });
  try {
    const accepted = listener.accept();
    const injector = await start('client', listener.getsockname()!.port, version);
    const [socket] = await accepted;
    try {
      await settled(socket, injector);
      await body(socket, injector);
    } finally {
      await socket.close(true);
    }
  } finally {
    await listener.close();
  }
}
