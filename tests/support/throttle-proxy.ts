/**
 * A TCP proxy in front of a real server that reads what the client sends slowly but steadily (at
 * most `bytesPerTick` per tick, or stopping for `stallMs` at each of the `stalls` byte offsets), or
 * stops reading it altogether after `stopAfter` bytes: a slow link, or a server that stopped
 * reading, or cuts the connection after `cutAfter` bytes (a reset or a FIN). What the server sends
 * back passes at once. For the per-piece write deadline of the
 * protocol clients (client-kit's SEND_PIECE).
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { connectTcp } from '@unitls/tls-core';
import type { TransportFactory } from '@unitls/client-kit';

export interface ThrottleOptions {
  /** Bytes of the client's passed on per tick (default Infinity: no throttle). */
  bytesPerTick?: number;
  /** Milliseconds per tick (default 20). */
  tickMs?: number;
  /** After this many bytes of the client's, read none of them any more (default Infinity). */
  stopAfter?: number;
  /** Byte offsets (ascending, over all connections) where the proxy stops reading for `stallMs`. */
  stalls?: readonly number[];
  /** Milliseconds of each stall (default 500). */
  stallMs?: number;
  /**
   * After this many bytes of the client's (over all connections), cut the connection: a TCP reset
   * to the client ('reset', a server that crashed or a middlebox that dropped the session) or a FIN
   * ('fin'), the server's side destroyed. Bytes past it never reach the server.
   */
  cutAfter?: number;
  /** How {@link cutAfter} ends the client's side (default 'reset'). */
  cut?: 'reset' | 'fin';
}

export interface ThrottleProxy {
  port: number;
  /** Bytes of the client's passed on to the server, over all connections. */
  readonly forwarded: number;
  close(): Promise<void>;
}

const open = new Set<ThrottleProxy>();
afterEach(async () => {
  await Promise.all([...open].map((proxy) => proxy.close()));
});

/** Starts a proxy to 127.0.0.1:`targetPort` (closed after each test, or by close()). */
export async function throttleProxy(targetPort: number, options: ThrottleOptions = {}): Promise<ThrottleProxy> {
  const { bytesPerTick = Infinity, tickMs = 20, stopAfter = Infinity, stallMs = 500, cutAfter = Infinity, cut = 'reset' } = options;
  const stalls = [...(options.stalls ?? [])];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<Socket>();
  const throttled = new Set<Socket>();
  let forwarded = 0;
  let budget = bytesPerTick;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      throttled.delete(socket);
    });
  };
  const server = createServer((client) => {
    track(client);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    let ended = false;
    client.on('data', (chunk: Buffer) => {
      // After a 'fin' cut the client's bytes are read and dropped.
      if (ended || client.destroyed) return;
      if (forwarded + chunk.length >= cutAfter) {
        ended = true;
        const passed = chunk.subarray(0, Math.max(0, cutAfter - forwarded));
        forwarded += passed.length;
        upstream.destroy();
        if (cut === 'reset') client.resetAndDestroy();
        else client.end();
        return;
      }
      const room = stopAfter - forwarded;
      const passed = chunk.length <= room ? chunk : chunk.subarray(0, room);
      forwarded += passed.length;
      if (passed.length > 0) upstream.write(passed);
      // Bytes past stopAfter are dropped with the reading: the server never sees them either way.
      if (forwarded >= stopAfter) {
        client.pause();
        return;
      }
      if (stalls.length > 0 && forwarded >= stalls[0]!) {
        stalls.shift();
        client.pause();
        // The stall is a duration by nature: the proxy reads again after stallMs.
        const timer = setTimeout(() => {
          timers.delete(timer);
          client.resume();
        }, stallMs);
        timers.add(timer);
        return;
      }
      budget -= passed.length;
      if (budget <= 0) {
        client.pause();
        throttled.add(client);
      }
    });
  });
  // A rate, not a synchronisation: each tick lets the next bytesPerTick through.
  const ticker = Number.isFinite(bytesPerTick)
    ? setInterval(() => {
        budget = bytesPerTick;
        for (const socket of throttled) socket.resume();
        throttled.clear();
      }, tickMs)
    : null;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let closing: Promise<void> | null = null;
  const proxy: ThrottleProxy = {
    port: (server.address() as { port: number }).port,
    get forwarded() {
      return forwarded;
    },
    close() {
      closing ??= (async () => {
        open.delete(proxy);
        if (ticker !== null) clearInterval(ticker);
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
  open.add(proxy);
  return proxy;
}

/**
 * An FTP client's transport (the `transport` option) whose data connections each go through a
 * proxy of their own made by `proxy` (the port a PASV/EPSV reply names is not known before), the
 * control connection to `controlPort` straight, or through `control` when given. For a server's
 * data connection that stops reading, reads slowly, or is cut.
 */
export function proxiedData<P extends { port: number }>(
  controlPort: number,
  proxy: (target: number) => Promise<P>,
  control?: { port: number },
): TransportFactory & { readonly proxies: P[] } {
  const proxies: P[] = [];
  const factory = async ({ host, port }: { host: string; port: number }, { signal }: { signal: AbortSignal }) => {
    if (port === controlPort) return control === undefined ? connectTcp(host, port, signal) : connectTcp('127.0.0.1', control.port, signal);
    const made = await proxy(port);
    proxies.push(made);
    return connectTcp('127.0.0.1', made.port, signal);
  };
  return Object.assign(factory, { proxies });
}

/** {@link proxiedData} through a {@link throttleProxy} with `options` per data connection. */
export function throttledData(controlPort: number, options: ThrottleOptions): TransportFactory & { readonly proxies: ThrottleProxy[] } {
  return proxiedData(controlPort, (target) => throttleProxy(target, options));
}
