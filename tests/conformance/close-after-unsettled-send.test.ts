/**
 * close() called while a send has not settled yet, right after the handshake: the peer reads the
 * data, then our close_notify (an empty recv), never a FIN without it (RaggedEOF). Both roles,
 * every implementation.
 *
 * Before (breaker7, session 6): a tls-node server whose send was still in node:tls's writable
 * buffer (writableLength > 0, TLSWrap's writeQueueSize already 0) shut down at once and its FIN
 * overtook close_notify: the client's second recv raised RaggedEOF (tls-openssl's client too).
 */
import { describe, expect, it } from 'vitest';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

describe.each(implementations.map((i) => [i.name, i] as const))('close() while a send is unsettled (%s)', (_, implementation) => {
  it.each(['server', 'client'] as const)('the %s\'s data, then its close_notify, reach the peer', async (role) => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    const [closer, peer] = role === 'server' ? [pair.server, pair.client] : [pair.client, pair.server];
    try {
      const received = peer.recv(100);
      const sent = closer.send(new TextEncoder().encode('hello'));
      const closed = closer.close();
      expect(Buffer.from(await received).toString()).toBe('hello');
      expect(await peer.recv(100)).toEqual(new Uint8Array(0));
      await peer.close();
      await closed;
      expect(await sent).toBe(5);
    } finally {
      await pair.close();
    }
  });
});
