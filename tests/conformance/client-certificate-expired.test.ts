/**
 * An expired client certificate (break13 finding 4). A server refuses it with the certificate_expired
 * alert (RFC 8446 section 6.2; RFC 5246 section 7.2.2), as openssl s_server does, and names it with
 * tls-core's validity message; a client told so says what the alert means, the same words on every
 * implementation. tls-node's server cannot send the alert: node:tls verifies a client's chain with
 * a callback that accepts every certificate (the verdict is read once the handshake is over) and has
 * no call that sends an alert, so it closes the connection (the client sees it end without an
 * alert); its README says so. The clients are openssl s_client (a peer nobody here wrote) and each
 * implementation's, against openssl s_server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CERTIFICATE_ALERT_EXPLANATIONS, CertificateVerificationError, TLSError, TLSVersion, type TLSImplementation } from '@unitls/tls-core';
import { chainOf, clientConfig, pki, rootStore, serverConfig } from '../support/fixtures.js';
import { runClient, startServer, type OpenSSLServer } from '../support/openssl.js';
import { conformanceImplementations as implementations } from './implementations.js';

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const VERSIONS = [['TLS 1.3', '-tls1_3', TLSVersion.TLSv1_3], ['TLS 1.2', '-tls1_2', TLSVersion.TLSv1_2]] as const;

/** The implementations whose server cannot send an alert after its verdict on the client's chain (node:tls). */
const sendsNoAlert = (implementation: TLSImplementation) => implementation.name === 'node';

describe.each(implementations.map((i) => [i.name, i] as const))('an expired client certificate (%s)', (_, implementation) => {
  it.each(VERSIONS)('its server refuses it, naming it; openssl s_client is told certificate_expired (%s)', async (_version, flag) => {
    const listener = await new implementation.serverContext(serverConfig('server-ec', { trustStore: rootStore() })).connect({ host: '127.0.0.1', port: 0 });
    try {
      const accepted = listener.accept().then(
        async ([socket]) => {
          await socket.close(true);
          return null;
        },
        (error: unknown) => error,
      );
      // -ign_eof: s_client keeps reading until the server ends the connection.
      const run = await runClient(listener.getsockname()!.port, [flag, '-ign_eof', '-servername', 'localhost', '-CAfile', pki.path('root'), '-cert', pki.path('expired-client'), '-key', pki.path('expired-client', 'key'), '-cert_chain', pki.path('intermediate')], '');
      const refused = await accepted;
      expect(refused).toBeInstanceOf(CertificateVerificationError);
      expect(refused).toMatchObject({ reason: 'expired' });
      expect((refused as Error).message).toMatch(/^certificate verification failed: the certificate "CN=unitls expired client" expired at \S+ \(its notAfter\)/);
      if (sendsNoAlert(implementation)) {
        // node:tls: no alert; the connection ends (s_client: "unexpected eof while reading").
        expect(run.output).not.toMatch(/alert/);
        expect(run.output).toMatch(/unexpected eof/);
      } else {
        expect(run.output).toMatch(/alert certificate expired[^\n]*SSL alert number 45/);
      }
    } finally {
      await listener.close();
    }
  });

  it.each(VERSIONS)('its client, refused by openssl s_server with certificate_expired, says what the alert means (%s)', async (_version, flag, version) => {
    const server = await startServer([flag, '-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-Verify', '2', '-verify_return_error', '-CAfile', pki.path('root')]);
    servers.push(server);
    const client = new implementation.clientContext(clientConfig({ certificateChain: chainOf('expired-client'), highestSupportedVersion: version }));
    // TLS 1.3 clients finish their side before the server's verdict: it shows on the first read.
    const error = await client.connect({ host: 'localhost', port: server.port }).then(
      async (socket) => {
        try {
          await socket.recv(1);
          return null;
        } catch (failure) {
          return failure;
        } finally {
          await socket.close(true);
        }
      },
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as Error).message).toContain(CERTIFICATE_ALERT_EXPLANATIONS.certificate_expired);
  });
});
