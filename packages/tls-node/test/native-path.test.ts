/**
 * tls-node keeps node:tls's native path (the TLS layer on the TCP handle) for TCP sockets and
 * watches any other transport through a JavaScript stream (src/transport.ts, src/native-end.ts).
 * The end-of-stream verdicts themselves are tested with a Python peer in
 * tests/conformance/close-notify.test.ts.
 */
import dns from 'node:dns';
import { once } from 'node:events';
import { connect as netConnect, createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore } from '@unitls/tls-core';
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
      await Promise.all([socket.close(true), accepted.close(true)]);
    } finally {
      await listener.close();
    }
  });
});
