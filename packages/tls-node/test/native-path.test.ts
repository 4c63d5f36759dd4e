/**
 * tls-node keeps node:tls's native path (the TLS layer on the TCP handle) for TCP sockets and
 * watches any other transport through a JavaScript stream (src/transport.ts, src/native-end.ts).
 * The end-of-stream verdicts themselves are tested with a Python peer in
 * tests/conformance/close-notify.test.ts.
 */
import dns from 'node:dns';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { Certificate, PrivateKey, RaggedEOF, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore } from '@unitls/tls-core';
import { implementation } from '../src/mod.js';
import { NativeEnd } from '../src/native-end.js';
import { WatchedTransport, streamOver } from '../src/transport.js';

async function pkiConfigurations(): Promise<{ server: TLSServerConfiguration; client: TLSClientConfiguration }> {
  const authority = await createAuthority({ name: 'native path test CA' });
  const leaf = await issueCertificate(authority, { names: ['localhost'] });
  return {
    server: new TLSServerConfiguration({
      certificateChain: [new SigningChain([Certificate.fromBuffer(Buffer.from(leaf.certPem)), PrivateKey.fromBuffer(Buffer.from(leaf.keyPem))])],
    }),
    client: new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(authority.certPem)) }),
  };
}

describe('the stream node:tls runs over', () => {
  it('is the TCP socket itself when it is connected, a watched JavaScript stream otherwise', async () => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const tcp = netConnect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    try {
      // Still connecting: node:tls would wrap a handle Node may replace (see client.ts).
      expect(streamOver(tcp).end).toBeInstanceOf(WatchedTransport);
      await once(tcp, 'connect');
      const native = streamOver(tcp);
      expect(native.stream).toBe(tcp);
      expect(native.end).toBeInstanceOf(NativeEnd);
      expect(tcp.allowHalfOpen).toBe(true);
      const other = new PassThrough();
      const watched = streamOver(other);
      expect(watched.end).toBeInstanceOf(WatchedTransport);
      expect(watched.stream).not.toBe(other);
    } finally {
      tcp.destroy();
      server.close();
    }
  });
});

describe('connect to a name with several addresses', () => {
  const original = dns.lookup;
  afterEach(() => {
    dns.lookup = original;
  });

  // Node tries the addresses one after the other (autoSelectFamily) and replaces the TCP handle
  // after a failed attempt. A TLS layer put on the first handle crashed the process (Node 20.20,
  // segmentation fault); tls-node puts it on the socket once connected.
  it('connects when the first address refuses', async () => {
    const { server: serverConfiguration, client } = await pkiConfigurations();
    const listener = await new implementation.serverContext(serverConfiguration).connect({ host: '127.0.0.1', port: 0 });
    const port = listener.getsockname()!.port;
    // Nothing listens on [::1]:port (the listener is IPv4 only), so the first attempt fails.
    dns.lookup = ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
      if (hostname !== 'two-addresses.test') return (original as (...args: unknown[]) => void)(hostname, options, callback);
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
      if (all) callback(null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]);
      else callback(null, '::1', 6);
    }) as typeof dns.lookup;
    try {
      const [socket, [accepted]] = await Promise.all([
        new implementation.clientContext(client).connect({ host: 'two-addresses.test', port }, { serverHostname: 'localhost' }),
        listener.accept(),
      ]);
      expect(socket.getpeername()).toEqual({ host: '127.0.0.1', port });
      await accepted.send(new TextEncoder().encode('hello'));
      expect(new TextDecoder().decode(await socket.recv(5))).toBe('hello');
      // The end is watched on the handle node:tls kept (not the one it replaced): a clean end.
      const closing = accepted.close();
      expect(await socket.recv(5)).toHaveLength(0);
      await Promise.all([socket.close(), closing]);
    } finally {
      await listener.close();
    }
  });
});

describe('a client connection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Issue #16 item 3: as a raw tls.connect({ host, port }) client, no net.Socket (with its stream
  // states and node:tls's listeners on it) under the TLS socket; before, every client connection had one.
  it("is node:tls's own socket over its own TCP handle, half-open, its end watched", async () => {
    const authority = await createAuthority({ name: 'native path test CA' });
    const leaf = await issueCertificate(authority, { names: ['localhost'] });
    const client = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(authority.certPem)) });
    // The peer greets, and once answered (its session tickets are out by then: node:tls's FIN could
    // overtake a close_notify queued behind them, see NativeEnd.readyToShutdown) ends either with
    // close_notify then FIN, or with a bare FIN on its TCP socket.
    const ends: Array<'close_notify' | 'fin'> = ['close_notify', 'fin'];
    const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
      socket.on('error', () => {});
      socket.write('hi');
      socket.once('data', () => {
        if (ends.shift() === 'close_notify') socket.end();
        else (socket as unknown as { _parent: Socket })._parent.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const clientSockets: tls.TLSSocket[] = [];
    const on = tls.TLSSocket.prototype.on;
    vi.spyOn(tls.TLSSocket.prototype, 'on').mockImplementation(function (this: tls.TLSSocket, event: string | symbol, listener: (...args: never[]) => void) {
      const isServer = (this as unknown as { _tlsOptions?: { isServer?: boolean } })._tlsOptions?.isServer === true;
      if (!isServer && !clientSockets.includes(this)) clientSockets.push(this);
      return on.call(this, event, listener);
    });
    try {
      const context = new implementation.clientContext(client);
      const address = { host: '127.0.0.1', port: (server.address() as { port: number }).port };
      const clean = await context.connect(address, { serverHostname: 'localhost' });
      expect(clientSockets).toHaveLength(1);
      const [own] = clientSockets as [tls.TLSSocket];
      const handle = (own as unknown as { _handle: { _parentWrap: unknown } })._handle;
      expect(handle._parentWrap ?? null).toBeNull();
      expect(own.allowHalfOpen).toBe(true);
      expect(clean.getsockname()).toEqual({ host: '127.0.0.1', port: own.localPort });
      expect(clean.getpeername()).toEqual(address);
      expect(new TextDecoder().decode(await clean.recv(5))).toBe('hi');
      await clean.send(new TextEncoder().encode('ok'));
      expect(await clean.recv(5)).toHaveLength(0);
      await clean.close(true);
      const ragged = await context.connect(address, { serverHostname: 'localhost' });
      expect(new TextDecoder().decode(await ragged.recv(5))).toBe('hi');
      await ragged.send(new TextEncoder().encode('ok'));
      await expect(ragged.recv(5)).rejects.toBeInstanceOf(RaggedEOF);
      await ragged.close(true);
    } finally {
      server.close();
    }
  });
});
