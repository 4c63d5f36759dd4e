/**
 * The @noble provider: the same handshakes as the node:crypto provider (RSA from
 * micro-rsa-dsa-dh, AES-CCM composed from @noble/ciphers), against itself and across providers,
 * plus RFC 8448's records.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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

  it.each([
    ['noble client, node:crypto server', noble, node],
    ['node:crypto client, noble server', node, noble],
  ] as const)('%s: every AES-CCM suite of TLS 1.3 and 1.2', (_label, clientProvider, serverProvider) => {
    for (const suite of [0x1304, 0x1305, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af]) {
      const { client, server } = pair(clientProvider, serverProvider, { ciphers: [suite] }, { ciphers: [suite] });
      handshake(client, server);
      expect(client.cipher()).toBe(suite);
      talk(client as PureBuffer, server as PureBuffer);
    }
  });

  it.each([
    ['noble client, node:crypto server', noble, node],
    ['node:crypto client, noble server', node, noble],
  ] as const)('%s: an RSA server key in TLS 1.3 (RSA-PSS) and TLS 1.2 (ECDHE-RSA)', (_label, clientProvider, serverProvider) => {
    for (const suite of [0x1301, 0xc02f, 0xcca8]) {
      const { client, server } = pair(clientProvider, serverProvider, { ciphers: [suite] }, { ciphers: [suite] }, pki.serverRsa);
      handshake(client, server);
      expect(client.cipher()).toBe(suite);
      talk(client as PureBuffer, server as PureBuffer);
    }
  });

  it('signs and checks every RSA scheme as node:crypto does, from PKCS#8 and PKCS#1 keys', () => {
    const data = text('signed data');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      const pem = text(privateKey.export({ format: 'pem', type }) as string);
      const ours = noble.signingKey(pem);
      const theirs = node.signingKey(pem);
      expect(Buffer.from(ours.publicKeyInfo).equals(Buffer.from(theirs.publicKeyInfo))).toBe(true);
      expect(ours.schemes).toEqual(theirs.schemes);
      for (const scheme of ours.schemes) {
        const signature = ours.sign(scheme, data);
        expect(signature.length).toBe(256);
        expect(node.verify(scheme, theirs.publicKeyInfo, data, signature)).toBe(true);
        expect(noble.verify(scheme, ours.publicKeyInfo, data, theirs.sign(scheme, data))).toBe(true);
        expect(noble.verify(scheme, ours.publicKeyInfo, text('other data'), theirs.sign(scheme, data))).toBe(false);
      }
    }
  });

  it('checks RSA certificate signatures (PKCS#1 v1.5 and PSS, three hashes) as node:crypto does', () => {
    const data = text('tbsCertificate');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    for (const algorithm of SIGNATURE_ALGORITHMS.filter((a) => a.startsWith('rsa-'))) {
      const [, padding, hash] = algorithm.split('-') as [string, 'pkcs1' | 'pss', string];
      const options = padding === 'pss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: { sha256: 32, sha384: 48, sha512: 64 }[hash] } : { padding: constants.RSA_PKCS1_PADDING };
      const signature = sign(hash, data, { key: privateKey, ...options });
      expect(noble.verifySignature(algorithm, spki, data, signature), algorithm).toBe(true);
      expect(node.verifySignature(algorithm, spki, data, signature), algorithm).toBe(true);
      const bad = Uint8Array.from(signature);
      bad[100]! ^= 1;
      expect(noble.verifySignature(algorithm, spki, data, bad), algorithm).toBe(false);
      expect(noble.verifySignature(algorithm, spki, data, signature.subarray(1)), algorithm).toBe(false);
    }
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

import { constants, generateKeyPairSync, sign } from 'node:crypto';
function ecPem(curve: string): string {
  const named = { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' }[curve]!;
  return generateKeyPairSync('ec', { namedCurve: named }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}
function ed25519Pem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}
