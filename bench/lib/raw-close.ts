// How the raw node:tls anchor closes a client connection: the same work on the wire as a unitls
// client's close(true) (tls-core's dropTransport, tls-node's closeForcefully), so a row that
// counts closes compares like with like. No unitls import: bench/probes/handshake-ab.ts loads it
// in children that resolve @unitls/* from another checkout.
import type { TLSSocket } from 'node:tls';

/**
 * Sends close_notify and FIN (node:tls's end() runs SSL_shutdown before the TCP shutdown) and
 * resolves once they are handed to the kernel, as unitls's close(true) does; the peer's
 * close_notify and FIN are read after, then the socket is destroyed. destroy(), used until
 * session 16, sent no close_notify: the server then met a bare FIN (and a reset when it answered),
 * less work on both ends than the unitls rows did.
 */
export function endRaw(socket: TLSSocket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.on('error', () => {});
    socket.once('end', () => socket.destroy());
    socket.once('close', () => resolve());
    socket.once('finish', () => resolve());
    socket.resume();
    socket.end();
  });
}
