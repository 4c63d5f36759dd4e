/**
 * close(true) right after a large send: the bytes the kernel still holds for the peer, and our
 * close_notify after them, must reach it. Destroying the transport while bytes from the peer sit
 * unread in the kernel (here: TLS 1.3 session tickets, which arrive while the send runs without an
 * event-loop turn to read them) makes TCP send a reset and drop everything not yet delivered: the
 * peer (Python's ssl) saw a few hundred KiB of 1 MiB, then an EOF without close_notify.
 *
 * The same over a caller's JavaScript Duplex (startTls on a tunnel-like transport): tls-node takes
 * another path there (its WatchedTransport, also the path on Bun and Deno), which destroyed the
 * transport once close_notify was handed to it. It reads as long as the client does, so what
 * stayed unread there is the peer's data the client never asked for: a peer that first sends
 * 512 KiB ("talking") left the client's reads paused and part of those bytes in its kernel, and
 * the destroy truncated what the peer got the same way.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTls, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { jsTransport } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const SCRIPT = fileURLToPath(new URL('../support/python/close_peer.py', import.meta.url));
const SIZE = 1024 * 1024;

/** How the client reaches the peer: its own connect, or startTls over a caller's JavaScript Duplex. */
type Opening = 'connect' | 'duplex';

async function open(implementation: TLSImplementation, port: number, opening: Opening): Promise<TLSSocket> {
  const context = new implementation.clientContext(clientConfig());
  if (opening === 'connect') return context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
  const tcp = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(tcp, 'connect');
  return startTls(context, jsTransport(tcp), { serverHostname: 'localhost' });
}

/** What Python's observe-server received from one connection that sends SIZE bytes, then close(true). */
async function sendThenForceClose(implementation: TLSImplementation, opening: Opening, peer: 'quiet' | 'talking' = 'quiet'): Promise<{ received: number; end: string }> {
  const child = spawn('python3', [SCRIPT, peer === 'talking' ? 'observe-server-talking' : 'observe-server', pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), pki.path('root')]);
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  try {
    const port = Number((await lines.next()).value);
    const socket = await open(implementation, port, opening);
    await socket.send(new Uint8Array(SIZE).fill(0x61));
    await socket.close(true);
    const line = await lines.next();
    if (line.done) throw new Error(`close_peer.py printed nothing: ${Buffer.concat(stderr).toString()}`);
    const seen = JSON.parse(line.value) as { data: string; end: string };
    return { received: seen.data.length, end: seen.end };
  } finally {
    child.kill();
    await exited;
  }
}

// Each round starts a Python peer: ~5 s a round at load 30 on 2 cores, where 60 s for five rounds timed
// out twice in session 14 (a bound, not a measurement).
describe.each(implementations)('$name: close(true) with sent bytes still in flight', (implementation: TLSImplementation) => {
  it.each(['connect', 'duplex'] as const)('delivers every byte sent, then close_notify (five connections; %s)', async (opening) => {
    for (let round = 0; round < 5; round++) {
      expect(await sendThenForceClose(implementation, opening)).toEqual({ received: SIZE, end: 'close_notify' });
    }
  }, 180_000);

  it.each(['connect', 'duplex'] as const)('delivers every byte sent, then close_notify, while the peer\'s own data sits unread (three connections; %s)', async (opening) => {
    for (let round = 0; round < 3; round++) {
      expect(await sendThenForceClose(implementation, opening, 'talking')).toEqual({ received: SIZE, end: 'close_notify' });
    }
  }, 180_000);
});
