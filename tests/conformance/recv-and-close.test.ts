/**
 * One recv rule on every implementation (TLSSocket.recv's TSDoc): one recv at a time (a second one
 * rejects at once with CONCURRENT_RECV, the waiting one goes on); close(), forced or not, ends a
 * waiting recv at once with RECV_ENDED_BY_CLOSE, before the peer answered (what the peer sends
 * after close() is not returned); a recv after close() rejects as closed. Over a node:net socket
 * and over a JavaScript Duplex (startTls: tls-core's pulled reads).
 *
 * Before: tls-openssl and tls-pure queued a second recv (and a queued one later failed with "recv
 * on a closed TLSSocket" at close(true)); their close(false) ended a waiting recv only when the
 * peer answered our close_notify (returning the peer's data sent meanwhile) or after
 * CLOSE_NOTIFY_TIMEOUT_MS; a recv called during close(false) waited like one called before it.
 * tls-node rejected the second recv with a generic read error.
 */
import { describe, expect, it } from 'vitest';
import { CONCURRENT_RECV, RECV_ENDED_BY_CLOSE, TLSError, type TLSImplementation } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair, connectPairOverDuplex, recvExactly, sendText, turns } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const transports = [
  ['node:net', (implementation: TLSImplementation) => connectPair(implementation, serverConfig(), clientConfig())],
  ['a JavaScript Duplex', (implementation: TLSImplementation) => connectPairOverDuplex(implementation, serverConfig(), clientConfig())],
] as const;

/** How `promise` settled so far: 'pending', { data } or the error. */
function watch(promise: Promise<Uint8Array>): () => unknown {
  let outcome: unknown = 'pending';
  promise.then(
    (data) => (outcome = { data: new TextDecoder().decode(data) }),
    (error: unknown) => (outcome = error),
  );
  return () => outcome;
}

describe.each(implementations.map((i) => [i.name, i] as const))('one recv at a time; close() ends a waiting recv at once (%s)', (_, implementation) => {
  describe.each(transports)('over %s', (_transport, open) => {
    it('a second recv while one waits rejects at once with CONCURRENT_RECV; the first still gets the data', async () => {
      const pair = await open(implementation);
      try {
        const first = watch(pair.client.recv(10));
        const second = watch(pair.client.recv(10));
        await turns(2);
        expect(second()).toBeInstanceOf(TLSError);
        expect(second()).toMatchObject({ message: CONCURRENT_RECV });
        expect(first()).toBe('pending');
        await sendText(pair.server, 'ping');
        // Another recv once the first settled is fine again.
        await expect.poll(first).toEqual({ data: 'ping' });
        await sendText(pair.server, 'pong');
        expect(await recvExactly(pair.client, 4)).toBe('pong');
      } finally {
        await pair.close();
      }
    });

    it.each([false, true])('close(force=%s) rejects a waiting recv with RECV_ENDED_BY_CLOSE before the peer answered', async (force) => {
      const pair = await open(implementation);
      try {
        const waiting = watch(pair.client.recv(10));
        await turns(2);
        const closing = pair.client.close(force);
        // The peer has read nothing yet: the recv ends on close() alone.
        await turns(2);
        expect(waiting()).toBeInstanceOf(TLSError);
        expect(waiting()).toMatchObject({ message: RECV_ENDED_BY_CLOSE });
        // Now the peer answers (data, then its close_notify); the data is not returned to anyone.
        expect(await pair.server.recv(10)).toEqual(new Uint8Array(0));
        await pair.server.send(new TextEncoder().encode('late')).catch(() => 0);
        await pair.server.close();
        await closing;
        expect(waiting()).toMatchObject({ message: RECV_ENDED_BY_CLOSE });
      } finally {
        await pair.close();
      }
    });

    it('a recv called while close(false) waits for the peer rejects at once as closed', async () => {
      const pair = await open(implementation);
      try {
        const closing = pair.client.close(false);
        const late = watch(pair.client.recv(10));
        await turns(2);
        expect(late()).toBeInstanceOf(TLSError);
        expect(late()).toMatchObject({ message: 'recv on a closed TLSSocket' });
        expect(await pair.server.recv(10)).toEqual(new Uint8Array(0));
        await pair.server.close();
        await closing;
      } finally {
        await pair.close();
      }
    });
  });
});
