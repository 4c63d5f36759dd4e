import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TLSVersion, CipherSuite } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { connectPair, recvExactly, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

describe.each(implementations.map((i) => [i.name, i] as const))('handshake and data (%s)', (_, implementation) => {
  it('connects over loopback and moves data both ways, both sides agreeing on what was negotiated', async () => {
    const pair = await connectPair(implementation, serverConfig('server-ec'), clientConfig());
    try {
      await sendText(pair.client, 'ping from client');
      expect(await recvExactly(pair.server, 16)).toBe('ping from client');
      await sendText(pair.server, 'pong from server');
      expect(await recvExactly(pair.client, 16)).toBe('pong from server');

      expect(pair.client.negotiatedTlsVersion).toBe('TLSv1.3');
      expect(pair.server.negotiatedTlsVersion).toBe('TLSv1.3');
      expect(pair.client.cipher()).toBe(pair.server.cipher());
      expect(Object.values(CipherSuite)).toContain(pair.client.cipher());
      expect(pair.client.negotiatedProtocol()).toBeNull();

      const leaf = new X509Certificate(pki.pem('server-ec'));
      expect(Buffer.from(pair.client.getpeercert()!).equals(leaf.raw)).toBe(true);
      expect(pair.server.getpeercert()).toBeNull();
      expect(pair.client.getpeername()).toEqual({ host: '127.0.0.1', port: pair.listener.getsockname()!.port });
      expect(pair.server.getpeername()).toEqual(pair.client.getsockname());
      expect(pair.client.context.configuration.trustStore).not.toBeNull();
    } finally {
      await pair.close();
    }
  });

  it('moves a 4 MiB payload intact', async () => {
    const pair = await connectPair(implementation, serverConfig('server-rsa'), clientConfig());
    try {
      const payload = new Uint8Array(4 << 20).map((_, i) => (i * 7) % 256);
      const sending = pair.client.send(payload);
      const received: Uint8Array[] = [];
      let total = 0;
      while (total < payload.length) {
        const chunk = await pair.server.recv(1 << 20);
        received.push(chunk);
        total += chunk.length;
      }
      expect(await sending).toBe(payload.length);
      expect(Buffer.concat(received).equals(payload)).toBe(true);
    } finally {
      await pair.close();
    }
  });

  it.each([
    [TLSVersion.TLSv1_2, TLSVersion.TLSv1_2, 'TLSv1.2'],
    [TLSVersion.TLSv1_3, TLSVersion.TLSv1_3, 'TLSv1.3'],
    [TLSVersion.MINIMUM_SUPPORTED, TLSVersion.TLSv1_2, 'TLSv1.2'],
    [TLSVersion.TLSv1_2, TLSVersion.MAXIMUM_SUPPORTED, 'TLSv1.3'],
    [TLSVersion.MINIMUM_SUPPORTED, TLSVersion.MAXIMUM_SUPPORTED, 'TLSv1.3'],
  ])('negotiates %s..%s as %s', async (lowest, highest, expected) => {
    const versions = { lowestSupportedVersion: lowest, highestSupportedVersion: highest };
    const pair = await connectPair(implementation, serverConfig('server-ec'), clientConfig(versions));
    try {
      expect(pair.client.negotiatedTlsVersion).toBe(expected);
      expect(pair.server.negotiatedTlsVersion).toBe(expected);
    } finally {
      await pair.close();
    }
  });

  it('verifies IP literals against IP SANs (and sends no SNI for them)', async () => {
    const pair = await connectPair(implementation, serverConfig('server-ec'), clientConfig(), { host: '127.0.0.1' });
    try {
      expect(pair.client.negotiatedTlsVersion).not.toBeNull();
    } finally {
      await pair.close();
    }
  });

  it('reports null cipher and version after close', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    await pair.client.close(true);
    expect(pair.client.cipher()).toBeNull();
    expect(pair.client.negotiatedTlsVersion).toBeNull();
    expect(pair.client.negotiatedProtocol()).toBeNull();
    await pair.close();
  });

  it('supports await using', async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    let closedClient;
    {
      const accepting = listener.accept();
      await using client = await new implementation.clientContext(clientConfig()).connect({ host: 'localhost', port: listener.getsockname()!.port });
      const [server] = await accepting;
      closedClient = client;
      await server.close(true);
    }
    expect(closedClient.negotiatedTlsVersion).toBeNull();
    await listener.close();
  });

  it('resumes a session when given the previous one (extension)', async () => {
    if (!implementation.features.sessionResumption) return;
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    const context = new implementation.clientContext(clientConfig());
    const address = { host: 'localhost', port: listener.getsockname()!.port };
    try {
      const [first, [firstServer]] = await Promise.all([context.connect(address), listener.accept()]);
      // TLS 1.3 tickets arrive after the handshake; a few round trips let them in.
      let session = first.session!();
      for (let i = 0; i < 5 && session === null; i++) {
        await sendText(firstServer, 'x');
        await recvExactly(first, 1);
        session = first.session!();
      }
      expect(session).not.toBeNull();
      expect(first.sessionReused).toBe(false);
      const [second, [secondServer]] = await Promise.all([context.connect(address, { session }), listener.accept()]);
      expect(second.sessionReused).toBe(true);
      expect(secondServer.sessionReused).toBe(true);
      expect(second.getpeercert()).toEqual(first.getpeercert());
      // A session verified for one name must not vouch for another: refused before connecting
      // (sessions.test.ts has the whole binding).
      await expect(context.connect({ host: '127.0.0.1', port: address.port }, { session, serverHostname: 'other.test' })).rejects.toMatchObject({
        code: 'UNITLS_CONFIGURATION',
      });
      await Promise.all([first, firstServer, second, secondServer].map((s) => s.close(true)));
    } finally {
      await listener.close();
    }
  });

  it('times out a server that never answers the handshake, and honours an AbortSignal', async () => {
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createServer((socket) => held.push(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const port = (silent.address() as { port: number }).port;
    const context = new implementation.clientContext(clientConfig());
    try {
      await expect(context.connect({ host: 'localhost', port }, { timeout: 100 })).rejects.toMatchObject({ name: 'TimeoutError' });
      await expect(context.connect({ host: 'localhost', port }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
