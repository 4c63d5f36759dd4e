import type { TLSSocket } from '@unitls/tls-core';

/** A TLSSocket whose recvInto (tls-core's optional extension) a test may watch. */
export type IntoSocket = TLSSocket & { recvInto?(buffer: Uint8Array): Promise<number> };

/**
 * Wraps `socket.recvInto` to count what goes through it: `calls` when each starts, `done` when it
 * returned, the `bytes` received that way and each target memory (`into`). A socket without its
 * own recvInto gets a recv-and-copy stand-in, so a client that needs one uses it on every
 * implementation.
 */
export function watchRecvInto(socket: IntoSocket): { calls: number; done: number; bytes: number; into: Uint8Array[] } {
  const own = socket.recvInto?.bind(socket);
  const seen = { calls: 0, done: 0, bytes: 0, into: [] as Uint8Array[] };
  socket.recvInto = async (buffer: Uint8Array) => {
    seen.calls++;
    seen.into.push(buffer);
    let count: number;
    if (own !== undefined) count = await own(buffer);
    else {
      const data = await socket.recv(buffer.length);
      buffer.set(data);
      count = data.length;
    }
    seen.done++;
    seen.bytes += count;
    return count;
  };
  return seen;
}
