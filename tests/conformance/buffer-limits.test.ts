/**
 * Issue #14: random TLSBuffer call sequences, huge writes included, on every implementation with
 * buffers: no crash, only typed errors, and the memory a buffer holds stays bounded (PEP 748:
 * write takes part of a huge buffer or raises WantWriteError; processIncoming refuses beyond its
 * limit).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TLSError, WantReadError, WantWriteError, type TLSBuffer } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const withBuffers = implementations.filter((i) => i.features.buffer);

/** What any implementation may hold, each way, whatever it is asked: far below the sizes written. */
const MAX_OUTGOING = 8 * 1024 * 1024;
const MAX_INCOMING = 16 * 1024 * 1024;

/** One zero-filled block that huge writes take views of (allocated once). */
const HUGE = new Uint8Array(48 * 1024 * 1024);

function pump(from: TLSBuffer, to: TLSBuffer): void {
  const n = from.outgoingBytesBuffered();
  if (n === 0) return;
  try {
    to.processIncoming(from.processOutgoing(Math.min(n, 1024 * 1024)));
  } catch (error) {
    if (!(error instanceof WantReadError)) throw error;
  }
}

describe.each(withBuffers.map((i) => [i.name, i] as const))('TLSBuffer memory bounds (%s)', (_, implementation) => {
  const pair = () => ({
    client: new implementation.clientContext(clientConfig()).createBuffer('localhost'),
    server: new implementation.serverContext(serverConfig('server-ec')).createBuffer(),
  });

  it('a single huge write takes part of it, then raises WantWriteError while nothing is drained', () => {
    const { client, server } = pair();
    for (let round = 0; round < 10; round++) {
      for (const side of [client, server]) {
        try {
          side.doHandshake();
        } catch (error) {
          if (!(error instanceof WantReadError)) throw error;
        }
      }
      pump(client, server);
      pump(server, client);
    }
    const taken = client.write(HUGE.subarray(0, 32 * 1024 * 1024));
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(32 * 1024 * 1024);
    expect(client.outgoingBytesBuffered()).toBeLessThanOrEqual(MAX_OUTGOING);
    let refused = false;
    for (let i = 0; i < 64 && !refused; i++) {
      try {
        client.write(HUGE.subarray(0, 1024 * 1024));
      } catch (error) {
        if (!(error instanceof WantWriteError)) throw error;
        refused = true;
      }
      expect(client.outgoingBytesBuffered()).toBeLessThanOrEqual(MAX_OUTGOING);
    }
    expect(refused).toBe(true);
  });

  it('random call sequences with huge writes: typed errors only, bounded buffers (fast-check)', () => {
    const action = fc.oneof(
      fc.constant({ op: 'handshake' as const }),
      fc.constant({ op: 'shutdown' as const }),
      fc.constant({ op: 'pump' as const }),
      fc.constant({ op: 'eof' as const }),
      fc.record({ op: fc.constant('read' as const), n: fc.integer({ min: 1, max: 1 << 20 }) }),
      fc.record({ op: fc.constant('write' as const), n: fc.integer({ min: 0, max: 70_000 }) }),
      fc.record({ op: fc.constant('write' as const), n: fc.constantFrom(1 << 20, 8 << 20, 48 << 20) }),
      fc.record({ op: fc.constant('drain' as const), n: fc.oneof(fc.integer({ min: 0, max: 1 << 20 }), fc.constant(2 ** 32), fc.constant(Infinity)) }),
      fc.record({ op: fc.constant('feed' as const), n: fc.constantFrom(1, 100, 1 << 20, 5 << 20) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), fc.boolean(), (sequence, onClient) => {
        const { client, server } = pair();
        for (const step of sequence) {
          const [target, peer] = onClient ? [client, server] : [server, client];
          try {
            switch (step.op) {
              case 'handshake':
                target.doHandshake();
                break;
              case 'shutdown':
                target.shutdown();
                break;
              case 'pump':
                pump(client, server);
                pump(server, client);
                break;
              case 'eof':
                target.processIncoming(new Uint8Array(0));
                break;
              case 'read':
                target.read(step.n);
                break;
              case 'write':
                target.write(HUGE.subarray(0, step.n));
                break;
              case 'drain':
                target.processOutgoing(step.n);
                break;
              case 'feed':
                peer.processIncoming(HUGE.subarray(0, step.n));
                break;
            }
          } catch (error) {
            if (!(error instanceof TLSError) && !(error instanceof RangeError)) throw error;
          }
          for (const buffer of [client, server]) {
            expect(buffer.outgoingBytesBuffered()).toBeLessThanOrEqual(MAX_OUTGOING);
            expect(buffer.incomingBytesBuffered()).toBeLessThanOrEqual(MAX_INCOMING);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
