import { afterEach, describe, expect, it } from 'vitest';
import { CipherSuite, TLSVersion, cipherSuiteName, type TLSSocket } from '@unitls/tls-core';
import { CIPHER_TABLE } from '@unitls/tls-node';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { runClient, startServer, type OpenSSLServer } from '../support/openssl.js';
import { recvUntil, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const opensslName = new Map(CIPHER_TABLE.map(([id, , name]) => [id, name]));
const tls13 = new Set(CIPHER_TABLE.filter(([, , , is13]) => is13).map(([id]) => id));
const isEcdsa = (id: number) => opensslName.get(id)!.includes('ECDSA');

/** s_server / s_client arguments that allow exactly one suite. */
function onlySuite(id: number): string[] {
  return tls13.has(id) ? ['-tls1_3', '-ciphersuites', opensslName.get(id)!] : ['-tls1_2', '-cipher', opensslName.get(id)!];
}

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function opensslServer(args: string[]): Promise<OpenSSLServer> {
  const server = await startServer(args);
  servers.push(server);
  return server;
}

const suites = Object.entries(CipherSuite).map(([name, id]) => [name, id] as const);

describe.each(implementations.map((i) => [i.name, i] as const))('against openssl s_server (%s client)', (_, implementation) => {
  it.each(suites)('negotiates %s and echoes data', async (_name, id) => {
    const leaf = isEcdsa(id) || tls13.has(id) ? 'server-ec' : 'server-rsa';
    const server = await opensslServer(['-cert', pki.path(leaf), '-cert_chain', pki.path('intermediate'), '-key', pki.path(leaf, 'key'), '-rev', ...onlySuite(id)]);
    const context = new implementation.clientContext(
      clientConfig({ ciphers: [id], highestSupportedVersion: tls13.has(id) ? TLSVersion.TLSv1_3 : TLSVersion.TLSv1_2 }),
    );
    const socket = await context.connect({ host: 'localhost', port: server.port });
    try {
      expect(socket.cipher()).toBe(id);
      expect(socket.negotiatedTlsVersion).toBe(tls13.has(id) ? 'TLSv1.3' : 'TLSv1.2');
      await sendText(socket, 'hello unitls\n');
      expect(await recvUntil(socket, /\n/)).toBe('sltinu olleh\n');
    } finally {
      await socket.close(true);
    }
  });

  it.each([
    [TLSVersion.MINIMUM_SUPPORTED, TLSVersion.MINIMUM_SUPPORTED, 'TLSv1.2'],
    [TLSVersion.TLSv1_2, TLSVersion.TLSv1_2, 'TLSv1.2'],
    [TLSVersion.TLSv1_3, TLSVersion.TLSv1_3, 'TLSv1.3'],
    [TLSVersion.MAXIMUM_SUPPORTED, TLSVersion.MAXIMUM_SUPPORTED, 'TLSv1.3'],
    [TLSVersion.MINIMUM_SUPPORTED, TLSVersion.MAXIMUM_SUPPORTED, 'TLSv1.3'],
  ])('negotiates %s..%s as %s with s_server', async (lowest, highest, expected) => {
    const server = await opensslServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key')]);
    const context = new implementation.clientContext(clientConfig({ lowestSupportedVersion: lowest, highestSupportedVersion: highest }));
    const socket = await context.connect({ host: 'localhost', port: server.port });
    expect(socket.negotiatedTlsVersion).toBe(expected);
    await socket.close(true);
  });

  it('reports a cipher outside the enum as its raw id (0xC05D, ECDHE-ECDSA-ARIA256-GCM-SHA384)', async () => {
    const aria = clientConfig({ ciphers: [0xc05d] });
    let refusal: string | null = null;
    try {
      implementation.validateConfig(aria);
    } catch (error) {
      refusal = (error as Error).message;
    }
    if (refusal !== null) {
      // An implementation without the suite (tls-pure has exactly the enum's 15) says so up front.
      expect(refusal).toMatch(/none of the configured ciphers/);
      expect(() => new implementation.clientContext(aria)).toThrow(/none of the configured ciphers/);
      return;
    }
    const server = await opensslServer([
      '-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-tls1_2', '-cipher', 'ECDHE-ECDSA-ARIA256-GCM-SHA384',
    ]);
    const socket = await new implementation.clientContext(clientConfig({ ciphers: [0xc05d] })).connect({ host: 'localhost', port: server.port });
    try {
      expect(socket.cipher()).toBe(0xc05d);
      expect(cipherSuiteName(socket.cipher()!)).toBe('0xC05D');
    } finally {
      await socket.close(true);
    }
  });

  it('negotiates ALPN with s_server', async () => {
    const server = await opensslServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-alpn', 'http/1.1,h2']);
    const socket = await new implementation.clientContext(clientConfig({ innerProtocols: ['h2', 'http/1.1'] })).connect({
      host: 'localhost',
      port: server.port,
    });
    try {
      // s_server picks by its own preference among what the client offered.
      expect(socket.negotiatedProtocol()).toBe('http/1.1');
    } finally {
      await socket.close(true);
    }
  });

  it('sees a peer killed mid-stream: RaggedEOF where detectable, else end of stream', async () => {
    const server = await opensslServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-rev']);
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: 'localhost', port: server.port });
    await sendText(socket, 'abc\n');
    expect(await recvUntil(socket, /\n/)).toBe('cba\n');
    await server.close(); // SIGKILL: the kernel closes TCP, no close_notify
    if (implementation.features.raggedEOF) {
      await expect(socket.recv(10)).rejects.toMatchObject({ code: 'UNITLS_RAGGED_EOF' });
    } else {
      expect((await socket.recv(10)).length).toBe(0);
    }
    await socket.close(true);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('against openssl s_client (%s server)', (_, implementation) => {
  async function serveOnce(config: ReturnType<typeof serverConfig>, reply: string) {
    const listener = await new implementation.serverContext(config).connect({ host: '127.0.0.1', port: 0 });
    const accepted = listener.accept().then(async ([socket]) => {
      const line = await recvUntil(socket, /\n/);
      await sendText(socket, reply);
      return { socket, line };
    });
    return { listener, port: listener.getsockname()!.port, accepted };
  }

  it.each(suites)('negotiates %s with s_client', async (_name, id) => {
    const leaf = isEcdsa(id) || tls13.has(id) ? 'server-ec' : 'server-rsa';
    const { listener, port, accepted } = await serveOnce(serverConfig(leaf, { ciphers: [id] }), 'pong\n');
    try {
      const run = runClient(
        port,
        ['-brief', '-CAfile', pki.path('root'), '-verify_return_error', '-servername', 'localhost', ...onlySuite(id)],
        'ping\n',
        /pong/,
      );
      const { socket, line } = await accepted;
      const client = await run;
      expect(line).toBe('ping\n');
      expect(socket.cipher()).toBe(id);
      expect(client.output).toContain(`Protocol version: ${tls13.has(id) ? 'TLSv1.3' : 'TLSv1.2'}`);
      expect(client.output).toContain(`Ciphersuite: ${opensslName.get(id)}`);
      expect(client.output).toContain('Verification: OK');
      expect(client.output).toContain('pong');
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });

  it.each([
    ['-tls1_2', TLSVersion.MINIMUM_SUPPORTED, 'TLSv1.2'],
    ['-tls1_2', TLSVersion.TLSv1_2, 'TLSv1.2'],
    ['-tls1_3', TLSVersion.TLSv1_3, 'TLSv1.3'],
    ['-tls1_3', TLSVersion.MAXIMUM_SUPPORTED, 'TLSv1.3'],
  ])('serves s_client %s with lowest=highest=%s', async (flag, version, expected) => {
    const config = serverConfig('server-ec', { lowestSupportedVersion: version, highestSupportedVersion: version });
    const { listener, port, accepted } = await serveOnce(config, 'pong\n');
    try {
      const run = runClient(port, ['-brief', '-CAfile', pki.path('root'), '-servername', 'localhost', flag], 'ping\n', /pong/);
      const { socket } = await accepted;
      expect(socket.negotiatedTlsVersion).toBe(expected);
      expect((await run).output).toContain(`Protocol version: ${expected}`);
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });

  it('refuses s_client when versions do not overlap', async () => {
    const listener = await new implementation.serverContext(serverConfig('server-ec', { lowestSupportedVersion: TLSVersion.TLSv1_3 })).connect({
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const accepted = listener.accept().then(() => null, (error: unknown) => error);
      const client = await runClient(listener.getsockname()!.port, ['-brief', '-tls1_2'], '');
      expect(client.output).toMatch(/alert protocol version|no protocols available|wrong version/i);
      expect((await accepted) as Error).toMatchObject({ message: expect.stringMatching(/version/i) });
    } finally {
      await listener.close();
    }
  });

  it('sends close_notify on close, which s_client reports', async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    try {
      const accepted = listener.accept();
      const run = runClient(listener.getsockname()!.port, ['-CAfile', pki.path('root'), '-servername', 'localhost', '-ign_eof'], '');
      const [socket] = (await accepted) as [TLSSocket, unknown];
      await socket.close();
      const client = await run;
      expect(client.output).toMatch(/closed|DONE/);
      expect(client.output).not.toMatch(/unexpected eof/i);
    } finally {
      await listener.close();
    }
  });
});
