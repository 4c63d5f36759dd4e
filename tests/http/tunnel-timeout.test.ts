/**
 * ux16: a proxy that accepted the TCP connection and never answered CONNECT ended the request with
 * a plain HTTPException (code ETIMEDOUT, the deadline's bare DOMException as its cause), where the
 * rest of the HTTP client (the TCP connect, the TLS handshake) raises HTTPTimeoutError: named
 * 'TimeoutError', with `timeout` and `phase`. Now the tunnel's set-up is phase 'tunnel', and a caller's own signal is still its reason.
 */
import { describe, expect, it } from 'vitest';
import { HTTPConnection, HTTPException, HTTPSConnection, HTTPTimeoutError } from '@unitls/http';
import { timeoutFailure } from './timeout-failure.js';
import { clientConfig } from '../support/fixtures.js';
import { silentServer } from '../support/silent-server.js';

describe('a CONNECT proxy that never answers', () => {
  it.each([
    ['HTTPConnection', (port: number) => new HTTPConnection('127.0.0.1', { port, timeout: 400 })],
    ['HTTPSConnection', (port: number) => new HTTPSConnection('127.0.0.1', { port, timeout: 400, configuration: clientConfig() })],
  ])('%s: HTTPTimeoutError, phase tunnel, naming the proxy and the tunnel target', async (_, make) => {
    const proxy = await silentServer();
    try {
      await using connection = make(proxy.port);
      connection.setTunnel('origin.test', 443);
      const error = await timeoutFailure(connection);
      expect(error).toBeInstanceOf(HTTPTimeoutError);
      expect(error).toBeInstanceOf(HTTPException);
      expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', phase: 'tunnel', timeout: 400 });
      expect(error.message).toMatch(/^connecting to [^ ]+ failed: the proxy 127\.0\.0\.1:(\d+) did not answer CONNECT origin\.test:443 before the 400 ms timeout$/);
      expect(error.message).toContain(`the proxy 127.0.0.1:${proxy.port} `);
      expect(error.cause).toMatchObject({ name: 'TimeoutError' });
      expect(proxy.held.length).toBe(1);
      // The connection to the proxy was closed, not left open.
      const held = proxy.held[0]!;
      const closed = new Promise<void>((resolve) => (held.destroyed ? resolve() : held.once('close', () => resolve())));
      held.resume(); // read, so the client's FIN is seen
      await closed;
    } finally {
      await proxy.close();
    }
  });
});

describe("a CONNECT proxy that never answers, with the caller's signal firing first", () => {
  it('rejects with what the signal says, not as the connection timeout', async () => {
    const proxy = await silentServer();
    try {
      const controller = new AbortController();
      await using connection = new HTTPConnection('127.0.0.1', { port: proxy.port, timeout: 60_000, signal: controller.signal });
      connection.setTunnel('origin.test', 443);
      connection.request('GET', '/');
      const response = connection.getresponse();
      while (proxy.held.length === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new Error('stop'));
      const error = await response.then(() => null, (e: unknown) => e);
      expect(error).not.toBeInstanceOf(HTTPTimeoutError);
    } finally {
      await proxy.close();
    }
  });
});
