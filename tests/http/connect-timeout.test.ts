/**
 * review14: an HTTP connection's `timeout` that passed while connecting was an HTTPException
 * (code ETIMEDOUT) whose message, for the TCP connect, was the timer's bare "The operation was
 * aborted due to timeout". It is now an HTTPTimeoutError as the mail clients' timeout errors are:
 * named 'TimeoutError', with `timeout` (ms) and `phase` ('connect' / 'tls-handshake'), the message
 * naming the address and the phase, tls-core's ConnectTimeoutError as `cause`; still an
 * HTTPException with code ETIMEDOUT.
 */
import { describe, expect, it } from 'vitest';
import { HTTPConnection, HTTPException, HTTPSConnection, HTTPTimeoutError } from '@unitls/http';
import { ConnectTimeoutError } from '@unitls/tls-core';
import { timeoutFailure } from './timeout-failure.js';
import { clientConfig } from '../support/fixtures.js';
import { blackhole, silentServer } from '../support/silent-server.js';
import { implementations } from '../conformance/implementations.js';

describe('HTTPConnection whose timeout passes while connecting', () => {
  it('during the TCP connect (a peer whose accept queue is full): phase connect', async () => {
    const hole = await blackhole();
    try {
      await using connection = new HTTPConnection('127.0.0.1', { port: hole.port, timeout: 200 });
      const error = await timeoutFailure(connection);
      expect(error).toBeInstanceOf(HTTPTimeoutError);
      expect(error).toBeInstanceOf(HTTPException);
      expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', phase: 'connect', timeout: 200 });
      expect(error.message).toBe(`connecting to 127.0.0.1:${hole.port} failed: connect to 127.0.0.1:${hole.port} timed out after 200 ms during the TCP connect`);
      expect(error.cause).toBeInstanceOf(ConnectTimeoutError);
    } finally {
      await hole.close();
    }
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection over %s whose timeout passes while connecting', (_, implementation) => {
  it('during the TLS handshake (a server that accepts TCP and never answers): phase tls-handshake', async () => {
    const silent = await silentServer();
    try {
      // 1500 ms: the timeout covers the TCP connect too, which took over 200 ms at load 39.
      await using connection = new HTTPSConnection('127.0.0.1', { port: silent.port, timeout: 1500, implementation, configuration: clientConfig(), serverHostname: 'localhost' });
      const error = await timeoutFailure(connection);
      expect(error).toBeInstanceOf(HTTPTimeoutError);
      expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', phase: 'tls-handshake', timeout: 1500 });
      expect(error.message).toBe(`connecting to 127.0.0.1:${silent.port} failed: connect to 127.0.0.1:${silent.port} timed out after 1500 ms during the TLS handshake`);
      expect(error.cause).toBeInstanceOf(ConnectTimeoutError);
    } finally {
      await silent.close();
    }
  });
});
