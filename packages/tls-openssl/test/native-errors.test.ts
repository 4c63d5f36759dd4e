/**
 * #14 item 12: the addon reports failures completely and leaves nothing behind: no certificate or
 * chain is dropped silently, and OpenSSL's thread-local error queue (shared with node:crypto and
 * node:tls) is empty after every call, failed or not.
 */
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Certificate, ConfigurationError, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore, type TLSBuffer } from '@unitls/tls-core';
import { MAX_CERTIFICATE_CHAINS, OpenSSLClientContext, OpenSSLServerContext } from '../src/mod.js';
import { ca, clientContext, connectedPair, leaf, pump, serverContext } from './fixtures.js';

/** A certificate block whose base64 body is damaged in the middle. */
function damaged(pem: string): string {
  const lines = pem.trim().split('\n');
  lines[3] = '!!!!' + lines[3]!.slice(4);
  return lines.join('\n') + '\n';
}

/** What node:crypto reports for an unparsable key: its own error, unless a stale one was left queued. */
function nodeCryptoError(): string {
  try {
    createPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'no error';
}

describe('nothing dropped silently', () => {
  it(`refuses more than ${MAX_CERTIFICATE_CHAINS} server chains instead of ignoring the rest`, () => {
    const chain = new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)]);
    const configuration = new TLSServerConfiguration({ certificateChain: Array.from({ length: MAX_CERTIFICATE_CHAINS + 1 }, () => chain) });
    expect(() => new OpenSSLServerContext(configuration)).toThrow(ConfigurationError);
    expect(() => new OpenSSLServerContext(configuration)).toThrow(/33 certificate chains given; a context takes at most 32/);
  });

  it('refuses a trust store with a damaged certificate after a good one', () => {
    const store = TrustStore.fromBuffer(new TextEncoder().encode(ca.certPem + damaged(ca.certPem)));
    expect(() => new OpenSSLClientContext(new TLSClientConfiguration({ trustStore: store }))).toThrow(ConfigurationError);
  });

  it('refuses a chain whose intermediate is damaged instead of serving the leaf alone', () => {
    const chain = new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)], [Certificate.fromBuffer(damaged(ca.certPem))]);
    expect(() => new OpenSSLServerContext(new TLSServerConfiguration({ certificateChain: [chain] }))).toThrow(/certificate chain 1/);
  });
});

describe("OpenSSL's error queue", () => {
  const expected = nodeCryptoError();

  const attempts: Array<[string, () => unknown]> = [
    ['a refused configuration', () => new OpenSSLClientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(new TextEncoder().encode(damaged(ca.certPem))) }))],
    ['a session that does not decode', () => clientContext().createBuffer('localhost', { session: { implementation: 'openssl', data: new Uint8Array([48, 3, 1, 2, 3]), serverHostname: 'localhost', peerCertificate: null } })],
    ['a handshake with an untrusted server', () => {
      const client = new OpenSSLClientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(leaf.certPem) })).createBuffer('other.example');
      const server = serverContext().createBuffer();
      for (let i = 0; i < 4; i++) {
        for (const side of [client, server]) try { side.doHandshake(); } catch { /* expected */ }
        pump(client, server);
        pump(server, client);
      }
    }],
    ['a read of a forged record', () => {
      const { client, server } = connectedPair();
      server.processIncoming(new Uint8Array([23, 3, 3, 0, 32, ...new Uint8Array(32)]));
      try { server.read(100); } catch { /* expected */ }
      try { server.write(new Uint8Array(10)); } catch { /* expected */ }
      client.getpeercert();
    }],
    ['a write after shutdown and a shutdown before the handshake', () => {
      const { client } = connectedPair();
      try { client.shutdown(); } catch { /* WantRead */ }
      try { client.write(new Uint8Array(10)); } catch { /* expected */ }
      try { serverContext().createBuffer().shutdown(); } catch { /* expected */ }
    }],
    ['a ragged end of stream', () => {
      const { client } = connectedPair();
      client.processIncoming(new Uint8Array(0));
      try { client.read(10); } catch { /* RaggedEOF */ }
    }],
    ['sessions, info and data both ways', () => {
      const { client, server } = connectedPair() as { client: TLSBuffer & { session(): unknown }; server: TLSBuffer };
      client.write(new Uint8Array(100));
      pump(client, server);
      server.read(100);
      client.session();
      server.cipher();
    }],
  ];

  it.each(attempts)('is empty after %s', (_, attempt) => {
    try {
      attempt();
    } catch {
      // Failures are the point of several attempts.
    }
    expect(nodeCryptoError()).toBe(expected);
  });
});
