import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateVerificationError, TLSError, WantReadError, WantWriteError, type TLSBuffer } from '@unitls/tls-core';
import { PureClientContext, PureServerContext, type PureBuffer, type PureContextOptions } from '../src/mod.js';
import { clientConfiguration, chain, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array | number) => new TextDecoder().decode(b as Uint8Array);

function pair(clientOptions = {}, serverOptions = {}, contextOptions: { client?: PureContextOptions; server?: PureContextOptions } = {}, leaf = pki.serverEc) {
  const clientContext = new PureClientContext(clientConfiguration(pki, clientOptions), contextOptions.client);
  const serverContext = new PureServerContext(serverConfiguration(pki, serverOptions, leaf), contextOptions.server);
  return { client: clientContext.createBuffer('localhost'), server: serverContext.createBuffer(), clientContext, serverContext };
}

function roundTrip(from: TLSBuffer, to: TLSBuffer, message: string): string {
  from.write(text(message));
  pump(from, to);
  return decode(to.read(1 << 20));
}

describe('tls-pure TLSBuffer pairs in memory', () => {
  it.each([0x1301, 0x1302, 0x1303, 0x1304, 0x1305])('handshakes and moves data with suite 0x%s', (suite) => {
    const { client, server } = pair({ ciphers: [suite] }, { ciphers: [suite] });
    expect(handshake(client, server)).toBeLessThanOrEqual(2);
    expect(client.cipher()).toBe(suite);
    expect(server.cipher()).toBe(suite);
    expect(client.negotiatedTlsVersion).toBe('TLSv1.3');
    expect(roundTrip(client, server, 'ping')).toBe('ping');
    expect(roundTrip(server, client, 'pong')).toBe('pong');
    expect(Buffer.from(client.getpeercert()!).equals(new X509Certificate(pki.serverEc.certPem).raw)).toBe(true);
  });

  it.each([
    [0xc02b, 'ec'],
    [0xc02c, 'ec'],
    [0xc02f, 'rsa'],
    [0xc030, 'rsa'],
    [0xc0ac, 'ec'],
    [0xc0ad, 'ec'],
    [0xc0ae, 'ec'],
    [0xc0af, 'ec'],
    [0xcca8, 'rsa'],
    [0xcca9, 'ec'],
  ] as const)('handshakes TLS 1.2 with suite 0x%s (%s certificate), extended master secret', (suite, key) => {
    const { client, server } = pair({ ciphers: [suite] }, { ciphers: [suite] }, {}, key === 'ec' ? pki.serverEc : pki.serverRsa);
    handshake(client, server);
    expect(client.negotiatedTlsVersion).toBe('TLSv1.2');
    expect(server.negotiatedTlsVersion).toBe('TLSv1.2');
    expect(client.cipher()).toBe(suite);
    expect(roundTrip(client, server, 'ping 1.2')).toBe('ping 1.2');
    expect(roundTrip(server, client, 'pong 1.2')).toBe('pong 1.2');
    expect(() => (client as PureBuffer).keyUpdate()).toThrow(/TLS 1.3/);
  });

  it('negotiates TLS 1.2 with a client certificate, and refuses a missing one with handshake_failure', () => {
    const twelve = { highestSupportedVersion: 'TLSv1.2' as const };
    const ok = pair({ ...twelve, certificateChain: chain(pki.client, pki) }, { trustStore: clientConfiguration(pki).trustStore });
    handshake(ok.client, ok.server);
    expect(ok.server.negotiatedTlsVersion).toBe('TLSv1.2');
    expect(Buffer.from(ok.server.getpeercert()!).equals(new X509Certificate(pki.client.certPem).raw)).toBe(true);
    const bad = pair(twelve, { trustStore: clientConfiguration(pki).trustStore });
    expect(() => handshake(bad.client, bad.server)).toThrow(expect.objectContaining({ reason: 'missing-certificate' }));
    pump(bad.server, bad.client);
    expect(() => bad.client.doHandshake()).toThrow(/handshake_failure/);
  });

  it('detects a downgrade to TLS 1.2 forced on a server that can do TLS 1.3 (RFC 8446 §4.1.3 sentinel)', () => {
    const { client, server } = pair();
    expect(() => client.doHandshake()).toThrow(WantReadError);
    const hello = Uint8Array.from(client.processOutgoing(1 << 20));
    // An attacker strips TLS 1.3 from supported_versions (0304 0303 -> 0303 0303).
    const at = Buffer.from(hello).indexOf(Buffer.from('002b0005040304', 'hex'));
    expect(at).toBeGreaterThan(0);
    hello.set([3, 3], at + 5);
    server.processIncoming(hello);
    expect(() => server.doHandshake()).toThrow(WantReadError);
    pump(server, client);
    expect(() => client.doHandshake()).toThrow(/downgrade/);
  });

  it.each([
    ['X25519', [0x001d], [0x001d]],
    ['P-256', [0x0017], [0x0017]],
    ['P-384', [0x0018], [0x0018]],
    ['P-384 after a HelloRetryRequest', [0x001d, 0x0018], [0x0018]],
    ['P-256 after a HelloRetryRequest', [0x001d, 0x0017], [0x0017, 0x0018]],
  ])('agrees on %s', (_label, clientGroups, serverGroups) => {
    const { client, server } = pair({}, {}, { client: { groups: clientGroups }, server: { groups: serverGroups } });
    const rounds = handshake(client, server);
    expect(rounds).toBe(clientGroups[0] === serverGroups[0] ? 2 : 3);
    expect(roundTrip(client, server, 'data after the exchange')).toBe('data after the exchange');
  });

  it('uses the post-quantum hybrid X25519MLKEM768 by default, and X25519 without a retry when the server lacks it', () => {
    const hybrid = pair();
    expect(handshake(hybrid.client, hybrid.server)).toBe(2);
    expect((hybrid.client as PureBuffer).keyExchangeGroup()).toBe(0x11ec);
    expect((hybrid.server as PureBuffer).keyExchangeGroup()).toBe(0x11ec);
    expect(roundTrip(hybrid.client, hybrid.server, 'post-quantum')).toBe('post-quantum');
    const classic = pair({}, {}, { server: { groups: [0x001d, 0x0017] } });
    expect(handshake(classic.client, classic.server)).toBe(2); // the X25519 share beside the hybrid one
    expect((classic.client as PureBuffer).keyExchangeGroup()).toBe(0x001d);
    const retried = pair({}, {}, { client: { groups: [0x001d, 0x11ec] }, server: { groups: [0x11ec] } });
    expect(handshake(retried.client, retried.server)).toBe(3);
    expect((retried.client as PureBuffer).keyExchangeGroup()).toBe(0x11ec);
  });

  it('refuses an X25519MLKEM768 share whose ML-KEM key is not reduced mod q (FIPS 203 §7.2) with illegal_parameter', () => {
    const { client, server } = pair({}, {}, { client: { groups: [0x11ec] } });
    expect(() => client.doHandshake()).toThrow(WantReadError);
    const hello = Uint8Array.from(client.processOutgoing(1 << 20));
    const at = Buffer.from(hello).indexOf(Buffer.from('11ec04c0', 'hex'));
    expect(at).toBeGreaterThan(0);
    hello.fill(0xff, at + 4, at + 7); // two 12-bit coefficients of 4095 > q = 3329
    server.processIncoming(hello);
    expect(() => server.doHandshake()).toThrow(/key share is invalid/);
    expect(Array.from(server.processOutgoing(100))).toEqual([21, 3, 3, 0, 2, 2, 47]); // illegal_parameter
  });

  it('fails with handshake_failure when no group is in common', () => {
    const { client, server } = pair({}, {}, { client: { groups: [0x001d] }, server: { groups: [0x0017] } });
    expect(() => handshake(client, server)).toThrow(/no key exchange group in common/);
    pump(server, client);
    expect(() => client.doHandshake()).toThrow(/handshake_failure/);
  });

  it('serves an RSA certificate (RSA-PSS signatures)', () => {
    const { client, server } = pair({}, {}, {}, pki.serverRsa);
    handshake(client, server);
    expect(roundTrip(client, server, 'rsa')).toBe('rsa');
  });

  it('authenticates a client certificate', () => {
    const { client, server } = pair({ certificateChain: chain(pki.client, pki) }, { trustStore: clientConfiguration(pki).trustStore });
    handshake(client, server);
    expect(Buffer.from(server.getpeercert()!).equals(new X509Certificate(pki.client.certPem).raw)).toBe(true);
  });

  it('refuses a missing client certificate with certificate_required, seen by the client as missing-certificate', () => {
    const { client, server } = pair({}, { trustStore: clientConfiguration(pki).trustStore });
    expect(() => handshake(client, server)).toThrow(CertificateVerificationError);
    pump(server, client);
    expect(() => client.read(10)).toThrow(expect.objectContaining({ reason: 'missing-certificate' }));
  });

  it('negotiates ALPN, and refuses with no_application_protocol when nothing overlaps', () => {
    const ok = pair({ innerProtocols: ['h2', 'http/1.1'] }, { innerProtocols: ['http/1.1'] });
    handshake(ok.client, ok.server);
    expect(ok.client.negotiatedProtocol()).toBe('http/1.1');
    expect(ok.server.negotiatedProtocol()).toBe('http/1.1');
    const bad = pair({ innerProtocols: ['h2'] }, { innerProtocols: ['http/1.1'] });
    expect(() => handshake(bad.client, bad.server)).toThrow(/no_application_protocol/);
    pump(bad.server, bad.client);
    expect(() => bad.client.doHandshake()).toThrow(/ALPN/);
  });

  it('resumes with a ticket: no certificate exchanged, same peer certificate reported', () => {
    const { client, server, clientContext, serverContext } = pair();
    handshake(client, server);
    expect(client.session!()).toBeNull();
    pump(server, client); // the NewSessionTicket
    expect(() => client.read(10)).toThrow(WantReadError);
    const session = client.session!();
    expect(session).not.toBeNull();
    const again = clientContext.createBuffer('localhost', { session });
    const againServer = serverContext.createBuffer();
    handshake(again, againServer);
    expect(again.sessionReused).toBe(true);
    expect(againServer.sessionReused).toBe(true);
    expect(again.getpeercert()).toEqual(client.getpeercert());
    expect(roundTrip(again, againServer, 'resumed')).toBe('resumed');
    // Another name: refused before anything is sent (tls-core's session binding, issue #14 item 2).
    expect(() => clientContext.createBuffer('127.0.0.1', { session })).toThrow(/verified for "localhost", not "127.0.0.1"/);
  });

  it('updates keys both ways on KeyUpdate and keeps the data flowing', () => {
    const { client, server } = pair();
    handshake(client, server);
    (client as PureBuffer).keyUpdate(true);
    expect(roundTrip(client, server, 'after update')).toBe('after update');
    pump(server, client); // server's own KeyUpdate answer
    expect(roundTrip(server, client, 'server after update')).toBe('server after update');
    (server as PureBuffer).keyUpdate(false);
    expect(roundTrip(server, client, 'again')).toBe('again');
  });

  it("ends the connection at a client's 33rd KeyUpdate in a row with no data (maxEmptyRecords), not before", () => {
    const { client, server } = pair();
    handshake(client, server);
    for (let i = 0; i < 32; i++) (client as PureBuffer).keyUpdate(false);
    expect(roundTrip(client, server, 'after 32')).toBe('after 32'); // data resets the count
    for (let i = 0; i < 33; i++) (client as PureBuffer).keyUpdate(true);
    pump(client, server);
    expect(() => server.read(100)).toThrow(/more than 32 records in a row with no data \(the last: a post-handshake handshake message/);
    expect(server.outgoingBytesBuffered()).toBeLessThan(32 * 30); // at most a reply each, then the alert
  });

  it('pads records when asked, and honours a small record size limit', () => {
    const { client, server } = pair({}, {}, { client: { recordPadding: 100 } });
    handshake(client, server);
    client.write(text('x'));
    expect(client.outgoingBytesBuffered()).toBe(5 + 1 + 1 + 100 + 16);
    pump(client, server);
    expect(decode(server.read(10))).toBe('x');
  });

  it('honours the record size limit the peer advertised (RFC 8449), both ways', () => {
    const { client, server } = pair({}, {}, { client: { recordSizeLimit: 100 }, server: { recordSizeLimit: 200 } });
    handshake(client, server);
    server.write(new Uint8Array(1000));
    pump(server, client);
    expect((client.read(5000) as Uint8Array).length).toBe(99);
    client.write(new Uint8Array(1000));
    pump(client, server);
    expect((server.read(5000) as Uint8Array).length).toBe(199);
  });

  it('refuses a record above the limit it advertised with record_overflow', () => {
    const big = pair();
    const small = pair({}, {}, { client: { recordSizeLimit: 100 } });
    // The big pair's server writes 16 KiB records; feed one to the small pair's client after its handshake.
    handshake(small.client, small.server);
    handshake(big.client, big.server);
    big.server.write(new Uint8Array(5000));
    small.client.processIncoming(big.server.processOutgoing(1 << 20));
    expect(() => small.client.read(10)).toThrow(/record_overflow/);
  });

  it('honours the record size limit the peer advertised under TLS 1.2 as well (RFC 8449 §4: on the plaintext, at most 2^14)', () => {
    const twelve = { highestSupportedVersion: 'TLSv1.2' as const };
    const { client, server } = pair(twelve, twelve, { client: { recordSizeLimit: 100 }, server: { recordSizeLimit: 200 } });
    handshake(client, server);
    expect(client.negotiatedTlsVersion).toBe('TLSv1.2');
    server.write(new Uint8Array(1000));
    pump(server, client);
    expect((client.read(5000) as Uint8Array).length).toBe(100);
    client.write(new Uint8Array(1000));
    pump(client, server);
    expect((server.read(5000) as Uint8Array).length).toBe(200);
  });

  it('refuses a TLS 1.2 record above the limit it advertised with record_overflow', () => {
    const twelve = { highestSupportedVersion: 'TLSv1.2' as const };
    const big = pair(twelve, twelve);
    const small = pair(twelve, twelve, { client: { recordSizeLimit: 100 } });
    handshake(small.client, small.server);
    handshake(big.client, big.server);
    big.server.write(new Uint8Array(5000));
    small.client.processIncoming(big.server.processOutgoing(1 << 20));
    expect(() => small.client.read(10)).toThrow(/record_overflow/);
  });

  it('splits writes into records of at most 2^14 bytes and reads one record per read', () => {
    const { client, server } = pair();
    handshake(client, server);
    expect(client.write(new Uint8Array(40_000).fill(7))).toBe(40_000);
    pump(client, server);
    expect((server.read(1 << 20) as Uint8Array).length).toBe(16384);
    expect((server.read(1 << 20) as Uint8Array).length).toBe(16384);
    expect((server.read(1 << 20) as Uint8Array).length).toBe(40_000 - 32768);
    expect(() => server.read(1)).toThrow(WantReadError);
  });

  it('bounds buffered output: WantWriteError when full, then takes more after draining', () => {
    const { client, server } = pair({}, {}, { client: { limits: { maxOutgoingBytes: 64 * 1024 } } });
    handshake(client, server);
    expect(client.write(new Uint8Array(100_000))).toBe(64 * 1024);
    expect(() => client.write(new Uint8Array(10))).toThrow(WantWriteError);
    client.processOutgoing(1 << 20);
    expect(client.write(new Uint8Array(10))).toBe(10);
  });

  it('closes with close_notify both ways', () => {
    const { client, server } = pair();
    handshake(client, server);
    expect(() => client.shutdown()).toThrow(WantReadError);
    expect(() => client.write(text('late'))).toThrow(/shutdown/);
    pump(client, server);
    expect((server.read(10) as Uint8Array).length).toBe(0);
    server.shutdown();
    pump(server, client);
    client.shutdown();
    expect((client.read(10) as Uint8Array).length).toBe(0);
  });

  it('reports EOF without close_notify as RaggedEOF', () => {
    const { client, server } = pair();
    handshake(client, server);
    client.processIncoming(new Uint8Array(0));
    expect(() => client.read(10)).toThrow(expect.objectContaining({ code: 'UNITLS_RAGGED_EOF' }));
  });

  it('stays failed after a fatal error, and the alert can still be drained', () => {
    const { client } = pair();
    expect(() => client.doHandshake()).toThrow(WantReadError);
    client.processOutgoing(1 << 20);
    client.processIncoming(text('HTTP/1.1 400 Bad Request\r\n\r\n'));
    let first: unknown;
    try {
      client.doHandshake();
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(TLSError);
    expect((first as Error).message).toMatch(/the server did not answer with TLS: is this a TLS port\?/);
    expect(() => client.read(1)).toThrow(first as Error);
    expect(Array.from(client.processOutgoing(100))).toEqual([21, 3, 3, 0, 2, 2, 10]); // fatal unexpected_message
  });
});
