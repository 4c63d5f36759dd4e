import { describe, expect, it } from 'vitest';
import { CipherSuite, TLSVersion } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { recvExactly, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const pairs = implementations.flatMap((client) => implementations.filter((server) => server !== client).map((server) => [`${client.name} client`, `${server.name} server`, client, server] as const));

describe.each(pairs)('%s with %s', (_c, _s, clientImplementation, serverImplementation) => {
  const suites = Object.entries(CipherSuite).map(([name, id]) => [name, id] as const);

  it.each(suites)('negotiates %s', async (_name, id) => {
    const tls12 = id > 0x1305;
    const ecdsa = [0xc02b, 0xc02c, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xcca9].includes(id);
    const listener = await new serverImplementation.serverContext(
      serverConfig(tls12 && !ecdsa ? 'server-rsa' : 'server-ec', { ciphers: [id], innerProtocols: ['http/1.1', 'h2'] }),
    ).connect({ host: '127.0.0.1', port: 0 });
    try {
      const [client, [server]] = await Promise.all([
        new clientImplementation.clientContext(
          clientConfig({ ciphers: [id], innerProtocols: ['h2'], highestSupportedVersion: tls12 ? TLSVersion.TLSv1_2 : TLSVersion.TLSv1_3 }),
        ).connect({ host: 'localhost', port: listener.getsockname()!.port }),
        listener.accept(),
      ]);
      expect(client.cipher()).toBe(id);
      expect(server.cipher()).toBe(id);
      expect(client.negotiatedTlsVersion).toBe(tls12 ? 'TLSv1.2' : 'TLSv1.3');
      expect(client.negotiatedProtocol()).toBe('h2');
      await sendText(client, 'across');
      expect(await recvExactly(server, 6)).toBe('across');
      await sendText(server, 'back');
      expect(await recvExactly(client, 4)).toBe('back');
      await Promise.all([client.close(true), server.close(true)]);
    } finally {
      await listener.close();
    }
  });
});
