/**
 * close(force=true) bounds how long it reads and drops the peer's last bytes (FORCED_CLOSE_FLUSH_MS,
 * 1 s) with a timer. Once the socket has closed, the timer must go too: left running it kept every
 * closed socket (its TLS state, buffers and listeners) alive for the rest of that second, which a
 * server closing many connections pays as memory. Both ends: NativeEnd (TCP transports) and
 * WatchedTransport (any other Duplex, node:tls's JavaScript path).
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { NativeEnd } from '../src/native-end.js';
import { WatchedTransport, tlsOver, type StreamEnd } from '../src/transport.js';

/** A bound no test run reaches: the timer can only go by being cleared. */
const BOUND_MS = 600_000;

/** A Duplex over a TCP socket that is not a net.Socket (node:tls's JavaScript path). */
class Relay extends Duplex {
  constructor(readonly tcp: Socket) {
    super({ allowHalfOpen: true });
    tcp.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) tcp.pause();
    });
    tcp.on('end', () => this.push(null));
    tcp.on('close', () => this.destroy());
  }
  override _read(): void {
    this.tcp.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.tcp.write(chunk, callback);
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.tcp.end();
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.tcp.destroy();
    callback(error);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('close(force=true)', () => {
  for (const path of ['native', 'watched'] as const) {
    it(`clears its bound's timer once the socket closed (${path === 'native' ? 'NativeEnd' : 'WatchedTransport'})`, async () => {
      const authority = await createAuthority({ name: 'forced close timer CA' });
      const leaf = await issueCertificate(authority, { names: ['localhost'] });
      // The server answers close_notify with its own and its FIN (node:tls, not half-open).
      const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
        socket.on('error', () => {});
        socket.resume();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const tcp = netConnect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
      try {
        await once(tcp, 'connect');
        const transport = path === 'native' ? tcp : new Relay(tcp);
        const { socket, end } = tlsOver(transport, (stream) => tls.connect({ socket: stream, servername: 'localhost', ca: authority.certPem }));
        expect(end).toBeInstanceOf(path === 'native' ? NativeEnd : WatchedTransport);
        await once(socket, 'secureConnect');
        const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
        const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout');
        const closed = once(socket, 'close');
        await (end as StreamEnd).closeForcefully(socket, BOUND_MS);
        const bound = setTimeoutSpy.mock.calls.findIndex((call) => call[1] === BOUND_MS);
        expect(bound).toBeGreaterThanOrEqual(0);
        const timer = setTimeoutSpy.mock.results[bound]!.value as NodeJS.Timeout;
        // The peer's FIN ends it (long before the bound); the timer goes in the same 'close'.
        await closed;
        expect(clearTimeoutSpy.mock.calls.some((call) => call[0] === timer)).toBe(true);
      } finally {
        tcp.destroy();
        server.close();
        await once(server, 'close');
      }
    });
  }
});
