/**
 * Issue #16: the fast read path (ciphertext kept by reference, every decryptable record read at
 * once into the caller's memory, statuses instead of exceptions) returns exactly the bytes of the
 * PEP path (processIncoming copies, one record per read, WantReadError) for any record sizes and
 * any way the network splits the ciphertext; and so does a TLSSocket on either path. The
 * properties are tests/support/read-path-properties.ts, shared with tls-pure.
 */
import { describe, it } from 'vitest';
import { assertFastReadMatchesPep, assertSocketReadsMatch, type FastBuffer } from '../../../tests/support/read-path-properties.js';
import { clientContext, connectedPair, serverContext } from './fixtures.js';

describe('the fast read path', () => {
  it('returns the same bytes as the PEP path for random record sizes and splits (fast-check)', () => {
    const contexts = { client: clientContext(), server: serverContext() };
    assertFastReadMatchesPep({ pair: () => connectedPair(contexts) as { client: FastBuffer; server: FastBuffer }, takeOutgoing: false, maxWrites: 8, numRuns: 100 });
  });

  it('a TLSSocket returns the same bytes whether its buffer offers the fast path or not (fast-check)', async () => {
    const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
    try {
      await assertSocketReadsMatch({ listener, clientBuffer: () => clientContext().createBuffer('localhost'), numRuns: 10 });
    } finally {
      await listener.close();
    }
  }, 120_000);
});
