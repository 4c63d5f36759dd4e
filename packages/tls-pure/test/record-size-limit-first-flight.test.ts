/**
 * RFC 8449 §4: a record size limit is in effect only once the peer has negotiated it. A TLS 1.3
 * client learns whether the server did from EncryptedExtensions, which arrives encrypted, so the
 * record that carries it (and, from a server that packs its flight, Certificate, CertificateVerify
 * and Finished with it) must be judged by TLS 1.3's own bound, 2^14 + 1, not by the limit we
 * offered. BoringSSL, for one, packs a flight into as few records as fit and has no RFC 8449.
 *
 * The peer here is tls-pure's own server, which also packs its flight, made blind to the client's
 * record_size_limit: it reads the ClientHello without that extension (its transcript still takes the
 * hello as sent), so it answers with none and writes records of up to 2^14 bytes.
 */
import { describe, expect, it } from 'vitest';
import type { TLSBuffer, TLSVersion } from '@unitls/tls-core';
import { ContentType, ExtensionType } from '../src/codec/constants.js';
import { decodeClientHello, encodeClientHello, type HandshakeMessage } from '../src/codec/messages.js';
import { PureBuffer } from '../src/buffer.js';
import { PureClientContext, PureServerContext, nodeCryptoProvider } from '../src/mod.js';
import { DEFAULT_LIMITS } from '../src/config/limits.js';
import { loadChain } from '../src/config/material.js';
import { planSuites } from '../src/config/validate.js';
import { Engine, type HandshakeState } from '../src/engine.js';
import { startServer } from '../src/handshake/server.js';
import { chain, clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();

/** A server state that reads the ClientHello as if it had no record_size_limit. */
function blindToRecordSizeLimit(inner: HandshakeState): HandshakeState {
  return {
    name: inner.name,
    handle(engine: Engine, message: HandshakeMessage): HandshakeState {
      const hello = decodeClientHello(message.body);
      const extensions = hello.extensions.filter((e) => e.type !== ExtensionType.RECORD_SIZE_LIMIT);
      expect(extensions.length).toBe(hello.extensions.length - 1); // the client did offer one
      const body = encodeClientHello({ ...hello, extensions }).subarray(4);
      return inner.handle(engine, { ...message, body });
    },
  };
}

/** A tls-pure server (of `version`, advertising `recordSizeLimit`) that does not see the client's record_size_limit. */
function serverWithout8449(version: TLSVersion, recordSizeLimit = 2 ** 14 + 1): PureBuffer {
  const provider = nodeCryptoProvider;
  const state = startServer({
    provider,
    plan: planSuites(null, version, version),
    groups: provider.groups,
    alpn: null,
    chains: [{ ...loadChain(chain(pki.serverEc, pki), provider), matches: () => true }],
    clientVerifier: null,
    verificationTime: () => new Date(),
    ticketer: null,
    limits: DEFAULT_LIMITS,
  });
  const engine = new Engine(provider, DEFAULT_LIMITS, blindToRecordSizeLimit(state));
  engine.records.role = 'server';
  engine.records.advertisedLimit = recordSizeLimit;
  return new PureBuffer(new PureServerContext(serverConfiguration(pki)), engine, null, null);
}

/** The records in `bytes`: content type and length. */
function records(bytes: Uint8Array): { type: number; length: number }[] {
  const out: { type: number; length: number }[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    out.push({ type: bytes[at]!, length });
    at += 5 + length;
  }
  return out;
}

function tryHandshake(buffer: TLSBuffer): void {
  try {
    buffer.doHandshake();
  } catch (error) {
    if ((error as Error).name !== 'WantReadError') throw error;
  }
}

const text = (s: string) => new TextEncoder().encode(s);

describe('record_size_limit before the server has answered (RFC 8449 §4)', () => {
  it('a TLS 1.3 client offering 512 takes a server flight packed into one record of more than 512 bytes', () => {
    const client = new PureClientContext(clientConfiguration(pki, { highestSupportedVersion: 'TLSv1.3', lowestSupportedVersion: 'TLSv1.3' }), { recordSizeLimit: 512 }).createBuffer('localhost');
    const server = serverWithout8449('TLSv1.3');
    tryHandshake(client);
    pump(client, server);
    tryHandshake(server);
    const flight = server.processOutgoing(server.outgoingBytesBuffered());
    // The premise: ServerHello, then one encrypted record holding EncryptedExtensions (without
    // record_size_limit) through Finished, far above 512 bytes.
    const encrypted = records(flight).filter((r) => r.type === ContentType.APPLICATION_DATA);
    expect(encrypted).toHaveLength(1);
    expect(encrypted[0]!.length).toBeGreaterThan(512 + 16 + 1);
    client.processIncoming(flight);
    handshake(client, server);
    expect(client.negotiatedTlsVersion).toBe('TLSv1.3');
    // The server never learnt our limit, so it stays out of effect: a 4000-byte record is taken.
    server.write(new Uint8Array(4000).fill(1));
    pump(server, client);
    expect((client.read(5000) as Uint8Array).length).toBe(4000);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('a %s server advertising 512 takes large records from a client that did not offer a limit', (version) => {
    const client = new PureClientContext(clientConfiguration(pki, { highestSupportedVersion: version, lowestSupportedVersion: version })).createBuffer('localhost');
    const server = serverWithout8449(version, 512);
    handshake(client, server);
    expect(server.negotiatedTlsVersion).toBe(version);
    client.write(text('x'.repeat(4000)));
    pump(client, server);
    expect((server.read(5000) as Uint8Array).length).toBe(4000);
  });

  it('a TLS 1.2 client offering 512 takes large records from a server that did not answer', () => {
    const twelve = { highestSupportedVersion: 'TLSv1.2' as const, lowestSupportedVersion: 'TLSv1.2' as const };
    const client = new PureClientContext(clientConfiguration(pki, twelve), { recordSizeLimit: 512 }).createBuffer('localhost');
    const server = serverWithout8449('TLSv1.2');
    handshake(client, server);
    server.write(new Uint8Array(4000).fill(1));
    pump(server, client);
    expect((client.read(5000) as Uint8Array).length).toBe(4000);
  });
});
