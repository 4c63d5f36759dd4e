/**
 * close() called while a send has not settled yet, right after the handshake: the peer reads the
 * data, then our close_notify (an empty recv), never a FIN without it (RaggedEOF). Both roles,
 * every implementation.
 *
 * Before (breaker7, session 6): a tls-node server whose send was still in node:tls's writable
 * buffer (writableLength > 0, TLSWrap's writeQueueSize already 0) shut down at once and its FIN
 * overtook close_notify: the client's second recv raised RaggedEOF (tls-openssl's client too).
 * And a send called once close() (not forced) had begun rejected with the buffer's own words on
 * tls-openssl ('TLS write failed: protocol is shutdown') and tls-pure ('write after shutdown()'):
 * it ran after close() had sent close_notify; tls-node said 'send on a closed TLSSocket'.
 */
import { describe, expect, it } from 'vitest';
import { TLSError } from '@unitls/tls-core';
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

  it('a send called after close() rejects at once as closed, and nothing follows close_notify', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      // The peer answers our close_notify at once, while the late send waits behind it.
      const answered = pair.server.recv(100).then(async (data) => {
        await pair.server.close();
        return data;
      });
      const closed = pair.client.close();
      const late = pair.client.send(new TextEncoder().encode('late'));
      const outcome = await late.then(
        () => 'sent',
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(TLSError);
      expect(outcome).toMatchObject({ message: 'send on a closed TLSSocket' });
      expect(await answered).toEqual(new Uint8Array(0));
      await closed;
    } finally {
      await pair.close();
    }
  });
});
