/**
 * TLS 1.2 session resumption across implementations (the extension FTPS data connections need when
 * a server stops at TLS 1.2): every resuming client resumes every resuming server's session, the
 * second handshake abbreviated on both ends, the same peer certificate reported, data flowing.
 */
import { describe, expect, it } from 'vitest';
import { TLSVersion, type TLSSession } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { recvExactly, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const resuming = implementations.filter((i) => i.features.sessionResumption);
const pairs = resuming.flatMap((client) => resuming.map((server) => [client.name, server.name, client, server] as const));
const twelve = { highestSupportedVersion: TLSVersion.TLSv1_2 };

describe.each(pairs)('TLS 1.2 resumption: %s client, %s server', (_c, _s, clientImplementation, serverImplementation) => {
  it('resumes the first connection’s session on the second', async () => {
    const listener = await new serverImplementation.serverContext(serverConfig('server-ec', twelve)).connect({ host: '127.0.0.1', port: 0 });
    const address = { host: '127.0.0.1', port: listener.getsockname()!.port };
    const context = new clientImplementation.clientContext(clientConfig(twelve));
    try {
      const [first, [firstServer]] = await Promise.all([context.connect(address, { serverHostname: 'localhost' }), listener.accept()]);
      expect([first.negotiatedTlsVersion, first.sessionReused]).toEqual(['TLSv1.2', false]);
      await sendText(firstServer, 'x');
      await recvExactly(first, 1);
      const session: TLSSession | null = first.session!();
      expect(session).not.toBeNull();
      const verified = first.getpeercert();
      await Promise.all([first.close(true), firstServer.close(true)]);

      const [second, [secondServer]] = await Promise.all([context.connect(address, { serverHostname: 'localhost', session }), listener.accept()]);
      expect([second.negotiatedTlsVersion, second.sessionReused, secondServer.sessionReused ?? true]).toEqual(['TLSv1.2', true, true]);
      expect(second.getpeercert()).toEqual(verified);
      await sendText(second, 'resumed');
      expect(await recvExactly(secondServer, 7)).toBe('resumed');
      await Promise.all([second.close(true), secondServer.close(true)]);
    } finally {
      await listener.close();
    }
  });
});
