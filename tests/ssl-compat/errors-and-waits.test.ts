/**
 * ssl-compat's error mapping never crashes and keeps network errors as node:tls gives them, and the
 * drop-in connect's `timeout` and `signal` end the wait for TCP connect plus handshake
 * (issue #19 item 6, issue #14 item 15).
 */
import { once } from 'node:events';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateVerificationError, TLSError } from '@unitls/tls-core';
import { connect, fromNodeError, UnsupportedOptionError } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';
import { silentServer } from '../support/silent-server.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('fromNodeError', () => {
  it('survives the timeout that crashed the drop-in connect (a DOMException with a numeric code)', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(typeof (timeout as unknown as { code: unknown }).code).toBe('number');
    expect(fromNodeError(timeout)).toBe(timeout);
    const numeric = Object.assign(new Error('odd'), { code: 23 });
    expect(fromNodeError(numeric)).toBeInstanceOf(TLSError);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])(
    'keeps the network error %s as node:tls gives it (class and code)',
    (code) => {
      const error = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, errno: -1, syscall: 'connect' });
      expect(fromNodeError(error)).toBe(error);
      expect(fromNodeError(Object.assign(new Error('socket hang up'), { code }))).toMatchObject({ code });
    },
  );

  it('never throws, whatever the error looks like (property over error shapes)', () => {
    const hostile = fc.constant(
      Object.defineProperty(new Error('hostile'), 'code', {
        get() {
          throw new Error('getter');
        },
      }),
    );
    const codes = fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), fc.constant(null), fc.object(), fc.constantFrom('CERT_HAS_EXPIRED', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ECONNREFUSED', '__proto__', 'toString'));
    const errorShapes = fc.oneof(
      fc.anything(),
      fc.record({ message: fc.string(), code: codes, syscall: fc.option(fc.string()), reason: fc.anything() }).map((fields) => Object.assign(new Error(fields.message), fields)),
      fc.tuple(fc.string(), fc.string()).map(([message, name]) => new DOMException(message, name)),
      hostile,
    );
    fc.assert(
      fc.property(errorShapes, (shape) => {
        const mapped = fromNodeError(shape);
        expect(mapped).toBeInstanceOf(Error);
        if (shape instanceof TLSError) expect(mapped).toBe(shape);
      }),
      { numRuns: 500 },
    );
  });

  it('still maps what is TLS’s', () => {
    expect(fromNodeError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }))).toBeInstanceOf(CertificateVerificationError);
  });
});

describe('drop-in connect waits', () => {
  it('connect({ timeout }) against a server that never answers: a timeout event and a TimeoutError, the process lives on', async () => {
    const silent = await silentServer();
    servers.push(silent);
    const socket = connect({ host: '127.0.0.1', port: silent.port, servername: 'localhost', ca: pki.pem('root'), timeout: 100 });
    const events: string[] = [];
    for (const name of ['timeout', 'error', 'close']) socket.on(name, () => events.push(name));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const [error] = (await once(socket, 'error')) as [Error];
    await closed;
    expect(error.name).toBe('TimeoutError');
    expect(events).toEqual(['timeout', 'error', 'close']);
    expect(socket.destroyed).toBe(true);
  });

  it('signal ends the wait with its reason, also when aborted before the call', async () => {
    const silent = await silentServer();
    servers.push(silent);
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    const socket = connect({ host: '127.0.0.1', port: silent.port, servername: 'localhost', ca: pki.pem('root'), signal: controller.signal });
    while (silent.held.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(reason);
    const [error] = (await once(socket, 'error')) as [Error];
    expect(error).toBe(reason);

    const early = AbortSignal.abort(new Error('already'));
    const before = silent.held.length;
    const refused = connect({ host: '127.0.0.1', port: silent.port, servername: 'localhost', ca: pki.pem('root'), signal: early });
    const [earlyError] = (await once(refused, 'error')) as [Error];
    expect(earlyError).toBe(early.reason);
    expect(silent.held.length).toBe(before);
  });

  it('keeps ECONNREFUSED as node:tls gives it', async () => {
    const probe = await silentServer();
    const port = probe.port;
    await probe.close();
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.pem('root') });
    const [error] = (await once(socket, 'error')) as [Error & { code?: string }];
    expect(error.code).toBe('ECONNREFUSED');
    expect(error).not.toBeInstanceOf(TLSError);
  });

  it('refuses a timeout that is not a number of milliseconds, at once (node:tls: ERR_OUT_OF_RANGE, thrown)', () => {
    expect(() => connect({ host: '127.0.0.1', port: 1, timeout: -5 })).toThrow(UnsupportedOptionError);
  });
});
