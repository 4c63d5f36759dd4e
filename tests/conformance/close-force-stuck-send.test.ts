/**
 * close(true) while a send is stuck behind a peer that reads nothing: the close does not wait for
 * the send's bytes to drain (PEP 748: "without waiting for the peer"), and the send rejects.
 *
 * Review 11: tls-node returned at once; tls-openssl and tls-pure (tls-core's BufferSocket) handed
 * close_notify to the transport behind the stuck 32 MiB and waited for it to be written, which
 * only the 5-second close bound (CLOSE_NOTIFY_TIMEOUT_MS) ended. Every client that gives up on a
 * send (SMTP DATA, FTP STOR or IMAP APPEND after a timeout or an abort) paid those 5 seconds.
 *
 * The peer is Python's ssl: it completes the handshake, then reads nothing until its stdin ends,
 * and says when its receive queue has stopped growing. setTimeout is faked from then on, so a close
 * that waits for the 5-second bound never resolves here (the test fails by its own timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TLSError } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const SIZE = 32 * 1024 * 1024;

const SILENT_PEER = `
import fcntl, socket, ssl, struct, sys, termios, time
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
connection, _ = listener.accept()
tls = context.wrap_socket(connection, server_side=True)
print("handshake done", flush=True)
# Reads nothing; says "full" once its receive queue holds bytes and has stopped growing (the
# client's send is then stuck), then waits for its stdin to end.
last, same = -1, 0
while same < 3:
    queued = struct.unpack("i", fcntl.ioctl(tls.fileno(), termios.FIONREAD, bytes(4)))[0]
    same = same + 1 if queued > 0 and queued == last else 0
    last = queued
    time.sleep(0.05)
print("full", flush=True)
sys.stdin.read()
`;

/** Peers still running: a test that times out never reaches its finally, so they are killed here too. */
const peers = new Set<ChildProcess>();

afterEach(() => {
  vi.useRealTimers();
  for (const peer of peers) peer.kill();
  peers.clear();
});

/**
 * pure-noble seals the megabytes that fill the socket and the outgoing buffer with @noble's JavaScript
 * AEAD, about a tenth of node:crypto's speed: on a loaded 2-core machine that alone took more than the
 * default 30 s. The bound stays what makes a waiting close fail (the faked 5-second bound never fires).
 */
const TIMEOUT: Readonly<Record<string, number>> = { 'pure-noble': 120_000 };

describe.each(implementations.map((i) => [i.name, i] as const))('close(true) behind a stuck send (%s)', (name, implementation) => {
  it('resolves without waiting for the send to drain, and the send rejects', { timeout: TIMEOUT[name] }, async () => {
    const peer = spawn('python3', ['-c', SILENT_PEER, pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key')], { stdio: ['pipe', 'pipe', 'inherit'] });
    peers.add(peer);
    const exited = once(peer, 'exit');
    const lines = createInterface({ input: peer.stdout! })[Symbol.asyncIterator]();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const port = Number((await lines.next()).value);
      const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
      expect((await lines.next()).value).toBe('handshake done');
      const sent = socket.send(new Uint8Array(SIZE).fill(0x61)).then(
        () => 'sent',
        (error: unknown) => error,
      );
      expect((await lines.next()).value).toBe('full');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await socket.close(true);
      const outcome = await sent;
      expect(outcome).toBeInstanceOf(TLSError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      vi.useRealTimers();
      process.off('unhandledRejection', onUnhandled);
      peer.stdin!.end();
      peer.kill();
      await exited;
    }
  });
});
