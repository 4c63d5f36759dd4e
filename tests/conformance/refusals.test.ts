import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Certificate,
  CertificateVerificationError,
  ConfigurationError,
  NextProtocol,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TLSError,
  TLSServerConfiguration,
  TLSVersion,
  TrustStore,
} from '@unitls/tls-core';
import { chainOf, clientConfig, pki, rootStore, serverConfig } from '../support/fixtures.js';
import type { PkiName } from '../support/pki.js';
import { connectPair, failingPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

/** A server whose leaf is self-signed with CA:TRUE and a localhost SAN, made as a user does: `openssl req -x509`. */
let selfSignedCa: TLSServerConfiguration | undefined;
function selfSignedCaServer(): TLSServerConfiguration {
  if (selfSignedCa !== undefined) return selfSignedCa;
  const dir = mkdtempSync(join(tmpdir(), 'unitls-selfsigned-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'ignore' });
    expect(execFileSync('openssl', ['x509', '-in', 'cert.pem', '-noout', '-ext', 'basicConstraints'], { cwd: dir }).toString()).toContain('CA:TRUE');
    const chain = new SigningChain([Certificate.fromBuffer(readFileSync(join(dir, 'cert.pem'))), PrivateKey.fromBuffer(readFileSync(join(dir, 'key.pem')))]);
    return (selfSignedCa = new TLSServerConfiguration({ certificateChain: [chain] }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The advice every implementation ends an unknown issuer's or self-signed certificate's message with. */
const TRUST_ADVICE = /; if you trust (its issuer \(a private or test CA\), pass that CA's certificate|this certificate, pass it) in the configuration's trustStore: TrustStore\.fromFile\('(ca|cert)\.pem'\) or TrustStore\.fromBuffer\(pem\)$/;

describe.each(implementations.map((i) => [i.name, i] as const))('refusals (%s)', (_, implementation) => {
  it.each([
    ['expired', 'localhost', 'expired'],
    ['not-yet-valid', 'localhost', 'not-yet-valid'],
    ['wronghost', 'localhost', 'hostname-mismatch'],
    ['cn-only', 'localhost', 'hostname-mismatch'],
    ['selfsigned', 'localhost', 'self-signed'],
    ['untrusted', 'localhost', 'untrusted-issuer'],
    ['server-ec', 'other.test', 'hostname-mismatch'],
    ['server-ec', '127.0.0.2', 'hostname-mismatch'],
  ] as const)('refuses a %s certificate for %s: %s', async (leaf, name, reason) => {
    const result = await failingPair(implementation, serverConfig(leaf as PkiName), clientConfig(), { serverHostname: name });
    expect(result.client).toBeInstanceOf(CertificateVerificationError);
    expect(result.client).toMatchObject({ reason });
    expect((result.client as Error).message.length).toBeGreaterThan(20);
    // Trial 9: tls-pure's messages lacked the prefix tls-node's and tls-openssl's carry.
    expect((result.client as Error).message).toMatch(/^certificate verification failed: /);
    // Trial 7: an unknown issuer's message said what failed, not what to do; now it ends with it.
    if (reason === 'untrusted-issuer' || reason === 'self-signed') expect((result.client as Error).message).toMatch(TRUST_ADVICE);
    else expect((result.client as Error).message).not.toContain('trustStore');
  });

  it('refuses a self-signed leaf with CA:TRUE (as openssl req -x509 makes it) as self-signed, with the trustStore advice', async () => {
    const result = await failingPair(implementation, selfSignedCaServer(), clientConfig(), { serverHostname: 'localhost' });
    expect(result.client).toBeInstanceOf(CertificateVerificationError);
    // Trial 9: tls-pure said invalid-purpose (CA_USED_AS_END_ENTITY), tls-node and tls-openssl self-signed.
    expect(result.client).toMatchObject({ reason: 'self-signed' });
    expect((result.client as Error).message).toMatch(/^certificate verification failed: /);
    expect((result.client as Error).message).toMatch(TRUST_ADVICE);
  });

  it('an expired certificate: the message names the certificate, its notAfter and the verification time (certificate-validity.test has the rest)', async () => {
    const result = await failingPair(implementation, serverConfig('expired'), clientConfig(), { serverHostname: 'localhost' });
    const message = (result.client as Error).message;
    expect(message).toMatch(/^certificate verification failed: the certificate "CN=localhost" expired at \d{4}-\d\d-\d\dT[\d:.]+Z \(its notAfter\); the verification time was \S+ \((CERT_HAS_EXPIRED|EXPIRED)\); check that this computer's clock/);
  });

  it.each([
    ['wronghost', 'localhost'],
    ['server-ec', 'other.test'],
    ['server-ec', '127.0.0.2'],
  ] as const)('names the name asked for and the certificate\'s DNS names when a %s certificate does not match %s', async (leaf, name) => {
    const result = await failingPair(implementation, serverConfig(leaf), clientConfig(), { serverHostname: name });
    expect(result.client).toBeInstanceOf(CertificateVerificationError);
    expect(result.client).toMatchObject({ reason: 'hostname-mismatch' });
    const message = (result.client as Error).message;
    const dnsNames = (new X509Certificate(pki.pem(leaf)).subjectAltName ?? '').split(', ').filter((san) => san.startsWith('DNS:')).map((san) => san.slice(4));
    expect(dnsNames.length).toBeGreaterThan(0);
    expect(message).toContain(name);
    for (const dnsName of dnsNames) expect(message).toContain(dnsName);
  });

  it('trusts the system store by default, which does not hold our test root', async () => {
    const result = await failingPair(implementation, serverConfig(), new TLSClientConfiguration());
    expect(result.client).toMatchObject({ reason: 'untrusted-issuer' });
    expect((result.client as Error).message).toMatch(TRUST_ADVICE);
  });

  it('accepts an intermediate as trust anchor (partial chain, as the PEP reference does)', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig({ trustStore: TrustStore.fromFile(pki.path('intermediate')) }));
    expect(pair.client.negotiatedTlsVersion).not.toBeNull();
    await pair.close();
  });

  it('refuses when no version is in common, on both sides', async () => {
    const result = await failingPair(
      implementation,
      serverConfig('server-ec', { highestSupportedVersion: TLSVersion.TLSv1_2 }),
      clientConfig({ lowestSupportedVersion: TLSVersion.TLSv1_3 }),
    );
    expect(result.client).toBeInstanceOf(TLSError);
    expect((result.client as Error).message).toMatch(/version/i);
    expect(result.server).toBeInstanceOf(TLSError);
  });

  it('refuses when no cipher is in common', async () => {
    const result = await failingPair(
      implementation,
      serverConfig('server-rsa', { ciphers: [0xc030] }),
      clientConfig({ ciphers: [0xc02f] }),
    );
    expect(result.client).toBeInstanceOf(TLSError);
    expect((result.client as Error).message).toMatch(/cipher|handshake_failure/i);
    expect((result.server as Error).message).toMatch(/cipher/i);
  });

  it('keeps a TLS-1.2-only cipher list on TLS 1.2 (never the default TLS 1.3 suites)', async () => {
    const pair = await connectPair(implementation, serverConfig('server-ec'), clientConfig({ ciphers: [0xc02b] }));
    expect(pair.client.negotiatedTlsVersion).toBe('TLSv1.2');
    expect(pair.client.cipher()).toBe(0xc02b);
    await pair.close();
  });

  it('refuses ciphers that leave no configured version', () => {
    expect(() => new implementation.clientContext(clientConfig({ ciphers: [0x1301], highestSupportedVersion: TLSVersion.TLSv1_2 }))).toThrow(
      ConfigurationError,
    );
  });

  it('refuses an empty cipher list (at construction) and an all-unknown one (at context creation)', () => {
    expect(() => clientConfig({ ciphers: [] })).toThrow(ConfigurationError);
    const unknown = clientConfig({ ciphers: [0x0000, 0xfefe] });
    expect(() => implementation.validateConfig(unknown)).toThrow(/none of the configured ciphers/);
    expect(() => new implementation.clientContext(unknown)).toThrow(ConfigurationError);
  });

  it('refuses fromId material in validateConfig and at context creation', () => {
    const byId = [
      clientConfig({ trustStore: TrustStore.fromId('store:1') }),
      clientConfig({ certificateChain: new SigningChain([Certificate.fromId('c'), PrivateKey.fromId('k')]) }),
      new TLSServerConfiguration({ certificateChain: [new SigningChain([Certificate.fromFile(pki.path('server-ec')), PrivateKey.fromId('hsm:7')])] }),
    ];
    for (const config of byId) {
      expect(() => implementation.validateConfig(config)).toThrow(/fromId\(\) is not supported/);
      const Context = config instanceof TLSServerConfiguration ? implementation.serverContext : implementation.clientContext;
      expect(() => new (Context as new (c: typeof config) => unknown)(config)).toThrow(ConfigurationError);
    }
  });

  it('keeps TCP failures as the system error they are (not a TLSError)', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TLSError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses a server configuration without a certificate chain', () => {
    expect(() => new implementation.serverContext(new TLSServerConfiguration())).toThrow(/certificate chain/);
  });

  it('says clearly when a TLSBuffer is not available', () => {
    if (implementation.features.buffer) return;
    expect(() => new implementation.clientContext(clientConfig()).createBuffer('localhost')).toThrow(/Use @unitls\/tls-openssl or @unitls\/tls-pure for TLSBuffer/);
    expect(() => new implementation.serverContext(serverConfig()).createBuffer()).toThrow(ConfigurationError);
  });

  it('refuses a server whose key does not match its certificate', () => {
    const mismatched = new TLSServerConfiguration({
      certificateChain: [new SigningChain([Certificate.fromFile(pki.path('server-ec')), PrivateKey.fromFile(pki.path('beta-ec', 'key'))])],
    });
    expect(() => new implementation.serverContext(mismatched)).toThrow(ConfigurationError);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('ALPN (%s)', (_, implementation) => {
  const raw = new Uint8Array([0x75, 0x6e, 0x69, 0x00, 0xff]);
  it.each([...Object.values(NextProtocol).map((p) => [p, p] as const), ['raw bytes', raw] as const])(
    'negotiates %s',
    async (_label, protocol) => {
      const pair = await connectPair(
        implementation,
        serverConfig('server-ec', { innerProtocols: [protocol] }),
        clientConfig({ innerProtocols: ['http/1.1', protocol] }),
      );
      try {
        expect(pair.client.negotiatedProtocol()).toEqual(protocol);
        expect(pair.server.negotiatedProtocol()).toEqual(protocol);
      } finally {
        await pair.close();
      }
    },
  );

  it('reports null when the server does not use ALPN', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig({ innerProtocols: ['h2'] }));
    expect(pair.client.negotiatedProtocol()).toBeNull();
    expect(pair.server.negotiatedProtocol()).toBeNull();
    await pair.close();
  });

  it('ends with no_application_protocol when both use ALPN without overlap (RFC 7301 §3.2)', async () => {
    const result = await failingPair(
      implementation,
      serverConfig('server-ec', { innerProtocols: ['h2'] }),
      clientConfig({ innerProtocols: ['http/1.1'] }),
    );
    expect((result.client as Error).message).toMatch(/ALPN|application_protocol/);
    expect(result.server).toBeInstanceOf(TLSError);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('client certificates (%s)', (_, implementation) => {
  const requiring = () => serverConfig('server-ec', { trustStore: rootStore() });

  it('authenticates a client that sends a trusted certificate', async () => {
    const pair = await connectPair(implementation, requiring(), clientConfig({ certificateChain: chainOf('client') }));
    try {
      const { X509Certificate } = await import('node:crypto');
      expect(Buffer.from(pair.server.getpeercert()!).equals(new X509Certificate(pki.pem('client')).raw)).toBe(true);
    } finally {
      await pair.close();
    }
  });

  it.each([TLSVersion.TLSv1_2, TLSVersion.TLSv1_3])('refuses a client without a certificate (%s)', async (version) => {
    const listener = await new implementation.serverContext(requiring()).connect({ host: '127.0.0.1', port: 0 });
    const accepted = listener.accept().then(
      () => null,
      (error: unknown) => error,
    );
    const client = new implementation.clientContext(clientConfig({ highestSupportedVersion: version }));
    // TLS 1.3 clients finish their side before the server's verdict; it shows on the first read.
    const clientError = await client
      .connect({ host: 'localhost', port: listener.getsockname()!.port })
      .then(async (socket) => {
        try {
          await socket.recv(1);
          return null;
        } catch (error) {
          return error;
        } finally {
          await socket.close(true);
        }
      })
      .catch((error: unknown) => error);
    if (version === TLSVersion.TLSv1_3) {
      expect(clientError).toBeInstanceOf(CertificateVerificationError);
      expect(clientError).toMatchObject({ reason: 'missing-certificate' });
    } else {
      // TLS 1.2 has no certificate_required alert: the client only sees handshake_failure.
      expect(clientError).toBeInstanceOf(TLSError);
      expect((clientError as Error).message).toMatch(/handshake_failure/);
    }
    expect(await accepted).toMatchObject({ reason: 'missing-certificate' });
    await listener.close();
  });

  it('refuses a server-only certificate offered as a client certificate', async () => {
    const result = await failingPair(implementation, requiring(), clientConfig({ certificateChain: chainOf('server-ec') }));
    expect(result.server).toMatchObject({ reason: 'invalid-purpose' });
  });

  it('refuses a client certificate from an untrusted issuer (server side)', async () => {
    const result = await failingPair(implementation, requiring(), clientConfig({ certificateChain: chainOf('foreign-client') }));
    expect(result.server).toBeInstanceOf(CertificateVerificationError);
    expect(result.server).toMatchObject({ reason: 'untrusted-issuer' });
  });
});
