/**
 * SSLContext's client contexts advise what an ssl-style caller uses for a certificate nobody said
 * to trust (Python's cafile / load_verify_locations: createDefaultContext({ cafile }) or
 * loadVerifyLocations), as ssl-compat's connect advises node:tls's `ca` (d460b07); they advised
 * PEP 748's trustStore, which such a caller never handles. On every implementation, through
 * connect and through startTls (tls-node's upgrade; the others' createBuffer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateVerificationError, connectTcp, startTls, type TLSImplementation } from '@unitls/tls-core';
import { Purpose, SSLContext, createDefaultContext } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(leaf: 'server-ec' | 'selfsigned'): Promise<number> {
  const chain = leaf === 'server-ec' ? ['-cert_chain', pki.path('intermediate')] : [];
  const s = await startServer(['-cert', pki.path(leaf), ...chain, '-key', pki.path(leaf, 'key'), '-rev']);
  servers.push(s);
  return s.port;
}

/** The handshake's failure through `ssl`'s client context, opened the way `how` says. */
async function failure(ssl: SSLContext, implementation: TLSImplementation, port: number, how: 'connect' | 'startTls'): Promise<unknown> {
  const context = ssl.clientContext(implementation);
  if (how === 'connect') return context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }).then((s) => s.close(), (e: unknown) => e);
  const tcp = await connectTcp('127.0.0.1', port, undefined);
  try {
    return await startTls(context, tcp, { serverHostname: 'localhost' }).then((s) => s.close(), (e: unknown) => e);
  } finally {
    tcp.destroy();
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('SSLContext, a certificate nobody said to trust, over %s', (_, implementation) => {
  describe.each(['connect', 'startTls'] as const)('through %s', (how) => {
    it('an unknown issuer: advises cafile / loadVerifyLocations, not trustStore', async () => {
      const port = await server('server-ec');
      const error = await failure(createDefaultContext(Purpose.SERVER_AUTH, { cafile: pki.path('other-root') }), implementation, port, how);
      expect(error).toBeInstanceOf(CertificateVerificationError);
      expect(error).toMatchObject({ reason: 'untrusted-issuer' });
      expect((error as Error).message).toMatch(
        /; if you trust its issuer \(a private or test CA\), give the SSLContext that CA's certificate: createDefaultContext\(Purpose\.SERVER_AUTH, \{ cafile: 'ca\.pem' \}\), or loadVerifyLocations\('ca\.pem'\) on a new SSLContext\(PROTOCOL_TLS_CLIENT\)$/,
      );
      expect((error as Error).message).not.toMatch(/trustStore|TrustStore/);
      // The implementation's error is kept.
      expect((error as Error).cause).toBeInstanceOf(CertificateVerificationError);
    });

    it('a self-signed certificate: advises giving it to the SSLContext', async () => {
      const port = await server('selfsigned');
      const ssl = new SSLContext();
      ssl.loadVerifyLocations(pki.path('root'));
      const error = await failure(ssl, implementation, port, how);
      expect(error).toMatchObject({ reason: 'self-signed' });
      expect((error as Error).message).toMatch(/; if you trust this certificate, give it to the SSLContext: createDefaultContext\(Purpose\.SERVER_AUTH, \{ cafile: 'cert\.pem' \}\), or loadVerifyLocations\('cert\.pem'\) on a new SSLContext\(PROTOCOL_TLS_CLIENT\)$/);
      expect((error as Error).message).not.toMatch(/trustStore|TrustStore/);
    });
  });

  it('a trusted server still connects, and the context keeps its configuration', async () => {
    const port = await server('server-ec');
    const ssl = createDefaultContext(Purpose.SERVER_AUTH, { cafile: pki.path('root') });
    const context = ssl.clientContext(implementation);
    expect(context.configuration.trustStore).not.toBeNull();
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    expect(socket.negotiatedTlsVersion).toMatch(/^TLSv1\.[23]$/);
    await socket.close();
  });
});
