/**
 * The TCP connection every client opens before TLS (or instead of it).
 *
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connectOperation, describeAbort } from './deadline.js';

/**
 * A TCP connection without Nagle delay (protocol commands are small and latency-bound), or the
 * connect error; `signal` (e.g. a deadline) destroys the attempt.
 *
 * @throws the socket's connect error (ECONNREFUSED, ENOTFOUND...) as Node gives it, or the
 *   signal's reason when it aborts first: a stock one described ("connect to example.org:25 timed
 *   out after 5000 ms during the TCP connect", a {@link ConnectTimeoutError} with phase 'connect'
 *   when the signal is a deadlineSignal's own timeout; see describeAbort), the caller's own as it is.
 */
export async function connectTcp(host: string, port: number, signal: AbortSignal | undefined): Promise<Socket> {
  const socket = netConnect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    const abort = () => {
      socket.destroy();
      reject(describeAbort(signal!.reason, signal, { operation: connectOperation({ host, port }), phase: 'TCP connect' }));
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      signal?.removeEventListener('abort', abort);
      socket.off('error', reject);
      resolve();
    });
    socket.once('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    });
  });
  return socket;
}
