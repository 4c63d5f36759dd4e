/**
 * The @noble provider: the same handshakes as the node:crypto provider where it has the
 * primitives (no RSA, no AES-CCM), against itself and across providers, plus RFC 8448's records.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { nobleCryptoProvider as noble, nodeCryptoProvider as node, PureClientContext, PureServerContext, type CryptoProvider, type PureBuffer } from '../src/mod.js';
import { SIGNATURE_ALGORITHMS } from '../src/x509/signature-verifier.js';
import { chain, clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const text = (s: string) => new TextEncoder().encode(s);

function pair(clientProvider: CryptoProvider, serverProvider: CryptoProvider, clientOptions = {}, serverOptions = {}, leaf = pki.serverEc) {
  const client = new PureClientContext(clientConfiguration(pki, clientOptions), { provider: clientProvider }).createBuffer('localhost');
  const server = new PureServerContext(serverConfiguration(pki, serverOptions, leaf), { provider: serverProvider }).createBuffer();
  return { client, server };
}

function talk(client: PureBuffer, server: PureBuffer): void {
  client.write(text('from noble'));
  pump(client, server);
  expect(new TextDecoder().decode(server.read(100) as Uint8Array)).toBe('from noble');
  server.write(text('and back'));
  pump(server, client);
  expect(new TextDecoder().decode(client.read(100) as Uint8Array)).toBe('and back');
}

describe('the @noble provider', () => {
  it.each([
    ['noble/noble', noble, noble],
    ['noble client, node:crypto server', noble, node],
    ['node:crypto client, noble server', node, noble],
  ] as const)('%s: TLS 1.3 suites, both groups kinds, client certificates', (_label, clientProvider, serverProvider) => {
    for (const suite of [0x1301, 0x1302, 0x1303]) {
      const { client, server } = pair(clientProvider, serverProvider, { ciphers: [suite], certificateChain: chain(pki.client, pki) }, { ciphers: [suite], trustStore: clientConfiguration(pki).trustStore });
      handshake(client, server);
      expect(client.cipher()).toBe(suite);
      expect((client as PureBuffer).keyExchangeGroup()).toBe(0x11ec);
      expect(Buffer.from(server.getpeercert()!).equals(new X509Certificate(pki.client.certPem).raw)).toBe(true);
      talk(client as PureBuffer, server as PureBuffer);
    }
  });

  it.each(['c02b', 'c02c', 'cca9'])('TLS 1.2 suite 0x%s with X25519, P-256 and P-384 key exchange', (suite) => {
    for (const groups of [[0x0017], [0x0018], [0x001d]]) {
      const id = parseInt(suite, 16);
      const client = new PureClientContext(clientConfiguration(pki, { ciphers: [id] }), { provider: noble, groups }).createBuffer('localhost');
      const server = new PureServerContext(serverConfiguration(pki, { ciphers: [id] }), { provider: node }).createBuffer();
      handshake(client, server);
      expect(client.negotiatedTlsVersion).toBe('TLSv1.2');
      expect((client as PureBuffer).keyExchangeGroup()).toBe(groups[0]);
      talk(client as PureBuffer, server as PureBuffer);
    }
  });

  it('resumes a session and answers a HelloRetryRequest', () => {
    const clientContext = new PureClientContext(clientConfiguration(pki), { provider: noble, groups: [0x001d, 0x0017] });
    const serverContext = new PureServerContext(serverConfiguration(pki), { provider: noble, groups: [0x0017] });
    const first = clientContext.createBuffer('localhost');
    const firstServer = serverContext.createBuffer();
    expect(handshake(first, firstServer)).toBe(3);
    pump(firstServer, first);
    expect(() => first.read(1)).toThrow();
    const again = clientContext.createBuffer('localhost', { session: first.session() });
    const againServer = serverContext.createBuffer();
    handshake(again, againServer);
    expect(again.sessionReused).toBe(true);
  });

  it('leaves out AES-CCM, and refuses a CCM-only configuration clearly', () => {
    expect(() => new PureClientContext(clientConfiguration(pki, { ciphers: [0x1304, 0x1305] }), { provider: noble })).toThrow(ConfigurationError);
    const { client, server } = pair(noble, node, { ciphers: [0x1304, 0x1301] }, { ciphers: [0x1304, 0x1301] });
    handshake(client, server);
    expect(client.cipher()).toBe(0x1301);
  });

  it('has no RSA: an RSA server key fails the handshake signature check (decrypt_error), never passes', () => {
    const { client, server } = pair(noble, node, {}, {}, pki.serverRsa);
    expect(() => handshake(client, server)).toThrow(/CertificateVerify signature does not verify/);
    expect(() => noble.signingKey(new TextEncoder().encode(pki.serverRsa.keyPem))).toThrow(/RSA|unsupported/);
  });

  it('agrees with node:crypto on every ECDSA and Ed25519 certificate signature algorithm it has', () => {
    const data = text('signed data');
    for (const algorithm of SIGNATURE_ALGORITHMS.filter((a) => a.startsWith('ecdsa-') || a === 'ed25519')) {
      const key = node.signingKey(text(algorithm === 'ed25519' ? ed25519Pem() : ecPem(algorithm.split('-')[1]!)));
      const scheme = key.schemes[0]!;
      const signature = key.sign(scheme, data);
      // Only the scheme's own hash is produced by sign(); the other hashes go through verifySignature's mapping below.
      expect(noble.verify(scheme, key.publicKeyInfo, data, signature)).toBe(true);
      expect(noble.verify(scheme, key.publicKeyInfo, text('other data'), signature)).toBe(false);
    }
  });
});

import { generateKeyPairSync } from 'node:crypto';
function ecPem(curve: string): string {
  const named = { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' }[curve]!;
  return generateKeyPairSync('ec', { namedCurve: named }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}
function ed25519Pem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}
