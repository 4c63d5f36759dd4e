/**
 * #14 item 3: the outgoing buffer is bounded (PEP 748's WantWriteError contract), processOutgoing
 * takes any size, and a socket sending far more than the bound holds at most the bound.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BufferSocket, SEND_PIECE_SIZE, WantReadError, WantWriteError, type TLSBuffer, type TLSSocket } from '@unitls/tls-core';
import { INCOMING_BUFFER_LIMIT, OUTGOING_BUFFER_LIMIT } from '../src/mod.js';
import { clientContext, connectedPair, serverContext } from './fixtures.js';

/** TLS 1.3 framing of one full record: header 5 + content type 1 + AEAD tag 16. */
const RECORD_OVERHEAD = 22;
const MAX_PLAINTEXT = 16_384;
/** The most the buffer may hold once write() stopped taking: the limit plus the framing of what it took. */
const OUTGOING_BOUND = OUTGOING_BUFFER_LIMIT + Math.ceil(OUTGOING_BUFFER_LIMIT / MAX_PLAINTEXT + 1) * RECORD_OVERHEAD;

describe('TLSBuffer.write', () => {
  it('takes at most the room under OUTGOING_BUFFER_LIMIT and returns the partial count', () => {
    const { client } = connectedPair();
    const huge = new Uint8Array(32 * 1024 * 1024);
    const taken = client.write(huge);
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThanOrEqual(OUTGOING_BUFFER_LIMIT);
    expect(client.outgoingBytesBuffered()).toBeLessThanOrEqual(OUTGOING_BOUND);
  });

  it('raises WantWriteError (taking nothing) while the outgoing buffer is full, and takes again once drained', () => {
    const { client, server } = connectedPair();
    let total = client.write(new Uint8Array(OUTGOING_BUFFER_LIMIT * 2));
    expect(() => client.write(new Uint8Array(10))).toThrow(WantWriteError);
    expect(() => client.write(new Uint8Array(10))).toThrow(/outgoing buffer is full \(262144 bytes\): call processOutgoing\(\)/);
    // Drain, deliver, and write the rest.
    let received = 0;
    while (total < OUTGOING_BUFFER_LIMIT * 2 || client.outgoingBytesBuffered() > 0) {
      const chunk = client.processOutgoing(64 * 1024);
      for (let offset = 0; offset < chunk.length; offset += 1 << 20) server.processIncoming(chunk.subarray(offset, offset + (1 << 20)));
      for (;;) {
        try {
          received += (server.read(1 << 20) as Uint8Array).length;
        } catch (error) {
          if (error instanceof WantReadError) break;
          throw error;
        }
      }
      if (total < OUTGOING_BUFFER_LIMIT * 2) {
        try {
          total += client.write(new Uint8Array(OUTGOING_BUFFER_LIMIT * 2 - total));
        } catch (error) {
          if (!(error instanceof WantWriteError)) throw error;
        }
      }
    }
    expect(received).toBe(OUTGOING_BUFFER_LIMIT * 2);
  });
});

describe('TLSBuffer.processOutgoing', () => {
  it('takes any amount: more than is buffered returns all of it, 2**32 and Infinity included', () => {
    for (const amount of [2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, Infinity]) {
      const { client } = connectedPair();
      client.write(new Uint8Array(1000));
      const buffered = client.outgoingBytesBuffered();
      expect(client.processOutgoing(amount).length).toBe(buffered);
      expect(client.outgoingBytesBuffered()).toBe(0);
    }
  });

  it('refuses a negative or fractional amount with a RangeError', () => {
    const { client } = connectedPair();
    for (const amount of [-1, 1.5, Number.NaN]) expect(() => client.processOutgoing(amount)).toThrow(RangeError);
  });
});

describe('TLSBuffer.processIncoming', () => {
  it('stores nothing and raises WantReadError beyond INCOMING_BUFFER_LIMIT', () => {
    const buffer = clientContext().createBuffer('localhost');
    buffer.processIncoming(new Uint8Array(INCOMING_BUFFER_LIMIT - 10));
    expect(() => buffer.processIncoming(new Uint8Array(11))).toThrow(/incoming buffer is full \(4194304 bytes\)/);
    expect(buffer.incomingBytesBuffered()).toBe(INCOMING_BUFFER_LIMIT - 10);
    buffer.processIncoming(new Uint8Array(10));
    expect(buffer.incomingBytesBuffered()).toBe(INCOMING_BUFFER_LIMIT);
  });
});

describe('BufferSocket.send of far more than the bound', () => {
  it('keeps at most OUTGOING_BUFFER_LIMIT (+ framing) waiting in the TLSBuffer, in pieces of SEND_PIECE_SIZE', async () => {
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    const port = listener.getsockname()!.port;
    let mostBuffered = 0;
    let largestWrite = 0;
    const tcp = connect({ host: '127.0.0.1', port });
    await once(tcp, 'connect');
    const buffer = clientContext().createBuffer('localhost');
    // Observe every write the socket makes on the real buffer.
    const observed = new Proxy(buffer, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === 'write') {
          return (data: Uint8Array) => {
            largestWrite = Math.max(largestWrite, data.length);
            const taken = target.write(data);
            mostBuffered = Math.max(mostBuffered, target.outgoingBytesBuffered());
            return taken;
          };
        }
        // The send path that encrypts straight into pooled memory (what does not fit stays queued).
        if (key === 'writeInto') {
          return (data: Uint8Array, output: Uint8Array) => {
            largestWrite = Math.max(largestWrite, data.length);
            const placed = target.writeInto(data, output);
            mostBuffered = Math.max(mostBuffered, target.outgoingBytesBuffered());
            return placed;
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as TLSBuffer;
    let client: TLSSocket | undefined;
    let server: TLSSocket | undefined;
    try {
      [client, [server]] = await Promise.all([BufferSocket.open(observed, tcp), listener.accept()]);
      const size = 64 * 1024 * 1024;
      const sending = client.send(new Uint8Array(size));
      let received = 0;
      while (received < size) received += (await server.recv(65536)).length;
      expect(await sending).toBe(size);
      expect(received).toBe(size);
      expect(largestWrite).toBeGreaterThan(0);
      expect(largestWrite).toBeLessThanOrEqual(SEND_PIECE_SIZE);
      expect(mostBuffered).toBeLessThanOrEqual(OUTGOING_BOUND);
    } finally {
      await Promise.all([client?.close(true), server?.close(true)]);
      tcp.destroy();
      await listener.close();
    }
  });
});
