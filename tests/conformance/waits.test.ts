/**
 * Every wait is bounded (issue #14 item 15), on every implementation: connect's `timeout` covers
 * the TCP connect and the handshake together, and the caller's signal ends either wait with its
 * own reason (an already-aborted one before any connection), on connect and startTls.
 */
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { ConnectTimeoutError, SERVER_HANDSHAKE_TIMEOUT_MS, TLSError, connectTcp, deadlineSignal, startTls } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { blackhole, silentServer } from '../support/silent-server.js';
import { conformanceImplementations as implementations } from './implementations.js';

describe.each(implementations.map((i) => [i.name, i] as const))('timeouts bound every wait (%s)', (_, implementation) => {
  it('timeout covers the TCP connect (a peer whose accept queue is full)', async () => {
    const hole = await blackhole();
    try {
      const context = new implementation.clientContext(clientConfig());
      await expect(context.connect({ host: '127.0.0.1', port: hole.port }, { serverHostname: 'localhost', timeout: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      await hole.close();
    }
  });

  it('timeout covers the handshake (a server that accepts TCP and never answers)', async () => {
    const silent = await silentServer();
    try {
      const context = new implementation.clientContext(clientConfig());
      await expect(context.connect({ host: '127.0.0.1', port: silent.port }, { serverHostname: 'localhost', timeout: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      await silent.close();
    }
  });
});

/** A connect's rejection: what the tests below compare (the shape, the same on every implementation). */
async function failure(pending: Promise<unknown>): Promise<{ name: string; isDOMException: boolean; message: string; cause: unknown; typed: unknown }> {
  const error = (await pending.then(
    () => {
      throw new Error('connected, though it should have failed');
    },
    (e: unknown) => e,
  )) as Error;
  // review14: the connect's own timeout is a ConnectTimeoutError, with the mail clients' fields.
  const typed = error instanceof ConnectTimeoutError ? { timeout: error.timeout, phase: error.phase, code: error.code } : null;
  return { name: error.name, isDOMException: error instanceof DOMException, message: error.message, cause: error.cause, typed };
}

// A bare "The operation was aborted due to timeout" did not say what timed out, where, or in which phase.
describe.each(implementations.map((i) => [i.name, i] as const))('a timeout or abort says what it ended (%s)', (_, implementation) => {
  it('timeout during the TCP connect: a TimeoutError naming the address, the timeout and the phase; the timer\'s reason as cause', async () => {
    const hole = await blackhole();
    try {
      const context = new implementation.clientContext(clientConfig());
      const error = await failure(context.connect({ host: '127.0.0.1', port: hole.port }, { serverHostname: 'localhost', timeout: 200 }));
      expect(error).toMatchObject({ name: 'TimeoutError', isDOMException: true, message: `connect to 127.0.0.1:${hole.port} timed out after 200 ms during the TCP connect` });
      expect(error.typed).toEqual({ timeout: 200, phase: 'connect', code: 23 });
      expect(error.cause).toMatchObject({ name: 'TimeoutError' });
    } finally {
      await hole.close();
    }
  });

  it('timeout during the handshake (the server accepts TCP and never answers): the same shape, phase "the TLS handshake"', async () => {
    const silent = await silentServer();
    try {
      const context = new implementation.clientContext(clientConfig());
      const error = await failure(context.connect({ host: '127.0.0.1', port: silent.port }, { serverHostname: 'localhost', timeout: 200 }));
      expect(error).toMatchObject({ name: 'TimeoutError', isDOMException: true, message: `connect to 127.0.0.1:${silent.port} timed out after 200 ms during the TLS handshake` });
      expect(error.typed).toEqual({ timeout: 200, phase: 'tls-handshake', code: 23 });
      expect(error.cause).toMatchObject({ name: 'TimeoutError' });
    } finally {
      await silent.close();
    }
  });

  it('a signal from AbortSignal.timeout: a TimeoutError naming address and phase, the signal\'s reason as cause', async () => {
    const silent = await silentServer();
    try {
      const signal = AbortSignal.timeout(200);
      const context = new implementation.clientContext(clientConfig());
      const error = await failure(context.connect({ host: '127.0.0.1', port: silent.port }, { serverHostname: 'localhost', signal }));
      expect(error).toMatchObject({ name: 'TimeoutError', isDOMException: true });
      expect(error.message).toMatch(new RegExp(`^connect to 127\\.0\\.0\\.1:${silent.port} timed out during the TLS handshake \\(its signal's TimeoutError: `));
      expect(error.cause).toBe(signal.reason);
      expect(error.typed).toBeNull(); // the signal's timeout is not known: a plain DOMException
    } finally {
      await silent.close();
    }
  });

  it('abort() without a reason while the server is silent: an AbortError naming address and phase, the signal\'s reason as cause', async () => {
    const silent = await silentServer();
    try {
      const controller = new AbortController();
      const pending = failure(new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port: silent.port }, { serverHostname: 'localhost', signal: controller.signal }));
      while (silent.held.length === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      const error = await pending;
      expect(error).toMatchObject({ name: 'AbortError', isDOMException: true, message: `connect to 127.0.0.1:${silent.port} aborted by its signal during the TLS handshake` });
      expect(error.cause).toBe(controller.signal.reason);
    } finally {
      await silent.close();
    }
  });

  it('startTls whose server never answers: a TimeoutError naming the upgrade and the server name', async () => {
    const silent = await silentServer();
    const plain = netConnect(silent.port, '127.0.0.1');
    try {
      await once(plain, 'connect');
      const context = new implementation.clientContext(clientConfig());
      const error = await failure(startTls(context, plain, { serverHostname: 'localhost', timeout: 200 }));
      expect(error).toMatchObject({ name: 'TimeoutError', isDOMException: true, message: 'TLS upgrade (STARTTLS) of the connection to localhost timed out after 200 ms during the TLS handshake' });
      expect(error.typed).toEqual({ timeout: 200, phase: 'tls-handshake', code: 23 });
    } finally {
      plain.destroy();
      await silent.close();
    }
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('signals end every wait (%s)', (_, implementation) => {
  it('rejects connect with the reason of a signal aborted during the TCP connect', async () => {
    const hole = await blackhole();
    try {
      const controller = new AbortController();
      const reason = new Error('no answer to our SYN');
      const pending = new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port: hole.port }, { serverHostname: 'localhost', signal: controller.signal });
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    } finally {
      await hole.close();
    }
  });

  it('rejects connect with an already-aborted signal’s own reason', async () => {
    const silent = await silentServer();
    try {
      const reason = new Error('the caller gave up before starting');
      const context = new implementation.clientContext(clientConfig());
      await expect(context.connect({ host: '127.0.0.1', port: silent.port }, { serverHostname: 'localhost', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    } finally {
      await silent.close();
    }
  });

  it('rejects connect with the reason of a signal aborted while the server is silent', async () => {
    const silent = await silentServer();
    try {
      const controller = new AbortController();
      const reason = new Error('enough');
      const pending = new implementation.clientContext(clientConfig()).connect(
        { host: '127.0.0.1', port: silent.port },
        { serverHostname: 'localhost', signal: controller.signal },
      );
      while (silent.held.length === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    } finally {
      await silent.close();
    }
  });

  it('rejects startTls with an already-aborted signal’s own reason, leaving the socket untouched', async () => {
    const silent = await silentServer();
    const plain = netConnect(silent.port, '127.0.0.1');
    try {
      await once(plain, 'connect');
      const reason = new Error('no upgrade after all');
      const context = new implementation.clientContext(clientConfig());
      await expect(startTls(context, plain, { serverHostname: 'localhost', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(plain.destroyed).toBe(false);
    } finally {
      plain.destroy();
      await silent.close();
    }
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('the server bounds every handshake (%s)', (_, implementation) => {
  it('a client that connects and never sends a ClientHello is dropped after SERVER_HANDSHAKE_TIMEOUT_MS; accept() says why', async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    const accepted = listener.accept().then(() => null, (error: unknown) => error);
    // Before the connection, so that the server's deadline for it is a fake timer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const silent = netConnect(listener.getsockname()!.port, '127.0.0.1');
      silent.on('error', () => {});
      let dropped = false;
      silent.on('close', () => (dropped = true));
      // The server sees the connection a moment after the client does: advance until it is dropped.
      await vi.waitFor(() => {
        vi.advanceTimersByTime(SERVER_HANDSHAKE_TIMEOUT_MS);
        expect(dropped).toBe(true);
      }, { timeout: 20_000, interval: 20 });
    } finally {
      vi.useRealTimers();
    }
    const error = await accepted;
    expect(error).toBeInstanceOf(TLSError);
    expect(String((error as Error).message)).toMatch(/did not finish the TLS handshake within 120000 ms/);
    await listener.close();
  });
});

// review14: tls-core's connectTcp rejected with the timer's bare "The operation was aborted due to
// timeout"; a deadlineSignal's own timeout is now a ConnectTimeoutError naming the address and phase.
describe("tls-core's connectTcp", () => {
  it('timeout during the TCP connect: a ConnectTimeoutError with phase connect and the timeout', async () => {
    const hole = await blackhole();
    try {
      const error = await failure(connectTcp('127.0.0.1', hole.port, deadlineSignal(undefined, 200)));
      expect(error).toMatchObject({ name: 'TimeoutError', isDOMException: true, message: `connect to 127.0.0.1:${hole.port} timed out after 200 ms during the TCP connect` });
      expect(error.typed).toEqual({ timeout: 200, phase: 'connect', code: 23 });
      expect(error.cause).toMatchObject({ name: 'TimeoutError' });
    } finally {
      await hole.close();
    }
  });

  it("a caller's own abort reason is passed on as it is", async () => {
    const hole = await blackhole();
    try {
      const controller = new AbortController();
      const reason = new Error('given up');
      const pending = connectTcp('127.0.0.1', hole.port, controller.signal).catch((e: unknown) => e);
      controller.abort(reason);
      expect(await pending).toBe(reason);
    } finally {
      await hole.close();
    }
  });
});
