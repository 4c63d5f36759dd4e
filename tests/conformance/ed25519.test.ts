/**
 * Ed25519 certificates in handshakes (issue #17: "Signatures: ECDSA, RSA-PSS, RSA PKCS#1
 * (certificates only), Ed25519"). Until session 15 tls-pure's Ed25519 was tested only below the
 * handshake (a provider's sign and verify, x509 signature checks): no handshake ever signed or
 * checked a CertificateVerify (TLS 1.3) or ServerKeyExchange (TLS 1.2, ECDHE_ECDSA suites with the
 * ed25519 scheme, RFC 8422 §5.10) with an Ed25519 key.
 *
 * The leaf is an Ed25519 key certified by the fixture intermediate (ECDSA), made with the openssl
 * command line, so the chain's own signatures are ECDSA and only the handshake signature is Ed25519.
 * Every implementation, with openssl s_server and s_client (OpenSSL 3.0 signs and checks ed25519 in
 * both versions), both ways, TLS 1.3 and TLS 1.2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Certificate, CipherSuite, PrivateKey, SigningChain, TLSServerConfiguration, TLSVersion } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { runClient, startServer, type OpenSSLServer } from '../support/openssl.js';
import { recvUntil, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const dir = mkdtempSync(join(tmpdir(), 'unitls-ed25519-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = join(dir, 'ed25519.key');
const cert = join(dir, 'ed25519.crt');
const extensions = join(dir, 'leaf.ext');
execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
execFileSync('sh', ['-c', `printf '%s\\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth,clientAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' > '${extensions}'`]);
const request = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/CN=unitls ed25519 leaf']);
execFileSync('openssl', ['x509', '-req', '-CA', pki.path('intermediate'), '-CAkey', pki.path('intermediate', 'key'), '-CAcreateserial', '-days', '2', '-extfile', extensions, '-out', cert], { input: request });
const chainFile = join(dir, 'ed25519.chain.crt');
execFileSync('sh', ['-c', `cat '${cert}' '${pki.path('intermediate')}' > '${chainFile}'`]);

const ed25519Chain = () => new SigningChain([Certificate.fromBuffer(readFileSync(cert)), PrivateKey.fromBuffer(readFileSync(key))], [Certificate.fromFile(pki.path('intermediate'))]);

const VERSIONS = [
  ['TLSv1.3', TLSVersion.TLSv1_3, CipherSuite.TLS_AES_128_GCM_SHA256, ['-tls1_3']],
  ['TLSv1.2', TLSVersion.TLSv1_2, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']],
] as const;

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe.each(implementations.map((i) => [i.name, i] as const))('Ed25519 certificates (%s)', (_, implementation) => {
  it.each(VERSIONS)('checks s_server\'s Ed25519 handshake signature over %s', async (version, tlsVersion, suite, flags) => {
    const server = await startServer(['-cert', cert, '-cert_chain', pki.path('intermediate'), '-key', key, '-rev', '-sigalgs', 'ed25519', ...flags]);
    servers.push(server);
    const context = new implementation.clientContext(clientConfig({ ciphers: [suite], lowestSupportedVersion: tlsVersion, highestSupportedVersion: tlsVersion }));
    const socket = await context.connect({ host: 'localhost', port: server.port });
    try {
      expect([socket.negotiatedTlsVersion, socket.cipher()]).toEqual([version, suite]);
      await sendText(socket, 'hello ed25519\n');
      expect(await recvUntil(socket, /\n/)).toBe('91552de olleh\n');
    } finally {
      await socket.close(true);
    }
  });

  it.each(VERSIONS)('signs with an Ed25519 key for s_client over %s', async (version, tlsVersion, suite, flags) => {
    const config = new TLSServerConfiguration({ certificateChain: [ed25519Chain()], ciphers: [suite], lowestSupportedVersion: tlsVersion, highestSupportedVersion: tlsVersion });
    const listener = await new implementation.serverContext(config).connect({ host: '127.0.0.1', port: 0 });
    try {
      const accepted = listener.accept().then(async ([socket]) => {
        const line = await recvUntil(socket, /\n/);
        await sendText(socket, 'pong\n');
        return { socket, line };
      });
      const run = runClient(
        listener.getsockname()!.port,
        ['-brief', '-CAfile', pki.path('root'), '-verify_return_error', '-servername', 'localhost', '-sigalgs', 'ed25519', ...flags],
        'ping\n',
        /pong/,
      );
      const { socket, line } = await accepted;
      const client = await run;
      expect(line).toBe('ping\n');
      expect(socket.negotiatedTlsVersion).toBe(version);
      expect(client.output).toContain(`Protocol version: ${version}`);
      expect(client.output).toContain('Signature type: ed25519');
      expect(client.output).toContain('Peer certificate: CN = unitls ed25519 leaf');
      expect(client.output).toContain('Verification: OK');
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });

  it('authenticates a client with an Ed25519 certificate (TLS 1.3, s_server requiring one)', async () => {
    const server = await startServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-Verify', '2', '-CAfile', pki.path('root'), '-verify_return_error', '-rev', '-tls1_3']);
    servers.push(server);
    const context = new implementation.clientContext(clientConfig({ certificateChain: ed25519Chain() }));
    const socket = await context.connect({ host: 'localhost', port: server.port });
    try {
      await sendText(socket, 'client ed25519\n');
      expect(await recvUntil(socket, /\n/)).toBe('91552de tneilc\n');
      await expect.poll(() => server.output()).toMatch(/unitls ed25519 leaf/); // s_server's verify lines come when they come
    } finally {
      await socket.close(true);
    }
  });
});
