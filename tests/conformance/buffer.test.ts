import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TLSError, WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { handshake, pump, step } from '../support/buffer-pair.js';
import { chainOf, clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const withBuffers = implementations.filter((i) => i.features.buffer);


describe.each(withBuffers.map((i) => [i.name, i] as const))('TLSBuffer in memory (%s)', (_, implementation) => {
  const pair = (clientOptions = {}, serverOptions = {}) => {
    const client = new implementation.clientContext(clientConfig(clientOptions)).createBuffer('localhost');
    const server = new implementation.serverContext(serverConfig('server-ec', serverOptions)).createBuffer();
    return { client, server };
  };

  it('handshakes synchronously, without any I/O, and reports the same on both sides', () => {
    const { client, server } = pair({ innerProtocols: ['h2'] }, { innerProtocols: ['h2'] });
    expect(() => client.doHandshake()).toThrow(WantReadError);
    expect(client.outgoingBytesBuffered()).toBeGreaterThan(0); // the ClientHello, right away
    expect(handshake(client, server)).toBeLessThanOrEqual(3);
    expect(client.negotiatedTlsVersion).toBe('TLSv1.3');
    expect(server.negotiatedTlsVersion).toBe('TLSv1.3');
    expect(client.cipher()).toBe(server.cipher());
    expect(client.negotiatedProtocol()).toBe('h2');
    expect(server.negotiatedProtocol()).toBe('h2');
    expect(Buffer.from(client.getpeercert()!).equals(new X509Certificate(pki.pem('server-ec')).raw)).toBe(true);
    expect(server.getpeercert()).toBeNull();
    expect(client.context.configuration.trustStore).not.toBeNull();
  });

  it('sends the client certificate and sees it on the server side', () => {
    const { client, server } = pair({ certificateChain: chainOf('client') }, { trustStore: clientConfig().trustStore });
    handshake(client, server);
    pump(client, server);
    expect(Buffer.from(server.getpeercert()!).equals(new X509Certificate(pki.pem('client')).raw)).toBe(true);
  });

  it('never merges two records in one read, and reads into a caller buffer', () => {
    const { client, server } = pair();
    handshake(client, server);
    client.write(new TextEncoder().encode('first'));
    client.write(new TextEncoder().encode('second'));
    pump(client, server);
    expect(new TextDecoder().decode(server.read(100) as Uint8Array)).toBe('first');
    const into = new Uint8Array(100);
    expect(server.read(100, into)).toBe(6);
    expect(new TextDecoder().decode(into.subarray(0, 6))).toBe('second');
    expect(() => server.read(100)).toThrow(WantReadError);
  });

  it('shuts down: WantReadError until the peer close_notify, then read returns empty', () => {
    const { client, server } = pair();
    handshake(client, server);
    expect(() => client.shutdown()).toThrow(WantReadError);
    pump(client, server);
    expect((server.read(10) as Uint8Array).length).toBe(0);
    server.shutdown();
    pump(server, client);
    client.shutdown();
    expect((client.read(10) as Uint8Array).length).toBe(0);
  });

  it('reports a transport EOF without close_notify as RaggedEOF', () => {
    const { client, server } = pair();
    handshake(client, server);
    client.processIncoming(new Uint8Array(0));
    expect(() => client.read(10)).toThrow(expect.objectContaining({ code: 'UNITLS_RAGGED_EOF' }));
  });

  it('refuses incoming data beyond its buffer, storing nothing', () => {
    const { client } = pair();
    client.processIncoming(new Uint8Array(4 * 1024 * 1024));
    const before = client.incomingBytesBuffered();
    expect(() => client.processIncoming(new Uint8Array(1))).toThrow(WantReadError);
    expect(client.incomingBytesBuffered()).toBe(before);
  });

  it('fails the handshake with a typed error on garbage input', () => {
    const { client } = pair();
    expect(() => client.doHandshake()).toThrow(WantReadError);
    client.processIncoming(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(() => client.doHandshake()).toThrow(TLSError);
  });

  it('survives any sequence of API calls (fast-check)', () => {
    const actions = fc.array(
      fc.oneof(
        fc.constant('handshake' as const),
        fc.constant('shutdown' as const),
        fc.constant('pump' as const),
        fc.constant('eof' as const),
        fc.record({ op: fc.constant('read' as const), n: fc.integer({ min: 1, max: 70_000 }) }),
        fc.record({ op: fc.constant('write' as const), data: fc.uint8Array({ maxLength: 20_000 }) }),
        fc.record({ op: fc.constant('garbage' as const), data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
        fc.record({ op: fc.constant('drain' as const), n: fc.integer({ min: 0, max: 5000 }) }),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(actions, fc.boolean(), (sequence, onClient) => {
        const { client, server } = pair();
        for (const action of sequence) {
          const [target, peer] = onClient ? [client, server] : [server, client];
          try {
            if (action === 'handshake') target.doHandshake();
            else if (action === 'shutdown') target.shutdown();
            else if (action === 'pump') (pump(client, server), pump(server, client));
            else if (action === 'eof') target.processIncoming(new Uint8Array(0));
            else if (action.op === 'read') target.read(action.n);
            else if (action.op === 'write') target.write(action.data);
            else if (action.op === 'garbage') peer.processIncoming(action.data);
            else target.processOutgoing(action.n);
          } catch (error) {
            // Every failure must be a typed TLS error (or a RangeError for bad arguments), never a crash.
            if (!(error instanceof TLSError) && !(error instanceof RangeError)) throw error;
          }
          target.cipher();
          target.getpeercert();
          void target.negotiatedTlsVersion;
        }
      }),
      { numRuns: 300 },
    );
  });
});

