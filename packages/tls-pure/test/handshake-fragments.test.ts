/**
 * A handshake message sent in many small records (RFC 8446 §5.1 lets a peer fragment it down to
 * one byte per record). The engine holds the pieces and joins them once the message is whole: a
 * join per record made a 128 KiB ClientHello in 1-byte records (768 KiB on the wire, before any
 * authentication) cost the server ~8 GB of copying, seconds of CPU. The bound is checked on the
 * bytes Buffer.concat produces, not on time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TLSError, type TLSBuffer } from '@unitls/tls-core';
import { PureClientContext, PureServerContext } from '../src/mod.js';
import { stepError } from '../../../tests/support/buffer-pair.js';
import { clientConfiguration, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();

/** Each byte of `handshake` as a plaintext handshake record of its own. */
function oneByteRecords(handshake: Uint8Array): Buffer {
  const records = Buffer.alloc(handshake.length * 6);
  handshake.forEach((byte, i) => records.set([22, 3, 1, 0, 1, byte], i * 6));
  return records;
}

/** Total bytes of every Buffer.concat result while `run` runs. */
function concatenatedBytes(run: () => void): number {
  let total = 0;
  const original = Buffer.concat;
  const spy = vi.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
    const joined = original(list, length);
    total += joined.length;
    return joined;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return total;
}

describe('a handshake message in 1-byte records', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a real ClientHello sent a byte per record completes the handshake', () => {
    const client = new PureClientContext(clientConfiguration(pki)).createBuffer('localhost');
    const server = new PureServerContext(serverConfiguration(pki)).createBuffer();
    expect(stepError(() => client.doHandshake())).toBeNull();
    const hello = client.processOutgoing(client.outgoingBytesBuffered());
    expect(hello[0]).toBe(22);
    expect(hello.length).toBe(5 + ((hello[3]! << 8) | hello[4]!)); // one record
    server.processIncoming(oneByteRecords(hello.subarray(5)));
    expect(stepError(() => server.doHandshake())).toBeNull();
    pump(server, client);
    expect(stepError(() => client.doHandshake())).toBeNull();
    pump(client, server);
    expect(stepError(() => server.doHandshake())).toBeNull();
    expect(client.negotiatedTlsVersion).toBe('TLSv1.3');
    expect(server.negotiatedTlsVersion).toBe('TLSv1.3');
    client.write(new TextEncoder().encode('after'));
    pump(client, server);
    expect(new TextDecoder().decode((server as TLSBuffer).read(100))).toBe('after');
  });

  it('joins a 16 KiB hostile ClientHello once (linear copying), then refuses it as malformed', () => {
    const server = new PureServerContext(serverConfiguration(pki)).createBuffer();
    const length = 16 * 1024;
    const message = Buffer.concat([Buffer.from([1, 0, length >> 8, 0]), Buffer.alloc(length)]);
    const records = oneByteRecords(message);
    let outcome: Error | null = null;
    const copied = concatenatedBytes(() => {
      server.processIncoming(records);
      outcome = stepError(() => server.doHandshake());
    });
    expect(outcome).toBeInstanceOf(TLSError);
    expect(String(outcome)).toMatch(/malformed|decode_error/);
    // Linear: about one join of the message. A join per record copied ~134 MB here.
    expect(copied).toBeLessThan(4 * message.length);
  });

  it('refuses a message over maxHandshakeMessageSize as soon as its header is whole, split 1-1-1-1', () => {
    const server = new PureServerContext(serverConfiguration(pki)).createBuffer();
    server.processIncoming(oneByteRecords(Uint8Array.of(1, 0x10, 0, 0))); // 1 MiB announced
    const outcome = stepError(() => server.doHandshake());
    expect(outcome).toBeInstanceOf(TLSError);
    expect(String(outcome)).toMatch(/exceeds the limit of 131072/);
  });
});
